// Package pipeline deploys PeerPrep's services to ECS: publish images, run
// migrations as one-off tasks, register task definitions, create what is
// missing, update services in parallel, follow each new deployment to
// COMPLETED, verify through the ALB, and roll everything back on failure.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/peerprep/peerprep/deploy/config"
)

// Publisher builds and pushes every service's image for sha, skipping tags
// already in ECR, and returns service → image URI.
type Publisher interface {
	Publish(ctx context.Context, env *config.Environment, sha string) (map[string]string, error)
}

// Git tells the pipeline what it is deploying.
type Git interface {
	Dirty(ctx context.Context) (bool, error)
	HeadSHA(ctx context.Context) (string, error)
}

// LocalGit is the repository in Dir.
type LocalGit struct{ Dir string }

// Dirty reports uncommitted changes (untracked files included).
func (g LocalGit) Dirty(ctx context.Context) (bool, error) {
	out, err := g.git(ctx, "status", "--porcelain")
	return out != "", err
}

// HeadSHA is the full SHA of HEAD.
func (g LocalGit) HeadSHA(ctx context.Context) (string, error) {
	return g.git(ctx, "rev-parse", "HEAD")
}

func (g LocalGit) git(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = g.Dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Pipeline deploys one environment.
type Pipeline struct {
	Env       *config.Environment
	Publisher Publisher
	Git       Git
	Out       io.Writer
	// HealthURL, when set, is where verification goes (tests). Otherwise
	// it is https://<domain> when the domain resolves, or the load
	// balancer's DNS name with the domain as Host header and TLS name.
	HealthURL string
	HTTP      *http.Client
	// Lookup resolves a host name (default net.DefaultResolver.LookupHost).
	Lookup func(ctx context.Context, host string) ([]string, error)
	Clock  Clock
	// Parallel bounds concurrent service updates (default 4).
	Parallel int
	// ConsecutiveOK is how many 200s with the new version verification needs (default 3).
	ConsecutiveOK int
	// Confirm asks before production; nil refuses unless Yes.
	Confirm func(prompt string) bool

	c      *Clients
	clock  Clock
	mu     sync.Mutex
	health healthTarget
}

// New returns a pipeline for env using clients.
func New(env *config.Environment, c *Clients) *Pipeline {
	return &Pipeline{Env: env, c: c}
}

func (p *Pipeline) init() {
	if p.Clock == nil {
		p.Clock = realClock{}
	}
	p.clock = p.Clock
	if p.Out == nil {
		p.Out = io.Discard
	}
	if p.HTTP == nil {
		p.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if p.Parallel <= 0 {
		p.Parallel = 4
	}
	if p.ConsecutiveOK <= 0 {
		p.ConsecutiveOK = 3
	}
	if p.Lookup == nil {
		p.Lookup = net.DefaultResolver.LookupHost
	}
}

func (p *Pipeline) logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.Out, format+"\n", args...)
}

// step runs f as a named step of the summary, logging its duration.
func (p *Pipeline) step(s *Summary, name string, f func() error) error {
	start, wall := p.clock.Now(), time.Now()
	p.logf("==> %s", name)
	err := f()
	st := Step{Name: name, Seconds: p.clock.Now().Sub(start).Seconds(), WallSeconds: time.Since(wall).Seconds()}
	if err != nil {
		st.Error = err.Error()
		p.logf("<== %s FAILED after %s", name, fmtDur(st.Seconds))
	} else {
		p.logf("<== %s ok (%s)", name, fmtDur(st.Seconds))
	}
	s.Steps = append(s.Steps, st)
	return err
}

func fmtDur(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(100 * time.Millisecond).String()
}

// Options choose what Deploy does.
type Options struct {
	Services []string // nil: every service
	Yes      bool     // skip the production confirmation (CI passes it)
}

// serviceRun is one service's way through a deploy.
type serviceRun struct {
	svc      config.Service
	res      *ServiceResult
	input    *ecsRegister
	previous string // task definition before the deploy ("" when the service is new)
	target   string // task definition to deploy
	live     bool
	liveSvc  *ecsService
	want     resources // the target group and Cloud Map service it belongs to
	// updateUnknown: the update call failed and reading the service back
	// did not show it landed; rollback asks AWS again.
	updateUnknown bool
	clock         Clock // this service's timeline while its goroutine runs
}

type ecsRegister = ecs.RegisterTaskDefinitionInput

func (p *Pipeline) selected(names []string) ([]config.Service, error) {
	if len(names) == 0 {
		return p.Env.Services, nil
	}
	var out []config.Service
	for _, n := range names {
		s, ok := p.Env.Service(n)
		if !ok {
			return nil, fmt.Errorf("no service %q in %s", n, p.Env.Name)
		}
		out = append(out, s)
	}
	return out, nil
}

// Deploy runs the whole pipeline. The summary is complete even when err is not nil.
func (p *Pipeline) Deploy(ctx context.Context, opt Options) (sum *Summary, err error) {
	p.init()
	start, wall := p.clock.Now(), time.Now()
	sum = &Summary{Environment: p.Env.Name, Result: "succeeded"}
	defer func() {
		sum.Seconds, sum.WallSeconds = p.clock.Now().Sub(start).Seconds(), time.Since(wall).Seconds()
		if err != nil {
			sum.Result, sum.Error = "failed", err.Error()
			if ctx.Err() != nil {
				sum.Result = "interrupted"
			}
		}
		p.printTable(sum)
	}()
	services, err := p.selected(opt.Services)
	if err != nil {
		return sum, err
	}
	deadline := start.Add(time.Duration(max(p.Env.DeployTimeoutMinutes, 1)) * time.Minute)

	var sha string
	if err := p.step(sum, "check working tree", func() (err error) {
		sha, err = p.checkTree(ctx, opt.Yes)
		return err
	}); err != nil {
		return sum, err
	}
	sum.SHA = sha
	if err := p.step(sum, "check account", func() error { return p.checkAccount(ctx) }); err != nil {
		return sum, err
	}
	var out Outputs
	if err := p.step(sum, "read stack outputs", func() (err error) { out, err = p.c.StackOutputs(ctx, p.Env); return err }); err != nil {
		return sum, err
	}
	p.health = p.chooseHealthTarget(ctx, out)
	var images map[string]string
	if err := p.step(sum, "publish images", func() (err error) {
		if images, err = p.Publisher.Publish(ctx, p.Env, sha); err != nil {
			return err
		}
		want := map[string]string{}
		for _, s := range services {
			if images[s.Name] == "" {
				return fmt.Errorf("publisher returned no image for %s", s.Name)
			}
			want[s.Name] = images[s.Name]
		}
		return p.c.checkImages(ctx, want)
	}); err != nil {
		return sum, err
	}

	runs := make([]*serviceRun, len(services))
	for i, s := range services {
		runs[i] = &serviceRun{svc: s, res: &ServiceResult{Service: s.Name, Outcome: "unchanged"}}
		sum.Services = append(sum.Services, runs[i].res)
	}
	if err := p.step(sum, "register task definitions", func() error { return p.register(ctx, out, runs, images) }); err != nil {
		return sum, err
	}
	if err := p.step(sum, "run migrations", func() error { return p.migrate(ctx, out, runs, deadline) }); err != nil {
		return sum, err
	}
	// From here on services change: any failure rolls back what was updated.
	updated := []*serviceRun{}
	var umu sync.Mutex
	fail := func(err error) (*Summary, error) {
		if ctx.Err() != nil {
			p.logf("interrupted: %s", p.leftState(updated))
			sum.Error = err.Error()
			return sum, fmt.Errorf("interrupted; %s", p.leftState(updated))
		}
		_ = p.step(sum, "roll back", func() error {
			return p.rollback(ctx, out, updated, p.clock.Now().Add(time.Duration(max(p.Env.DeployTimeoutMinutes, 1))*time.Minute))
		})
		return sum, err
	}
	if err := p.step(sum, "update services", func() error {
		return p.each(runs, func(r *serviceRun) error {
			if err := p.ensure(ctx, out, r); err != nil {
				return err
			}
			in, drift := p.serviceSettings(out, r)
			for _, d := range drift {
				p.logf("    %-22s drift: %s (corrected)", r.svc.Name, d)
			}
			if r.target == r.previous && !redeploys(in) {
				return p.reconcileSettings(ctx, r, in, drift)
			}
			// Counted as changed before the call: an update can land although
			// its response is lost, and rollback asks AWS what moved.
			umu.Lock()
			updated = append(updated, r)
			umu.Unlock()
			id, err := p.startDeployment(ctx, out, r, in)
			if err != nil {
				r.updateUnknown = true
				r.res.Outcome, r.res.Reason = "failed", err.Error()
				return fmt.Errorf("%s: %w", r.svc.Name, err)
			}
			r.res.Outcome = "deploying"
			if err := p.waitDeployment(ctx, r.clock, out["ClusterName"], r.svc.Name, id, deadline); err != nil {
				r.res.Outcome, r.res.Reason = "failed", err.Error()
				return fmt.Errorf("%s: %w", r.svc.Name, err)
			}
			r.res.Outcome = "deployed"
			return nil
		})
	}); err != nil {
		return fail(err)
	}
	if err := p.step(sum, "verify through the ALB", func() error {
		return p.each(runs, func(r *serviceRun) error {
			if err := p.verify(ctx, r.clock, r.svc.PathPrefix, sha, deadline); err != nil {
				r.res.Outcome, r.res.Reason = "failed", "health: "+err.Error()
				return fmt.Errorf("%s: health: %w", r.svc.Name, err)
			}
			r.res.Verified = true
			p.logf("    %-22s verified %s%s/health (%d× version %s)", r.svc.Name, p.health.base, r.svc.PathPrefix, p.ConsecutiveOK, short(sha))
			return nil
		})
	}); err != nil {
		return fail(err)
	}
	return sum, nil
}

// checkAccount refuses to work in another account than the environment's.
func (p *Pipeline) checkAccount(ctx context.Context) error {
	acct, err := p.c.checkAccount(ctx, p.Env)
	if err == nil {
		p.logf("    account %s", acct)
	}
	return err
}

func (p *Pipeline) checkTree(ctx context.Context, yes bool) (string, error) {
	dirty, err := p.Git.Dirty(ctx)
	if err != nil {
		return "", err
	}
	if dirty {
		return "", errors.New("the working tree has uncommitted changes: commit or stash them; a deploy is tagged with the commit it ships")
	}
	sha, err := p.Git.HeadSHA(ctx)
	if err != nil {
		return "", err
	}
	if p.Env.Name == "production" && !yes {
		if p.Confirm == nil || !p.Confirm(fmt.Sprintf("Deploy %s to production? [y/N] ", sha)) {
			return "", errors.New("production deploy not confirmed: answer y, or set DEPLOY_YES=1 (CI=true does too) to deploy without asking")
		}
	}
	p.logf("    deploying %s to %s", sha, p.Env.Name)
	return sha, nil
}

// register renders every task definition and registers those that differ
// from what the service runs (or, for a new service, the family's latest).
func (p *Pipeline) register(ctx context.Context, out Outputs, runs []*serviceRun, images map[string]string) error {
	return p.each(runs, func(r *serviceRun) error {
		r.input = renderTaskDefinition(p.Env, out, r.svc, images[r.svc.Name])
		live, err := p.c.liveService(ctx, out["ClusterName"], r.svc.Name)
		if err != nil {
			return err
		}
		ref := Family(p.Env, r.svc.Name)
		if live != nil {
			r.live, r.liveSvc, r.previous, ref = true, live, aws.ToString(live.TaskDefinition), aws.ToString(live.TaskDefinition)
			r.res.Previous = r.previous
		}
		// What the service runs, then the family's latest (after a rollback
		// the same commit's revision is reused rather than registered again).
		for _, ref := range []string{ref, Family(p.Env, r.svc.Name)} {
			cur, err := p.c.taskDefinition(ctx, ref)
			if err != nil {
				return err
			}
			if sp, ok := specOfTD(cur); ok && sp.equal(specOfInput(r.input)) {
				r.target = aws.ToString(cur.TaskDefinitionArn)
				r.res.TaskDefinition = r.target
				return nil
			}
		}
		res, err := p.c.ECS.RegisterTaskDefinition(ctx, r.input)
		if err != nil {
			return fmt.Errorf("%s: register task definition: %w", r.svc.Name, err)
		}
		if res.TaskDefinition == nil || aws.ToString(res.TaskDefinition.TaskDefinitionArn) == "" {
			return fmt.Errorf("%s: register task definition: the response names no task definition", r.svc.Name)
		}
		r.target = aws.ToString(res.TaskDefinition.TaskDefinitionArn)
		r.res.TaskDefinition, r.res.Registered = r.target, true
		p.logf("    %-22s registered %s", r.svc.Name, lastSegment(r.target))
		return nil
	})
}

func (p *Pipeline) migrate(ctx context.Context, out Outputs, runs []*serviceRun, deadline time.Time) error {
	return p.each(runs, func(r *serviceRun) error {
		if !r.svc.Database || r.target == r.previous {
			return nil
		}
		if err := p.runMigration(ctx, r.clock, out, r.svc, r.target, deadline); err != nil {
			r.res.Outcome, r.res.Reason = "migration failed", err.Error()
			return fmt.Errorf("%s: %w (no service was changed)", r.svc.Name, err)
		}
		p.logf("    %-22s migrated", r.svc.Name)
		return nil
	})
}

// ensure creates what the service is missing and converges its autoscaling.
func (p *Pipeline) ensure(ctx context.Context, out Outputs, r *serviceRun) error {
	var res resources
	var err error
	if r.svc.DefaultRoute {
		// The stack owns the default route's target group (the listener's
		// default action points at it); there is no listener rule.
		res.TargetGroupArn = out["DefaultTargetGroupArn"]
	} else {
		err = p.c.ensureTargetGroup(ctx, p.Env, out, r.svc, &res)
		if err == nil {
			err = p.c.ensureRule(ctx, p.Env, out, r.svc, &res)
		}
	}
	if err == nil {
		err = p.c.ensureDiscovery(ctx, p.Env, out, r.svc, &res)
	}
	if err == nil && !r.live {
		var svc *ecsService
		if svc, err = p.c.createService(ctx, p.Env, out, r.svc, r.target, &res); err == nil {
			r.res.createdDeployment, err = primaryDeployment(svc)
		}
	}
	if err == nil {
		err = p.c.ensureAutoscaling(ctx, r.clock, p.Env, out, r.svc, &res)
	}
	r.want = res
	r.res.Created = append(r.res.Created, res.created...)
	if len(res.created) > 0 {
		p.logf("    %-22s created %s", r.svc.Name, strings.Join(res.created, ", "))
	}
	if err != nil {
		return fmt.Errorf("%s: %w", r.svc.Name, err)
	}
	return nil
}

// startDeployment points the service at its new task definition (with
// whatever settings drifted) and returns the deployment to follow.
func (p *Pipeline) startDeployment(ctx context.Context, out Outputs, r *serviceRun, in *ecs.UpdateServiceInput) (string, error) {
	if !r.live {
		return r.res.createdDeployment, nil
	}
	in.TaskDefinition = aws.String(r.target)
	return p.updateTo(ctx, out["ClusterName"], r.svc.Name, in)
}

// updateTo sends in and returns the deployment it started. When the call
// fails the service is read back: an update may have landed although its
// response was lost (a timeout, a reset connection), and then the
// deployment is followed like any other.
func (p *Pipeline) updateTo(ctx context.Context, cluster, name string, in *ecs.UpdateServiceInput) (string, error) {
	res, err := p.c.ECS.UpdateService(ctx, in)
	if err == nil {
		if res.Service == nil {
			return "", errors.New("update service: the response has no service")
		}
		return primaryDeployment(res.Service)
	}
	if ctx.Err() != nil {
		return "", fmt.Errorf("update service: %w", err)
	}
	live, derr := p.c.liveService(ctx, cluster, name)
	if derr == nil && live != nil && aws.ToString(live.TaskDefinition) == aws.ToString(in.TaskDefinition) {
		if id, perr := primaryDeployment(live); perr == nil {
			p.logf("    %-22s the update landed although the call failed (%v): following deployment %s", name, err, id)
			return id, nil
		}
	}
	return "", fmt.Errorf("update service: %w", err)
}

// serviceSettings is an update carrying what the live service lacks of the
// configuration — health-check grace period, deployment settings, load
// balancer, Cloud Map registry, network, tag propagation — and a line per
// difference (nil fields: unchanged).
func (p *Pipeline) serviceSettings(out Outputs, r *serviceRun) (*ecs.UpdateServiceInput, []string) {
	in := &ecs.UpdateServiceInput{Cluster: aws.String(out["ClusterName"]), Service: aws.String(r.svc.Name)}
	if r.liveSvc == nil {
		return in, nil
	}
	return in, settingsDrift(p.Env, out, r.svc, r.liveSvc, r.want, in)
}

// settingsDrift fills in with what live lacks and describes it.
func settingsDrift(env *config.Environment, out Outputs, svc config.Service, live *ecsService, want resources, in *ecs.UpdateServiceInput) []string {
	var drift []string
	if grace := int32(env.HealthCheck.GracePeriodSeconds); aws.ToInt32(live.HealthCheckGracePeriodSeconds) != grace {
		in.HealthCheckGracePeriodSeconds = aws.Int32(grace)
		drift = append(drift, fmt.Sprintf("health-check grace period: %ds → %ds", aws.ToInt32(live.HealthCheckGracePeriodSeconds), grace))
	}
	if dc := live.DeploymentConfiguration; dc == nil || dc.DeploymentCircuitBreaker == nil || !dc.DeploymentCircuitBreaker.Enable ||
		!dc.DeploymentCircuitBreaker.Rollback || aws.ToInt32(dc.MinimumHealthyPercent) != 100 || aws.ToInt32(dc.MaximumPercent) != 200 {
		in.DeploymentConfiguration = deploymentConfiguration()
		drift = append(drift, "deployment settings: circuit breaker with rollback, 100-200 %")
	}
	if want.TargetGroupArn != "" {
		lbs := serviceLoadBalancers(env, svc, want.TargetGroupArn)
		if len(live.LoadBalancers) != 1 || aws.ToString(live.LoadBalancers[0].TargetGroupArn) != want.TargetGroupArn ||
			aws.ToString(live.LoadBalancers[0].ContainerName) != svc.Name || aws.ToInt32(live.LoadBalancers[0].ContainerPort) != int32(env.ContainerPort) {
			in.LoadBalancers = lbs
			drift = append(drift, fmt.Sprintf("load balancer: %s → %s", describeLBs(live.LoadBalancers), describeLBs(lbs)))
		}
	}
	if want.RegistryArn != "" && (len(live.ServiceRegistries) != 1 || aws.ToString(live.ServiceRegistries[0].RegistryArn) != want.RegistryArn) {
		in.ServiceRegistries = []ecstypes.ServiceRegistry{{RegistryArn: aws.String(want.RegistryArn)}}
		drift = append(drift, fmt.Sprintf("Cloud Map registry: %d registries → %s", len(live.ServiceRegistries), lastSegment(want.RegistryArn)))
	}
	if net := serviceNetwork(out); !sameNetwork(live.NetworkConfiguration, net) {
		in.NetworkConfiguration = net
		drift = append(drift, "network: subnets, security groups or public IP differ from the stack's")
	}
	if live.PropagateTags != ecstypes.PropagateTagsService {
		in.PropagateTags = ecstypes.PropagateTagsService
		drift = append(drift, fmt.Sprintf("tag propagation: %q → SERVICE", live.PropagateTags))
	}
	return drift
}

func describeLBs(lbs []ecstypes.LoadBalancer) string {
	if len(lbs) == 0 {
		return "none"
	}
	var parts []string
	for _, lb := range lbs {
		parts = append(parts, fmt.Sprintf("%s→%s:%d", lastSegment(strings.TrimSuffix(aws.ToString(lb.TargetGroupArn), "/"+lastSegment(aws.ToString(lb.TargetGroupArn)))),
			aws.ToString(lb.ContainerName), aws.ToInt32(lb.ContainerPort)))
	}
	return strings.Join(parts, ", ")
}

func sameNetwork(a, b *ecstypes.NetworkConfiguration) bool {
	if a == nil || a.AwsvpcConfiguration == nil || b == nil || b.AwsvpcConfiguration == nil {
		return a == b
	}
	x, y := a.AwsvpcConfiguration, b.AwsvpcConfiguration
	return slices.Equal(slices.Sorted(slices.Values(x.Subnets)), slices.Sorted(slices.Values(y.Subnets))) &&
		slices.Equal(slices.Sorted(slices.Values(x.SecurityGroups)), slices.Sorted(slices.Values(y.SecurityGroups))) &&
		x.AssignPublicIp == y.AssignPublicIp
}

// redeploys is whether an update starts a new deployment by itself.
func redeploys(in *ecs.UpdateServiceInput) bool {
	return in.LoadBalancers != nil || in.ServiceRegistries != nil || in.NetworkConfiguration != nil
}

// reconcileSettings updates a service whose task definition is unchanged
// when only settings that start no deployment drifted.
func (p *Pipeline) reconcileSettings(ctx context.Context, r *serviceRun, in *ecs.UpdateServiceInput, drift []string) error {
	if len(drift) == 0 {
		return nil
	}
	if _, err := p.c.ECS.UpdateService(ctx, in); err != nil {
		return fmt.Errorf("%s: update service settings: %w", r.svc.Name, err)
	}
	r.res.Created = append(r.res.Created, "corrected "+strings.Join(drift, "; "))
	return nil
}

func primaryDeployment(s *ecsService) (string, error) {
	if s == nil {
		return "", errors.New("no service in the response")
	}
	for _, d := range s.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			return aws.ToString(d.Id), nil
		}
	}
	return "", errors.New("service has no PRIMARY deployment")
}

// rollback returns every updated service to its previous task definition and
// waits for it. New services have nothing to return to and are left as they are.
func (p *Pipeline) rollback(ctx context.Context, out Outputs, runs []*serviceRun, deadline time.Time) error {
	var todo []*serviceRun
	for _, r := range runs {
		if r.previous != "" {
			todo = append(todo, r)
		} else {
			r.res.Reason += " (new service: nothing to roll back to)"
		}
	}
	cluster := out["ClusterName"]
	return p.each(todo, func(r *serviceRun) error {
		// When the update call failed, what AWS reports decides whether the
		// service moved, not what the call returned.
		if r.updateUnknown {
			live, err := p.c.liveService(ctx, cluster, r.svc.Name)
			if err == nil && live != nil && !movedFrom(live, r.previous) {
				r.res.Outcome = "unchanged"
				r.res.Reason += " (AWS shows the update did not land)"
				p.logf("    %-22s still on %s: nothing to roll back", r.svc.Name, lastSegment(r.previous))
				return nil
			}
		}
		// When the circuit breaker has already started ECS's own rollback
		// (a PRIMARY deployment of the previous task definition), follow it:
		// a second UpdateService would only replace it with an identical one.
		id, err := p.ecsRollback(ctx, cluster, r)
		if err == nil && id == "" {
			id, err = p.updateTo(ctx, cluster, r.svc.Name, &ecs.UpdateServiceInput{Cluster: aws.String(cluster), Service: aws.String(r.svc.Name), TaskDefinition: aws.String(r.previous)})
		} else if err == nil {
			p.logf("    %-22s following ECS's own rollback (deployment %s)", r.svc.Name, id)
		}
		if err == nil {
			err = p.waitDeployment(ctx, r.clock, cluster, r.svc.Name, id, deadline)
		}
		if err != nil {
			r.res.Reason += "; ROLLBACK FAILED: " + err.Error()
			return fmt.Errorf("%s: roll back: %w", r.svc.Name, err)
		}
		r.res.RolledBack = true
		if r.res.Outcome != "failed" {
			r.res.Outcome = "rolled back"
		}
		p.logf("    %-22s back on %s", r.svc.Name, lastSegment(r.previous))
		return nil
	})
}

// movedFrom is whether the service runs or deploys anything but td.
func movedFrom(live *ecsService, td string) bool {
	if aws.ToString(live.TaskDefinition) != td {
		return true
	}
	for _, d := range live.Deployments {
		if aws.ToString(d.TaskDefinition) != td {
			return true
		}
	}
	return false
}

// ecsRollback is the id of a rollback ECS started itself for r (a PRIMARY
// deployment of r's previous task definition that has not failed), or "".
func (p *Pipeline) ecsRollback(ctx context.Context, cluster string, r *serviceRun) (string, error) {
	svc, err := p.c.liveService(ctx, cluster, r.svc.Name)
	if err != nil || svc == nil {
		return "", err
	}
	for _, d := range svc.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" && aws.ToString(d.TaskDefinition) == r.previous &&
			d.RolloutState != ecstypes.DeploymentRolloutStateFailed {
			return aws.ToString(d.Id), nil
		}
	}
	return "", nil
}

func (p *Pipeline) leftState(updated []*serviceRun) string {
	if len(updated) == 0 {
		return "no service was changed"
	}
	var names []string
	for _, r := range updated {
		names = append(names, r.svc.Name)
	}
	slices.Sort(names)
	return fmt.Sprintf("deployments were started for %s and continue in ECS under the circuit breaker (rollback armed); not rolled back — run deploy:status %s, or deploy:rollback", strings.Join(names, ", "), p.Env.Name)
}

// each runs f for every run, at most Parallel at once, and joins the errors.
func (p *Pipeline) each(runs []*serviceRun, f func(*serviceRun) error) error {
	sem := make(chan struct{}, p.Parallel)
	errs := make([]error, len(runs))
	var wg sync.WaitGroup
	for i, r := range runs {
		wg.Add(1)
		sem <- struct{}{}
		r.clock = p.clock
		if fk, ok := p.clock.(forker); ok {
			r.clock = fk.Fork()
		}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			// A bug in one service's work fails that service, not the process:
			// the summary, the JSON and the rollback still happen.
			defer func() {
				if v := recover(); v != nil {
					p.logf("    %-22s internal error: %v\n%s", r.svc.Name, v, debug.Stack())
					errs[i] = fmt.Errorf("%s: internal error: %v", r.svc.Name, v)
					if r.res != nil {
						r.res.Outcome, r.res.Reason = "failed", fmt.Sprintf("internal error: %v", v)
					}
				}
			}()
			errs[i] = f(r)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
