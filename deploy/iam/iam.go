// Package iam lists every AWS API call PeerPrep's deploy tools make and the
// IAM actions AWS checks for each. It is the one place the deploy role's
// permissions come from: deploy/cfn renders the role from Pipeline, the
// simulation in deploy/awsfake refuses what the rendered role lacks, and
// docs/deploy.md explains the same list.
package iam

import (
	"slices"
	"strings"
)

// Scope names the resources a grant covers; deploy/cfn turns each into ARNs
// (and conditions) for one environment.
type Scope string

// The scopes of the deploy role.
const (
	AnyResource     Scope = "*"                // the action supports no resource-level permission, or names resources chosen at run time
	Repositories    Scope = "repositories"     // the environment's ECR repositories
	Services        Scope = "services"         // ECS services in the environment's cluster
	TaskDefinitions Scope = "task-definitions" // the environment's task definition families, in its cluster only
	ClusterTasks    Scope = "cluster-tasks"    // the cluster, its tasks and container instances
	TaskRoles       Scope = "task-roles"       // the task and task execution roles, passed to ECS tasks only
	TargetGroups    Scope = "target-groups"    // target groups named pp-<env>-*
	ListenerRules   Scope = "listener-rules"   // the HTTPS listener and its rules
	Stack           Scope = "stack"            // the environment's CloudFormation stack
	LogGroups       Scope = "log-groups"       // the services' log groups
	LinkedRoles     Scope = "service-linked"   // service-linked roles of ECS and Application Auto Scaling
)

// Grant is one action on one scope.
type Grant struct {
	Action string
	Scope  Scope
}

// Call is one API operation and what AWS checks when it is made.
type Call struct {
	Op    string // "ecs:RegisterTaskDefinition": IAM prefix and operation name
	Needs []Grant
	Why   string
}

func g(scope Scope, actions ...string) []Grant {
	out := make([]Grant, len(actions))
	for i, a := range actions {
		out[i] = Grant{a, scope}
	}
	return out
}

func needs(parts ...[]Grant) []Grant { return slices.Concat(parts...) }

// Pipeline is every call of deploy:* and image:push, which the deploy role
// (GitHub Actions through OIDC) makes.
var Pipeline = []Call{
	{"sts:GetCallerIdentity", nil, "compare the account with the environment's account_id (no permission needed)"},
	{"cloudformation:DescribeStacks", g(Stack, "cloudformation:DescribeStacks"), "read the stack's outputs"},
	{"ecr:GetAuthorizationToken", g(AnyResource, "ecr:GetAuthorizationToken"), "log in to the registry to push"},
	{"ecr:DescribeImages", g(Repositories, "ecr:DescribeImages"), "check every image is in ECR before deploying"},
	{"ecr:PushImage", g(Repositories, "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
		"ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage"), "push images (registry API, not the SDK)"},
	{"ecs:RegisterTaskDefinition", needs(g(AnyResource, "ecs:RegisterTaskDefinition", "ecs:TagResource"), g(TaskRoles, "iam:PassRole")),
		"register task definitions; tagged, and naming the task and execution roles"},
	{"ecs:DescribeTaskDefinition", g(AnyResource, "ecs:DescribeTaskDefinition"), "compare what runs with what would be deployed"},
	{"ecs:ListTaskDefinitions", g(AnyResource, "ecs:ListTaskDefinitions"), "find the previous revision (deploy:rollback)"},
	{"ecs:CreateService", needs(g(Services, "ecs:CreateService", "ecs:TagResource"), g(LinkedRoles, "iam:CreateServiceLinkedRole")),
		"create a service on its first deploy (tagged; ECS's service-linked role in a new account)"},
	{"ecs:UpdateService", g(Services, "ecs:UpdateService"), "deploy, correct drift, roll back"},
	{"ecs:DescribeServices", g(Services, "ecs:DescribeServices"), "follow deployments, read the live configuration"},
	{"ecs:RunTask", needs(g(TaskDefinitions, "ecs:RunTask"), g(ClusterTasks, "ecs:TagResource"), g(TaskRoles, "iam:PassRole")),
		"run migrations as one-off tasks (tagged, with the task roles)"},
	{"ecs:DescribeTasks", g(ClusterTasks, "ecs:DescribeTasks"), "follow migrations, read stopped-task reasons"},
	{"ecs:ListTasks", g(ClusterTasks, "ecs:ListTasks"), "find stopped tasks after a failure"},
	{"elasticloadbalancing:DescribeTargetGroups", g(AnyResource, "elasticloadbalancing:DescribeTargetGroups"), "find a service's target group"},
	{"elasticloadbalancing:DescribeTargetGroupAttributes", g(AnyResource, "elasticloadbalancing:DescribeTargetGroupAttributes"), "compare the deregistration delay"},
	{"elasticloadbalancing:CreateTargetGroup", g(TargetGroups, "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:AddTags"), "first deploy of a routed service (tagged)"},
	{"elasticloadbalancing:ModifyTargetGroup", g(TargetGroups, "elasticloadbalancing:ModifyTargetGroup"), "correct health-check drift"},
	{"elasticloadbalancing:ModifyTargetGroupAttributes", g(TargetGroups, "elasticloadbalancing:ModifyTargetGroupAttributes"), "set the deregistration delay"},
	{"elasticloadbalancing:DescribeRules", g(AnyResource, "elasticloadbalancing:DescribeRules"), "find a service's listener rule"},
	{"elasticloadbalancing:CreateRule", g(ListenerRules, "elasticloadbalancing:CreateRule", "elasticloadbalancing:AddTags"), "route a service's prefix (tagged)"},
	{"elasticloadbalancing:ModifyRule", g(ListenerRules, "elasticloadbalancing:ModifyRule"), "correct a hand-edited rule"},
	{"servicediscovery:ListServices", g(AnyResource, "servicediscovery:ListServices"), "find a service's Cloud Map entry"},
	{"servicediscovery:CreateService", g(AnyResource, "servicediscovery:CreateService", "servicediscovery:TagResource"), "register a service in Cloud Map (tagged)"},
	{"application-autoscaling:DescribeScalableTargets", g(AnyResource, "application-autoscaling:DescribeScalableTargets"), "compare min/max"},
	{"application-autoscaling:RegisterScalableTarget", needs(
		g(AnyResource, "application-autoscaling:RegisterScalableTarget", "application-autoscaling:TagResource"),
		g(Services, "ecs:DescribeServices", "ecs:UpdateService"),
		g(LinkedRoles, "iam:CreateServiceLinkedRole")), "scale a service between min and max (tagged)"},
	{"application-autoscaling:DescribeScalingPolicies", g(AnyResource, "application-autoscaling:DescribeScalingPolicies"), "compare policies"},
	{"application-autoscaling:PutScalingPolicy", needs(g(AnyResource, "application-autoscaling:PutScalingPolicy",
		"cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms")),
		"target tracking: Application Auto Scaling creates, reads and replaces the policy's alarms as the caller"},
	{"logs:GetLogEvents", g(LogGroups, "logs:GetLogEvents"), "print a failed migration's last log lines"},
}

// Infra is every call of infra:deploy. An operator with administrator
// rights runs it (CloudFormation creates the IAM roles and everything else
// as the caller), so these are not part of the deploy role.
var Infra = []Call{
	{"sts:GetCallerIdentity", nil, "compare the account with the environment's account_id"},
	{"cloudformation:DescribeStacks", g(Stack, "cloudformation:DescribeStacks"), "does the stack exist, in which state"},
	{"cloudformation:CreateChangeSet", g(Stack, "cloudformation:CreateChangeSet"), "propose the change"},
	{"cloudformation:DescribeChangeSet", g(Stack, "cloudformation:DescribeChangeSet"), "show the change"},
	{"cloudformation:ExecuteChangeSet", g(Stack, "cloudformation:ExecuteChangeSet"), "apply it"},
	{"cloudformation:DeleteChangeSet", g(Stack, "cloudformation:DeleteChangeSet"), "discard a declined or empty change set"},
	{"cloudformation:DescribeStackEvents", g(Stack, "cloudformation:DescribeStackEvents"), "name the resource that failed"},
}

// Lookup is the call named op ("ecs:UpdateService") in calls.
func Lookup(calls []Call, op string) (Call, bool) {
	i := slices.IndexFunc(calls, func(c Call) bool { return c.Op == op })
	if i < 0 {
		return Call{}, false
	}
	return calls[i], true
}

// ByScope is the sorted, distinct actions of calls grouped by scope.
func ByScope(calls []Call) map[Scope][]string {
	out := map[Scope][]string{}
	for _, c := range calls {
		for _, n := range c.Needs {
			if !slices.Contains(out[n.Scope], n.Action) {
				out[n.Scope] = append(out[n.Scope], n.Action)
			}
		}
	}
	for _, a := range out {
		slices.Sort(a)
	}
	return out
}

// Actions is the sorted, distinct actions of calls.
func Actions(calls []Call) []string {
	var all []string
	for _, a := range ByScope(calls) {
		all = append(all, a...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// Prefix is the IAM service prefix of an action or op ("ecs").
func Prefix(op string) string { p, _, _ := strings.Cut(op, ":"); return p }
