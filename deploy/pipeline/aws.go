package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/peerprep/peerprep/deploy/config"
)

// Clients are the AWS APIs the pipeline drives.
type Clients struct {
	ECS *ecs.Client
	ECR *ecr.Client
	ELB *elb.Client
	SD  *sd.Client
	AAS *aas.Client
	CFN *cloudformation.Client
}

// NewClients builds every client from one configuration.
func NewClients(cfg aws.Config) *Clients {
	return &Clients{ECS: ecs.NewFromConfig(cfg), ECR: ecr.NewFromConfig(cfg), ELB: elb.NewFromConfig(cfg),
		SD: sd.NewFromConfig(cfg), AAS: aas.NewFromConfig(cfg), CFN: cloudformation.NewFromConfig(cfg)}
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
		repo := uri[strings.Index(uri, "/")+1 : strings.LastIndex(uri, ":")]
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

// resources is what a service needs beside its task definition.
type resources struct {
	TargetGroupArn, RegistryArn string
	created                     []string
}

func (c *Clients) ensureTargetGroup(ctx context.Context, env *config.Environment, out Outputs, svc config.Service, r *resources) error {
	name := env.TargetGroupName(svc.Name)
	hc := env.HealthCheck
	got, err := c.ELB.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{name}})
	var nf *elbtypes.TargetGroupNotFoundException
	switch {
	case errors.As(err, &nf):
		res, err := c.ELB.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{
			Name: aws.String(name), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(int32(env.ContainerPort)),
			TargetType: elbtypes.TargetTypeEnumIp, VpcId: aws.String(out["VpcId"]), HealthCheckPath: aws.String(hc.Path),
			HealthCheckIntervalSeconds: aws.Int32(int32(hc.IntervalSeconds)), HealthCheckTimeoutSeconds: aws.Int32(int32(hc.TimeoutSeconds)),
			HealthyThresholdCount: aws.Int32(int32(hc.HealthyThreshold)), UnhealthyThresholdCount: aws.Int32(int32(hc.UnhealthyThreshold)),
			Matcher: &elbtypes.Matcher{HttpCode: aws.String("200")},
		})
		if err != nil {
			return fmt.Errorf("create target group %s: %w", name, err)
		}
		r.TargetGroupArn = aws.ToString(res.TargetGroups[0].TargetGroupArn)
		r.created = append(r.created, "target group")
		// Stickiness stays off (the default); deregistration waits as configured.
		_, err = c.ELB.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: res.TargetGroups[0].TargetGroupArn,
			Attributes: []elbtypes.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String(fmt.Sprint(hc.DeregistrationDelaySeconds))}}})
		if err != nil {
			return fmt.Errorf("set target group %s attributes: %w", name, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("describe target group %s: %w", name, err)
	}
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
	}
	return nil
}

func (c *Clients) ensureRule(ctx context.Context, out Outputs, svc config.Service, r *resources) error {
	rules, err := c.ELB.DescribeRules(ctx, &elb.DescribeRulesInput{ListenerArn: aws.String(out["HttpsListenerArn"])})
	if err != nil {
		return fmt.Errorf("describe listener rules: %w", err)
	}
	prio := fmt.Sprint(svc.ListenerPriority)
	paths := []string{svc.PathPrefix, svc.PathPrefix + "/*"}
	conds := []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: paths}}}
	actions := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(r.TargetGroupArn)}}
	if i := slices.IndexFunc(rules.Rules, func(x elbtypes.Rule) bool { return aws.ToString(x.Priority) == prio }); i >= 0 {
		if ruleMatches(rules.Rules[i], paths, r.TargetGroupArn) {
			return nil
		}
		if _, err := c.ELB.ModifyRule(ctx, &elb.ModifyRuleInput{RuleArn: rules.Rules[i].RuleArn, Conditions: conds, Actions: actions}); err != nil {
			return fmt.Errorf("modify listener rule %s for %s: %w", prio, svc.Name, err)
		}
		r.created = append(r.created, "listener rule (corrected)")
		return nil
	}
	_, err = c.ELB.CreateRule(ctx, &elb.CreateRuleInput{
		ListenerArn: aws.String(out["HttpsListenerArn"]), Priority: aws.Int32(int32(svc.ListenerPriority)), Conditions: conds, Actions: actions,
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

func (c *Clients) ensureDiscovery(ctx context.Context, out Outputs, svc config.Service, r *resources) error {
	list, err := c.SD.ListServices(ctx, &sd.ListServicesInput{Filters: []sdtypes.ServiceFilter{{
		Name: sdtypes.ServiceFilterNameNamespaceId, Values: []string{out["NamespaceId"]}, Condition: sdtypes.FilterConditionEq}}})
	if err != nil {
		return fmt.Errorf("list Cloud Map services: %w", err)
	}
	for _, s := range list.Services {
		if aws.ToString(s.Name) == svc.Name {
			r.RegistryArn = aws.ToString(s.Arn)
			return nil
		}
	}
	res, err := c.SD.CreateService(ctx, &sd.CreateServiceInput{
		Name: aws.String(svc.Name), NamespaceId: aws.String(out["NamespaceId"]),
		DnsConfig: &sdtypes.DnsConfig{RoutingPolicy: sdtypes.RoutingPolicyMultivalue,
			DnsRecords: []sdtypes.DnsRecord{{Type: sdtypes.RecordTypeA, TTL: aws.Int64(10)}}},
		HealthCheckCustomConfig: &sdtypes.HealthCheckCustomConfig{},
	})
	if err != nil {
		return fmt.Errorf("create Cloud Map service %s: %w", svc.Name, err)
	}
	r.RegistryArn = aws.ToString(res.Service.Arn)
	r.created = append(r.created, "Cloud Map service")
	return nil
}

func (c *Clients) createService(ctx context.Context, env *config.Environment, out Outputs, svc config.Service, tdArn string, r *resources) (*ecstypes.Service, error) {
	res, err := c.ECS.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String(out["ClusterName"]), ServiceName: aws.String(svc.Name), TaskDefinition: aws.String(tdArn),
		DesiredCount: aws.Int32(int32(svc.DesiredCount)), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: strings.Split(out["PrivateSubnetIds"], ","), SecurityGroups: []string{out["ServiceSecurityGroupId"]},
			AssignPublicIp: ecstypes.AssignPublicIpDisabled}},
		LoadBalancers: []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(r.TargetGroupArn), ContainerName: aws.String(svc.Name),
			ContainerPort: aws.Int32(int32(env.ContainerPort))}},
		ServiceRegistries:             []ecstypes.ServiceRegistry{{RegistryArn: aws.String(r.RegistryArn)}},
		HealthCheckGracePeriodSeconds: aws.Int32(int32(env.HealthCheck.GracePeriodSeconds)),
		DeploymentConfiguration:       deploymentConfiguration(),
		PropagateTags:                 ecstypes.PropagateTagsService,
	})
	if err != nil {
		return nil, fmt.Errorf("create ECS service %s: %w", svc.Name, err)
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
func (c *Clients) ensureAutoscaling(ctx context.Context, out Outputs, svc config.Service, r *resources) error {
	id := "service/" + out["ClusterName"] + "/" + svc.Name
	dim := aastypes.ScalableDimensionECSServiceDesiredCount
	targets, err := c.AAS.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{id}})
	if err != nil {
		return fmt.Errorf("describe scalable target %s: %w", id, err)
	}
	if len(targets.ScalableTargets) == 0 || aws.ToInt32(targets.ScalableTargets[0].MinCapacity) != int32(svc.MinCount) ||
		aws.ToInt32(targets.ScalableTargets[0].MaxCapacity) != int32(svc.MaxCount) {
		_, err := c.AAS.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
			ResourceId: aws.String(id), ScalableDimension: dim, MinCapacity: aws.Int32(int32(svc.MinCount)), MaxCapacity: aws.Int32(int32(svc.MaxCount))})
		if err != nil {
			return fmt.Errorf("register scalable target %s: %w", id, err)
		}
		if len(targets.ScalableTargets) == 0 {
			r.created = append(r.created, "scalable target")
		}
	}
	live, err := c.AAS.DescribeScalingPolicies(ctx, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String(id)})
	if err != nil {
		return fmt.Errorf("describe scaling policies %s: %w", id, err)
	}
	for _, want := range wantPolicies(out, svc, r.TargetGroupArn) {
		i := slices.IndexFunc(live.ScalingPolicies, func(p aastypes.ScalingPolicy) bool {
			return aws.ToString(p.PolicyName) == aws.ToString(want.PolicyName)
		})
		if i >= 0 && samePolicy(live.ScalingPolicies[i].TargetTrackingScalingPolicyConfiguration, want.TargetTrackingScalingPolicyConfiguration) {
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
	if a.RequestsPerTarget > 0 {
		// ResourceLabel: app/<lb>/<id>/targetgroup/<tg>/<id>
		tg := tgArn[strings.Index(tgArn, "targetgroup/"):]
		ps = append(ps, pol("requests", float64(a.RequestsPerTarget), aastypes.MetricTypeALBRequestCountPerTarget, out["LoadBalancerFullName"]+"/"+tg))
	}
	return ps
}

func samePolicy(a, b *aastypes.TargetTrackingScalingPolicyConfiguration) bool {
	if a == nil || b == nil || a.PredefinedMetricSpecification == nil || b.PredefinedMetricSpecification == nil {
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
