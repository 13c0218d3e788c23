// Package metrics writes CloudWatch Embedded Metric Format (EMF) lines on
// a service's stdout and holds the one list of PeerPrep's custom metrics.
// The awslogs driver ships stdout to CloudWatch Logs, which turns each EMF
// line into metric data: no agent, no sidecar, no PutMetricData call. The
// CloudFormation template (deploy/cfn) builds its dashboard, alarms and the
// matching scaling policy from the same list, so a name cannot differ
// between what a service emits and what the template reads.
package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Unit is a CloudWatch unit.
type Unit string

// The units PeerPrep's metrics use.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
)

// ServiceDimension is on every metric: the service that emitted it.
const ServiceDimension = "Service"

// Metric is one custom metric. Every data point has the Service dimension;
// a metric with Extra may also be emitted per value of those dimensions
// (a separate series). Dimension values must stay few (a difficulty, not a
// user id): each combination is a billed metric.
type Metric struct {
	Name      string
	Unit      Unit
	Statistic string   // how to read it: Maximum, Sum, p99
	Services  []string // who emits it
	Extra     []string // optional extra dimensions, in order
	Help      string
}

// GaugeInterval is how often a replica emits its gauges (queue depth,
// connections): once per minute, so a one-minute Sum over replicas is the
// service's total.
const GaugeInterval = time.Minute

// The metrics. Gauges are emitted every GaugeInterval by every replica:
// a shared queue's depth is read with Maximum (each replica reports the
// same), per-replica connections with Sum.
var (
	QueueDepth = Metric{Name: "QueueDepth", Unit: Count, Statistic: "Maximum", Services: []string{"matching-service"}, Extra: []string{"CriteriaGroup"},
		Help: "tickets waiting to be matched: in total, and per criteria group (difficulty)"}
	MatchLatency = Metric{Name: "MatchLatency", Unit: Milliseconds, Statistic: "p99", Services: []string{"matching-service"},
		Help: "time from a ticket's enqueue to its match"}
	WebSocketConnections = Metric{Name: "WebSocketConnections", Unit: Count, Statistic: "Sum",
		Services: []string{"matching-service", "chat-service", "collaboration-service"},
		Help:     "open WebSocket connections on one replica"}
	StreamLag = Metric{Name: "StreamLag", Unit: Milliseconds, Statistic: "p99", Services: []string{"chat-service", "collaboration-service"},
		Help: "age of a chat message or editor update (from the time Redis took it) when this replica hands it to its sockets"}
	// Runs and timeouts of execution-service, which does not exist yet.
	ExecutionRuns = Metric{Name: "ExecutionRuns", Unit: Count, Statistic: "Sum", Services: []string{"execution-service"}, Extra: []string{"Verdict"},
		Help: "code runs, per verdict"}
	ExecutionTimeouts = Metric{Name: "ExecutionTimeouts", Unit: Count, Statistic: "Sum", Services: []string{"execution-service"},
		Help: "code runs stopped at the wall-time limit"}
)

// All is every metric, in a fixed order.
var All = []Metric{QueueDepth, MatchLatency, WebSocketConnections, StreamLag, ExecutionRuns, ExecutionTimeouts}

// Namespace is the CloudWatch namespace of an environment's metrics
// ("PeerPrep/production"); the task role may write only there.
func Namespace(environment string) string { return "PeerPrep/" + environment }

// Emitter writes EMF lines for one service. It is safe for concurrent use.
type Emitter struct {
	mu        sync.Mutex
	w         io.Writer
	namespace string
	service   string
	now       func() time.Time
	interval  time.Duration // of Gauge; GaugeInterval
}

// New returns an emitter writing to w (a service's stdout) for service in
// environment.
func New(w io.Writer, environment, service string) *Emitter {
	return &Emitter{w: w, namespace: Namespace(environment), service: service, now: time.Now, interval: GaugeInterval}
}

// Gauge emits read() as m every GaugeInterval until ctx ends: a number the
// service already keeps (a hub's open sockets) becomes a metric with one
// goroutine.
func (e *Emitter) Gauge(ctx context.Context, m Metric, read func() float64, extra ...string) {
	e.Every(ctx, func() { _ = e.Emit(m, read(), extra...) })
}

// Every calls emit every GaugeInterval until ctx ends, for gauges read
// together (a queue's depth in total and per group, from one query).
func (e *Emitter) Every(ctx context.Context, emit func()) {
	t := time.NewTicker(e.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			emit()
		}
	}
}

// MaxValues is how many values one EMF line may carry for a metric.
const MaxValues = 100

// Sampler collects the observations of a distribution metric (a latency)
// and emits them every GaugeInterval as one EMF line whose value is an
// array, so a busy replica writes one line a minute rather than one per
// event and CloudWatch still computes percentiles. Past MaxValues
// observations in an interval it keeps a uniform random sample of them
// (reservoir sampling) plus the largest, so a percentile stays unbiased and
// the maximum exact.
type Sampler struct {
	e *Emitter
	m Metric

	mu     sync.Mutex
	vals   []float64
	seen   int
	max    float64
	random func(n int) int
}

// Sampler returns a sampler of m; Run emits what it collects.
func (e *Emitter) Sampler(m Metric) *Sampler {
	return &Sampler{e: e, m: m, vals: make([]float64, 0, MaxValues), random: rand.IntN}
}

// Observe records one duration, in m's unit (Milliseconds). Safe for
// concurrent use; it never blocks on I/O.
func (s *Sampler) Observe(d time.Duration) {
	v := float64(d) / float64(time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen++
	s.max = max(s.max, v)
	if len(s.vals) < MaxValues {
		s.vals = append(s.vals, v)
		return
	}
	if i := s.random(s.seen); i < MaxValues {
		s.vals[i] = v
	}
}

// Flush emits what was observed since the last flush, if anything.
func (s *Sampler) Flush() error {
	s.mu.Lock()
	vals, top := s.vals, s.max
	s.vals, s.seen, s.max = make([]float64, 0, MaxValues), 0, 0
	s.mu.Unlock()
	if len(vals) == 0 {
		return nil
	}
	if !slices.Contains(vals, top) {
		vals[0] = top
	}
	return s.e.emit(s.m, vals)
}

// Run flushes every GaugeInterval until ctx ends, and once more then.
func (s *Sampler) Run(ctx context.Context) {
	s.e.Every(ctx, func() { _ = s.Flush() })
	_ = s.Flush()
}

// Emit writes one data point of m. extra are the values of m's Extra
// dimensions, all or none: with none the point belongs to the service's
// series, with all to the series of that combination.
func (e *Emitter) Emit(m Metric, value float64, extra ...string) error {
	return e.emit(m, value, extra...)
}

// emit writes one line; value is a number or, for a Sampler, up to
// MaxValues numbers.
func (e *Emitter) emit(m Metric, value any, extra ...string) error {
	if len(extra) != 0 && len(extra) != len(m.Extra) {
		return fmt.Errorf("metrics: %s takes %d dimension values (%v), got %d", m.Name, len(m.Extra), m.Extra, len(extra))
	}
	dims := []string{ServiceDimension}
	line := map[string]any{ServiceDimension: e.service, m.Name: value}
	for i, v := range extra {
		dims = append(dims, m.Extra[i])
		line[m.Extra[i]] = v
	}
	line["_aws"] = emfMeta{Timestamp: e.now().UnixMilli(), CloudWatchMetrics: []directive{{
		Namespace: e.namespace, Dimensions: [][]string{dims}, Metrics: []metricDef{{Name: m.Name, Unit: m.Unit}}}}}
	b, err := json.Marshal(line)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err = e.w.Write(append(b, '\n'))
	return err
}

// Duration emits d in m's unit (Milliseconds).
func (e *Emitter) Duration(m Metric, d time.Duration, extra ...string) error {
	return e.Emit(m, float64(d)/float64(time.Millisecond), extra...)
}

type emfMeta struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

type directive struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []metricDef `json:"Metrics"`
}

type metricDef struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit,omitempty"`
}

// Point is one metric value read back from an EMF line.
type Point struct {
	Namespace  string
	Name       string
	Unit       Unit
	Value      float64
	Dimensions map[string]string
	Time       time.Time
}

// Parse reads an EMF line as CloudWatch does, and refuses what CloudWatch
// would ignore or reject: a missing _aws block or timestamp, a dimension or
// metric named in the directive but absent from the line, a value that is
// not a number, more than 30 dimensions or 100 metrics.
func Parse(line []byte) ([]Point, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil {
		return nil, fmt.Errorf("emf: not a JSON object: %w", err)
	}
	var meta emfMeta
	if err := json.Unmarshal(raw["_aws"], &meta); err != nil || len(meta.CloudWatchMetrics) == 0 || meta.Timestamp <= 0 {
		return nil, fmt.Errorf("emf: no _aws block with a timestamp and CloudWatchMetrics")
	}
	str := func(key string) (string, error) {
		var s string
		if err := json.Unmarshal(raw[key], &s); err != nil {
			return "", fmt.Errorf("emf: dimension %s is not a string member of the line", key)
		}
		return s, nil
	}
	var points []Point
	for _, d := range meta.CloudWatchMetrics {
		if d.Namespace == "" || len(d.Metrics) == 0 || len(d.Metrics) > 100 {
			return nil, fmt.Errorf("emf: a directive needs a namespace and 1-100 metrics")
		}
		for _, set := range d.Dimensions {
			if len(set) > 30 {
				return nil, fmt.Errorf("emf: more than 30 dimensions")
			}
			dims := map[string]string{}
			for _, k := range set {
				v, err := str(k)
				if err != nil {
					return nil, err
				}
				dims[k] = v
			}
			for _, m := range d.Metrics {
				var vs []float64
				if err := json.Unmarshal(raw[m.Name], &vs); err != nil {
					var v float64
					if err := json.Unmarshal(raw[m.Name], &v); err != nil {
						return nil, fmt.Errorf("emf: metric %s has no numeric value on the line", m.Name)
					}
					vs = []float64{v}
				}
				if len(vs) == 0 || len(vs) > MaxValues {
					return nil, fmt.Errorf("emf: metric %s has %d values, want 1-%d", m.Name, len(vs), MaxValues)
				}
				for _, v := range vs {
					points = append(points, Point{Namespace: d.Namespace, Name: m.Name, Unit: m.Unit, Value: v, Dimensions: dims,
						Time: time.UnixMilli(meta.Timestamp).UTC()})
				}
			}
		}
	}
	return points, nil
}
