package awsfake

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
)

// Clock is simulated time. Sleep advances it instead of blocking; Slept is the
// total simulated wait, which the overhead measurement subtracts.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

// Now is the simulated time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Sleep advances simulated time by d, or returns ctx's error.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.slept += d
	c.mu.Unlock()
	return nil
}

// Fork is a timeline for one of several parallel waiters: its sleeps advance
// the shared clock only past the furthest any waiter has reached, so four
// services polling side by side for a minute take a simulated minute.
func (c *Clock) Fork() interface {
	Now() time.Time
	Sleep(context.Context, time.Duration) error
} {
	return &lane{c: c, now: c.Now()}
}

type lane struct {
	c   *Clock
	now time.Time
}

func (l *lane) Now() time.Time { return l.now }

func (l *lane) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.c.mu.Lock()
	defer l.c.mu.Unlock()
	l.now = l.now.Add(d)
	if l.now.After(l.c.now) {
		l.c.slept += l.now.Sub(l.c.now)
		l.c.now = l.now
	}
	return nil
}

// Slept is how far Sleep moved simulated time.
func (c *Clock) Slept() time.Duration { c.mu.Lock(); defer c.mu.Unlock(); return c.slept }

// Timings of the simulated rollout.
const (
	TaskStart        = 30 * time.Second // a healthy deployment's tasks are all running
	DeploymentSettle = 60 * time.Second // ...and the old ones drained: COMPLETED
	TaskFailEvery    = 20 * time.Second // an unhealthy task is started, fails its checks, stopped
	CircuitBreaker   = 3                // failed tasks before the deployment is FAILED
	OneOffRun        = 25 * time.Second // a one-off task from PENDING to STOPPED
)

// AWS is the simulated account. Set the exported hooks before deploying.
type AWS struct {
	Clock   *Clock
	Region  string
	Account string

	// UnhealthyImages: tasks from these images fail their health checks (value: the failing output).
	UnhealthyImages map[string]string
	// MigrationExit: exit code of the one-off migrate task per image (default 0).
	MigrationExit map[string]int32
	// StaleHealth: the ALB keeps answering these services' health with the old version.
	StaleHealth map[string]bool
	// DropFailed: a deployment the circuit breaker fails is removed at once
	// (as a poller that looks late sees it), not left listed as FAILED.
	DropFailed bool

	// Domain, when set, is the Host header the load balancer's listener
	// answers (a request for another host gets the default certificate's 404).
	Domain string
	// PageSize is the most items a list or describe call returns per page.
	PageSize int
	// ConsistencyLag is how many RegisterScalableTarget calls after
	// CreateService are still told the ECS service does not exist. (Counted
	// in calls, not time: parallel waiters each keep their own simulated
	// time.)
	ConsistencyLag int
	// MigrationLogs: the log lines a migration task from this image writes.
	MigrationLogs map[string][]string

	mu        sync.Mutex
	seq       int
	allowed   map[string]bool
	ops       map[string]bool
	faults    Faults
	rng       *rand.Rand
	throttled int
	failed    int
	strategy  []ecstypes.CapacityProviderStrategyItem // the cluster's default
	tags      map[string][]tag                        // by resource ARN
	unseen    map[string]int                          // ECS service name → RegisterScalableTarget calls it was not yet visible to
	lastHost  string
	mangle    Mangle
	handlers  map[string]jsonHandler
	server    *httptest.Server
	alb       *httptest.Server

	images        map[string]bool // "<repo>:<tag>"
	taskDefs      map[string][]*ecstypes.TaskDefinition
	services      map[string]*service // by name
	tasks         map[string]*task    // by ARN
	outputs       map[string]string
	targetGroups  map[string]*elbtypes.TargetGroup // by name
	tgAttributes  map[string][]elbtypes.TargetGroupAttribute
	rules         []elbtypes.Rule
	stackRules    int // rules the stack created (the internal 404)
	defaultAction elbtypes.Action
	sdServices    map[string]*sdtypes.Service
	targets       map[string]*aastypes.ScalableTarget
	policies      map[string]*aastypes.ScalingPolicy
	calls         map[string]int
}

// New starts a simulated account for env ("staging") with the infrastructure
// stack peerprep-<env> in place and nothing else.
func New(env string) *AWS {
	f := &AWS{
		Clock: &Clock{now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}, Region: "eu-west-1", Account: "123456789012",
		UnhealthyImages: map[string]string{}, MigrationExit: map[string]int32{}, StaleHealth: map[string]bool{},
		images: map[string]bool{}, taskDefs: map[string][]*ecstypes.TaskDefinition{}, services: map[string]*service{},
		tasks: map[string]*task{}, targetGroups: map[string]*elbtypes.TargetGroup{}, tgAttributes: map[string][]elbtypes.TargetGroupAttribute{}, sdServices: map[string]*sdtypes.Service{},
		targets: map[string]*aastypes.ScalableTarget{}, policies: map[string]*aastypes.ScalingPolicy{}, calls: map[string]int{},
		PageSize: 2, ConsistencyLag: 2, MigrationLogs: map[string][]string{},
		allowed: map[string]bool{}, ops: map[string]bool{}, rng: rand.New(rand.NewPCG(1, 2)),
		tags: map[string][]tag{}, unseen: map[string]int{},
	}
	// The template's cluster: staging puts most tasks on Spot.
	f.strategy = []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE"), Base: 1, Weight: 1}}
	if env == "staging" {
		f.strategy = append(f.strategy, ecstypes.CapacityProviderStrategyItem{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 3})
	}
	acct := "arn:aws:iam::" + f.Account
	f.outputs = map[string]string{
		"VpcId": "vpc-1", "PrivateSubnetIds": "subnet-a,subnet-b", "ServiceSecurityGroupId": "sg-svc",
		"ClusterName": "peerprep-" + env, "HttpsListenerArn": f.arn("elasticloadbalancing", "listener/app/peerprep-"+env+"/abc/def"),
		"LoadBalancerDnsName": "peerprep-" + env + ".elb.example", "LoadBalancerFullName": "app/peerprep-" + env + "/abc",
		"NamespaceId": "ns-" + env, "NamespaceName": "peerprep-" + env + ".local",
		"TaskExecutionRoleArn": acct + ":role/peerprep-" + env + "-exec", "TaskRoleArn": acct + ":role/peerprep-" + env + "-task",
		"DatabaseEndpoint": "db." + env + ".internal", "DatabasePort": "5432",
		"DatabaseSecretArn": f.arn("secretsmanager", "secret:peerprep/"+env+"/db-AbCdEf"), "RedisEndpoint": "redis." + env + ".internal",
		"DeployRoleArn": acct + ":role/peerprep-" + env + "-deploy", "AlarmTopicArn": f.arn("sns", "peerprep-"+env+"-alarms"),
	}
	// Cloud Map services of another namespace in the same account, listed
	// first: a filter on the namespace leaves whole pages empty.
	for _, n := range []string{"legacy-a", "legacy-b", "legacy-c"} {
		id := "srv-" + f.id()
		f.sdServices["ns-other/"+n] = &sdtypes.Service{Id: aws.String(id), Arn: aws.String(f.arn("servicediscovery", "service/"+id)),
			Name: aws.String(n), NamespaceId: aws.String("ns-other")}
	}
	// What the stack creates in the listener: the web app's target group as
	// the default action, and the fixed 404 for internal routes.
	webTG := &elbtypes.TargetGroup{TargetGroupName: aws.String("pp-" + env + "-frontend"),
		TargetGroupArn: aws.String(f.arn("elasticloadbalancing", "targetgroup/pp-"+env+"-frontend/"+f.id())),
		Port:           aws.Int32(8000), Protocol: elbtypes.ProtocolEnumHttp, TargetType: elbtypes.TargetTypeEnumIp, VpcId: aws.String("vpc-1"),
		HealthCheckPath: aws.String("/health/ready")}
	f.targetGroups[*webTG.TargetGroupName] = webTG
	f.outputs["DefaultTargetGroupArn"] = *webTG.TargetGroupArn
	f.defaultAction = elbtypes.Action{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: webTG.TargetGroupArn}
	f.rules = []elbtypes.Rule{{RuleArn: aws.String(f.arn("elasticloadbalancing", "listener-rule/internal")), Priority: aws.String("1"),
		Conditions: []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: []string{"/*/internal/*"}}}},
		Actions:    []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("404")}}}}}
	f.stackRules = len(f.rules)
	f.handlers = map[string]jsonHandler{}
	reg := func(prefix, name string, pascal bool, call func([]byte) (any, error), iamOp string) {
		f.handlers[prefix+"."+name] = jsonHandler{pascal: pascal, call: call, op: iamOp}
	}
	const ecsT, ecrT, sdT, aasT, logsT = "AmazonEC2ContainerServiceV20141113", "AmazonEC2ContainerRegistry_V20150921", "Route53AutoNaming_v20170314", "AnyScaleFrontendService", "Logs_20140328"
	reg(ecsT, "RegisterTaskDefinition", false, op(f, "ecs:RegisterTaskDefinition", f.registerTaskDefinition), "ecs:RegisterTaskDefinition")
	reg(ecsT, "DescribeTaskDefinition", false, op(f, "ecs:DescribeTaskDefinition", f.describeTaskDefinition), "ecs:DescribeTaskDefinition")
	reg(ecsT, "ListTaskDefinitions", false, op(f, "ecs:ListTaskDefinitions", f.listTaskDefinitions), "ecs:ListTaskDefinitions")
	reg(ecsT, "CreateService", false, op(f, "ecs:CreateService", f.createService), "ecs:CreateService")
	reg(ecsT, "UpdateService", false, op(f, "ecs:UpdateService", f.updateService), "ecs:UpdateService")
	reg(ecsT, "DescribeServices", false, op(f, "ecs:DescribeServices", f.describeServices), "ecs:DescribeServices")
	reg(ecsT, "RunTask", false, op(f, "ecs:RunTask", f.runTask), "ecs:RunTask")
	reg(ecsT, "DescribeTasks", false, op(f, "ecs:DescribeTasks", f.describeTasks), "ecs:DescribeTasks")
	reg(ecsT, "ListTasks", false, op(f, "ecs:ListTasks", f.listTasks), "ecs:ListTasks")
	reg(ecrT, "DescribeImages", false, op(f, "ecr:DescribeImages", f.describeImages), "ecr:DescribeImages")
	reg(sdT, "ListServices", true, op(f, "servicediscovery:ListServices", f.sdListServices), "servicediscovery:ListServices")
	reg(sdT, "CreateService", true, op(f, "servicediscovery:CreateService", f.sdCreateService), "servicediscovery:CreateService")
	reg(aasT, "RegisterScalableTarget", true, op(f, "application-autoscaling:RegisterScalableTarget", f.registerScalableTarget), "application-autoscaling:RegisterScalableTarget")
	reg(aasT, "DescribeScalableTargets", true, op(f, "application-autoscaling:DescribeScalableTargets", f.describeScalableTargets), "application-autoscaling:DescribeScalableTargets")
	reg(aasT, "PutScalingPolicy", true, op(f, "application-autoscaling:PutScalingPolicy", f.putScalingPolicy), "application-autoscaling:PutScalingPolicy")
	reg(aasT, "DescribeScalingPolicies", true, op(f, "application-autoscaling:DescribeScalingPolicies", f.describeScalingPolicies), "application-autoscaling:DescribeScalingPolicies")
	reg(logsT, "GetLogEvents", false, op(f, "logs:GetLogEvents", f.getLogEvents), "logs:GetLogEvents")

	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.count(r.Header.Get("X-Amz-Target"))
		f.serveJSON(w, r)
	}))
	f.alb = httptest.NewTLSServer(http.HandlerFunc(f.serveHealth))
	return f
}

// Close stops the servers.
func (f *AWS) Close() { f.server.Close(); f.alb.Close() }

// Config is an aws.Config whose clients reach the simulation: the JSON
// services through BaseEndpoint, ELBv2 and CloudFormation through APIOptions.
func (f *AWS) Config() aws.Config {
	return aws.Config{
		Region:       f.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDFAKE", "secret", ""),
		BaseEndpoint: aws.String(f.server.URL),
		APIOptions:   f.apiOptions(),
		HTTPClient:   f.server.Client(),
		// The SDK's standard retryer, without its waits (the simulated clock
		// does not move during a retry) or its retry quota.
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff, o.RateLimiter = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil }), ratelimit.None
			})
		},
	}
}

// ALBURL is the simulated load balancer's base URL (HTTPS; its
// certificate names 127.0.0.1 and *.example.com).
func (f *AWS) ALBURL() string { return f.alb.URL }

// ALBClient trusts the simulated load balancer's certificate.
func (f *AWS) ALBClient() *http.Client { return f.alb.Client() }

// ALBAddr is the simulated load balancer's host:port.
func (f *AWS) ALBAddr() string { return f.alb.Listener.Addr().String() }

// EditService changes a live service by hand, as a console edit would.
func (f *AWS) EditService(name string, edit func(*ecstypes.Service)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.services[name]; ok {
		edit(&s.svc)
	}
}

// SetOutput changes one of the stack's outputs.
func (f *AWS) SetOutput(key, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.outputs[key] = value
}

// LastHost is the Host header of the last request the load balancer answered.
func (f *AWS) LastHost() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastHost
}

// PutImage records an image in ECR, as a push would.
func (f *AWS) PutImage(repo, tag string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.images[repo+":"+tag] = true
}

// HasImage reports whether ECR holds repo:tag.
func (f *AWS) HasImage(repo, tag string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.images[repo+":"+tag]
}

// Calls is how often an operation ("RegisterTaskDefinition", "CreateTargetGroup") was called.
func (f *AWS) Calls(op string) int { f.mu.Lock(); defer f.mu.Unlock(); return f.calls[op] }

func (f *AWS) count(target string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(target) - 1; i >= 0; i-- {
		if target[i] == '.' {
			target = target[i+1:]
			break
		}
	}
	f.calls[target]++
}

// ServiceTaskDefinition is the service's current task definition ARN ("" when absent).
func (f *AWS) ServiceTaskDefinition(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.services[name]; ok {
		return s.taskDef
	}
	return ""
}

// Resources counts what the pipeline created: target groups, listener rules,
// Cloud Map services, ECS services, scalable targets, policies. What the
// stack made (the web app's target group, the internal 404 rule) is not
// counted.
func (f *AWS) Resources() (tgs, rules, sd, svcs, targets, policies int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.sdServices {
		if aws.ToString(s.NamespaceId) == f.outputs["NamespaceId"] {
			sd++
		}
	}
	return len(f.targetGroups) - 1, len(f.rules) - f.stackRules, sd, len(f.services), len(f.targets), len(f.policies)
}

// Policies returns the scaling policies by name.
func (f *AWS) Policies() map[string]aastypes.ScalingPolicy {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := map[string]aastypes.ScalingPolicy{}
	for k, p := range f.policies {
		m[k] = *p
	}
	return m
}

func (f *AWS) arn(svc, res string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", svc, f.Region, f.Account, res)
}

func (f *AWS) id() string { f.seq++; return fmt.Sprintf("%012x", f.seq) }
