package pipeline

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/peerprep/peerprep/deploy/config"
)

// Clock is time as the pipeline waits on it; tests pass a simulated one.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// forker is a clock that hands each parallel service its own timeline
// (the simulation's clock does, so parallel waits do not add up).
type forker interface {
	Fork() interface {
		Now() time.Time
		Sleep(context.Context, time.Duration) error
	}
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errTimeout is the overall deploy deadline passing.
var errTimeout = errors.New("deploy timeout")

// transient is an error worth polling again for: throttling, a 5xx, a
// connection that broke. The SDK has retried it MaxAttempts times already.
func transient(err error) bool {
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary ||
		retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(errors.Unwrap(err)) == aws.TrueTernary
}

// pollErr decides what a failed poll means: nil to poll again (a
// transient error before the deadline), or the error to stop with.
func (p *Pipeline) pollErr(clk Clock, what string, err error, deadline time.Time, last *time.Time) error {
	if !transient(err) || clk.Now().After(deadline) {
		return err
	}
	if now := clk.Now(); last.IsZero() || now.Sub(*last) >= 30*time.Second {
		*last = now
		p.logf("  %-22s AWS is busy (%v); polling again", what, err)
	}
	return nil
}

// backoff polls at 2 s, growing by half up to 10 s.
type backoff struct{ d time.Duration }

func (b *backoff) next() time.Duration {
	if b.d == 0 {
		b.d = 2 * time.Second
	} else {
		b.d = min(b.d*3/2, 10*time.Second)
	}
	return b.d
}

// waitDeployment follows deployment id of service until its rollout state is
// COMPLETED. FAILED, or the deployment vanishing (the circuit breaker rolled
// back), is an error that says why.
func (p *Pipeline) waitDeployment(ctx context.Context, clk Clock, cluster, name, id string, deadline time.Time) error {
	var b backoff
	lastProgress := time.Time{}
	seen := map[string]bool{}
	var lastBusy time.Time
	for {
		svc, err := p.c.liveService(ctx, cluster, name)
		if err != nil {
			if err := p.pollErr(clk, name, err, deadline, &lastBusy); err != nil {
				return err
			}
			if err := clk.Sleep(ctx, b.next()); err != nil {
				return err
			}
			continue
		}
		if svc == nil {
			return fmt.Errorf("service %s disappeared", name)
		}
		i := slices.IndexFunc(svc.Deployments, func(d ecstypes.Deployment) bool { return aws.ToString(d.Id) == id })
		var since time.Time // events from before the deployment are history
		if i >= 0 && svc.Deployments[i].CreatedAt != nil {
			since = *svc.Deployments[i].CreatedAt
		}
		var newEvents []string
		for _, e := range slices.Backward(svc.Events) {
			if e.CreatedAt != nil && e.CreatedAt.Before(since) {
				continue
			}
			if !seen[aws.ToString(e.Id)] {
				seen[aws.ToString(e.Id)] = true
				newEvents = append(newEvents, aws.ToString(e.Message))
			}
		}
		if i < 0 {
			return fmt.Errorf("deployment %s is gone: the circuit breaker rolled it back%s", id, p.whyFailed(ctx, cluster, svc))
		}
		d := svc.Deployments[i]
		switch d.RolloutState {
		case ecstypes.DeploymentRolloutStateCompleted:
			p.logf("  %-22s %d/%d running, deployment %s COMPLETED", name, d.RunningCount, d.DesiredCount, id)
			return nil
		case ecstypes.DeploymentRolloutStateFailed:
			return fmt.Errorf("deployment %s FAILED: %s%s", id, aws.ToString(d.RolloutStateReason), p.whyFailed(ctx, cluster, svc))
		}
		if now := clk.Now(); lastProgress.IsZero() || now.Sub(lastProgress) >= 10*time.Second {
			lastProgress = now
			p.logf("  %-22s %d/%d running, %d failed, %s", name, d.RunningCount, d.DesiredCount, d.FailedTasks, d.RolloutState)
			for _, e := range newEvents {
				p.logf("  %-22s event: %s", name, e)
			}
		}
		if clk.Now().After(deadline) {
			return fmt.Errorf("%w: deployment %s still %s after the deadline", errTimeout, id, d.RolloutState)
		}
		if err := clk.Sleep(ctx, b.next()); err != nil {
			return err
		}
	}
}

// whyFailed gathers the last service events and stopped-task reasons.
func (p *Pipeline) whyFailed(ctx context.Context, cluster string, svc *ecstypes.Service) string {
	var b strings.Builder
	for _, e := range svc.Events[:min(4, len(svc.Events))] {
		fmt.Fprintf(&b, "\n    event: %s", aws.ToString(e.Message))
	}
	var stopped []string
	for pages := ecs.NewListTasksPaginator(p.c.ECS, &ecs.ListTasksInput{Cluster: aws.String(cluster), ServiceName: svc.ServiceName, DesiredStatus: ecstypes.DesiredStatusStopped}, func(o *ecs.ListTasksPaginatorOptions) { o.StopOnDuplicateToken = true }); pages.HasMorePages(); {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			fmt.Fprintf(&b, "\n    (stopped tasks unavailable: %v)", err)
			break
		}
		stopped = append(stopped, pg.TaskArns...)
	}
	if len(stopped) > 0 {
		arns := stopped[max(0, len(stopped)-3):]
		if tasks, err := p.c.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: arns}); err == nil {
			for _, t := range tasks.Tasks {
				fmt.Fprintf(&b, "\n    stopped task %s: %s", lastSegment(aws.ToString(t.TaskArn)), aws.ToString(t.StoppedReason))
			}
		}
	}
	return b.String()
}

// health is what /<prefix>/health answers.
type health struct {
	Status  string `json:"status"`
	Service string `json:"service"`
	Version string `json:"version"`
}

// healthTarget is where verification sends its requests.
type healthTarget struct {
	base   string       // https://peerprep.example.com
	host   string       // Host header and TLS name, when base is the load balancer's own name
	client *http.Client // with that TLS name
}

// chooseHealthTarget verifies through https://<domain> when the domain
// resolves, and otherwise through the load balancer's DNS name with the
// domain as Host header and TLS server name (the certificate is the
// domain's), and says which.
func (p *Pipeline) chooseHealthTarget(ctx context.Context, out Outputs) healthTarget {
	if p.HealthURL != "" {
		p.logf("    verifying through %s (configured)", p.HealthURL)
		return healthTarget{base: strings.TrimSuffix(p.HealthURL, "/"), client: p.HTTP}
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := p.Lookup(lctx, p.Env.Domain)
	lb := out["LoadBalancerDnsName"]
	if (err == nil && len(addrs) > 0) || lb == "" {
		p.logf("    verifying through https://%s (the domain resolves)", p.Env.Domain)
		return healthTarget{base: "https://" + p.Env.Domain, client: p.HTTP}
	}
	p.logf("    verifying through the load balancer https://%s with Host: %s (%s does not resolve: %v)", lb, p.Env.Domain, p.Env.Domain, err)
	c := *p.HTTP
	tr, ok := c.Transport.(*http.Transport)
	if !ok || tr == nil {
		tr = http.DefaultTransport.(*http.Transport)
	}
	tr = tr.Clone()
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tr.TLSClientConfig.ServerName = p.Env.Domain
	c.Transport = tr
	return healthTarget{base: "https://" + lb, host: p.Env.Domain, client: &c}
}

// verify asks the ALB for the service's health until n consecutive 200s
// report version sha.
func (p *Pipeline) verify(ctx context.Context, clk Clock, prefix, sha string, deadline time.Time) error {
	ok, last := 0, ""
	url := p.health.base + prefix + "/health"
	client := p.health.client
	if client == nil {
		client = p.HTTP
	}
	for ok < p.ConsecutiveOK {
		if clk.Now().After(deadline) {
			return fmt.Errorf("%w: %s never answered %d times with version %s; last: %s", errTimeout, url, p.ConsecutiveOK, sha, last)
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		req, _ := http.NewRequestWithContext(rctx, http.MethodGet, url, nil)
		if p.health.host != "" {
			req.Host = p.health.host
		}
		res, err := client.Do(req)
		if err != nil {
			cancel()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			last, ok = err.Error(), 0
		} else {
			body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
			res.Body.Close()
			cancel()
			var h health
			_ = json.Unmarshal(body, &h)
			if res.StatusCode == http.StatusOK && h.Version == sha {
				ok++
				continue
			}
			ok, last = 0, fmt.Sprintf("%d %s", res.StatusCode, strings.TrimSpace(string(body)))
		}
		if err := clk.Sleep(ctx, 2*time.Second); err != nil {
			return err
		}
	}
	return nil
}

// runMigration runs `<service> migrate` as a one-off task and requires exit
// code 0. It names no launch type, so the cluster's default capacity
// provider strategy applies, and the task inherits the task definition's
// tags.
func (p *Pipeline) runMigration(ctx context.Context, clk Clock, out Outputs, svc config.Service, tdArn string, deadline time.Time) error {
	res, err := p.c.ECS.RunTask(ctx, &ecs.RunTaskInput{
		Cluster: aws.String(out["ClusterName"]), TaskDefinition: aws.String(tdArn), Count: aws.Int32(1),
		StartedBy: aws.String("peerprep-deploy-migrate"), NetworkConfiguration: serviceNetwork(out),
		PropagateTags: ecstypes.PropagateTagsTaskDefinition,
		Overrides:     &ecstypes.TaskOverride{ContainerOverrides: []ecstypes.ContainerOverride{{Name: aws.String(svc.Name), Command: []string{"migrate"}}}},
	})
	if err != nil {
		return fmt.Errorf("run migration task: %w", err)
	}
	if len(res.Tasks) == 0 {
		var reasons []string
		for _, f := range res.Failures {
			reasons = append(reasons, aws.ToString(f.Reason))
		}
		return fmt.Errorf("migration task not started: %s", strings.Join(reasons, "; "))
	}
	arn := aws.ToString(res.Tasks[0].TaskArn)
	stream := "ecs/" + svc.Name + "/" + lastSegment(arn)
	started := clk.Now()
	var b backoff
	var lastBusy, lastProgress time.Time
	for {
		got, err := p.c.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(out["ClusterName"]), Tasks: []string{arn}})
		if err != nil {
			if err := p.pollErr(clk, svc.Name, err, deadline, &lastBusy); err != nil {
				return fmt.Errorf("describe migration task: %w", err)
			}
		} else if len(got.Tasks) == 1 && aws.ToString(got.Tasks[0].LastStatus) == "STOPPED" {
			t := got.Tasks[0]
			var code *int32
			for _, c := range t.Containers {
				if aws.ToString(c.Name) == svc.Name {
					code = c.ExitCode
				}
			}
			if code == nil || *code != 0 {
				exit := "none"
				if code != nil {
					exit = fmt.Sprint(*code)
				}
				return fmt.Errorf("migration task %s exited with %s: %s (logs: %s %s)%s", lastSegment(arn), exit, aws.ToString(t.StoppedReason),
					svc.LogGroup, stream, p.lastLogLines(ctx, svc.LogGroup, stream))
			}
			return nil
		} else if now := clk.Now(); now.Sub(lastProgress) >= 30*time.Second {
			lastProgress = now
			status := "PENDING"
			if len(got.Tasks) == 1 {
				status = aws.ToString(got.Tasks[0].LastStatus)
			}
			p.logf("  %-22s migration task %s %s for %s", svc.Name, lastSegment(arn), status, now.Sub(started).Round(time.Second))
		}
		if clk.Now().After(deadline) {
			return fmt.Errorf("%w: migration task %s still running (logs: %s %s)", errTimeout, lastSegment(arn), svc.LogGroup, stream)
		}
		if err := clk.Sleep(ctx, b.next()); err != nil {
			return err
		}
	}
}

// migrationLogLines is how much of a failed migration's log is printed.
const migrationLogLines = 20

// lastLogLines is the end of a task's log, or why it could not be read.
func (p *Pipeline) lastLogLines(ctx context.Context, group, stream string) string {
	out, err := p.c.Logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream),
		Limit: aws.Int32(migrationLogLines), StartFromHead: aws.Bool(false)})
	if err != nil {
		return "\n    (its log could not be read: " + err.Error() + ")"
	}
	var b strings.Builder
	if len(out.Events) > 0 {
		fmt.Fprintf(&b, "\n    last %d log lines:", len(out.Events))
	}
	for _, e := range out.Events {
		fmt.Fprintf(&b, "\n    | %s", strings.TrimRight(aws.ToString(e.Message), "\n"))
	}
	return b.String()
}

func lastSegment(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }
