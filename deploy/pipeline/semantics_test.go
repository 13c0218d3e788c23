package pipeline_test

// Scenarios from issue 18: what a first deploy against real AWS hits and
// a fake written with the pipeline's own understanding could not show.

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/peerprep/peerprep/deploy/awsfake"
	"github.com/peerprep/peerprep/deploy/iam"
	"github.com/peerprep/peerprep/deploy/pipeline"
)

func (w *world) service(t *testing.T, name string) ecstypes.Service {
	t.Helper()
	out, err := ecs.NewFromConfig(w.aws.Config()).DescribeServices(context.Background(),
		&ecs.DescribeServicesInput{Cluster: aws.String(w.env.Cluster()), Services: []string{name}})
	if err != nil || len(out.Services) != 1 {
		t.Fatalf("describe %s: %v", name, err)
	}
	return out.Services[0]
}

func result(sum *pipeline.Summary, name string) *pipeline.ServiceResult {
	for _, r := range sum.Services {
		if r.Service == name {
			return r
		}
	}
	return nil
}

// Defects 1 and 2: every call the pipeline makes is in deploy/iam, so the
// rendered role allows it; the fake refuses what the role lacks.
func TestEveryCallIsInTheDeployRole(t *testing.T) {
	w := newWorld(t, "staging")
	w.aws.MigrationExit[w.image("history-service", sha2)] = 1
	ctx := context.Background()
	w.mustDeploy(t, sha1)
	_, _ = w.deploy(t, sha2) // a migration fails: logs are read
	delete(w.aws.MigrationExit, w.image("history-service", sha2))
	w.aws.UnhealthyImages[w.image("chat-service", sha2)] = "exit 1"
	_, _ = w.deploy(t, sha2) // a rollout fails: stopped tasks are listed, services rolled back
	if _, err := w.pipeline().Plan(ctx, sha2); err != nil {
		t.Fatal(err)
	}
	if _, err := w.pipeline().Status(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.pipeline().Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, op := range w.aws.Operations() {
		if _, ok := iam.Lookup(iam.Pipeline, op); !ok {
			t.Errorf("the pipeline calls %s, which deploy/iam does not list: the deploy role would not allow it", op)
		}
	}
	for _, want := range []string{"ecs:RegisterTaskDefinition", "application-autoscaling:PutScalingPolicy", "logs:GetLogEvents", "ecs:ListTasks", "sts:GetCallerIdentity"} {
		if !slices.Contains(w.aws.Operations(), want) {
			t.Errorf("the scenarios never called %s", want)
		}
	}
}

func TestAMissingPermissionFailsInTheFake(t *testing.T) {
	for _, action := range []string{"ecs:TagResource", "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"} {
		t.Run(action, func(t *testing.T) {
			w := newWorld(t, "staging")
			w.aws.Revoke(action)
			_, err := w.deploy(t, sha1)
			if err == nil || !strings.Contains(err.Error(), "not authorized to perform: "+action) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// Defect 3: no launch type, so staging's default strategy (Spot) applies.
func TestStagingRunsOnTheClustersSpotStrategy(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	svc := w.service(t, "user-service")
	if svc.LaunchType != "" || !slices.ContainsFunc(svc.CapacityProviderStrategy, func(c ecstypes.CapacityProviderStrategyItem) bool {
		return aws.ToString(c.CapacityProvider) == "FARGATE_SPOT" && c.Weight == 3
	}) {
		t.Errorf("launch type %q, strategy %+v: want the cluster's default with FARGATE_SPOT", svc.LaunchType, svc.CapacityProviderStrategy)
	}
}

// Defect 4: the budget filters on Environment; every resource carries it.
func TestEverythingCarriesTheEnvironmentTag(t *testing.T) {
	w := newWorld(t, "staging")
	w.aws.UnhealthyImages[w.image("chat-service", sha2)] = "exit 1" // service tasks too
	w.mustDeploy(t, sha1)
	_, _ = w.deploy(t, sha2)
	if missing := w.aws.Untagged("Environment", "staging"); len(missing) > 0 {
		t.Errorf("%d resources without Environment=staging:\n%s", len(missing), strings.Join(missing, "\n"))
	}
	if svc := w.service(t, "chat-service"); svc.PropagateTags != ecstypes.PropagateTagsService {
		t.Errorf("propagateTags %q", svc.PropagateTags)
	}
}

// Defect 5: throttling and 5xx do not abort a deploy.
func TestDeploySucceedsUnderThrottling(t *testing.T) {
	w := newWorld(t, "staging")
	w.aws.SetFaults(awsfake.Faults{Throttle: 0.30, ServerErr: 0.05})
	w.mustDeploy(t, sha1)
	sum := w.mustDeploy(t, sha2)
	allRevision(t, w, "2")
	throttled, failed := w.aws.FaultCounts()
	t.Logf("30 %% throttling, 5 %% 5xx: %d calls throttled, %d failed; second deploy %.0f s simulated", throttled, failed, sum.Seconds)
	if throttled == 0 || failed == 0 {
		t.Error("the fake injected no faults")
	}
}

// Defect 6: an update that landed although its response was lost is
// followed and rolled back like any other.
func TestLostUpdateResponse(t *testing.T) {
	t.Run("the landed update is followed", func(t *testing.T) {
		w := newWorld(t, "staging")
		w.mustDeploy(t, sha1)
		w.aws.SetFaults(awsfake.Faults{LoseUpdates: map[string]bool{"question-service": true}})
		sum := w.mustDeploy(t, sha2)
		if r := result(sum, "question-service"); r.Outcome != "deployed" || !r.Verified {
			t.Errorf("question-service: %+v", r)
		}
		if !strings.Contains(w.out.String(), "landed although the call failed") {
			t.Errorf("output:\n%s", w.out)
		}
	})
	t.Run("and rolled back when another service fails", func(t *testing.T) {
		w := newWorld(t, "staging")
		w.mustDeploy(t, sha1)
		w.aws.SetFaults(awsfake.Faults{LoseUpdates: map[string]bool{"question-service": true}})
		w.aws.UnhealthyImages[w.image("chat-service", sha2)] = "exit 1"
		sum, err := w.deploy(t, sha2)
		if err == nil {
			t.Fatal("deploy succeeded")
		}
		allRevision(t, w, "1")
		if r := result(sum, "question-service"); !r.RolledBack || r.Outcome == "unchanged" {
			t.Errorf("question-service: %+v", r)
		}
	})
}

// Defect 7: Application Auto Scaling sees a new service a little later.
func TestScalableTargetWaitsForANewService(t *testing.T) {
	w := newWorld(t, "staging")
	w.aws.ConsistencyLag = 8 // about a minute of backoff
	w.mustDeploy(t, sha1)
	if got, want := w.aws.Calls("RegisterScalableTarget"), 9*len(w.env.Services); got != want {
		t.Errorf("%d RegisterScalableTarget calls, want %d", got, want)
	}
	w2 := newWorld(t, "staging")
	w2.aws.ConsistencyLag = 1000 // never visible: the retry is bounded
	if _, err := w2.deploy(t, sha1); err == nil || !strings.Contains(err.Error(), "ECS service doesn't exist") {
		t.Errorf("err = %v", err)
	}
}

// Defect 9: partial answers that used to index past the end or through
// nil fail the service (or the plan) instead of killing the process.
func TestPartialResponsesFailTheServiceNotTheProcess(t *testing.T) {
	t.Run("CreateService without deployments", func(t *testing.T) {
		w := newWorld(t, "staging")
		w.aws.SetMangle(func(op string, body []byte) []byte {
			if op == "ecs:CreateService" {
				return []byte(`{"service":{"serviceName":"x"}}`)
			}
			return body
		})
		sum, err := w.deploy(t, sha1)
		if err == nil || sum == nil || sum.Result != "failed" || !strings.Contains(err.Error(), "no PRIMARY deployment") {
			t.Fatalf("err %v, summary %+v", err, sum)
		}
		if !strings.Contains(w.out.String(), "FAILED") {
			t.Errorf("no summary:\n%s", w.out)
		}
	})
	t.Run("a scaling policy without its configuration", func(t *testing.T) {
		w := newWorld(t, "staging")
		w.mustDeploy(t, sha1)
		w.aws.SetMangle(func(op string, body []byte) []byte {
			if op == "application-autoscaling:DescribeScalingPolicies" {
				return []byte(`{"ScalingPolicies":[{"PolicyName":"user-service-cpu"}]}`)
			}
			return body
		})
		if _, err := w.pipeline().Plan(context.Background(), sha1); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(w.out.String(), "autoscaling: user-service-cpu target 0 → 70") {
			t.Errorf("plan:\n%s", w.out)
		}
	})
}

// FuzzPartialResponses answers one operation with arbitrary JSON (seeded
// with empty and partial shapes) and requires the deploy and the plan to
// end with an error or a result, never a panic, recovered or not.
func FuzzPartialResponses(f *testing.F) {
	ops := []string{"ecs:DescribeServices", "ecs:CreateService", "ecs:UpdateService", "ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition",
		"ecs:RunTask", "ecs:DescribeTasks", "ecs:ListTasks", "servicediscovery:ListServices", "servicediscovery:CreateService",
		"application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies",
		"application-autoscaling:RegisterScalableTarget", "application-autoscaling:PutScalingPolicy", "ecr:DescribeImages",
		"ecs:ListTaskDefinitions", "logs:GetLogEvents"}
	partial := map[string]string{
		"ecs:DescribeServices": `{"services":[{"status":"ACTIVE","deployments":[{}],"events":[{}]}]}`, "ecs:CreateService": `{"service":{}}`,
		"ecs:UpdateService": `{"service":{"deployments":[]}}`, "ecs:DescribeTaskDefinition": `{"taskDefinition":{"containerDefinitions":[]}}`,
		"ecs:RegisterTaskDefinition": `{"taskDefinition":{}}`, "ecs:RunTask": `{"tasks":[],"failures":[{}]}`,
		"ecs:DescribeTasks": `{"tasks":[{"lastStatus":"STOPPED","containers":[{}]}]}`, "ecs:ListTasks": `{"taskArns":[""]}`,
		"servicediscovery:ListServices": `{"Services":[{}],"NextToken":"1"}`, "application-autoscaling:DescribeScalableTargets": `{"ScalableTargets":[{}]}`,
		"application-autoscaling:DescribeScalingPolicies": `{"ScalingPolicies":[{"PolicyName":"user-service-cpu"}]}`,
	}
	for i, op := range ops {
		f.Add(uint8(i), []byte(`{}`))
		if p, ok := partial[op]; ok {
			f.Add(uint8(i), []byte(p))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		op := ops[int(which)%len(ops)]
		w := newWorld(t, "staging")
		w.env.DeployTimeoutMinutes = 1 // a broken answer may leave a wait polling until the deadline
		w.aws.SetMangle(func(o string, b []byte) []byte {
			if o == op {
				return body
			}
			return b
		})
		_, _ = w.deploy(t, sha1)
		_, _ = w.pipeline().Plan(context.Background(), sha1)
		if strings.Contains(w.out.String(), "internal error:") {
			t.Fatalf("%s answered %q: a worker panicked\n%s", op, body, w.out)
		}
	})
}

// Defect 10: a plan that could not read a service says so and fails.
func TestPlanSaysWhatItCouldNotRead(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	w.aws.Revoke("application-autoscaling:DescribeScalingPolicies")
	diffs, err := w.pipeline().Plan(context.Background(), sha1)
	if err == nil || !strings.Contains(err.Error(), "could not read") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(w.out.String(), "no changes") || !strings.Contains(w.out.String(), "COULD NOT READ") || diffs[1].Error == "" {
		t.Errorf("plan output:\n%s", w.out)
	}
}

// Defect 11: lists are paged (the fake pages at two).
func TestListsArePaged(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	w.mustDeploy(t, sha2)
	w.mustDeploy(t, "3333333333333333333333333333333333333333")
	_, _, sd, _, _, _ := w.aws.Resources()
	if sd != len(w.env.Services) {
		t.Errorf("%d Cloud Map services, want %d: one was created twice", sd, len(w.env.Services))
	}
	// The third revision's predecessors are on the second page of the family.
	for range 2 {
		if _, err := w.pipeline().Rollback(context.Background(), []string{"user-service"}); err != nil {
			t.Fatalf("rollback: %v\n%s", err, w.out)
		}
	}
	if got := w.taskDefs(t)["user-service"]; got != "1" {
		t.Errorf("user-service on revision %s after two rollbacks", got)
	}
}

// Defect 12: the caller's account must be the environment's.
func TestAnotherAccountIsRefused(t *testing.T) {
	for _, acct := range []string{"999999999999", "000000000000"} {
		w := newWorld(t, "staging")
		w.env.AccountID = acct
		_, err := w.deploy(t, sha1)
		if err == nil || !strings.Contains(err.Error(), "you are in account 123456789012") {
			t.Errorf("account %s: %v", acct, err)
		}
		if w.aws.Calls("DescribeStacks") != 0 || len(w.pub.pushed) != 0 {
			t.Errorf("account %s: the pipeline went on", acct)
		}
	}
}

// Defect 13: hand edits of a live service are shown and corrected.
func TestDriftIsShownAndCorrected(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	w.aws.EditService("history-service", func(s *ecstypes.Service) {
		s.HealthCheckGracePeriodSeconds = aws.Int32(0)
		s.LoadBalancers = nil
		s.ServiceRegistries = nil
		s.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp = ecstypes.AssignPublicIpEnabled
	})
	diffs, err := w.pipeline().Plan(context.Background(), sha1)
	if err != nil {
		t.Fatal(err)
	}
	d := diffs[slices.IndexFunc(diffs, func(d pipeline.ServiceDiff) bool { return d.Service == "history-service" })]
	for _, want := range []string{"health-check grace period: 0s → 30s", "load balancer: none → pp-staging-history→history-service:8000", "Cloud Map registry", "network"} {
		if !slices.ContainsFunc(d.Changes, func(c string) bool { return strings.Contains(c, want) }) {
			t.Errorf("plan lacks %q: %q", want, d.Changes)
		}
	}
	w.mustDeploy(t, sha1)
	svc := w.service(t, "history-service")
	if aws.ToInt32(svc.HealthCheckGracePeriodSeconds) != 30 || len(svc.LoadBalancers) != 1 || len(svc.ServiceRegistries) != 1 ||
		svc.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp != ecstypes.AssignPublicIpDisabled {
		t.Errorf("not corrected: %+v", svc)
	}
	if diffs, _ := w.pipeline().Plan(context.Background(), sha1); len(diffs[4].Changes) != 0 {
		t.Errorf("drift left after the deploy: %q", diffs[4].Changes)
	}
}

// Defect 14: without DNS for the domain, verification goes to the load
// balancer's name with the domain as Host and TLS name.
func TestVerifyThroughTheLoadBalancerName(t *testing.T) {
	w := newWorld(t, "production") // the fake's certificate names *.example.com
	w.aws.SetOutput("LoadBalancerDnsName", "peerprep-production-123.eu-west-1.elb.amazonaws.com")
	p := w.pipeline()
	p.HealthURL = ""
	p.Lookup = func(context.Context, string) ([]string, error) {
		return nil, &net.DNSError{Err: "no such host", IsNotFound: true}
	}
	tr := w.aws.ALBClient().Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr != "peerprep-production-123.eu-west-1.elb.amazonaws.com:443" {
			return nil, errors.New("unexpected address " + addr)
		}
		return (&net.Dialer{}).DialContext(ctx, network, w.aws.ALBAddr())
	}
	p.HTTP = &http.Client{Transport: tr}
	w.git.sha = sha1
	if _, err := p.Deploy(context.Background(), pipeline.Options{Yes: true}); err != nil {
		t.Fatalf("%v\n%s", err, w.out)
	}
	if !strings.Contains(w.out.String(), "verifying through the load balancer https://peerprep-production-123.eu-west-1.elb.amazonaws.com with Host: peerprep.example.com") {
		t.Errorf("output does not say how it verified:\n%s", w.out)
	}
	if got := w.aws.LastHost(); got != "peerprep.example.com" {
		t.Errorf("Host header %q", got)
	}
}

// Defect 15: a long migration says it is still running.
func TestMigrationProgressIsPrinted(t *testing.T) {
	w := newWorld(t, "staging")
	w.mustDeploy(t, sha1)
	if !strings.Contains(w.out.String(), "migration task") || !strings.Contains(w.out.String(), "PROVISIONING for 0s") {
		t.Errorf("no migration progress:\n%s", w.out)
	}
}
