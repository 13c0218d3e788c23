package awsfake

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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

	mu       sync.Mutex
	seq      int
	handlers map[string]jsonHandler
	server   *httptest.Server
	alb      *httptest.Server

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
		Clock: &Clock{now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}, Region: "eu-west-1", Account: "000000000000",
		UnhealthyImages: map[string]string{}, MigrationExit: map[string]int32{}, StaleHealth: map[string]bool{},
		images: map[string]bool{}, taskDefs: map[string][]*ecstypes.TaskDefinition{}, services: map[string]*service{},
		tasks: map[string]*task{}, targetGroups: map[string]*elbtypes.TargetGroup{}, tgAttributes: map[string][]elbtypes.TargetGroupAttribute{}, sdServices: map[string]*sdtypes.Service{},
		targets: map[string]*aastypes.ScalableTarget{}, policies: map[string]*aastypes.ScalingPolicy{}, calls: map[string]int{},
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
	ecsOp := func(name string, call func([]byte) (any, error)) {
		f.handlers["AmazonEC2ContainerServiceV20141113."+name] = jsonHandler{call: call}
	}
	ecsOp("RegisterTaskDefinition", op(f.registerTaskDefinition))
	ecsOp("DescribeTaskDefinition", op(f.describeTaskDefinition))
	ecsOp("ListTaskDefinitions", op(f.listTaskDefinitions))
	ecsOp("CreateService", op(f.createService))
	ecsOp("UpdateService", op(f.updateService))
	ecsOp("DescribeServices", op(f.describeServices))
	ecsOp("RunTask", op(f.runTask))
	ecsOp("DescribeTasks", op(f.describeTasks))
	ecsOp("ListTasks", op(f.listTasks))
	f.handlers["AmazonEC2ContainerRegistry_V20150921.DescribeImages"] = jsonHandler{call: op(f.describeImages)}
	f.handlers["Route53AutoNaming_v20170314.ListServices"] = jsonHandler{pascal: true, call: op(f.sdListServices)}
	f.handlers["Route53AutoNaming_v20170314.CreateService"] = jsonHandler{pascal: true, call: op(f.sdCreateService)}
	f.handlers["AnyScaleFrontendService.RegisterScalableTarget"] = jsonHandler{pascal: true, call: op(f.registerScalableTarget)}
	f.handlers["AnyScaleFrontendService.DescribeScalableTargets"] = jsonHandler{pascal: true, call: op(f.describeScalableTargets)}
	f.handlers["AnyScaleFrontendService.PutScalingPolicy"] = jsonHandler{pascal: true, call: op(f.putScalingPolicy)}
	f.handlers["AnyScaleFrontendService.DescribeScalingPolicies"] = jsonHandler{pascal: true, call: op(f.describeScalingPolicies)}

	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.count(r.Header.Get("X-Amz-Target"))
		f.serveJSON(w, r)
	}))
	f.alb = httptest.NewServer(http.HandlerFunc(f.serveHealth))
	return f
}

// Close stops the servers.
func (f *AWS) Close() { f.server.Close(); f.alb.Close() }

// Config is an aws.Config whose clients reach the simulation: the JSON
// services through BaseEndpoint, ELBv2 and CloudFormation through APIOptions.
func (f *AWS) Config() aws.Config {
	return aws.Config{
		Region:           f.Region,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDFAKE", "secret", ""),
		BaseEndpoint:     aws.String(f.server.URL),
		APIOptions:       f.apiOptions(),
		RetryMaxAttempts: 1,
		HTTPClient:       f.server.Client(),
	}
}

// ALBURL is the simulated load balancer's base URL.
func (f *AWS) ALBURL() string { return f.alb.URL }

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
	return len(f.targetGroups) - 1, len(f.rules) - f.stackRules, len(f.sdServices), len(f.services), len(f.targets), len(f.policies)
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
