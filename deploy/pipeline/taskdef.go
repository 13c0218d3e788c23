package pipeline

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/peerprep/peerprep/deploy/config"
)

// Family is the task definition family of a service: peerprep-<env>-<name>.
func Family(env *config.Environment, svc string) string { return "peerprep-" + env.Name + "-" + svc }

// ImageURI is where a service's image for sha lives in ECR.
func ImageURI(env *config.Environment, svc, sha string) string {
	return fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s:%s", env.AccountID, env.Region, Repository(svc), sha)
}

// Repository is a service's ECR repository.
func Repository(svc string) string { return svc }

// spec is what the pipeline decides about a task definition; two task
// definitions with equal specs are the same deployment.
type spec struct {
	Image          string
	Environment    map[string]string
	Secrets        map[string]string
	CPU, Memory    string
	ExecRole, Role string
	LogGroup       string
	HealthCheck    []string
	User           string
	ReadOnly       bool
	StopTimeout    int32
	Port           int32
}

func specOf(cpu, mem, exec, role *string, cd types.ContainerDefinition) spec {
	s := spec{Image: aws.ToString(cd.Image), Environment: map[string]string{}, Secrets: map[string]string{},
		CPU: aws.ToString(cpu), Memory: aws.ToString(mem), ExecRole: aws.ToString(exec), Role: aws.ToString(role),
		User: aws.ToString(cd.User), ReadOnly: aws.ToBool(cd.ReadonlyRootFilesystem), StopTimeout: aws.ToInt32(cd.StopTimeout)}
	for _, kv := range cd.Environment {
		s.Environment[aws.ToString(kv.Name)] = aws.ToString(kv.Value)
	}
	for _, sec := range cd.Secrets {
		s.Secrets[aws.ToString(sec.Name)] = aws.ToString(sec.ValueFrom)
	}
	if cd.LogConfiguration != nil {
		s.LogGroup = cd.LogConfiguration.Options["awslogs-group"]
	}
	if cd.HealthCheck != nil {
		s.HealthCheck = cd.HealthCheck.Command
	}
	if len(cd.PortMappings) > 0 {
		s.Port = aws.ToInt32(cd.PortMappings[0].ContainerPort)
	}
	return s
}

func specOfTD(td *types.TaskDefinition) (spec, bool) {
	if td == nil || len(td.ContainerDefinitions) == 0 {
		return spec{}, false
	}
	return specOf(td.Cpu, td.Memory, td.ExecutionRoleArn, td.TaskRoleArn, td.ContainerDefinitions[0]), true
}

func specOfInput(in *ecs.RegisterTaskDefinitionInput) spec {
	return specOf(in.Cpu, in.Memory, in.ExecutionRoleArn, in.TaskRoleArn, in.ContainerDefinitions[0])
}

func (a spec) equal(b spec) bool { return reflect.DeepEqual(a, b) }

// secretRef turns a Secrets Manager name into the (partial) ARN ECS accepts.
func secretRef(env *config.Environment, v string) string {
	if strings.HasPrefix(v, "arn:") {
		return v
	}
	return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s", env.Region, env.AccountID, v)
}

// stopTimeout gives WebSocket services time to close their connections.
func stopTimeout(s config.Service) int32 {
	if s.WebSocket {
		return 120
	}
	return 30
}

// renderTaskDefinition is the task definition of svc running image.
func renderTaskDefinition(env *config.Environment, out Outputs, svc config.Service, image string) *ecs.RegisterTaskDefinitionInput {
	vars := maps.Clone(svc.Environment)
	secrets := map[string]string{}
	for k, v := range svc.Secrets {
		secrets[k] = secretRef(env, v)
	}
	if svc.Database {
		vars["PGHOST"] = out["DatabaseEndpoint"]
		vars["PGPORT"] = out["DatabasePort"]
		secrets["PGUSER"] = out["DatabaseSecretArn"] + ":username::"
		secrets["PGPASSWORD"] = out["DatabaseSecretArn"] + ":password::"
	}
	cd := types.ContainerDefinition{
		Name: aws.String(svc.Name), Image: aws.String(image), Essential: aws.Bool(true),
		PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(int32(env.ContainerPort)), Protocol: types.TransportProtocolTcp, Name: aws.String("http")}},
		LogConfiguration: &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{
			"awslogs-group": svc.LogGroup, "awslogs-region": env.Region, "awslogs-stream-prefix": "ecs"}},
		HealthCheck: &types.HealthCheck{Command: []string{"CMD", "/" + svc.Name, "healthcheck"},
			Interval: aws.Int32(10), Timeout: aws.Int32(5), Retries: aws.Int32(3), StartPeriod: aws.Int32(int32(env.HealthCheck.GracePeriodSeconds))},
		User: aws.String("65532"), ReadonlyRootFilesystem: aws.Bool(true), StopTimeout: aws.Int32(stopTimeout(svc)),
	}
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		cd.Environment = append(cd.Environment, types.KeyValuePair{Name: aws.String(k), Value: aws.String(vars[k])})
	}
	for _, k := range slices.Sorted(maps.Keys(secrets)) {
		cd.Secrets = append(cd.Secrets, types.Secret{Name: aws.String(k), ValueFrom: aws.String(secrets[k])})
	}
	return &ecs.RegisterTaskDefinitionInput{
		Family: aws.String(Family(env, svc.Name)), NetworkMode: types.NetworkModeAwsvpc,
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		Cpu:                     aws.String(fmt.Sprint(svc.CPU)), Memory: aws.String(fmt.Sprint(svc.Memory)),
		ExecutionRoleArn: aws.String(out["TaskExecutionRoleArn"]), TaskRoleArn: aws.String(out["TaskRoleArn"]),
		ContainerDefinitions: []types.ContainerDefinition{cd},
		Tags:                 ecsTags(Tags(env, svc.Name)),
	}
}

// diffSpec lists what changes from a to b, one line per aspect.
func diffSpec(a, b spec) []string {
	var d []string
	if a.Image != b.Image {
		d = append(d, fmt.Sprintf("image: %s → %s", tagOf(a.Image), tagOf(b.Image)))
	}
	d = append(d, diffMap("env", a.Environment, b.Environment)...)
	d = append(d, diffMap("secret", a.Secrets, b.Secrets)...)
	if a.CPU != b.CPU || a.Memory != b.Memory {
		d = append(d, fmt.Sprintf("cpu/memory: %s/%s → %s/%s", a.CPU, a.Memory, b.CPU, b.Memory))
	}
	a.Image, b.Image, a.Environment, b.Environment, a.Secrets, b.Secrets = "", "", nil, nil, nil, nil
	a.CPU, b.CPU, a.Memory, b.Memory = "", "", "", ""
	if !a.equal(b) {
		d = append(d, "container settings (roles, logs, health check, user, stop timeout)")
	}
	return d
}

func diffMap(what string, a, b map[string]string) []string {
	var d []string
	for _, k := range slices.Sorted(maps.Keys(b)) {
		if v, ok := a[k]; !ok {
			d = append(d, fmt.Sprintf("%s %s: added (%s)", what, k, b[k]))
		} else if v != b[k] {
			d = append(d, fmt.Sprintf("%s %s: %s → %s", what, k, v, b[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a)) {
		if _, ok := b[k]; !ok {
			d = append(d, fmt.Sprintf("%s %s: removed", what, k))
		}
	}
	return d
}

func tagOf(image string) string {
	if image == "" {
		return "(none)"
	}
	return image[strings.LastIndex(image, ":")+1:]
}
