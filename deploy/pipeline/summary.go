package pipeline

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

type ecsService = ecstypes.Service

// Summary is what a deploy did, for people (the table) and CI (--json).
type Summary struct {
	Environment string           `json:"environment"`
	SHA         string           `json:"sha"`
	Result      string           `json:"result"` // succeeded, failed, interrupted
	Error       string           `json:"error,omitempty"`
	Seconds     float64          `json:"seconds"`      // on the pipeline's clock (simulated in tests)
	WallSeconds float64          `json:"wall_seconds"` // real time
	Steps       []Step           `json:"steps"`
	Services    []*ServiceResult `json:"services"`
}

// Step is one step of the pipeline.
type Step struct {
	Name        string  `json:"name"`
	Seconds     float64 `json:"seconds"`
	WallSeconds float64 `json:"wall_seconds"`
	Error       string  `json:"error,omitempty"`
}

// ServiceResult is one service's outcome.
type ServiceResult struct {
	Service        string   `json:"service"`
	Outcome        string   `json:"outcome"` // unchanged, deployed, failed, rolled back, migration failed
	Reason         string   `json:"reason,omitempty"`
	TaskDefinition string   `json:"task_definition,omitempty"`
	Previous       string   `json:"previous_task_definition,omitempty"`
	Registered     bool     `json:"registered"`
	Created        []string `json:"created,omitempty"`
	RolledBack     bool     `json:"rolled_back"`
	Verified       bool     `json:"verified"`

	createdDeployment string
}

// WriteJSON writes the machine-readable summary.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

func (p *Pipeline) printTable(s *Summary) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.Out, "\n%s %s: %s in %s\n", s.Environment, short(s.SHA), strings.ToUpper(s.Result), fmtDur(s.Seconds))
	tw := tabwriter.NewWriter(p.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tTIME\t")
	for _, st := range s.Steps {
		mark := "ok"
		if st.Error != "" {
			mark = "FAILED"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", st.Name, fmtDur(st.Seconds), mark)
	}
	fmt.Fprintln(tw, "\t\t")
	fmt.Fprintln(tw, "SERVICE\tOUTCOME\tTASK DEFINITION\tPREVIOUS")
	for _, r := range s.Services {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Service, r.Outcome, lastSegment(r.TaskDefinition), lastSegment(r.Previous))
	}
	tw.Flush()
	explained := false
	for _, r := range s.Services {
		if r.Reason != "" {
			fmt.Fprintf(p.Out, "\n%s: %s\n", r.Service, r.Reason)
			explained = true
		}
	}
	if s.Error != "" && !explained {
		fmt.Fprintf(p.Out, "\nerror: %s\n", s.Error)
	}
}

func short(sha string) string { return sha[:min(12, len(sha))] }
