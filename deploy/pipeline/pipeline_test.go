package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/peerprep/peerprep/deploy/awsfake"
	"github.com/peerprep/peerprep/deploy/cfn"
	"github.com/peerprep/peerprep/deploy/config"
	"github.com/peerprep/peerprep/deploy/pipeline"
)

const (
	sha1 = "1111111111111111111111111111111111111111"
	sha2 = "2222222222222222222222222222222222222222"
)

type fakeGit struct {
	dirty bool
	sha   string
}

func (g *fakeGit) Dirty(context.Context) (bool, error)     { return g.dirty, nil }
func (g *fakeGit) HeadSHA(context.Context) (string, error) { return g.sha, nil }

// publisher pushes to the simulated ECR, skipping tags already there.
type publisher struct {
	aws      *awsfake.AWS
	withhold map[string]bool // never pushed: ECR lacks them
	mu       sync.Mutex
	pushed   []string
	skipped  []string
}

func (p *publisher) Publish(_ context.Context, env *config.Environment, sha string) (map[string]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	images := map[string]string{}
	for _, s := range env.Services {
		images[s.Name] = pipeline.ImageURI(env, s.Name, sha)
		switch {
		case p.withhold[s.Name]:
		case p.aws.HasImage(pipeline.Repository(s.Name), sha):
			p.skipped = append(p.skipped, s.Name)
		default:
			p.aws.PutImage(pipeline.Repository(s.Name), sha)
			p.pushed = append(p.pushed, s.Name)
		}
	}
	return images, nil
}

type world struct {
	aws *awsfake.AWS
	env *config.Environment
	git *fakeGit
	pub *publisher
	out *bytes.Buffer
}

func newWorld(t *testing.T, envName string) *world {
	t.Helper()
	env, err := config.Load("..", envName)
	if err != nil {
		t.Fatal(err)
	}
	f := awsfake.New(envName)
	t.Cleanup(f.Close)
	env.AccountID = f.Account
	// The caller may do what the rendered deploy role allows, nothing more.
	tpl, err := cfn.Render(env)
	if err != nil {
		t.Fatal(err)
	}
	f.Grant(cfn.DeployRoleActions(tpl))
	return &world{aws: f, env: env, git: &fakeGit{sha: sha1}, pub: &publisher{aws: f, withhold: map[string]bool{}}, out: &bytes.Buffer{}}
}

func (w *world) pipeline() *pipeline.Pipeline {
	p := pipeline.New(w.env, pipeline.NewClients(w.aws.Config()))
	p.Clock, p.HealthURL, p.HTTP, p.Git, p.Publisher, p.Out = w.aws.Clock, w.aws.ALBURL(), w.aws.ALBClient(), w.git, w.pub, w.out
	return p
}

func (w *world) deploy(t *testing.T, sha string) (*pipeline.Summary, error) {
	t.Helper()
	w.git.sha = sha
	w.out.Reset()
	return w.pipeline().Deploy(context.Background(), pipeline.Options{Yes: true})
}

func (w *world) mustDeploy(t *testing.T, sha string) *pipeline.Summary {
	t.Helper()
	sum, err := w.deploy(t, sha)
	if err != nil {
		t.Fatalf("deploy %s: %v\n%s", sha[:4], err, w.out)
	}
	return sum
}

func (w *world) image(svc, sha string) string { return pipeline.ImageURI(w.env, svc, sha) }

func (w *world) taskDefs(t *testing.T) map[string]string {
	m := map[string]string{}
	for _, s := range w.env.Services {
		td := w.aws.ServiceTaskDefinition(s.Name)
		m[s.Name] = td[strings.LastIndex(td, ":")+1:]
	}
	return m
}

func allRevision(t *testing.T, w *world, rev string) {
	t.Helper()
	for svc, r := range w.taskDefs(t) {
		if r != rev {
			t.Errorf("%s runs revision %s, want %s", svc, r, rev)
		}
	}
}

func TestFirstDeployCreatesMissingResources(t *testing.T) {
	w := newWorld(t, "production")
	sum := w.mustDeploy(t, sha1)
	n := len(w.env.Services)
	tgs, rules, sd, svcs, targets, policies := w.aws.Resources()
	// The web app's target group is the stack's, and it has no rule.
	if tgs != n-1 || rules != n-1 || sd != n || svcs != n || targets != n || policies != n+2 {
		t.Errorf("resources: tg %d rules %d cloudmap %d services %d targets %d policies %d; want %d target groups and rules, %d of the rest and %d policies (user-service's request count, matching-service's backlog)",
			tgs, rules, sd, svcs, targets, policies, n-1, n, n+2)
	}
	backlog := w.aws.Policies()["matching-service-backlog"].TargetTrackingScalingPolicyConfiguration
	if backlog == nil || *backlog.TargetValue != 20 || backlog.CustomizedMetricSpecification == nil ||
		aws.ToString(backlog.CustomizedMetricSpecification.Metrics[0].MetricStat.Metric.Namespace) != "PeerPrep/production" ||
		aws.ToString(backlog.CustomizedMetricSpecification.Metrics[0].MetricStat.Metric.MetricName) != "QueueDepth" ||
		aws.ToString(backlog.CustomizedMetricSpecification.Metrics[2].Expression) != "backlog / tasks" {
		t.Errorf("backlog policy: %+v", backlog)
	}
	// WebSocket services keep connections until the task's stop timeout.
	if got := w.aws.TargetGroupAttribute("pp-production-chat", "deregistration_delay.timeout_seconds"); got != "120" {
		t.Errorf("chat-service deregistration delay %q, want 120", got)
	}
	if got := w.aws.TargetGroupAttribute("pp-production-user", "deregistration_delay.timeout_seconds"); got != "30" {
		t.Errorf("user-service deregistration delay %q, want 30", got)
	}
	pol := w.aws.Policies()["user-service-requests"]
	if cfg := pol.TargetTrackingScalingPolicyConfiguration; cfg == nil || *cfg.TargetValue != 2000 || !strings.HasPrefix(*cfg.PredefinedMetricSpecification.ResourceLabel, "app/peerprep-production/abc/targetgroup/pp-production-user/") {
		t.Errorf("request-count policy: %+v", pol)
	}
	cpu := w.aws.Policies()["chat-service-cpu"].TargetTrackingScalingPolicyConfiguration
	if *cpu.TargetValue != 70 || *cpu.ScaleOutCooldown != 60 || *cpu.ScaleInCooldown != 300 {
		t.Errorf("cpu policy: %+v", cpu)
	}
	for _, r := range sum.Services {
		if r.Outcome != "deployed" || !r.Verified || !r.Registered || len(r.Created) < 4 {
			t.Errorf("%s: %+v", r.Service, r)
		}
	}
	// The task definition as ECS stores it.
	c := ecs.NewFromConfig(w.aws.Config())
	td, err := c.DescribeTaskDefinition(context.Background(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("peerprep-production-user-service")})
	if err != nil {
		t.Fatal(err)
	}
	cd := td.TaskDefinition.ContainerDefinitions[0]
	env := map[string]string{}
	for _, kv := range cd.Environment {
		env[*kv.Name] = *kv.Value
	}
	secrets := map[string]string{}
	for _, s := range cd.Secrets {
		secrets[*s.Name] = *s.ValueFrom
	}
	if *cd.Image != w.image("user-service", sha1) || *cd.User != "65532" || !*cd.ReadonlyRootFilesystem || *cd.StopTimeout != 30 ||
		!slices.Equal(cd.HealthCheck.Command, []string{"CMD", "/user-service", "healthcheck"}) ||
		cd.LogConfiguration.Options["awslogs-group"] != "/ecs/peerprep-production/user-service" || *td.TaskDefinition.Cpu != "512" {
		t.Errorf("container: %+v", cd)
	}
	if env["PGHOST"] != "db.production.internal" || env["PGDATABASE"] != "peerprep_user" || !strings.HasSuffix(secrets["PGPASSWORD"], ":password::") ||
		secrets["JWT_SIGNING_KEY"] != "arn:aws:secretsmanager:eu-west-1:123456789012:secret:peerprep/production/jwt-signing-key" {
		t.Errorf("env %v secrets %v", env, secrets)
	}
	if w.aws.Calls("RunTask") != 6 {
		t.Errorf("migrations run: %d, want one per database service (6)", w.aws.Calls("RunTask"))
	}
	var js bytes.Buffer
	if err := sum.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back["result"] != "succeeded" || back["sha"] != sha1 {
		t.Errorf("json summary: %v %s", err, js.String())
	}
}

func TestHappyPathUpdatesEveryService(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	sum := w.mustDeploy(t, sha2)
	allRevision(t, w, "2")
	for _, r := range sum.Services {
		if r.Outcome != "deployed" || !r.Verified || len(r.Created) != 0 {
			t.Errorf("%s: %+v", r.Service, r)
		}
	}
	if got := w.aws.Calls("UpdateService"); got != len(w.env.Services) {
		t.Errorf("UpdateService calls %d", got)
	}
	for _, want := range []string{"update services", "COMPLETED", "verify through the ALB", "SUCCEEDED"} {
		if !strings.Contains(w.out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, w.out)
		}
	}
}

func TestSecondIdenticalDeployRegistersNothing(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	reg, tg, runs := w.aws.Calls("RegisterTaskDefinition"), w.aws.Calls("CreateTargetGroup"), w.aws.Calls("RunTask")
	sum := w.mustDeploy(t, sha1)
	if w.aws.Calls("RegisterTaskDefinition") != reg || w.aws.Calls("CreateTargetGroup") != tg || w.aws.Calls("RunTask") != runs ||
		w.aws.Calls("UpdateService") != 0 || w.aws.Calls("PutScalingPolicy") != len(w.env.Services)+1 {
		t.Errorf("second deploy changed things: register %d→%d, target groups %d→%d, migrations %d→%d, updates %d, policies %d",
			reg, w.aws.Calls("RegisterTaskDefinition"), tg, w.aws.Calls("CreateTargetGroup"), runs, w.aws.Calls("RunTask"), w.aws.Calls("UpdateService"), w.aws.Calls("PutScalingPolicy"))
	}
	if w.aws.Calls("ModifyRule") != 0 {
		t.Error("listener rules modified")
	}
	w.aws.BreakRule("20")
	w.mustDeploy(t, sha1)
	if w.aws.Calls("ModifyRule") != 1 || w.aws.Calls("CreateRule") != len(w.env.Services)-1 {
		t.Errorf("hand-edited rule: %d modified, %d created", w.aws.Calls("ModifyRule"), w.aws.Calls("CreateRule"))
	}
	for _, r := range sum.Services {
		if r.Registered || r.Outcome != "unchanged" || !r.Verified {
			t.Errorf("%s: %+v", r.Service, r)
		}
	}
	if !slices.Equal(w.pub.skipped, slices.Concat(sliceOfNames(w.env), sliceOfNames(w.env))) {
		t.Errorf("skipped pushes %v", w.pub.skipped)
	}
}

func sliceOfNames(env *config.Environment) []string {
	var n []string
	for _, s := range env.Services {
		n = append(n, s.Name)
	}
	return n
}

func TestMigrationFailureTouchesNoService(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	w.aws.MigrationExit[w.image("history-service", sha2)] = 1
	w.aws.MigrationLogs[w.image("history-service", sha2)] = []string{`{"msg":"applying 0003_attempts.sql"}`, `{"msg":"migrate","error":"relation \"attempts\" already exists"}`}
	sum, err := w.deploy(t, sha2)
	if err == nil {
		t.Fatal("deploy succeeded")
	}
	for _, want := range []string{"history-service", "exited with 1", "Essential container in task exited", "logs: /ecs/peerprep-staging/history-service ecs/history-service/",
		"last 2 log lines", `relation \"attempts\" already exists`, "no service was changed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if w.aws.Calls("UpdateService") != 0 {
		t.Errorf("%d services updated", w.aws.Calls("UpdateService"))
	}
	allRevision(t, w, "1")
	if sum.Result != "failed" {
		t.Errorf("result %s", sum.Result)
	}
}

func TestFailingTasksRollEveryUpdatedServiceBack(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	w.aws.UnhealthyImages[w.image("chat-service", sha2)] = "GET /health/ready: dial tcp 127.0.0.1:8000: connection refused"
	updatesBefore := w.aws.Calls("UpdateService")
	sum, err := w.deploy(t, sha2)
	if err == nil {
		t.Fatal("deploy succeeded")
	}
	if testing.Verbose() {
		t.Log(w.out.String())
	}
	allRevision(t, w, "1")
	var chat *pipeline.ServiceResult
	for _, r := range sum.Services {
		if !r.RolledBack {
			t.Errorf("%s not rolled back: %+v", r.Service, r)
		}
		if r.Service == "chat-service" {
			chat = r
		}
	}
	if chat.Outcome != "failed" || !strings.Contains(chat.Reason, "circuit breaker") || !strings.Contains(chat.Reason, "connection refused") {
		t.Errorf("chat-service: %+v", chat)
	}
	if !strings.Contains(w.out.String(), "roll back") || !strings.Contains(w.out.String(), "chat-service: deployment") {
		t.Errorf("output:\n%s", w.out)
	}
	// The circuit breaker had rolled chat-service back already: the pipeline
	// follows that deployment and updates only the other services again.
	if !strings.Contains(w.out.String(), "chat-service") || !strings.Contains(w.out.String(), "following ECS's own rollback") {
		t.Errorf("chat-service's ECS rollback not followed:\n%s", w.out)
	}
	if got, want := w.aws.Calls("UpdateService"), updatesBefore+2*(len(sum.Services))-1; got != want {
		t.Errorf("UpdateService called %d times, want %d (one per service to deploy, one per rollback but chat-service's)", got, want)
	}
}

func TestFailedFirstDeploySaysThereIsNothingToReturnTo(t *testing.T) {
	w := newWorld(t, "staging")
	w.aws.UnhealthyImages[w.image("matching-service", sha1)] = "panic: REDIS_URL not set"
	sum, err := w.deploy(t, sha1)
	if err == nil || !strings.Contains(err.Error(), "matching-service") || !strings.Contains(err.Error(), "REDIS_URL not set") {
		t.Fatalf("err = %v", err)
	}
	for _, r := range sum.Services {
		if r.RolledBack || !strings.Contains(r.Reason, "nothing to roll back to") {
			t.Errorf("%s: %+v", r.Service, r)
		}
	}
}

func TestVanishedDeploymentIsAFailure(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	w.aws.DropFailed = true
	w.aws.UnhealthyImages[w.image("user-service", sha2)] = "exit 1"
	_, err := w.deploy(t, sha2)
	if err == nil || !strings.Contains(err.Error(), "user-service: deployment") || !strings.Contains(err.Error(), "is gone: the circuit breaker rolled it back") {
		t.Fatalf("err = %v", err)
	}
	allRevision(t, w, "1")
}

func TestTimeoutRollsBack(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	w.env.DeployTimeoutMinutes = 2 // migrations fit, the rollouts (simulated waits add up across parallel pollers) do not
	w.git.sha = sha2
	// The rollback gets its own deadline from the same setting: give it room.
	out := &onLine{s: "==> roll back", f: func() { w.env.DeployTimeoutMinutes = 15 }}
	p := w.pipeline()
	p.Out = out
	sum, err := p.Deploy(context.Background(), pipeline.Options{})
	if err == nil || !strings.Contains(err.Error(), "deploy timeout") || w.aws.Calls("UpdateService") == 0 {
		t.Fatalf("err = %v, updates %d\n%s", err, w.aws.Calls("UpdateService"), out.String())
	}
	allRevision(t, w, "1")
	for _, r := range sum.Services {
		if !r.RolledBack {
			t.Errorf("%s: %+v", r.Service, r)
		}
	}
}

func TestVerificationSeeingOldVersionRollsBack(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	w.aws.StaleHealth["matching-service"] = true
	sum, err := w.deploy(t, sha2)
	if err == nil || !strings.Contains(err.Error(), "matching-service: health") || !strings.Contains(err.Error(), "0ld0ld") {
		t.Fatalf("err = %v", err)
	}
	allRevision(t, w, "1")
	for _, r := range sum.Services {
		if !r.RolledBack {
			t.Errorf("%s not rolled back", r.Service)
		}
	}
}

func TestExistingImageTagIsNotPushedAgain(t *testing.T) {
	w := newWorld(t, "staging")
	w.aws.PutImage(pipeline.Repository("user-service"), sha1)
	w.mustDeploy(t, sha1)
	if !slices.Equal(w.pub.skipped, []string{"user-service"}) || slices.Contains(w.pub.pushed, "user-service") {
		t.Errorf("pushed %v skipped %v", w.pub.pushed, w.pub.skipped)
	}
}

func TestImageMissingFromECRStopsBeforeAnything(t *testing.T) {
	w := newWorld(t, "staging")
	w.pub.withhold["chat-service"] = true
	_, err := w.deploy(t, sha1)
	if err == nil || !strings.Contains(err.Error(), "chat-service: image") || !strings.Contains(err.Error(), "ImageNotFoundException") {
		t.Fatalf("err = %v", err)
	}
	if w.aws.Calls("RegisterTaskDefinition")+w.aws.Calls("RunTask") != 0 {
		t.Error("pipeline went on")
	}
}

func TestRefusals(t *testing.T) {
	w := newWorld(t, "production")
	w.git.dirty = true
	if _, err := w.pipeline().Deploy(context.Background(), pipeline.Options{Yes: true}); err == nil || !strings.Contains(err.Error(), "uncommitted") {
		t.Errorf("dirty tree: %v", err)
	}
	w.git.dirty = false
	p := w.pipeline()
	p.Confirm = func(string) bool { return false }
	if _, err := p.Deploy(context.Background(), pipeline.Options{}); err == nil || !strings.Contains(err.Error(), "not confirmed") || !strings.Contains(err.Error(), "DEPLOY_YES=1") || strings.Contains(err.Error(), "--yes") {
		t.Errorf("unconfirmed production: %v", err)
	}
	if w.aws.Calls("DescribeStacks") != 0 {
		t.Error("AWS was called")
	}
}

func TestPlanShowsDiffAndChangesNothing(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	ui := slices.IndexFunc(w.env.Services, func(s config.Service) bool { return s.Name == "user-service" })
	user := &w.env.Services[ui]
	user.Environment["LOG_LEVEL"] = "info"
	user.Secrets["NEW_KEY"] = "peerprep/staging/new"
	user.CPU, user.Memory = 512, 1024
	user.MaxCount = 6
	reg, targets := w.aws.Calls("RegisterTaskDefinition"), w.aws.Calls("RegisterScalableTarget")
	w.out.Reset()
	diffs, err := w.pipeline().Plan(context.Background(), sha2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"image: " + sha1 + " → " + sha2, "env LOG_LEVEL: debug → info",
		"secret NEW_KEY: added (arn:aws:secretsmanager:eu-west-1:123456789012:secret:peerprep/staging/new)",
		"cpu/memory: 256/512 → 512/1024", "autoscaling: min/max 2-4 → 2-6",
	}
	if !slices.Equal(diffs[ui].Changes, want) {
		t.Errorf("user-service changes:\n%s\nwant\n%s", strings.Join(diffs[ui].Changes, "\n"), strings.Join(want, "\n"))
	}
	if !slices.Equal(diffs[ui+1].Changes, []string{"image: " + sha1 + " → " + sha2}) {
		t.Errorf("%s: %v", diffs[ui+1].Service, diffs[ui+1].Changes)
	}
	if w.aws.Calls("RegisterTaskDefinition") != reg || w.aws.Calls("UpdateService") != 0 || w.aws.Calls("RegisterScalableTarget") != targets {
		t.Error("plan changed something")
	}
	if !strings.Contains(w.out.String(), "env LOG_LEVEL: debug → info") {
		t.Errorf("plan output:\n%s", w.out)
	}
}

func TestRollbackStatusAndMigrateCommands(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	w.mustDeploy(t, sha2)
	w.out.Reset()
	if _, err := w.pipeline().Rollback(context.Background(), []string{"user-service"}); err != nil {
		t.Fatalf("rollback: %v\n%s", err, w.out)
	}
	if got := w.taskDefs(t)["user-service"]; got != "1" {
		t.Errorf("user-service on revision %s", got)
	}
	w.out.Reset()
	sts, err := w.pipeline().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]pipeline.ServiceStatus{}
	for _, st := range sts {
		byName[st.Service] = st
	}
	u, q := byName["user-service"], byName["question-service"]
	if u.Image != sha1 || q.Image != sha2 || q.Rollout != "COMPLETED" || q.Running != 2 || !strings.Contains(w.out.String(), "steady state") {
		t.Errorf("status %+v %+v\n%s", u, q, w.out)
	}
	// Deploying the rolled-back commit again reuses its revision.
	reg := w.aws.Calls("RegisterTaskDefinition")
	w.mustDeploy(t, sha2)
	if got := w.taskDefs(t)["user-service"]; got != "2" || w.aws.Calls("RegisterTaskDefinition") != reg {
		t.Errorf("redeploy: user-service on %s, %d new registrations", got, w.aws.Calls("RegisterTaskDefinition")-reg)
	}
	runs := w.aws.Calls("RunTask")
	if _, err := w.pipeline().Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w.aws.Calls("RunTask") != runs+6 {
		t.Errorf("migrate ran %d tasks", w.aws.Calls("RunTask")-runs)
	}
}

func TestDeployOneServiceLeavesTheOthersAlone(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	w.git.sha = sha2
	sum, err := w.pipeline().Deploy(context.Background(), pipeline.Options{Services: []string{"question-service"}})
	if err != nil {
		t.Fatalf("%v\n%s", err, w.out)
	}
	if len(sum.Services) != 1 || w.aws.Calls("UpdateService") != 1 || w.aws.Calls("RunTask") != 7 {
		t.Errorf("services %d, updates %d, migrations %d", len(sum.Services), w.aws.Calls("UpdateService"), w.aws.Calls("RunTask"))
	}
	if r := w.taskDefs(t); r["question-service"] != "2" || r["user-service"] != "1" {
		t.Errorf("revisions %v", r)
	}
	if _, err := w.pipeline().Deploy(context.Background(), pipeline.Options{Services: []string{"nope"}}); err == nil {
		t.Error("unknown service accepted")
	}
}

// onLine calls f when the log shows s.
type onLine struct {
	bytes.Buffer
	s string
	f func()
}

func (c *onLine) Write(b []byte) (int, error) {
	if strings.Contains(string(b), c.s) {
		c.f()
	}
	return c.Buffer.Write(b)
}

func TestInterruptSaysWhatWasLeft(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &onLine{s: "IN_PROGRESS", f: cancel}
	p := w.pipeline()
	p.Out, p.Git = out, &fakeGit{sha: sha2}
	sum, err := p.Deploy(ctx, pipeline.Options{})
	if err == nil || !errors.Is(ctx.Err(), context.Canceled) || !strings.Contains(err.Error(), "not rolled back") || sum.Result != "interrupted" {
		t.Fatalf("err = %v, result %s\n%s", err, sum.Result, out.String())
	}
}

// TestOverheadEightServices measures the pipeline's own time for eight
// services: wall time of a full deploy against the simulation, whose waits
// cost nothing (they advance the fake clock).
func TestOverheadEightServices(t *testing.T) {
	w := newWorld(t, "production")
	if n := len(w.env.Services); n != 8 {
		t.Fatalf("production has %d services; this measures eight", n)
	}
	w.mustDeploy(t, sha1)
	slept := w.aws.Clock.Slept()
	start := time.Now()
	sum := w.mustDeploy(t, sha2)
	wall := time.Since(start)
	t.Logf("8 services, update deploy: wall %v (pipeline overhead incl. simulated AWS API calls), simulated AWS waits %v, simulated deploy %.0fs",
		wall.Round(time.Millisecond), (w.aws.Clock.Slept() - slept).Round(time.Second), sum.Seconds)
	for _, st := range sum.Steps {
		t.Logf("  %-26s simulated %6.1fs  wall %6.1fms", st.Name, st.Seconds, st.WallSeconds*1000)
	}
}

// The web app is the load balancer's default route: its ECS service sits
// behind the stack's target group, with no listener rule and no migration,
// and is verified at /health without a prefix.
func TestWebAppIsTheDefaultRoute(t *testing.T) {
	w := newWorld(t, "staging")
	w.out.Reset()
	diffs, err := w.pipeline().Plan(context.Background(), sha1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(diffs, func(d pipeline.ServiceDiff) bool { return d.Service == "frontend-service" && d.New }) {
		t.Errorf("plan does not create frontend-service: %+v\n%s", diffs, w.out)
	}
	w.mustDeploy(t, sha1)
	if !slices.Contains(w.pub.pushed, "frontend-service") {
		t.Errorf("frontend image not published: %v", w.pub.pushed)
	}
	svc, err := ecs.NewFromConfig(w.aws.Config()).DescribeServices(context.Background(),
		&ecs.DescribeServicesInput{Cluster: aws.String("peerprep-staging"), Services: []string{"frontend-service"}})
	if err != nil || len(svc.Services) != 1 {
		t.Fatalf("describe frontend-service: %v %+v", err, svc)
	}
	lbs := svc.Services[0].LoadBalancers
	if len(lbs) != 1 || !strings.Contains(aws.ToString(lbs[0].TargetGroupArn), "targetgroup/pp-staging-frontend/") {
		t.Errorf("frontend load balancers %+v, want the stack's default target group", lbs)
	}
	dbs := 0
	for _, s := range w.env.Services {
		if s.Database {
			dbs++
		}
	}
	if got := w.aws.Calls("RunTask"); got != dbs {
		t.Errorf("%d migrations, want one per database service (%d), none for the web app", got, dbs)
	}
	if !strings.Contains(w.out.String(), "frontend-service       verified "+w.aws.ALBURL()+"/health ") {
		t.Errorf("verification output:\n%s", w.out)
	}
	// The second deploy leaves the stack's target group alone.
	w.mustDeploy(t, sha2)
	if w.aws.Calls("ModifyTargetGroup") != 0 {
		t.Errorf("the pipeline modified a target group %d times", w.aws.Calls("ModifyTargetGroup"))
	}
}
