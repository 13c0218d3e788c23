package awsfake

import (
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// Grant sets the actions the caller's role allows (the rendered deploy
// role's). Until it is called every action is denied, as for a role with
// no policy.
func (f *AWS) Grant(actions []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.allowed = map[string]bool{}
	for _, a := range actions {
		f.allowed[a] = true
	}
}

// Revoke removes one action from the role.
func (f *AWS) Revoke(action string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.allowed, action)
}

// Operations is every operation called so far ("ecs:UpdateService"), sorted.
func (f *AWS) Operations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ops []string
	for op := range f.ops {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	return ops
}

// required is what IAM checks for op called with in, as AWS documents it:
// the action of the same name, the tagging action when the request tags
// what it creates, iam:PassRole for the roles a task definition or task
// names, and the alarms Application Auto Scaling manages as the caller.
func required(op string, in any) []string {
	prefix, _, _ := strings.Cut(op, ":")
	need := []string{op}
	switch op {
	case "sts:GetCallerIdentity":
		return nil // always allowed
	case "cloudwatchlogs:GetLogEvents":
		need = []string{"logs:GetLogEvents"}
	case "application-autoscaling:PutScalingPolicy":
		need = append(need, "cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms")
	case "application-autoscaling:RegisterScalableTarget":
		need = append(need, "ecs:DescribeServices", "ecs:UpdateService")
	case "ecs:RegisterTaskDefinition", "ecs:RunTask":
		need = append(need, "iam:PassRole")
	}
	if v := reflect.ValueOf(in); v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct {
		if tags := v.Elem().FieldByName("Tags"); tags.IsValid() && tags.Kind() == reflect.Slice && tags.Len() > 0 {
			need = append(need, prefix+":"+tagAction(prefix))
		}
	}
	if in, ok := in.(*ecs.RunTaskInput); ok && in.PropagateTags != "" {
		need = append(need, "ecs:TagResource")
	}
	return slices.Compact(need)
}

func tagAction(prefix string) string {
	if prefix == "elasticloadbalancing" {
		return "AddTags"
	}
	return "TagResource"
}

// authorize records op and refuses it with AccessDenied when the role lacks
// one of the actions it needs. Call with f.mu held.
func (f *AWS) authorize(op string, in any) error {
	f.ops[op] = true
	for _, a := range required(op, in) {
		if !f.allowed[a] {
			return errf(accessDenied(op), "User: arn:aws:sts::%s:assumed-role/peerprep-deploy/ci is not authorized to perform: %s because no identity-based policy allows the %s action", f.Account, a, a)
		}
	}
	return nil
}

// accessDenied is the error code each service uses.
func accessDenied(op string) string {
	switch strings.Split(op, ":")[0] {
	case "ecs":
		return "AccessDeniedException"
	case "elasticloadbalancing", "cloudformation", "sts":
		return "AccessDenied"
	default:
		return "AccessDeniedException"
	}
}
