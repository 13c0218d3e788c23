package metrics

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestEmittedLinesParseAsCloudWatchReadsThem(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := New(&buf, "staging", "matching-service")
	e.now = func() time.Time { return time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) }
	if err := e.Emit(QueueDepth, 7); err != nil {
		t.Fatal(err)
	}
	if err := e.Emit(QueueDepth, 3, "easy"); err != nil {
		t.Fatal(err)
	}
	if err := e.Duration(MatchLatency, 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want one per data point:\n%s", len(lines), buf.String())
	}
	want := []Point{
		{Namespace: "PeerPrep/staging", Name: "QueueDepth", Unit: Count, Value: 7, Dimensions: map[string]string{"Service": "matching-service"}},
		{Namespace: "PeerPrep/staging", Name: "QueueDepth", Unit: Count, Value: 3, Dimensions: map[string]string{"Service": "matching-service", "CriteriaGroup": "easy"}},
		{Namespace: "PeerPrep/staging", Name: "MatchLatency", Unit: Milliseconds, Value: 1500, Dimensions: map[string]string{"Service": "matching-service"}},
	}
	for i, l := range lines {
		ps, err := Parse([]byte(l))
		if err != nil {
			t.Fatalf("line %d %s: %v", i, l, err)
		}
		p := ps[0]
		if len(ps) != 1 || p.Namespace != want[i].Namespace || p.Name != want[i].Name || p.Unit != want[i].Unit || p.Value != want[i].Value ||
			len(p.Dimensions) != len(want[i].Dimensions) || p.Dimensions["CriteriaGroup"] != want[i].Dimensions["CriteriaGroup"] ||
			p.Time.Unix() != e.now().Unix() {
			t.Errorf("line %d: %+v, want %+v", i, ps, want[i])
		}
	}
}

func TestEmitRefusesSomeDimensions(t *testing.T) {
	t.Parallel()
	e := New(&bytes.Buffer{}, "staging", "execution-service")
	if err := e.Emit(StreamLag, 1, "extra"); err == nil {
		t.Error("a dimension StreamLag does not have was accepted")
	}
}

func TestParseRejectsWhatCloudWatchIgnores(t *testing.T) {
	t.Parallel()
	for name, line := range map[string]string{
		"not JSON":             `QueueDepth=3`,
		"no _aws":              `{"Service":"x","QueueDepth":3}`,
		"no timestamp":         `{"_aws":{"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["Service"]],"Metrics":[{"Name":"QueueDepth"}]}]},"Service":"x","QueueDepth":3}`,
		"dimension missing":    `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["Service"]],"Metrics":[{"Name":"QueueDepth"}]}]},"QueueDepth":3}`,
		"value not a number":   `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["Service"]],"Metrics":[{"Name":"QueueDepth"}]}]},"Service":"x","QueueDepth":"3"}`,
		"directive without ns": `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Dimensions":[["Service"]],"Metrics":[{"Name":"QueueDepth"}]}]},"Service":"x","QueueDepth":3}`,
	} {
		if _, err := Parse([]byte(line)); err == nil {
			t.Errorf("%s: accepted %s", name, line)
		}
	}
}

func TestConcurrentEmitsStayWholeLines(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := New(&buf, "production", "chat-service")
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { _ = e.Emit(WebSocketConnections, float64(i)) })
	}
	wg.Wait()
	sc := bufio.NewScanner(&buf)
	n := 0
	for sc.Scan() {
		if _, err := Parse(sc.Bytes()); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		n++
	}
	if n != 50 {
		t.Errorf("%d lines, want 50", n)
	}
}

func TestEveryMetricIsListedOnceWithAnEmitter(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, m := range All {
		if seen[m.Name] || len(m.Services) == 0 || m.Unit == "" || m.Help == "" || m.Statistic == "" {
			t.Errorf("%+v: duplicate, or without emitter, unit or help", m)
		}
		seen[m.Name] = true
	}
}

func TestGaugeEmitsUntilTheContextEnds(t *testing.T) {
	t.Parallel()
	r, w := io.Pipe()
	e := New(w, "staging", "matching-service")
	e.interval = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Gauge(ctx, WebSocketConnections, func() float64 { return 42 }); close(done) }()
	sc := bufio.NewScanner(r)
	for range 3 {
		if !sc.Scan() {
			t.Fatal("no gauge line")
		}
		ps, err := Parse(sc.Bytes())
		if err != nil || ps[0].Value != 42 || ps[0].Name != "WebSocketConnections" {
			t.Fatalf("%v %+v", err, ps)
		}
	}
	cancel()
	go func() { _, _ = io.Copy(io.Discard, r) }()
	<-done
}

func TestSamplerEmitsOneLineOfValuesWithTheMaximum(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	e := New(&buf, "staging", "chat-service")
	s := e.Sampler(StreamLag)
	if err := s.Flush(); err != nil || buf.Len() != 0 {
		t.Fatalf("an empty interval wrote %q (%v)", buf.String(), err)
	}
	for i := 1; i <= 1000; i++ {
		s.Observe(time.Duration(i) * time.Millisecond)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines, want one per interval", len(lines))
	}
	ps, err := Parse([]byte(lines[0]))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != MaxValues {
		t.Fatalf("%d values, want %d", len(ps), MaxValues)
	}
	top, sum := 0.0, 0.0
	for _, p := range ps {
		top = max(top, p.Value)
		sum += p.Value
		if p.Name != "StreamLag" || p.Unit != Milliseconds || p.Dimensions["Service"] != "chat-service" {
			t.Fatalf("point %+v", p)
		}
	}
	if top != 1000 {
		t.Errorf("max %v, want the largest observation, 1000", top)
	}
	// A uniform sample of 1..1000 has a mean near 500, not near the first
	// hundred's 50.
	if mean := sum / float64(len(ps)); mean < 300 || mean > 700 {
		t.Errorf("sample mean %v: not a uniform sample of the interval", mean)
	}
	buf.Reset()
	if err := s.Flush(); err != nil || buf.Len() != 0 {
		t.Fatalf("a flush after a flush wrote %q (%v)", buf.String(), err)
	}
}

func TestParseRejectsTooManyValues(t *testing.T) {
	t.Parallel()
	vals := make([]string, MaxValues+1)
	for i := range vals {
		vals[i] = "1"
	}
	line := `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["Service"]],"Metrics":[{"Name":"StreamLag"}]}]},"Service":"s","StreamLag":[` +
		strings.Join(vals, ",") + `]}`
	if _, err := Parse([]byte(line)); err == nil {
		t.Error("101 values were accepted")
	}
}
