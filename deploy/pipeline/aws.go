package pipeline

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/peerprep/peerprep/deploy/config"
	"github.com/peerprep/peerprep/libs/metrics"
)

// Clients are the AWS APIs the pipeline drives. Every call it makes is
// listed, with its IAM actions, in deploy/iam.
type Clients struct {
	ECS  *ecs.Client
	ECR  *ecr.Client
	ELB  *elb.Client
	SD   *sd.Client
	AAS  *aas.Client
	CFN  *cloudformation.Client
	STS  *sts.Client
	Logs *cloudwatchlogs.Client
}

// MaxAttempts is how often the SDK tries one call before the pipeline sees
// the error. The SDK's default (3) with its retry quota gives up under
// sustained throttling; a deploy makes hundreds of calls.
const MaxAttempts = 10

// NewClients builds every client from one configuration. The retryer makes
// MaxAttempts attempts without a retry quota; cfg's own retryer (tests
// pass one that does not sleep) keeps its backoff.
func NewClients(cfg aws.Config) *Clients {
	base := cfg.Retryer
	cfg.Retryer = func() aws.Retryer {
		if base != nil {
			return retry.AddWithMaxAttempts(base(), MaxAttempts)
		}
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts, o.RateLimiter = MaxAttempts, ratelimit.None })
	}
	return &Clients{ECS: ecs.NewFromConfig(cfg), ECR: ecr.NewFromConfig(cfg), ELB: elb.NewFromConfig(cfg),
		SD: sd.NewFromConfig(cfg), AAS: aas.NewFromConfig(cfg), CFN: cloudformation.NewFromConfig(cfg),
		STS: sts.NewFromConfig(cfg), Logs: cloudwatchlogs.NewFromConfig(cfg)}
}

// placeholderAccount is what the environment files carry until someone
// writes the real account in.
const placeholderAccount = "000000000000"

// checkAccount refuses to deploy env from another account than its
// account_id: images would be pushed to the caller's registry while the
// task definitions point at env's.
func (c *Clients) checkAccount(ctx context.Context, env *config.Environment) (string, error) {
	return CheckAccount(ctx, c.STS, env)
}

// CallerIdentity is the part of the STS client CheckAccount needs.
type CallerIdentity interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// CheckAccount returns the caller's account, or an error saying which
// account the caller is in when it is not env's (infra:deploy uses it too).
func CheckAccount(ctx context.Context, api CallerIdentity, env *config.Environment) (string, error) {
	id, err := api.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("who am I (sts GetCallerIdentity): %w", err)
	}
	acct := aws.ToString(id.Account)
	switch {
	case env.AccountID == placeholderAccount:
		return acct, fmt.Errorf("deploy/environments/%s.yaml has account_id %s, a placeholder: write the account %s deploys to there (you are in account %s as %s)",
			env.Name, placeholderAccount, env.Name, acct, aws.ToString(id.Arn))
	case acct != env.AccountID:
		return acct, fmt.Errorf("you are in account %s (%s), but %s is account %s: switch credentials (AWS_PROFILE) or fix deploy/environments/%s.yaml",
			acct, aws.ToString(id.Arn), env.Name, env.AccountID, env.Name)
	}
	return acct, nil
}

// Tags are on everything the pipeline creates, the same keys the template
// uses: the budget's cost filter is on Environment.
func Tags(env *config.Environment, svc string) map[string]string {
	return map[string]string{"Environment": env.Name, "Service": svc}
}

// Outputs are the infrastructure stack's outputs by key.
type Outputs map[string]string

var requiredOutputs = []string{"PrivateSubnetIds", "ServiceSecurityGroupId", "ClusterName", "HttpsListenerArn", "LoadBalancerDnsName",
	"LoadBalancerFullName", "NamespaceId", "TaskExecutionRoleArn", "TaskRoleArn", "DatabaseEndpoint", "DatabasePort", "DatabaseSecretArn", "VpcId"}

// StackOutputs reads peerprep-<env>'s outputs.
func (c *Clients) StackOutputs(ctx context.Context, env *config.Environment) (Outputs, error) {
	name := "peerprep-" + env.Name
	out, err := c.CFN.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("read stack %s (run infra:deploy %s first?): %w", name, env.Name, err)
	}
	if len(out.Stacks) == 0 {
		return nil, fmt.Errorf("stack %s not found", name)
	}
	o := Outputs{}
	for _, kv := range out.Stacks[0].Outputs {
		o[aws.ToString(kv.OutputKey)] = aws.ToString(kv.OutputValue)
	}
	var missing []string
	for _, k := range requiredOutputs {
		if o[k] == "" {
			missing = append(missing, k)
		}
	}
	if _, ok := env.DefaultRoute(); ok && o["DefaultTargetGroupArn"] == "" {
		missing = append(missing, "DefaultTargetGroupArn")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("stack %s lacks outputs %s (run infra:deploy %s)", name, strings.Join(missing, ", "), env.Name)
	}
	return o, nil
}

// checkImages fails when ECR lacks one of the images.
func (c *Clients) checkImages(ctx context.Context, images map[string]string) error {
	var errs []error
	for _, svc := range sortedKeys(images) {
		uri := images[svc]
		tag := tagOf(uri)
		slash, colon := strings.Index(uri, "/"), strings.LastIndex(uri, ":")
		if slash < 0 || colon < slash {
			errs = append(errs, fmt.Errorf("%s: %q is not an image URI", svc, uri))
			continue
		}
		repo := uri[slash+1 : colon]
		_, err := c.ECR.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String(repo), ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String(tag)}}})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: image %s is not in ECR: %w", svc, uri, err))
		}
	}
	return errors.Join(errs...)
}

// liveService is the ECS service, or nil when it does not exist yet.
func (c *Clients) liveService(ctx context.Context, cluster, name string) (*ecstypes.Service, error) {
	out, err := c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{name}})
	if err != nil {
		return nil, fmt.Errorf("describe service %s: %w", name, err)
	}
	for _, s := range out.Services {
		if aws.ToString(s.Status) != "INACTIVE" {
			return &s, nil
		}
	}
	return nil, nil
}

func (c *Clients) taskDefinition(ctx context.Context, ref string) (*ecstypes.TaskDefinition, error) {
	out, err := c.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(ref)})
	if err != nil {
		var ce *ecstypes.ClientException
		if errors.As(err, &ce) {
			return nil, nil
		}
		return nil, fmt.Errorf("describe task definition %s: %w", ref, err)
	}
	return out.TaskDefinition, nil
}

// lookupResources finds a service's target group and Cloud Map service
// without creating anything ("" for what does not exist).
func (c *Clients) lookupResources(ctx context.Context, env *config.Environment, out Outputs, svc config.Service) (resources, error) {
	var r resources
	if svc.DefaultRoute {
		r.TargetGroupArn = out["DefaultTargetGroupArn"]
	} else {
		got, err := c.ELB.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{env.TargetGroupName(svc.Name)}})
		var nf *elbtypes.TargetGroupNotFoundException
		switch {
		case errors.As(err, &nf):
		case err != nil:
			return r, fmt.Errorf("describe target group: %w", err)
		case len(got.TargetGroups) > 0:
			r.TargetGroupArn = aws.ToString(got.TargetGroups[0].TargetGroupArn)
		}
	}
	arn, err := c.registryArn(ctx, out, svc.Name)
	r.RegistryArn = arn
	return r, err
}

// resources is what a service needs beside its task definition.
type resources struct {
	TargetGroupArn, RegistryArn string
	created                     []string
}

// deregistrationDelay is how long the ALB lets a stopping task finish its
// requests: WebSocket services hold connections until the task's stop
// timeout.
func deregistrationDelay(env *config.Environment, svc config.Service) int {
	if svc.WebSocket {
		return max(env.HealthCheck.DeregistrationDelaySeconds, int(stopTimeout(svc)))
	}
	return env.HealthCheck.DeregistrationDelaySeconds
}

func (c *Clients) ensureTargetGroup(ctx context.Context, env *config.Environment, out Outputs, svc config.Service, r *resources) error {
	name := env.TargetGroupName(svc.Name)
	hc := env.HealthCheck
	got, err := c.ELB.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{name}})
	var nf *elbtypes.TargetGroupNotFoundException
	switch {
	case errors.As(err, &nf) || (err == nil && len(got.TargetGroups) == 0):
		res, err := c.ELB.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{
			Name: aws.String(name), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(int32(env.ContainerPort)),
			TargetType: elbtypes.TargetTypeEnumIp, VpcId: aws.String(out["VpcId"]), HealthCheckPath: aws.String(hc.Path),
			HealthCheckIntervalSeconds: aws.Int32(int32(hc.IntervalSeconds)), HealthCheckTimeoutSeconds: aws.Int32(int32(hc.TimeoutSeconds)),
			HealthyThresholdCount: aws.Int32(int32(hc.HealthyThreshold)), UnhealthyThresholdCount: aws.Int32(int32(hc.UnhealthyThreshold)),
			Matcher: &elbtypes.Matcher{HttpCode: aws.String("200")}, Tags: elbTags(Tags(env, svc.Name)),
		})
		if err != nil {
			return fmt.Errorf("create target group %s: %w", name, err)
		}
		if len(res.TargetGroups) == 0 {
			return fmt.Errorf("create target group %s: the response names no target group", name)
		}
		r.TargetGroupArn = aws.ToString(res.TargetGroups[0].TargetGroupArn)
		r.created = append(r.created, "target group")
	case err != nil:
		return fmt.Errorf("describe target group %s: %w", name, err)
	default:
		tg := got.TargetGroups[0]
		r.TargetGroupArn = aws.ToString(tg.TargetGroupArn)
		if aws.ToString(tg.HealthCheckPath) != hc.Path || aws.ToInt32(tg.HealthCheckIntervalSeconds) != int32(hc.IntervalSeconds) ||
			aws.ToInt32(tg.HealthCheckTimeoutSeconds) != int32(hc.TimeoutSeconds) || aws.ToInt32(tg.HealthyThresholdCount) != int32(hc.HealthyThreshold) ||
			aws.ToInt32(tg.UnhealthyThresholdCount) != int32(hc.UnhealthyThreshold) {
			_, err := c.ELB.ModifyTargetGroup(ctx, &elb.ModifyTargetGroupInput{TargetGroupArn: tg.TargetGroupArn, HealthCheckPath: aws.String(hc.Path),
				HealthCheckIntervalSeconds: aws.Int32(int32(hc.IntervalSeconds)), HealthCheckTimeoutSeconds: aws.Int32(int32(hc.TimeoutSeconds)),
				HealthyThresholdCount: aws.Int32(int32(hc.HealthyThreshold)), UnhealthyThresholdCount: aws.Int32(int32(hc.UnhealthyThreshold))})
			if err != nil {
				return fmt.Errorf("modify target group %s: %w", name, err)
			}
			r.created = append(r.created, "target group health check (corrected)")
		}
	}
	// Stickiness stays off (the default); deregistration waits as configured.
	want := fmt.Sprint(deregistrationDelay(env, svc))
	attrs, err := c.ELB.DescribeTargetGroupAttributes(ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(r.TargetGroupArn)})
	if err != nil {
		return fmt.Errorf("describe target group %s attributes: %w", name, err)
	}
	if slices.ContainsFunc(attrs.Attributes, func(a elbtypes.TargetGroupAttribute) bool {
		return aws.ToString(a.Key) == "deregistration_delay.timeout_seconds" && aws.ToString(a.Value) == want
	}) {
		return nil
	}
	_, err = c.ELB.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(r.TargetGroupArn),
		Attributes: []elbtypes.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String(want)}}})
	if err != nil {
		return fmt.Errorf("set target group %s attributes: %w", name, err)
	}
	return nil
}

func elbTags(m map[string]string) []elbtypes.Tag {
	var ts []elbtypes.Tag
	for _, k := range sortedKeys(m) {
		ts = append(ts, elbtypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return ts
}

func (c *Clients) ensureRule(ctx context.Context, env *config.Environment, out Outputs, svc config.Service, r *resources) error {
	var rules []elbtypes.Rule
	for pages := elb.NewDescribeRulesPaginator(c.ELB, &elb.DescribeRulesInput{ListenerArn: aws.String(out["HttpsListenerArn"])}, func(o *elb.DescribeRulesPaginatorOptions) { o.StopOnDuplicateToken = true }); pages.HasMorePages(); {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe listener rules: %w", err)
		}
		rules = append(rules, pg.Rules...)
	}
	prio := fmt.Sprint(svc.ListenerPriority)
	paths := []string{svc.PathPrefix, svc.PathPrefix + "/*"}
	conds := []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: paths}}}
	actions := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(r.TargetGroupArn)}}
	if i := slices.IndexFunc(rules, func(x elbtypes.Rule) bool { return aws.ToString(x.Priority) == prio }); i >= 0 {
		if ruleMatches(rules[i], paths, r.TargetGroupArn) {
			return nil
		}
		if _, err := c.ELB.ModifyRule(ctx, &elb.ModifyRuleInput{RuleArn: rules[i].RuleArn, Conditions: conds, Actions: actions}); err != nil {
			return fmt.Errorf("modify listener rule %s for %s: %w", prio, svc.Name, err)
		}
		r.created = append(r.created, "listener rule (corrected)")
		return nil
	}
	_, err := c.ELB.CreateRule(ctx, &elb.CreateRuleInput{
		ListenerArn: aws.String(out["HttpsListenerArn"]), Priority: aws.Int32(int32(svc.ListenerPriority)), Conditions: conds, Actions: actions,
		Tags: elbTags(Tags(env, svc.Name)),
	})
	if err != nil {
		return fmt.Errorf("create listener rule %s for %s: %w", prio, svc.Name, err)
	}
	r.created = append(r.created, "listener rule")
	return nil
}

func ruleMatches(r elbtypes.Rule, paths []string, tgArn string) bool {
	var got []string
	for _, c := range r.Conditions {
		if c.PathPatternConfig != nil {
			got = append(got, c.PathPatternConfig.Values...)
		} else {
			got = append(got, c.Values...)
		}
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(paths))
	return slices.Equal(got, want) && len(r.Actions) == 1 && r.Actions[0].Type == elbtypes.ActionTypeEnumForward &&
		aws.ToString(r.Actions[0].TargetGroupArn) == tgArn
}

// registryArn is the Cloud Map service named name in the namespace, or "".
// Cloud Map filters each page after paging, so an empty page does not mean
// the end.
func (c *Clients) registryArn(ctx context.Context, out Outputs, name string) (string, error) {
	in := &sd.ListServicesInput{Filters: []sdtypes.ServiceFilter{{
		Name: sdtypes.ServiceFilterNameNamespaceId, Values: []string{out["NamespaceId"]}, Condition: sdtypes.FilterConditionEq}}}
	for pages := sd.NewListServicesPaginator(c.SD, in, func(o *sd.ListServicesPaginatorOptions) { o.StopOnDuplicateToken = true }); pages.HasMorePages(); {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list Cloud Map services: %w", err)
		}
		for _, s := range pg.Services {
			if aws.ToString(s.Name) == name {
				return aws.ToString(s.Arn), nil
			}
		}
	}
	return "", nil
}

func sdTags(m map[string]string) []sdtypes.Tag {
	var ts []sdtypes.Tag
	for _, k := range sortedKeys(m) {
		ts = append(ts, sdtypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return ts
}

func (c *Clients) ensureDiscovery(ctx context.Context, env *config.Environment, out Outputs, svc config.Service, r *resources) error {
	arn, err := c.registryArn(ctx, out, svc.Name)
	if err != nil {
		return err
	}
	if arn != "" {
		r.RegistryArn = arn
		return nil
	}
	res, err := c.SD.CreateService(ctx, &sd.CreateServiceInput{
		Name: aws.String(svc.Name), NamespaceId: aws.String(out["NamespaceId"]),
		DnsConfig: &sdtypes.DnsConfig{RoutingPolicy: sdtypes.RoutingPolicyMultivalue,
			DnsRecords: []sdtypes.DnsRecord{{Type: sdtypes.RecordTypeA, TTL: aws.Int64(10)}}},
		HealthCheckCustomConfig: &sdtypes.HealthCheckCustomConfig{}, Tags: sdTags(Tags(env, svc.Name)),
	})
	if err != nil {
		return fmt.Errorf("create Cloud Map service %s: %w", svc.Name, err)
	}
	if res.Service == nil {
		return fmt.Errorf("create Cloud Map service %s: the response has no service", svc.Name)
	}
	r.RegistryArn = aws.ToString(res.Service.Arn)
	r.created = append(r.created, "Cloud Map service")
	return nil
}

// serviceNetwork is where a service's (and a migration's) tasks run.
func serviceNetwork(out Outputs) *ecstypes.NetworkConfiguration {
	return &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
		Subnets: strings.Split(out["PrivateSubnetIds"], ","), SecurityGroups: []string{out["ServiceSecurityGroupId"]},
		AssignPublicIp: ecstypes.AssignPublicIpDisabled}}
}

func serviceLoadBalancers(env *config.Environment, svc config.Service, tgArn string) []ecstypes.LoadBalancer {
	return []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(tgArn), ContainerName: aws.String(svc.Name), ContainerPort: aws.Int32(int32(env.ContainerPort))}}
}

func ecsTags(m map[string]string) []ecstypes.Tag {
	var ts []ecstypes.Tag
	for _, k := range sortedKeys(m) {
		ts = append(ts, ecstypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return ts
}

// createService creates the ECS service. It names neither a launch type nor
// a capacity-provider strategy, so the cluster's default strategy applies
// (Spot in staging). Tasks inherit the service's tags.
func (c *Clients) createService(ctx context.Context, env *config.Environment, out Outputs, svc config.Service, tdArn string, r *resources) (*ecstypes.Service, error) {
	res, err := c.ECS.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String(out["ClusterName"]), ServiceName: aws.String(svc.Name), TaskDefinition: aws.String(tdArn),
		DesiredCount: aws.Int32(int32(svc.DesiredCount)), NetworkConfiguration: serviceNetwork(out),
		LoadBalancers:                 serviceLoadBalancers(env, svc, r.TargetGroupArn),
		ServiceRegistries:             []ecstypes.ServiceRegistry{{RegistryArn: aws.String(r.RegistryArn)}},
		HealthCheckGracePeriodSeconds: aws.Int32(int32(env.HealthCheck.GracePeriodSeconds)),
		DeploymentConfiguration:       deploymentConfiguration(),
		PropagateTags:                 ecstypes.PropagateTagsService, Tags: ecsTags(Tags(env, svc.Name)),
	})
	if err != nil {
		return nil, fmt.Errorf("create ECS service %s: %w", svc.Name, err)
	}
	if res.Service == nil {
		return nil, fmt.Errorf("create ECS service %s: the response has no service", svc.Name)
	}
	r.created = append(r.created, "ECS service")
	return res.Service, nil
}

// deploymentConfiguration: circuit breaker with rollback, never below the
// desired count, up to twice it while replacing.
func deploymentConfiguration() *ecstypes.DeploymentConfiguration {
	return &ecstypes.DeploymentConfiguration{
		DeploymentCircuitBreaker: &ecstypes.DeploymentCircuitBreaker{Enable: true, Rollback: true},
		MinimumHealthyPercent:    aws.Int32(100), MaximumPercent: aws.Int32(200)}
}

// ensureAutoscaling registers the scalable target and target-tracking
// policies, touching only what differs from the configuration.
// scalableTargets is the ECS service's scalable targets, every page.
func (c *Clients) scalableTargets(ctx context.Context, id string) ([]aastypes.ScalableTarget, error) {
	var all []aastypes.ScalableTarget
	in := &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{id}}
	for pages := aas.NewDescribeScalableTargetsPaginator(c.AAS, in, func(o *aas.DescribeScalableTargetsPaginatorOptions) { o.StopOnDuplicateToken = true }); pages.HasMorePages(); {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe scalable target %s: %w", id, err)
		}
		all = append(all, pg.ScalableTargets...)
	}
	return all, nil
}

// scalingPolicies is the ECS service's scaling policies, every page.
func (c *Clients) scalingPolicies(ctx context.Context, id string) ([]aastypes.ScalingPolicy, error) {
	var all []aastypes.ScalingPolicy
	in := &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String(id)}
	for pages := aas.NewDescribeScalingPoliciesPaginator(c.AAS, in, func(o *aas.DescribeScalingPoliciesPaginatorOptions) { o.StopOnDuplicateToken = true }); pages.HasMorePages(); {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe scaling policies %s: %w", id, err)
		}
		all = append(all, pg.ScalingPolicies...)
	}
	return all, nil
}

// notYetVisible is Application Auto Scaling not seeing an ECS service that
// was just created (eventual consistency between the two services).
func notYetVisible(err error) bool {
	var ve *aastypes.ValidationException
	return errors.As(err, &ve) && strings.Contains(aws.ToString(ve.Message), "doesn't exist")
}

// consistencyWait bounds how long a just-created service may stay invisible.
const consistencyWait = 2 * time.Minute

func (c *Clients) ensureAutoscaling(ctx context.Context, clk Clock, env *config.Environment, out Outputs, svc config.Service, r *resources) error {
	id := "service/" + out["ClusterName"] + "/" + svc.Name
	dim := aastypes.ScalableDimensionECSServiceDesiredCount
	targets, err := c.scalableTargets(ctx, id)
	if err != nil {
		return err
	}
	if len(targets) == 0 || aws.ToInt32(targets[0].MinCapacity) != int32(svc.MinCount) || aws.ToInt32(targets[0].MaxCapacity) != int32(svc.MaxCount) {
		in := &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
			ResourceId: aws.String(id), ScalableDimension: dim, MinCapacity: aws.Int32(int32(svc.MinCount)), MaxCapacity: aws.Int32(int32(svc.MaxCount))}
		if len(targets) == 0 {
			in.Tags = Tags(env, svc.Name) // tags only on creation: AWS refuses them on an update
		}
		giveUp := clk.Now().Add(consistencyWait)
		var b backoff
		for {
			_, err = c.AAS.RegisterScalableTarget(ctx, in)
			if !notYetVisible(err) || clk.Now().After(giveUp) {
				break
			}
			if err := clk.Sleep(ctx, b.next()); err != nil {
				return err
			}
		}
		if err != nil {
			return fmt.Errorf("register scalable target %s: %w", id, err)
		}
		if len(targets) == 0 {
			r.created = append(r.created, "scalable target")
		}
	}
	live, err := c.scalingPolicies(ctx, id)
	if err != nil {
		return err
	}
	for _, want := range wantPolicies(out, svc, r.TargetGroupArn) {
		i := slices.IndexFunc(live, func(p aastypes.ScalingPolicy) bool {
			return aws.ToString(p.PolicyName) == aws.ToString(want.PolicyName)
		})
		if i >= 0 && samePolicy(live[i].TargetTrackingScalingPolicyConfiguration, want.TargetTrackingScalingPolicyConfiguration) {
			continue
		}
		if _, err := c.AAS.PutScalingPolicy(ctx, want); err != nil {
			return fmt.Errorf("put scaling policy %s: %w", aws.ToString(want.PolicyName), err)
		}
		if i < 0 {
			r.created = append(r.created, "policy "+aws.ToString(want.PolicyName))
		}
	}
	return nil
}

func wantPolicies(out Outputs, svc config.Service, tgArn string) []*aas.PutScalingPolicyInput {
	id := "service/" + out["ClusterName"] + "/" + svc.Name
	a := svc.Autoscaling
	pol := func(name string, target float64, metric aastypes.MetricType, label string) *aas.PutScalingPolicyInput {
		m := &aastypes.PredefinedMetricSpecification{PredefinedMetricType: metric}
		if label != "" {
			m.ResourceLabel = aws.String(label)
		}
		return &aas.PutScalingPolicyInput{PolicyName: aws.String(svc.Name + "-" + name), ServiceNamespace: aastypes.ServiceNamespaceEcs,
			ResourceId: aws.String(id), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
			TargetTrackingScalingPolicyConfiguration: &aastypes.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(target),
				PredefinedMetricSpecification: m, ScaleOutCooldown: aws.Int32(int32(a.ScaleOutCooldownSeconds)), ScaleInCooldown: aws.Int32(int32(a.ScaleInCooldownSeconds))}}
	}
	ps := []*aas.PutScalingPolicyInput{pol("cpu", a.CPUTarget, aastypes.MetricTypeECSServiceAverageCPUUtilization, "")}
	if a.BacklogPerTask > 0 {
		b := pol("backlog", float64(a.BacklogPerTask), "", "")
		b.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification = nil
		b.TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification = backlogPerTask(out, svc)
		ps = append(ps, b)
	}
	if a.RequestsPerTarget > 0 {
		// ResourceLabel: app/<lb>/<id>/targetgroup/<tg>/<id>
		tg := tgArn[max(0, strings.Index(tgArn, "targetgroup/")):]
		ps = append(ps, pol("requests", float64(a.RequestsPerTarget), aastypes.MetricTypeALBRequestCountPerTarget, out["LoadBalancerFullName"]+"/"+tg))
	}
	return ps
}

// backlogPerTask is metric math over the queue depth the service emits
// (libs/metrics, Maximum: every replica reports the same shared queue)
// divided by its running tasks (Container Insights).
func backlogPerTask(out Outputs, svc config.Service) *aastypes.CustomizedMetricSpecification {
	env := strings.TrimPrefix(out["ClusterName"], "peerprep-")
	stat := func(id, ns, name, statistic string, dims ...string) aastypes.TargetTrackingMetricDataQuery {
		m := &aastypes.TargetTrackingMetric{Namespace: aws.String(ns), MetricName: aws.String(name)}
		for i := 0; i+1 < len(dims); i += 2 {
			m.Dimensions = append(m.Dimensions, aastypes.TargetTrackingMetricDimension{Name: aws.String(dims[i]), Value: aws.String(dims[i+1])})
		}
		return aastypes.TargetTrackingMetricDataQuery{Id: aws.String(id), ReturnData: aws.Bool(false),
			MetricStat: &aastypes.TargetTrackingMetricStat{Metric: m, Stat: aws.String(statistic)}}
	}
	return &aastypes.CustomizedMetricSpecification{Metrics: []aastypes.TargetTrackingMetricDataQuery{
		stat("backlog", metrics.Namespace(env), metrics.QueueDepth.Name, "Maximum", metrics.ServiceDimension, svc.Name),
		stat("tasks", "ECS/ContainerInsights", "RunningTaskCount", "Average", "ClusterName", out["ClusterName"], "ServiceName", svc.Name),
		{Id: aws.String("per_task"), Expression: aws.String("backlog / tasks"), Label: aws.String("tickets waiting per running task"), ReturnData: aws.Bool(true)},
	}}
}

func samePolicy(a, b *aastypes.TargetTrackingScalingPolicyConfiguration) bool {
	if a == nil || b == nil {
		return false
	}
	if a.CustomizedMetricSpecification != nil || b.CustomizedMetricSpecification != nil {
		return aws.ToFloat64(a.TargetValue) == aws.ToFloat64(b.TargetValue) && aws.ToInt32(a.ScaleInCooldown) == aws.ToInt32(b.ScaleInCooldown) &&
			aws.ToInt32(a.ScaleOutCooldown) == aws.ToInt32(b.ScaleOutCooldown) &&
			reflect.DeepEqual(a.CustomizedMetricSpecification, b.CustomizedMetricSpecification)
	}
	if a.PredefinedMetricSpecification == nil || b.PredefinedMetricSpecification == nil {
		return false
	}
	return aws.ToFloat64(a.TargetValue) == aws.ToFloat64(b.TargetValue) && aws.ToInt32(a.ScaleInCooldown) == aws.ToInt32(b.ScaleInCooldown) &&
		aws.ToInt32(a.ScaleOutCooldown) == aws.ToInt32(b.ScaleOutCooldown) &&
		a.PredefinedMetricSpecification.PredefinedMetricType == b.PredefinedMetricSpecification.PredefinedMetricType &&
		aws.ToString(a.PredefinedMetricSpecification.ResourceLabel) == aws.ToString(b.PredefinedMetricSpecification.ResourceLabel)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
