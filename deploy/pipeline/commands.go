package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ServiceDiff is what a deploy of sha would change in one service.
type ServiceDiff struct {
	Service string   `json:"service"`
	New     bool     `json:"new"`
	Changes []string `json:"changes"`
	Error   string   `json:"error,omitempty"` // the service could not be read: its changes are unknown
}

// Plan renders every task definition for sha and compares it, the desired
// count, the service's settings (load balancer, Cloud Map, network, grace
// period) and autoscaling with what is live. It changes nothing. A service
// it could not read is reported as such, and the plan fails.
func (p *Pipeline) Plan(ctx context.Context, sha string) ([]ServiceDiff, error) {
	p.init()
	if err := p.checkAccount(ctx); err != nil {
		return nil, err
	}
	out, err := p.c.StackOutputs(ctx, p.Env)
	if err != nil {
		return nil, err
	}
	diffs := make([]ServiceDiff, len(p.Env.Services))
	runs := make([]*serviceRun, len(p.Env.Services))
	for i, s := range p.Env.Services {
		runs[i] = &serviceRun{svc: s, res: &ServiceResult{Service: s.Name}}
		diffs[i].Service = s.Name
	}
	err = p.each(runs, func(r *serviceRun) error {
		d := &diffs[slices.Index(runs, r)]
		if err := p.planService(ctx, out, r, sha, d); err != nil {
			d.Changes, d.Error = nil, err.Error()
			return fmt.Errorf("%s: %w", r.svc.Name, err)
		}
		return nil
	})
	// A panic inside a service's work is reported like a read error.
	for i, r := range runs {
		if r.res.Outcome == "failed" && diffs[i].Error == "" {
			diffs[i].Error = r.res.Reason
		}
	}
	p.printPlan(diffs, sha)
	if err != nil {
		var names []string
		for _, d := range diffs {
			if d.Error != "" {
				names = append(names, d.Service)
			}
		}
		return diffs, fmt.Errorf("could not read %s; the plan is incomplete: %w", strings.Join(names, ", "), err)
	}
	return diffs, nil
}

func (p *Pipeline) planService(ctx context.Context, out Outputs, r *serviceRun, sha string, d *ServiceDiff) error {
	want := specOfInput(renderTaskDefinition(p.Env, out, r.svc, ImageURI(p.Env, r.svc.Name, sha)))
	live, err := p.c.liveService(ctx, out["ClusterName"], r.svc.Name)
	if err != nil {
		return err
	}
	if live == nil {
		d.New = true
		d.Changes = []string{fmt.Sprintf("create service (image %s, cpu/memory %s/%s, desired %d, autoscaling %d-%d)", tagOf(want.Image), want.CPU, want.Memory, r.svc.DesiredCount, r.svc.MinCount, r.svc.MaxCount)}
		return nil
	}
	td, err := p.c.taskDefinition(ctx, aws.ToString(live.TaskDefinition))
	if err != nil {
		return err
	}
	have, _ := specOfTD(td)
	d.Changes = diffSpec(have, want)
	if live.DesiredCount < int32(r.svc.MinCount) || live.DesiredCount > int32(r.svc.MaxCount) {
		d.Changes = append(d.Changes, fmt.Sprintf("desired count: %d outside %d-%d (autoscaling will move it)", live.DesiredCount, r.svc.MinCount, r.svc.MaxCount))
	}
	res, err := p.c.lookupResources(ctx, p.Env, out, r.svc)
	if err != nil {
		return err
	}
	d.Changes = append(d.Changes, settingsDrift(p.Env, out, r.svc, live, res, &ecs.UpdateServiceInput{})...)
	as, err := p.autoscalingDiff(ctx, out, r, res.TargetGroupArn)
	if err != nil {
		return err
	}
	d.Changes = append(d.Changes, as...)
	return nil
}

func (p *Pipeline) autoscalingDiff(ctx context.Context, out Outputs, r *serviceRun, tgArn string) ([]string, error) {
	id := "service/" + out["ClusterName"] + "/" + r.svc.Name
	var d []string
	t, err := p.c.scalableTargets(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(t) == 0 {
		d = append(d, fmt.Sprintf("autoscaling: create target %d-%d", r.svc.MinCount, r.svc.MaxCount))
	} else if mn, mx := aws.ToInt32(t[0].MinCapacity), aws.ToInt32(t[0].MaxCapacity); mn != int32(r.svc.MinCount) || mx != int32(r.svc.MaxCount) {
		d = append(d, fmt.Sprintf("autoscaling: min/max %d-%d → %d-%d", mn, mx, r.svc.MinCount, r.svc.MaxCount))
	}
	pols, err := p.c.scalingPolicies(ctx, id)
	if err != nil {
		return nil, err
	}
	if tgArn == "" {
		tgArn = "targetgroup/" + p.Env.TargetGroupName(r.svc.Name) + "/?"
	}
	for _, want := range wantPolicies(out, r.svc, tgArn) {
		i := slices.IndexFunc(pols, func(x aastypes.ScalingPolicy) bool {
			return aws.ToString(x.PolicyName) == aws.ToString(want.PolicyName)
		})
		switch {
		case i < 0:
			d = append(d, "autoscaling: add policy "+aws.ToString(want.PolicyName))
		case !samePolicy(pols[i].TargetTrackingScalingPolicyConfiguration, want.TargetTrackingScalingPolicyConfiguration):
			d = append(d, fmt.Sprintf("autoscaling: %s target %g → %g", aws.ToString(want.PolicyName),
				targetValue(pols[i].TargetTrackingScalingPolicyConfiguration), targetValue(want.TargetTrackingScalingPolicyConfiguration)))
		}
	}
	return d, nil
}

func targetValue(c *aastypes.TargetTrackingScalingPolicyConfiguration) float64 {
	if c == nil {
		return 0
	}
	return aws.ToFloat64(c.TargetValue)
}

func (p *Pipeline) printPlan(diffs []ServiceDiff, sha string) {
	fmt.Fprintf(p.Out, "plan for %s at %s (nothing is changed)\n", p.Env.Name, short(sha))
	for _, d := range diffs {
		if d.Error != "" {
			fmt.Fprintf(p.Out, "  %s: COULD NOT READ: %s\n", d.Service, d.Error)
			continue
		}
		if len(d.Changes) == 0 {
			fmt.Fprintf(p.Out, "  %s: no changes\n", d.Service)
			continue
		}
		fmt.Fprintf(p.Out, "  %s:\n", d.Service)
		for _, c := range d.Changes {
			fmt.Fprintf(p.Out, "      %s\n", c)
		}
	}
}

// ServiceStatus is one service as ECS reports it.
type ServiceStatus struct {
	Service                        string
	Desired, Running, Pending      int32
	Rollout, Image, TaskDefinition string
	Events                         []string
}

// Status reports every service's counts, rollout state, image tag and last events.
func (p *Pipeline) Status(ctx context.Context) ([]ServiceStatus, error) {
	p.init()
	out, err := p.c.StackOutputs(ctx, p.Env)
	if err != nil {
		return nil, err
	}
	var sts []ServiceStatus
	for _, s := range p.Env.Services {
		st := ServiceStatus{Service: s.Name, Rollout: "MISSING"}
		live, err := p.c.liveService(ctx, out["ClusterName"], s.Name)
		if err != nil {
			return nil, err
		}
		if live != nil {
			st.Desired, st.Running, st.Pending, st.TaskDefinition = live.DesiredCount, live.RunningCount, live.PendingCount, aws.ToString(live.TaskDefinition)
			if id, err := primaryDeployment(live); err == nil {
				for _, d := range live.Deployments {
					if aws.ToString(d.Id) == id {
						st.Rollout = string(d.RolloutState)
					}
				}
			}
			if td, err := p.c.taskDefinition(ctx, st.TaskDefinition); err == nil && td != nil {
				sp, _ := specOfTD(td)
				st.Image = tagOf(sp.Image)
			}
			for _, e := range live.Events[:min(3, len(live.Events))] {
				st.Events = append(st.Events, aws.ToString(e.Message))
			}
		}
		sts = append(sts, st)
	}
	tw := tabwriter.NewWriter(p.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tDESIRED\tRUNNING\tPENDING\tROLLOUT\tIMAGE\tTASK DEFINITION")
	for _, s := range sts {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\n", s.Service, s.Desired, s.Running, s.Pending, s.Rollout, short(s.Image), lastSegment(s.TaskDefinition))
	}
	tw.Flush()
	for _, s := range sts {
		for _, e := range s.Events {
			fmt.Fprintf(p.Out, "  %s\n", e)
		}
	}
	return sts, nil
}

// Rollback returns the named services (all when empty) to the task
// definition revision before the current one, waits and verifies health
// answers with that revision's image tag.
func (p *Pipeline) Rollback(ctx context.Context, names []string) (*Summary, error) {
	p.init()
	sum := &Summary{Environment: p.Env.Name, Result: "succeeded"}
	start := p.clock.Now()
	services, err := p.selected(names)
	if err != nil {
		return sum, err
	}
	if err := p.step(sum, "check account", func() error { return p.checkAccount(ctx) }); err != nil {
		return sum, err
	}
	out, err := p.c.StackOutputs(ctx, p.Env)
	if err != nil {
		return sum, err
	}
	p.health = p.chooseHealthTarget(ctx, out)
	var runs []*serviceRun
	err = p.step(sum, "find previous revisions", func() error {
		for _, s := range services {
			r := &serviceRun{svc: s, res: &ServiceResult{Service: s.Name, Outcome: "unchanged"}}
			live, err := p.c.liveService(ctx, out["ClusterName"], s.Name)
			if err != nil || live == nil {
				return fmt.Errorf("%s: no service to roll back (%v)", s.Name, err)
			}
			cur := aws.ToString(live.TaskDefinition)
			var arns []string
			in := &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(Family(p.Env, s.Name)), Sort: ecstypes.SortOrderDesc, Status: ecstypes.TaskDefinitionStatusActive}
			for pages := ecs.NewListTaskDefinitionsPaginator(p.c.ECS, in, func(o *ecs.ListTaskDefinitionsPaginatorOptions) { o.StopOnDuplicateToken = true }); pages.HasMorePages(); {
				pg, err := pages.NextPage(ctx)
				if err != nil {
					return fmt.Errorf("%s: list task definitions: %w", s.Name, err)
				}
				arns = append(arns, pg.TaskDefinitionArns...)
			}
			i := slices.Index(arns, cur)
			if i < 0 || i+1 >= len(arns) {
				return fmt.Errorf("%s: no revision before %s", s.Name, lastSegment(cur))
			}
			r.previous, r.res.Previous, r.res.TaskDefinition = arns[i+1], cur, arns[i+1]
			runs = append(runs, r)
			sum.Services = append(sum.Services, r.res)
		}
		return nil
	})
	if err == nil {
		err = p.step(sum, "roll back", func() error {
			return p.rollback(ctx, out, runs, start.Add(time.Duration(max(p.Env.DeployTimeoutMinutes, 1))*time.Minute))
		})
	}
	if err == nil {
		err = p.step(sum, "verify through the ALB", func() error {
			return p.each(runs, func(r *serviceRun) error {
				td, err := p.c.taskDefinition(ctx, r.previous)
				if err != nil || td == nil {
					return fmt.Errorf("%s: %v", r.svc.Name, err)
				}
				sp, _ := specOfTD(td)
				if err := p.verify(ctx, r.clock, r.svc.PathPrefix, tagOf(sp.Image), start.Add(time.Duration(max(p.Env.DeployTimeoutMinutes, 1))*time.Minute)); err != nil {
					return fmt.Errorf("%s: health: %w", r.svc.Name, err)
				}
				r.res.Verified = true
				return nil
			})
		})
	}
	sum.Seconds = p.clock.Now().Sub(start).Seconds()
	if err != nil {
		sum.Result, sum.Error = "failed", err.Error()
	}
	p.printTable(sum)
	return sum, err
}

// Migrate runs the migrations for HEAD's images alone: register the task
// definitions (skipping identical ones) and run each database service's
// migrate task.
func (p *Pipeline) Migrate(ctx context.Context) (*Summary, error) {
	p.init()
	sum := &Summary{Environment: p.Env.Name, Result: "succeeded"}
	start := p.clock.Now()
	sha, err := p.Git.HeadSHA(ctx)
	if err != nil {
		return sum, err
	}
	sum.SHA = sha
	if err := p.step(sum, "check account", func() error { return p.checkAccount(ctx) }); err != nil {
		return sum, err
	}
	out, err := p.c.StackOutputs(ctx, p.Env)
	if err != nil {
		return sum, err
	}
	images := map[string]string{}
	var runs []*serviceRun
	for _, s := range p.Env.Services {
		if s.Database {
			images[s.Name] = ImageURI(p.Env, s.Name, sha)
			r := &serviceRun{svc: s, res: &ServiceResult{Service: s.Name, Outcome: "unchanged"}}
			runs = append(runs, r)
			sum.Services = append(sum.Services, r.res)
		}
	}
	err = p.step(sum, "check images", func() error { return p.c.checkImages(ctx, images) })
	if err == nil {
		err = p.step(sum, "register task definitions", func() error { return p.register(ctx, out, runs, images) })
	}
	if err == nil {
		err = p.step(sum, "run migrations", func() error {
			return p.each(runs, func(r *serviceRun) error {
				if err := p.runMigration(ctx, r.clock, out, r.svc, r.target, start.Add(time.Duration(max(p.Env.DeployTimeoutMinutes, 1))*time.Minute)); err != nil {
					r.res.Outcome, r.res.Reason = "migration failed", err.Error()
					return fmt.Errorf("%s: %w", r.svc.Name, err)
				}
				r.res.Outcome = "migrated"
				return nil
			})
		})
	}
	sum.Seconds = p.clock.Now().Sub(start).Seconds()
	if err != nil {
		sum.Result, sum.Error = "failed", err.Error()
	}
	p.printTable(sum)
	return sum, err
}
