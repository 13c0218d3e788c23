package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
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
	for {
		svc, err := p.c.liveService(ctx, cluster, name)
		if err != nil {
			return err
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
	list, err := p.c.ECS.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(cluster), ServiceName: svc.ServiceName, DesiredStatus: ecstypes.DesiredStatusStopped})
	if err == nil && len(list.TaskArns) > 0 {
		arns := list.TaskArns[max(0, len(list.TaskArns)-3):]
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

// verify asks the ALB for the service's health until n consecutive 200s
// report version sha.
func (p *Pipeline) verify(ctx context.Context, clk Clock, base, prefix, sha string, deadline time.Time) error {
	ok, last := 0, ""
	url := strings.TrimSuffix(base, "/") + prefix + "/health"
	for ok < p.ConsecutiveOK {
		if clk.Now().After(deadline) {
			return fmt.Errorf("%w: %s never answered %d times with version %s; last: %s", errTimeout, url, p.ConsecutiveOK, sha, last)
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		req, _ := http.NewRequestWithContext(rctx, http.MethodGet, url, nil)
		res, err := p.HTTP.Do(req)
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

// runMigration runs `<service> migrate` as a one-off task and requires exit code 0.
func (p *Pipeline) runMigration(ctx context.Context, clk Clock, out Outputs, svc, tdArn string, deadline time.Time) error {
	res, err := p.c.ECS.RunTask(ctx, &ecs.RunTaskInput{
		Cluster: aws.String(out["ClusterName"]), TaskDefinition: aws.String(tdArn), LaunchType: ecstypes.LaunchTypeFargate, Count: aws.Int32(1),
		StartedBy: aws.String("peerprep-deploy-migrate"),
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: strings.Split(out["PrivateSubnetIds"], ","), SecurityGroups: []string{out["ServiceSecurityGroupId"]}, AssignPublicIp: ecstypes.AssignPublicIpDisabled}},
		Overrides: &ecstypes.TaskOverride{ContainerOverrides: []ecstypes.ContainerOverride{{Name: aws.String(svc), Command: []string{"migrate"}}}},
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
	stream := "ecs/" + svc + "/" + lastSegment(arn)
	var b backoff
	for {
		got, err := p.c.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(out["ClusterName"]), Tasks: []string{arn}})
		if err != nil {
			return fmt.Errorf("describe migration task: %w", err)
		}
		if len(got.Tasks) == 1 && aws.ToString(got.Tasks[0].LastStatus) == "STOPPED" {
			t := got.Tasks[0]
			var code *int32
			for _, c := range t.Containers {
				if aws.ToString(c.Name) == svc {
					code = c.ExitCode
				}
			}
			if code == nil || *code != 0 {
				exit := "none"
				if code != nil {
					exit = fmt.Sprint(*code)
				}
				return fmt.Errorf("migration task %s exited with %s: %s (logs: %s)", lastSegment(arn), exit, aws.ToString(t.StoppedReason), stream)
			}
			return nil
		}
		if clk.Now().After(deadline) {
			return fmt.Errorf("%w: migration task %s still running (logs: %s)", errTimeout, lastSegment(arn), stream)
		}
		if err := clk.Sleep(ctx, b.next()); err != nil {
			return err
		}
	}
}

func lastSegment(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }
