package awsfake

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// apiOptions answers the query-protocol services (ELBv2, CloudFormation,
// STS) in the client's own stack, after the real client has validated and
// serialized its input and inside its retry loop, so throttling and 5xx are
// retried as they would be: the typed input is answered with a typed
// output, skipping only the HTTP exchange.
func (f *AWS) apiOptions() []func(*middleware.Stack) error {
	return []func(*middleware.Stack) error{func(st *middleware.Stack) error {
		err := st.Initialize.Add(middleware.InitializeMiddlewareFunc("awsfake.params", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			return next.HandleInitialize(middleware.WithStackValue(ctx, paramsKey{}, in.Parameters), in)
		}), middleware.After)
		if err != nil {
			return err
		}
		return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("awsfake.query", func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, handled, err := f.query(middleware.GetStackValue(ctx, paramsKey{}))
			if !handled {
				return next.HandleDeserialize(ctx, in)
			}
			return middleware.DeserializeOutput{Result: out}, middleware.Metadata{}, err
		}), middleware.Before)
	}}
}

type paramsKey struct{}

func (f *AWS) query(params any) (any, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := fmt.Sprintf("%T", params)
	pkg := name[strings.Index(name, "*")+1 : strings.Index(name, ".")]
	name = strings.TrimSuffix(name[strings.LastIndex(name, ".")+1:], "Input")
	prefix := map[string]string{"elasticloadbalancingv2": "elasticloadbalancing", "cloudformation": "cloudformation", "sts": "sts"}[pkg]
	if prefix == "" {
		return nil, false, nil
	}
	if err := f.queryFault(); err != nil {
		return nil, true, err
	}
	if err := f.authorize(prefix+":"+name, params); err != nil {
		return nil, true, &smithy.GenericAPIError{Code: err.(*apiError).Type, Message: err.(*apiError).Message}
	}
	out, handled, err := f.queryOp(params)
	if handled {
		f.calls[name]++
	}
	return out, handled, err
}

func (f *AWS) queryOp(params any) (any, bool, error) {
	switch in := params.(type) {
	case *sts.GetCallerIdentityInput:
		return &sts.GetCallerIdentityOutput{Account: aws.String(f.Account), UserId: aws.String("AROAFAKE:ci"),
			Arn: aws.String("arn:aws:sts::" + f.Account + ":assumed-role/peerprep-deploy/ci")}, true, nil
	case *elb.DescribeTargetGroupAttributesInput:
		out := &elb.DescribeTargetGroupAttributesOutput{Attributes: []elbtypes.TargetGroupAttribute{
			{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("300")}, {Key: aws.String("stickiness.enabled"), Value: aws.String("false")}}}
		for _, a := range f.tgAttributes[aws.ToString(in.TargetGroupArn)] {
			for i := range out.Attributes {
				if aws.ToString(out.Attributes[i].Key) == aws.ToString(a.Key) {
					out.Attributes[i].Value = a.Value
				}
			}
		}
		return out, true, nil
	case *cloudformation.DescribeStacksInput:
		var outs []cfntypes.Output
		for k, v := range f.outputs {
			outs = append(outs, cfntypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
		}
		return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{{StackName: in.StackName, StackStatus: cfntypes.StackStatusUpdateComplete, Outputs: outs}}}, true, nil
	case *elb.DescribeTargetGroupsInput:
		out := &elb.DescribeTargetGroupsOutput{}
		for _, n := range in.Names {
			tg, ok := f.targetGroups[n]
			if !ok {
				return nil, true, &elbtypes.TargetGroupNotFoundException{Message: aws.String("One or more target groups not found")}
			}
			out.TargetGroups = append(out.TargetGroups, *tg)
		}
		return out, true, nil
	case *elb.CreateTargetGroupInput:
		n := aws.ToString(in.Name)
		if in.VpcId == nil || in.Port == nil || in.Protocol == "" {
			return nil, true, &smithy.GenericAPIError{Code: "ValidationError", Message: "A VPC ID, port and protocol must be specified"}
		}
		if _, ok := f.targetGroups[n]; ok {
			return nil, true, &elbtypes.DuplicateTargetGroupNameException{Message: aws.String("A target group with the same name '" + n + "' exists")}
		}
		tg := &elbtypes.TargetGroup{
			TargetGroupName: in.Name, TargetGroupArn: aws.String(f.arn("elasticloadbalancing", "targetgroup/"+n+"/"+f.id())),
			Port: in.Port, Protocol: in.Protocol, TargetType: in.TargetType, VpcId: in.VpcId, HealthCheckPath: in.HealthCheckPath,
			HealthCheckIntervalSeconds: in.HealthCheckIntervalSeconds, HealthCheckTimeoutSeconds: in.HealthCheckTimeoutSeconds,
			HealthyThresholdCount: in.HealthyThresholdCount, UnhealthyThresholdCount: in.UnhealthyThresholdCount, Matcher: in.Matcher,
		}
		f.targetGroups[n] = tg
		f.tag(*tg.TargetGroupArn, elbTags(in.Tags))
		return &elb.CreateTargetGroupOutput{TargetGroups: []elbtypes.TargetGroup{*tg}}, true, nil
	case *elb.ModifyTargetGroupInput:
		for _, tg := range f.targetGroups {
			if *tg.TargetGroupArn == aws.ToString(in.TargetGroupArn) {
				tg.HealthCheckPath, tg.HealthCheckIntervalSeconds, tg.HealthCheckTimeoutSeconds = in.HealthCheckPath, in.HealthCheckIntervalSeconds, in.HealthCheckTimeoutSeconds
				tg.HealthyThresholdCount, tg.UnhealthyThresholdCount = in.HealthyThresholdCount, in.UnhealthyThresholdCount
				return &elb.ModifyTargetGroupOutput{TargetGroups: []elbtypes.TargetGroup{*tg}}, true, nil
			}
		}
		return nil, true, &elbtypes.TargetGroupNotFoundException{Message: aws.String("not found")}
	case *elb.ModifyTargetGroupAttributesInput:
		for _, tg := range f.targetGroups {
			if *tg.TargetGroupArn == aws.ToString(in.TargetGroupArn) {
				f.tgAttributes[*tg.TargetGroupArn] = append(f.tgAttributes[*tg.TargetGroupArn], in.Attributes...)
				return &elb.ModifyTargetGroupAttributesOutput{Attributes: in.Attributes}, true, nil
			}
		}
		return nil, true, &elbtypes.TargetGroupNotFoundException{Message: aws.String("not found")}
	case *elb.ModifyRuleInput:
		for i, r := range f.rules {
			if aws.ToString(r.RuleArn) == aws.ToString(in.RuleArn) {
				f.rules[i].Conditions, f.rules[i].Actions = in.Conditions, in.Actions
				return &elb.ModifyRuleOutput{Rules: []elbtypes.Rule{f.rules[i]}}, true, nil
			}
		}
		return nil, true, &elbtypes.RuleNotFoundException{Message: aws.String("not found")}
	case *elb.DescribeRulesInput:
		start, end, next := page(aws.ToString(in.Marker), len(f.rules), f.PageSize)
		return &elb.DescribeRulesOutput{Rules: append([]elbtypes.Rule(nil), f.rules[start:end]...), NextMarker: next}, true, nil
	case *elb.CreateRuleInput:
		p := fmt.Sprint(aws.ToInt32(in.Priority))
		for _, r := range f.rules {
			if aws.ToString(r.Priority) == p {
				return nil, true, &elbtypes.PriorityInUseException{Message: aws.String("Priority '" + p + "' is currently in use")}
			}
		}
		r := elbtypes.Rule{RuleArn: aws.String(f.arn("elasticloadbalancing", "listener-rule/"+f.id())), Priority: aws.String(p), Conditions: in.Conditions, Actions: in.Actions}
		f.rules = append(f.rules, r)
		f.tag(*r.RuleArn, elbTags(in.Tags))
		return &elb.CreateRuleOutput{Rules: []elbtypes.Rule{r}}, true, nil
	}
	return nil, false, nil
}

// BreakRule points the listener rule with priority at another target group, as a hand edit would.
func (f *AWS) BreakRule(priority string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.rules {
		if aws.ToString(r.Priority) == priority {
			f.rules[i].Actions = []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String("arn:elsewhere")}}
		}
	}
}

// TargetGroupAttribute is the last value set for key on the target group named name.
func (f *AWS) TargetGroupAttribute(name, key string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	tg, ok := f.targetGroups[name]
	if !ok {
		return ""
	}
	v := ""
	for _, a := range f.tgAttributes[*tg.TargetGroupArn] {
		if aws.ToString(a.Key) == key {
			v = aws.ToString(a.Value)
		}
	}
	return v
}

// sdListServices pages over every service in the account, then applies
// the namespace filter to that page, as Cloud Map does: a page can be empty
// and still have a next token.
func (f *AWS) sdListServices(in *servicediscovery.ListServicesInput) (*servicediscovery.ListServicesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ns []string
	for _, flt := range in.Filters {
		if flt.Name == sdtypes.ServiceFilterNameNamespaceId {
			ns = flt.Values
		}
	}
	all := slices.SortedFunc(maps.Values(f.sdServices), func(a, b *sdtypes.Service) int { return strings.Compare(*a.Id, *b.Id) })
	start, end, next := page(aws.ToString(in.NextToken), len(all), f.pageSize(in.MaxResults))
	out := &servicediscovery.ListServicesOutput{NextToken: next}
	for _, s := range all[start:end] {
		if len(ns) == 0 || slices.Contains(ns, aws.ToString(s.NamespaceId)) {
			out.Services = append(out.Services, sdtypes.ServiceSummary{Id: s.Id, Arn: s.Arn, Name: s.Name, DnsConfig: s.DnsConfig})
		}
	}
	return out, nil
}

func (f *AWS) sdCreateService(in *servicediscovery.CreateServiceInput) (*servicediscovery.CreateServiceOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := aws.ToString(in.Name)
	key := aws.ToString(in.NamespaceId) + "/" + n
	if in.Name == nil {
		return nil, errf("InvalidInput", "Name is required")
	}
	if _, ok := f.sdServices[key]; ok {
		return nil, errf("ServiceAlreadyExists", "service %s exists", n)
	}
	id := "srv-" + f.id()
	s := &sdtypes.Service{Id: aws.String(id), Arn: aws.String(f.arn("servicediscovery", "service/"+id)), Name: in.Name,
		NamespaceId: in.NamespaceId, DnsConfig: in.DnsConfig, HealthCheckCustomConfig: in.HealthCheckCustomConfig}
	f.sdServices[key] = s
	f.tag(*s.Arn, sdTags(in.Tags))
	return &servicediscovery.CreateServiceOutput{Service: s}, nil
}

func (f *AWS) registerScalableTarget(in *applicationautoscaling.RegisterScalableTargetInput) (*applicationautoscaling.RegisterScalableTargetOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := aws.ToString(in.ResourceId)
	// ECS changes reach Application Auto Scaling a little later.
	name := id[strings.LastIndex(id, "/")+1:]
	if n, ok := f.unseen[name]; !ok || n < f.ConsistencyLag {
		f.unseen[name] = n + 1
		return nil, errf("ValidationException", "ECS service doesn't exist: %s", id)
	}
	if t, ok := f.targets[id]; ok {
		t.MinCapacity, t.MaxCapacity = in.MinCapacity, in.MaxCapacity
		return &applicationautoscaling.RegisterScalableTargetOutput{ScalableTargetARN: t.ScalableTargetARN}, nil
	}
	arn := f.arn("application-autoscaling", "scalable-target/"+f.id())
	f.targets[id] = &aastypes.ScalableTarget{ResourceId: in.ResourceId, ServiceNamespace: in.ServiceNamespace, ScalableTargetARN: aws.String(arn),
		ScalableDimension: in.ScalableDimension, MinCapacity: in.MinCapacity, MaxCapacity: in.MaxCapacity, CreationTime: aws.Time(f.Clock.Now())}
	f.tag(arn, mapTags(in.Tags))
	return &applicationautoscaling.RegisterScalableTargetOutput{ScalableTargetARN: aws.String(arn)}, nil
}

func (f *AWS) describeScalableTargets(in *applicationautoscaling.DescribeScalableTargetsInput) (*applicationautoscaling.DescribeScalableTargetsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []aastypes.ScalableTarget
	for _, id := range slices.Sorted(maps.Keys(f.targets)) {
		if len(in.ResourceIds) == 0 || slices.Contains(in.ResourceIds, id) {
			all = append(all, *f.targets[id])
		}
	}
	start, end, next := page(aws.ToString(in.NextToken), len(all), f.PageSize)
	return &applicationautoscaling.DescribeScalableTargetsOutput{ScalableTargets: all[start:end], NextToken: next}, nil
}

func (f *AWS) putScalingPolicy(in *applicationautoscaling.PutScalingPolicyInput) (*applicationautoscaling.PutScalingPolicyOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.targets[aws.ToString(in.ResourceId)]; !ok {
		return nil, errf("ObjectNotFoundException", "No scalable target registered for service namespace: ecs, resource ID: %s, scalable dimension: ecs:service:DesiredCount", aws.ToString(in.ResourceId))
	}
	if c := in.TargetTrackingScalingPolicyConfiguration; c == nil || c.TargetValue == nil ||
		(c.PredefinedMetricSpecification == nil) == (c.CustomizedMetricSpecification == nil) {
		return nil, errf("ValidationException", "A target tracking policy needs a target value and exactly one of a predefined or customized metric")
	}
	arn := f.arn("autoscaling", "scalingPolicy:"+aws.ToString(in.PolicyName))
	f.policies[aws.ToString(in.PolicyName)] = &aastypes.ScalingPolicy{PolicyARN: aws.String(arn), PolicyName: in.PolicyName, ResourceId: in.ResourceId,
		ServiceNamespace: in.ServiceNamespace, ScalableDimension: in.ScalableDimension, PolicyType: in.PolicyType,
		TargetTrackingScalingPolicyConfiguration: in.TargetTrackingScalingPolicyConfiguration, CreationTime: aws.Time(f.Clock.Now())}
	return &applicationautoscaling.PutScalingPolicyOutput{PolicyARN: aws.String(arn)}, nil
}

func (f *AWS) describeScalingPolicies(in *applicationautoscaling.DescribeScalingPoliciesInput) (*applicationautoscaling.DescribeScalingPoliciesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []aastypes.ScalingPolicy
	for _, n := range slices.Sorted(maps.Keys(f.policies)) {
		if p := f.policies[n]; aws.ToString(p.ResourceId) == aws.ToString(in.ResourceId) {
			all = append(all, *p)
		}
	}
	start, end, next := page(aws.ToString(in.NextToken), len(all), f.PageSize)
	return &applicationautoscaling.DescribeScalingPoliciesOutput{ScalingPolicies: all[start:end], NextToken: next}, nil
}

// serveHealth is the ALB: the listener's rules in priority order, then its
// default action, pick a target group; the ECS service attached to it
// answers health with the version of the task definition its tasks run
// (the newest deployment with running tasks).
func (f *AWS) serveHealth(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance()
	f.lastHost = r.Host
	action := f.route(r.URL.Path)
	if action.Type == elbtypes.ActionTypeEnumFixedResponse {
		http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
		return
	}
	for name, s := range f.services {
		if !slices.ContainsFunc(s.svc.LoadBalancers, func(lb ecstypes.LoadBalancer) bool {
			return aws.ToString(lb.TargetGroupArn) == aws.ToString(action.TargetGroupArn)
		}) {
			continue
		}
		version := ""
		for _, d := range s.deployments {
			if d.d.RunningCount > 0 {
				img := f.imageOf(*d.d.TaskDefinition)
				version = img[strings.LastIndex(img, ":")+1:]
				break
			}
		}
		if f.StaleHealth[name] {
			version = "0ld0ld"
		}
		if version == "" {
			break
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "healthy", "service": name, "version": version})
		return
	}
	// A target group with no healthy targets.
	http.Error(w, "503 Service Temporarily Unavailable", http.StatusServiceUnavailable)
}

// route is the action the listener takes for path.
func (f *AWS) route(path string) elbtypes.Action {
	rules := slices.Clone(f.rules)
	slices.SortFunc(rules, func(a, b elbtypes.Rule) int {
		x, _ := strconv.Atoi(aws.ToString(a.Priority))
		y, _ := strconv.Atoi(aws.ToString(b.Priority))
		return x - y
	})
	for _, r := range rules {
		for _, c := range r.Conditions {
			values := c.Values
			if c.PathPatternConfig != nil {
				values = c.PathPatternConfig.Values
			}
			if slices.ContainsFunc(values, func(p string) bool { return globMatch(p, path) }) && len(r.Actions) > 0 {
				return r.Actions[0]
			}
		}
	}
	return f.defaultAction
}

// globMatch is ALB path-pattern matching: * is any run of characters
// (slashes included), ? is one character, the rest is literal.
func globMatch(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if globMatch(pattern[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
		}
		pattern, s = pattern[1:], s[1:]
	}
	return s == ""
}
