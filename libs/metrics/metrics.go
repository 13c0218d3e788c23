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
		Help: "age of a Redis stream entry when this replica delivers it to its sockets"}
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
	t := time.NewTicker(e.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = e.Emit(m, read(), extra...)
		}
	}
}

// Emit writes one data point of m. extra are the values of m's Extra
// dimensions, all or none: with none the point belongs to the service's
// series, with all to the series of that combination.
func (e *Emitter) Emit(m Metric, value float64, extra ...string) error {
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
				var v float64
				if err := json.Unmarshal(raw[m.Name], &v); err != nil {
					return nil, fmt.Errorf("emf: metric %s has no numeric value on the line", m.Name)
				}
				points = append(points, Point{Namespace: d.Namespace, Name: m.Name, Unit: m.Unit, Value: v, Dimensions: dims,
					Time: time.UnixMilli(meta.Timestamp).UTC()})
			}
		}
	}
	return points, nil
}
