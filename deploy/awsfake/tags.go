package awsfake

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
)

type tag struct{ Key, Value string }

func ecsTags(ts []ecstypes.Tag) []tag {
	var out []tag
	for _, t := range ts {
		out = append(out, tag{aws.ToString(t.Key), aws.ToString(t.Value)})
	}
	return out
}

func elbTags(ts []elbtypes.Tag) []tag {
	var out []tag
	for _, t := range ts {
		out = append(out, tag{aws.ToString(t.Key), aws.ToString(t.Value)})
	}
	return out
}

func sdTags(ts []sdtypes.Tag) []tag {
	var out []tag
	for _, t := range ts {
		out = append(out, tag{aws.ToString(t.Key), aws.ToString(t.Value)})
	}
	return out
}

func mapTags(m map[string]string) []tag {
	var out []tag
	for k, v := range m {
		out = append(out, tag{k, v})
	}
	return out
}

// tag records the tags of a resource the caller created. Call with f.mu held.
func (f *AWS) tag(arn string, ts []tag) { f.tags[arn] = append(f.tags[arn], ts...) }

// Tags is a resource's tags by key.
func (f *AWS) Tags(arn string) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := map[string]string{}
	for _, t := range f.tags[arn] {
		m[t.Key] = t.Value
	}
	return m
}

// Untagged lists what the caller created (task definitions, services,
// tasks, target groups, rules, Cloud Map services, scalable targets)
// without the tag key=value, the way a cost filter on it would miss it.
func (f *AWS) Untagged(key, value string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var arns []string
	for _, tds := range f.taskDefs {
		for _, td := range tds {
			arns = append(arns, *td.TaskDefinitionArn)
		}
	}
	for _, s := range f.services {
		arns = append(arns, *s.svc.ServiceArn)
	}
	for arn := range f.tasks {
		arns = append(arns, arn)
	}
	for _, tg := range f.targetGroups {
		if !slices.Contains([]string{"pp-staging-frontend", "pp-production-frontend"}, *tg.TargetGroupName) {
			arns = append(arns, *tg.TargetGroupArn)
		}
	}
	for _, r := range f.rules[f.stackRules:] {
		arns = append(arns, *r.RuleArn)
	}
	for _, s := range f.sdServices {
		if aws.ToString(s.NamespaceId) == f.outputs["NamespaceId"] {
			arns = append(arns, *s.Arn)
		}
	}
	for _, t := range f.targets {
		arns = append(arns, *t.ScalableTargetARN)
	}
	var missing []string
	for _, arn := range arns {
		if !slices.Contains(f.tags[arn], tag{key, value}) {
			missing = append(missing, arn)
		}
	}
	slices.Sort(missing)
	return missing
}

// page is the [start, end) slice of n items after token, at most size, and
// the token of the next page (nil after the last).
func page(token string, n, size int) (start, end int, next *string) {
	if size <= 0 {
		size = 100
	}
	start, _ = strconv.Atoi(token)
	start = min(max(start, 0), n)
	end = min(start+size, n)
	if end < n {
		next = aws.String(fmt.Sprint(end))
	}
	return start, end, next
}

// pageSize is the page a caller asking for max items gets: PageSize at most.
func (f *AWS) pageSize(max *int32) int {
	if n := int(aws.ToInt32(max)); n > 0 && n < f.PageSize {
		return n
	}
	return f.PageSize
}
