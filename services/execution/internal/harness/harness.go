// Package harness runs a user's solution against a question's test cases
// inside the sandbox and judges it.
//
// A small driver per language (drivers/, embedded) is the sandbox's main
// program. It reads one JSON job from stdin (the user's code, the
// signature's types and the cases' inputs: never the expected values),
// loads the user's code under its own file name (solution.py,
// solution.js), calls the function once per case with the arguments
// converted to the signature's types (ListNode, TreeNode, ...), and writes
// one result line per case. The user's prints go to that case's buffer,
// not into the results.
//
// Framing: every result line is "<nonce> <json>", where the nonce is 128
// random bits made per run and passed on stdin, which the driver consumes
// before the user's code loads. Lines without it (anything the user writes
// to fd 1 directly) are ignored. Forging a line would gain nothing anyway:
// the expected values never enter the sandbox, and comparison
// (signature.Compare.Equal) and the verdict happen here, in Go.
package harness

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/peerprep/peerprep/libs/signature"
	"github.com/peerprep/peerprep/services/execution/internal/sandbox"
)

//go:embed drivers/driver.py drivers/driver.js
var drivers embed.FS

// Verdict is how a run is judged.
type Verdict string

// The verdicts.
const (
	Accepted            Verdict = "accepted"
	WrongAnswer         Verdict = "wrong_answer"
	RuntimeError        Verdict = "runtime_error"
	TimeLimit           Verdict = "time_limit"
	MemoryLimit         Verdict = "memory_limit"
	UnsupportedLanguage Verdict = "unsupported_language"
	InternalError       Verdict = "internal_error"
)

// StdoutLimit is how much of one case's prints is kept.
const StdoutLimit = 8 << 10

// OutputLimit is the sandbox's cap on the driver's whole stdout (results
// and prints), to be set on the interpreters the harness runs: 50 cases
// with 64 KiB values fit.
const OutputLimit = 4 << 20

// Interpreter runs a program in the sandbox (*sandbox.Interpreter).
type Interpreter interface {
	Run(ctx context.Context, p sandbox.Program) (sandbox.Result, error)
}

// Case is one test case: the arguments as a JSON array, and the expected
// return value.
type Case struct {
	Input    json.RawMessage
	Expected json.RawMessage
	Hidden   bool
}

// Job is one run of a solution.
type Job struct {
	Language  string
	Signature signature.Signature
	Compare   signature.Compare
	Code      string
	Cases     []Case
	// Custom: Cases holds one case of the user's own input, with no
	// expected value; it passes when it runs without error.
	Custom bool
	// Time is the wall-time limit of the whole batch; zero takes the
	// interpreter's.
	Time time.Duration
}

// Error is a runtime error in the user's code. Line is in the user's
// file; nil when it is not known.
type Error struct {
	Type    string `json:"type"`
	Message string `json:"message,omitempty"`
	Line    *int   `json:"line"`
}

// CaseResult is one case as the API shows it: a hidden case carries only
// its index and whether it passed.
type CaseResult struct {
	Index     int             `json:"index"`
	Hidden    bool            `json:"hidden"`
	Custom    bool            `json:"custom,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	Expected  json.RawMessage `json:"expected,omitempty"`
	Actual    json.RawMessage `json:"actual,omitempty"`
	Passed    *bool           `json:"passed"`
	TimeMS    *float64        `json:"time_ms,omitempty"`
	Stdout    *string         `json:"stdout,omitempty"`
	Truncated bool            `json:"stdout_truncated,omitempty"`
	Error     *Error          `json:"error,omitempty"`
}

// Result is a judged run.
type Result struct {
	Verdict           Verdict
	Message           string
	Cases             []CaseResult
	FirstFailedHidden *int
	Error             *Error // the first runtime error (type and line only when in a hidden case)
	TimeMS            float64
	MemoryBytes       uint64
}

// Harness judges solutions with one interpreter per runnable language.
type Harness struct {
	interpreters map[string]Interpreter
}

// New returns a harness running the languages of interpreters
// ("python", "javascript").
func New(interpreters map[string]Interpreter) *Harness {
	return &Harness{interpreters: interpreters}
}

// Runs reports whether language can run.
func (h *Harness) Runs(language string) bool { return h.interpreters[language] != nil }

// languageNames spell languages in messages.
var languageNames = map[string]string{"python": "Python", "javascript": "JavaScript", "java": "Java", "cpp": "C++", "go": "Go"}

// Unsupported is the result for a language that cannot run.
func Unsupported(language string) Result {
	name := languageNames[language]
	if name == "" {
		name = language
	}
	return Result{Verdict: UnsupportedLanguage, Message: "running " + name + " is not available yet", Cases: []CaseResult{}}
}

// input is what the driver reads on stdin.
type input struct {
	Nonce       string            `json:"nonce"`
	Code        string            `json:"code"`
	Function    string            `json:"function"`
	Params      []signature.Type  `json:"params"`
	Returns     signature.Type    `json:"returns"`
	Cases       []json.RawMessage `json:"cases"`
	StdoutLimit int               `json:"stdout_limit"`
}

// frame is one line the driver writes.
type frame struct {
	I         *int            `json:"i"`
	Loaded    bool            `json:"loaded"`
	Done      bool            `json:"done"`
	Fatal     *Error          `json:"fatal"`
	Value     json.RawMessage `json:"value"`
	Error     *Error          `json:"error"`
	MS        float64         `json:"ms"`
	Stdout    string          `json:"stdout"`
	Truncated bool            `json:"truncated"`
}

// Run runs job and judges it. The error is for ctx ending or the harness
// failing, never for what the user's code does.
//
// The visible cases and the hidden ones run in two sandboxes, one after
// the other, within the job's one time limit: what the API shows of a run
// (prints, values, error messages) comes only from a process that never
// had a hidden input, which the user's code could otherwise find in the
// driver's memory and print during a visible case.
func (h *Harness) Run(ctx context.Context, job Job) (Result, error) {
	in := h.interpreters[job.Language]
	if in == nil {
		return Unsupported(job.Language), nil
	}
	driver, err := drivers.ReadFile(map[string]string{"python": "drivers/driver.py", "javascript": "drivers/driver.js"}[job.Language])
	if err != nil {
		return Result{}, fmt.Errorf("harness: no driver for %s", job.Language)
	}
	var visible, hidden []int
	for i, c := range job.Cases {
		if c.Hidden {
			hidden = append(hidden, i)
		} else {
			visible = append(visible, i)
		}
	}
	// One deadline for both batches; without a Time, each batch has the
	// interpreter's own limit.
	limit := job.Time
	deadline := time.Now().Add(limit)
	all := parsed{cases: map[int]frame{}, loaded: true, done: true, stoppedAt: -1}
	var res sandbox.Result
	for n, batch := range [][]int{visible, hidden} {
		if len(batch) == 0 {
			continue
		}
		var left time.Duration
		if limit > 0 {
			left = time.Until(deadline)
		}
		if limit > 0 && left <= 0 {
			res.Outcome, all.done, all.stoppedAt = sandbox.TimeLimit, false, batch[0]
			break
		}
		r, p, err := h.batch(ctx, in, string(driver), job, batch, left)
		if err != nil {
			return Result{}, err
		}
		res.Duration += r.Duration
		res.Memory = max(res.Memory, r.Memory)
		res.Outcome, res.Stderr = r.Outcome, r.Stderr
		for i, f := range p.cases {
			all.cases[i] = f
		}
		all.loaded = all.loaded && p.loaded
		all.done = all.done && p.done
		if all.loadStdout == "" {
			all.loadStdout = p.loadStdout
		}
		if p.fatal != nil && n == 1 {
			// Code that failed to load only beside the hidden inputs may
			// have put them in its message.
			p.fatal = &Error{Type: p.fatal.Type, Line: p.fatal.Line}
		}
		if p.fatal != nil || r.Outcome != sandbox.OK || !p.done {
			all.fatal, all.stoppedAt = p.fatal, p.stoppedAt
			break
		}
	}
	if res.Outcome == sandbox.TimeLimit && limit > 0 {
		res.Duration = limit
	}
	return judge(job, res, all), nil
}

// batch runs the cases at indexes idx (into job.Cases) in one sandbox.
func (h *Harness) batch(ctx context.Context, in Interpreter, driver string, job Job, idx []int, limit time.Duration) (sandbox.Result, parsed, error) {
	var nb [16]byte
	_, _ = rand.Read(nb[:])
	nonce := hex.EncodeToString(nb[:])
	stdin := input{Nonce: nonce, Code: job.Code, Function: job.Signature.Name, Returns: job.Signature.Returns, StdoutLimit: StdoutLimit}
	for _, p := range job.Signature.Params {
		stdin.Params = append(stdin.Params, p.Type)
	}
	for _, i := range idx {
		arg, err := normalize(job.Cases[i].Input) // never Expected
		if err != nil {
			return sandbox.Result{}, parsed{}, fmt.Errorf("harness: case %d: %w", i, err)
		}
		stdin.Cases = append(stdin.Cases, arg)
	}
	b, err := json.Marshal(stdin)
	if err != nil {
		return sandbox.Result{}, parsed{}, fmt.Errorf("harness: %w", err)
	}
	res, err := in.Run(ctx, sandbox.Program{Code: driver, Stdin: b, Time: limit})
	if err != nil {
		return sandbox.Result{}, parsed{}, err
	}
	p := parse(res.Stdout, nonce, idx)
	if res.Outcome == sandbox.TimeLimit && p.fatal == nil && len(p.cases) == len(idx) {
		// Every case finished; only the interpreter's exit was late.
		res.Outcome, p.done, p.stoppedAt = sandbox.OK, true, -1
	}
	return res, p, nil
}

// normalize re-encodes a JSON value the way encoding/json writes it, which
// is also a Python literal once true, false and null are names (the Python
// driver evals its job rather than import json): no "\/" escapes, and
// numbers spelled as they came.
func normalize(raw json.RawMessage) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// parsed is what the driver reported.
type parsed struct {
	loaded, done bool
	fatal        *Error
	loadStdout   string
	cases        map[int]frame // by index into the job's cases
	// stoppedAt is the case that was running if the program died before
	// it finished; -1 when none was.
	stoppedAt int
}

// parse reads the result lines of a batch of the cases at indexes idx.
func parse(stdout []byte, nonce string, idx []int) parsed {
	p := parsed{cases: map[int]frame{}, stoppedAt: -1}
	mark := []byte(nonce + " ")
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	sc.Buffer(nil, OutputLimit+1)
	for sc.Scan() {
		line := sc.Bytes()
		at := bytes.Index(line, mark)
		if at < 0 {
			continue
		}
		var f frame
		if json.Unmarshal(line[at+len(mark):], &f) != nil {
			continue
		}
		switch {
		case f.Fatal != nil:
			p.fatal, p.loadStdout = f.Fatal, f.Stdout
		case f.Loaded:
			p.loaded, p.loadStdout = true, f.Stdout
		case f.Done:
			p.done = true
		case f.I != nil && *f.I >= 0 && *f.I < len(idx):
			if _, seen := p.cases[idx[*f.I]]; !seen {
				p.cases[idx[*f.I]] = f
			}
		}
	}
	if !p.done {
		for _, i := range idx {
			if _, ok := p.cases[i]; !ok {
				p.stoppedAt = i
				break
			}
		}
	}
	return p
}

// crashLine finds the error a dying interpreter printed last, and its
// line in the user's file: Python's "Type: message" after a traceback,
// goja's "Uncaught Type: message" before its stack.
var (
	pyLine = regexp.MustCompile(`File "solution\.py", line (\d+)`)
	jsLine = regexp.MustCompile(`solution\.js:(\d+)`)
	errRE  = regexp.MustCompile(`^(?:Uncaught )?([A-Za-z_][A-Za-z0-9_.]*(?:Error|Exception|Exit)): ?(.*)$`)
)

func crash(language string, stderr []byte) *Error {
	e := &Error{Type: "RuntimeError", Message: "the program stopped unexpectedly"}
	lines := strings.Split(strings.TrimSpace(string(stderr)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if m := errRE.FindStringSubmatch(strings.TrimSpace(lines[i])); m != nil {
			e.Type, e.Message = m[1], m[2]
			break
		}
	}
	re := pyLine
	if language == "javascript" {
		re = jsLine
	}
	all := re.FindAllSubmatch(stderr, -1)
	if len(all) > 0 {
		pick := all[len(all)-1] // Python: the innermost frame is last
		if language == "javascript" {
			pick = all[0] // goja: the innermost frame is first
		}
		if n, err := strconv.Atoi(string(pick[1])); err == nil {
			e.Line = &n
		}
	}
	return e
}

func judge(job Job, res sandbox.Result, p parsed) Result {
	r := Result{MemoryBytes: res.Memory, Cases: make([]CaseResult, len(job.Cases))}
	passed, ran := 0, 0
	var firstErr *Error
	firstErrCase := -1
	for i, c := range job.Cases {
		cr := CaseResult{Index: i, Hidden: c.Hidden, Custom: job.Custom}
		f, ok := p.cases[i]
		pass := false
		if ok {
			ran++
			ms := math.Round(f.MS*100) / 100
			r.TimeMS += ms
			cr.TimeMS, cr.Stdout, cr.Truncated = &ms, &f.Stdout, f.Truncated
			cr.Actual = f.Value
			if f.Error != nil {
				cr.Error = f.Error
				if firstErr == nil {
					firstErr, firstErrCase = f.Error, i
				}
			} else if job.Custom {
				pass = true
			} else {
				pass = job.Compare.Equal(c.Expected, f.Value)
			}
		}
		if pass {
			passed++
		}
		if job.Custom {
			cr.Input, cr.Expected = c.Input, json.RawMessage("null")
			cr.Passed = nil
		} else {
			cr.Passed = &pass
			cr.Input, cr.Expected = c.Input, c.Expected
		}
		if !ok {
			cr.Actual = nil
		}
		r.Cases[i] = cr
	}
	r.TimeMS = math.Round(r.TimeMS*100) / 100

	// What stopped the run, if it did not finish.
	var stopped *Error
	switch {
	case p.fatal != nil:
		r.Verdict, r.Error = RuntimeError, p.fatal
		r.Message = describe(p.fatal, "")
	case res.Outcome == sandbox.TimeLimit:
		r.Verdict = TimeLimit
		r.Message = fmt.Sprintf("stopped after %s (%d of %d cases finished)", seconds(res.Duration), ran, len(job.Cases))
	case res.Outcome == sandbox.MemoryLimit:
		r.Verdict = MemoryLimit
		r.Message = fmt.Sprintf("ran out of memory (%d MiB)", res.Memory>>20)
		if res.Memory == 0 {
			r.Message = "ran out of memory"
		}
	case res.Outcome == sandbox.OutputLimit:
		stopped = &Error{Type: "OutputLimit", Message: fmt.Sprintf("the program wrote more than %d MiB", OutputLimit>>20)}
	case res.Outcome == sandbox.RuntimeError:
		stopped = crash(job.Language, res.Stderr)
	case !p.done && res.Outcome == sandbox.OK:
		stopped = &Error{Type: "SystemExit", Message: "the program exited before every case ran"}
	case !p.loaded:
		stopped = &Error{Type: "InternalError", Message: "the harness did not start"}
	}
	if stopped != nil {
		// The case that was running when the program died gets the error.
		next := p.stoppedAt
		if next >= 0 {
			r.Cases[next].Error = stopped
			if firstErr == nil || firstErrCase > next {
				firstErr, firstErrCase = stopped, next
			}
		} else if firstErr == nil {
			firstErr, firstErrCase = stopped, -1
		}
	}
	if r.Verdict == "" {
		switch {
		case firstErr != nil:
			r.Verdict, r.Error = RuntimeError, firstErr
			where := ""
			if firstErrCase >= 0 {
				where = fmt.Sprintf(" in case %d", firstErrCase+1)
			}
			r.Message = describe(firstErr, where)
		case job.Custom:
			r.Verdict, r.Message = Accepted, "ran without error"
		case passed == len(job.Cases):
			r.Verdict, r.Message = Accepted, fmt.Sprintf("All %d cases passed", len(job.Cases))
		default:
			r.Verdict, r.Message = WrongAnswer, fmt.Sprintf("%d of %d cases passed", passed, len(job.Cases))
		}
	}
	if r.Verdict == InternalError && r.Message == "" {
		r.Message = "the run failed; try again"
	}
	hide(&r, job, firstErrCase)
	return r
}

func describe(e *Error, where string) string {
	s := e.Type
	if e.Line != nil {
		s += fmt.Sprintf(" on line %d", *e.Line)
	}
	return s + where
}

func seconds(d time.Duration) string {
	s := strconv.FormatFloat(d.Round(100*time.Millisecond).Seconds(), 'f', -1, 64)
	return s + " s"
}

// hide strips what hidden cases must not show: their input, expected and
// actual values, stdout and time, and a runtime error's message.
func hide(r *Result, job Job, firstErrCase int) {
	for i := range r.Cases {
		c := &r.Cases[i]
		if !c.Hidden {
			continue
		}
		if r.FirstFailedHidden == nil && c.Passed != nil && !*c.Passed {
			idx := i
			r.FirstFailedHidden = &idx
		}
		*c = CaseResult{Index: c.Index, Hidden: true, Passed: c.Passed}
	}
	if r.Error != nil && firstErrCase >= 0 && job.Cases[firstErrCase].Hidden {
		r.Error = &Error{Type: r.Error.Type, Line: r.Error.Line}
	}
}
