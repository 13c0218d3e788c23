package awsfake

import (
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Faults makes the simulation fail as AWS does under load. Rates are the
// share of calls (0 to 1) refused before they run.
type Faults struct {
	Throttle  float64 // ThrottlingException (HTTP 400)
	ServerErr float64 // an internal error (HTTP 500), nothing done
	// LoseUpdates: UpdateService for these services is applied, then the
	// connection is dropped before the response: the client sees an error
	// for a change that landed.
	LoseUpdates map[string]bool
}

// SetFaults replaces the fault rates and modes.
func (f *AWS) SetFaults(x Faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = x
}

// errLost is a handler's way of saying "applied; drop the response".
type errLost struct{}

func (errLost) Error() string { return "response lost" }

// fault picks a refusal for this call, or nil. Call with f.mu held.
func (f *AWS) fault() (code string, status int) {
	x := f.rng.Float64()
	switch {
	case x < f.faults.Throttle:
		f.throttled++
		return "ThrottlingException", http.StatusBadRequest
	case x < f.faults.Throttle+f.faults.ServerErr:
		f.failed++
		return "ServerException", http.StatusInternalServerError
	}
	return "", 0
}

// FaultCounts is how many calls were throttled and failed with a 5xx.
func (f *AWS) FaultCounts() (throttled, failed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.throttled, f.failed
}

// queryFault is fault() as the query-protocol clients see it, so their
// retryer classifies it as it would a real response.
func (f *AWS) queryFault() error {
	code, status := f.fault()
	switch {
	case code == "":
		return nil
	case status < 500:
		return &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}
	default:
		return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      &smithy.GenericAPIError{Code: "InternalFailure", Message: "An internal error occurred", Fault: smithy.FaultServer}}}
	}
}

// dropConnection closes the client's connection without a response.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// Mangle, when set, may replace the JSON body of a response to op
// ("ecs:DescribeServices"), as a partial or broken answer would be.
type Mangle func(op string, body []byte) []byte

// SetMangle installs m (nil: none).
func (f *AWS) SetMangle(m Mangle) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mangle = m
}
