package awsfake

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

type service struct {
	svc         types.Service
	taskDef     string
	deployments []*deployment // newest first
	events      []types.ServiceEvent
}

type deployment struct {
	d       types.Deployment
	created time.Time
	stopped int32 // failed tasks so far
}

type task struct {
	t       types.Task
	created time.Time
	oneOff  bool
	image   string
}

// fargateMemory is the memory (MiB) Fargate accepts for each CPU size.
func fargateMemory(cpu int) []int {
	step := func(from, to, by int) []int {
		var out []int
		for m := from; m <= to; m += by {
			out = append(out, m)
		}
		return out
	}
	switch cpu {
	case 256:
		return []int{512, 1024, 2048}
	case 512:
		return step(1024, 4096, 1024)
	case 1024:
		return step(2048, 8192, 1024)
	case 2048:
		return step(4096, 16384, 1024)
	case 4096:
		return step(8192, 30720, 1024)
	case 8192:
		return step(16384, 61440, 4096)
	case 16384:
		return step(32768, 122880, 8192)
	}
	return nil
}

// validateTaskDefinition refuses what ECS refuses for the fields the
// pipeline sends.
func validateTaskDefinition(in *ecs.RegisterTaskDefinitionInput) error {
	if aws.ToString(in.Family) == "" || len(in.ContainerDefinitions) == 0 {
		return errf("ClientException", "Family and container definitions are required.")
	}
	fargate := slices.Contains(in.RequiresCompatibilities, types.CompatibilityFargate)
	if fargate {
		if in.NetworkMode != types.NetworkModeAwsvpc {
			return errf("ClientException", "Fargate only supports network mode 'awsvpc'.")
		}
		var cpu, mem int
		_, _ = fmt.Sscan(aws.ToString(in.Cpu), &cpu)
		_, _ = fmt.Sscan(aws.ToString(in.Memory), &mem)
		if !slices.Contains(fargateMemory(cpu), mem) {
			return errf("ClientException", "No Fargate configuration exists for given values: %s CPU, %s memory.", aws.ToString(in.Cpu), aws.ToString(in.Memory))
		}
	}
	for _, cd := range in.ContainerDefinitions {
		if aws.ToString(cd.Name) == "" || aws.ToString(cd.Image) == "" {
			return errf("ClientException", "Container.name and Container.image should not be null or empty.")
		}
		if fargate && in.ExecutionRoleArn == nil {
			if cd.LogConfiguration != nil && cd.LogConfiguration.LogDriver == types.LogDriverAwslogs {
				return errf("ClientException", "Fargate requires task definition to have execution role ARN to support log driver awslogs.")
			}
			if len(cd.Secrets) > 0 {
				return errf("ClientException", "Fargate requires task definition to have execution role ARN to support ECR images and secrets.")
			}
		}
		for _, pm := range cd.PortMappings {
			if in.NetworkMode == types.NetworkModeAwsvpc && pm.HostPort != nil && aws.ToInt32(pm.HostPort) != aws.ToInt32(pm.ContainerPort) {
				return errf("ClientException", "When networkMode=awsvpc, the host ports and container ports in port mappings must match.")
			}
		}
	}
	return nil
}

func (f *AWS) registerTaskDefinition(in *ecs.RegisterTaskDefinitionInput) (*ecs.RegisterTaskDefinitionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := validateTaskDefinition(in); err != nil {
		return nil, err
	}
	fam := aws.ToString(in.Family)
	rev := int32(len(f.taskDefs[fam]) + 1)
	td := &types.TaskDefinition{
		Family: in.Family, Revision: rev, Status: types.TaskDefinitionStatusActive,
		TaskDefinitionArn:    aws.String(f.arn("ecs", fmt.Sprintf("task-definition/%s:%d", fam, rev))),
		ContainerDefinitions: in.ContainerDefinitions, Cpu: in.Cpu, Memory: in.Memory, NetworkMode: in.NetworkMode,
		ExecutionRoleArn: in.ExecutionRoleArn, TaskRoleArn: in.TaskRoleArn, RequiresCompatibilities: in.RequiresCompatibilities,
		RuntimePlatform: in.RuntimePlatform, RegisteredAt: aws.Time(f.Clock.Now()),
	}
	f.taskDefs[fam] = append(f.taskDefs[fam], td)
	f.tag(*td.TaskDefinitionArn, ecsTags(in.Tags))
	return &ecs.RegisterTaskDefinitionOutput{TaskDefinition: td, Tags: in.Tags}, nil
}

// lookupTD resolves "family", "family:rev" or an ARN.
func (f *AWS) lookupTD(ref string) *types.TaskDefinition {
	ref = lastSegment(ref)
	fam, rev, hasRev := strings.Cut(ref, ":")
	tds := f.taskDefs[fam]
	if len(tds) == 0 {
		return nil
	}
	if !hasRev {
		return tds[len(tds)-1]
	}
	for _, td := range tds {
		if fmt.Sprint(td.Revision) == rev {
			return td
		}
	}
	return nil
}

func (f *AWS) describeTaskDefinition(in *ecs.DescribeTaskDefinitionInput) (*ecs.DescribeTaskDefinitionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	td := f.lookupTD(aws.ToString(in.TaskDefinition))
	if td == nil {
		return nil, errf("ClientException", "Unable to describe task definition.")
	}
	return &ecs.DescribeTaskDefinitionOutput{TaskDefinition: td}, nil
}

func (f *AWS) listTaskDefinitions(in *ecs.ListTaskDefinitionsInput) (*ecs.ListTaskDefinitionsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var arns []string
	for _, td := range f.taskDefs[aws.ToString(in.FamilyPrefix)] {
		arns = append(arns, *td.TaskDefinitionArn)
	}
	if in.Sort == types.SortOrderDesc {
		slices.Reverse(arns)
	}
	start, end, next := page(aws.ToString(in.NextToken), len(arns), f.pageSize(in.MaxResults))
	return &ecs.ListTaskDefinitionsOutput{TaskDefinitionArns: arns[start:end], NextToken: next}, nil
}

func (f *AWS) imageOf(tdArn string) string {
	td := f.lookupTD(tdArn)
	if td == nil || len(td.ContainerDefinitions) == 0 {
		return ""
	}
	return aws.ToString(td.ContainerDefinitions[0].Image)
}

// imageProblem says why tasks from image cannot become healthy ("" if they can).
func (f *AWS) imageProblem(image string) string {
	repo, tag, _ := strings.Cut(image[strings.Index(image, "/")+1:], ":")
	if !f.images[repo+":"+tag] {
		return fmt.Sprintf("CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref %s: not found", image)
	}
	if out, ok := f.UnhealthyImages[image]; ok {
		return "Task failed container health checks: " + out
	}
	return ""
}

// launch checks a request's launch type and capacity-provider strategy
// and returns the strategy that applies: none when a launch type is
// given, the cluster's default when neither is.
func (f *AWS) launch(lt types.LaunchType, strategy []types.CapacityProviderStrategyItem) ([]types.CapacityProviderStrategyItem, error) {
	switch {
	case lt != "" && len(strategy) > 0:
		return nil, errf("InvalidParameterException", "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.")
	case lt != "":
		return nil, nil
	case len(strategy) > 0:
		return strategy, nil
	}
	return slices.Clone(f.strategy), nil
}

func (f *AWS) createService(in *ecs.CreateServiceInput) (*ecs.CreateServiceOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := aws.ToString(in.ServiceName)
	if name == "" {
		return nil, errf("InvalidParameterException", "serviceName can not be blank.")
	}
	if _, ok := f.services[name]; ok {
		return nil, errf("InvalidParameterException", "Creation of service was not idempotent.")
	}
	td := f.lookupTD(aws.ToString(in.TaskDefinition))
	if td == nil {
		return nil, errf("ClientException", "TaskDefinition not found.")
	}
	strategy, err := f.launch(in.LaunchType, in.CapacityProviderStrategy)
	if err != nil {
		return nil, err
	}
	if td.NetworkMode == types.NetworkModeAwsvpc && (in.NetworkConfiguration == nil || in.NetworkConfiguration.AwsvpcConfiguration == nil) {
		return nil, errf("InvalidParameterException", "Network Configuration must be provided when networkMode 'awsvpc' is specified.")
	}
	for _, lb := range in.LoadBalancers {
		if !slices.ContainsFunc(td.ContainerDefinitions, func(cd types.ContainerDefinition) bool {
			return aws.ToString(cd.Name) == aws.ToString(lb.ContainerName) && slices.ContainsFunc(cd.PortMappings, func(pm types.PortMapping) bool {
				return aws.ToInt32(pm.ContainerPort) == aws.ToInt32(lb.ContainerPort)
			})
		}) {
			return nil, errf("InvalidParameterException", "The container %s did not have a container port %d defined.", aws.ToString(lb.ContainerName), aws.ToInt32(lb.ContainerPort))
		}
	}
	s := &service{svc: types.Service{
		ServiceName: in.ServiceName, ServiceArn: aws.String(f.arn("ecs", "service/"+aws.ToString(in.Cluster)+"/"+name)),
		ClusterArn: aws.String(f.arn("ecs", "cluster/"+aws.ToString(in.Cluster))), Status: aws.String("ACTIVE"),
		DeploymentConfiguration: in.DeploymentConfiguration, LoadBalancers: in.LoadBalancers, ServiceRegistries: in.ServiceRegistries,
		HealthCheckGracePeriodSeconds: in.HealthCheckGracePeriodSeconds, LaunchType: in.LaunchType, CapacityProviderStrategy: strategy,
		NetworkConfiguration: in.NetworkConfiguration, PropagateTags: in.PropagateTags, EnableECSManagedTags: in.EnableECSManagedTags,
		DesiredCount: aws.ToInt32(in.DesiredCount), CreatedAt: aws.Time(f.Clock.Now()), Tags: in.Tags,
	}}
	f.services[name] = s
	f.unseen[name] = 0
	f.tag(*s.svc.ServiceArn, ecsTags(in.Tags))
	f.startDeployment(s, td.TaskDefinitionArn)
	return &ecs.CreateServiceOutput{Service: f.view(s)}, nil
}

func (f *AWS) startDeployment(s *service, tdArn *string) *deployment {
	now := f.Clock.Now()
	d := &deployment{created: now, d: types.Deployment{
		Id: aws.String("ecs-svc/" + f.id()), Status: aws.String("PRIMARY"), TaskDefinition: tdArn,
		DesiredCount: s.svc.DesiredCount, RolloutState: types.DeploymentRolloutStateInProgress,
		RolloutStateReason: aws.String("ECS deployment " + "in progress."), CreatedAt: aws.Time(now), UpdatedAt: aws.Time(now),
	}}
	for _, old := range s.deployments {
		old.d.Status = aws.String("ACTIVE")
	}
	s.deployments = append([]*deployment{d}, s.deployments...)
	s.taskDef = *tdArn
	return d
}

func (f *AWS) event(s *service, format string, args ...any) {
	msg := fmt.Sprintf("(service %s) ", *s.svc.ServiceName) + fmt.Sprintf(format, args...)
	s.events = append([]types.ServiceEvent{{Id: aws.String(f.id()), CreatedAt: aws.Time(f.Clock.Now()), Message: aws.String(msg)}}, s.events...)
}

// advance moves every service's deployments to where they are at the clock's time.
func (f *AWS) advance() {
	now := f.Clock.Now()
	for _, s := range f.services {
		for _, d := range slices.Clone(s.deployments) {
			if d.d.RolloutState != types.DeploymentRolloutStateInProgress || *d.d.Status != "PRIMARY" {
				continue
			}
			elapsed := now.Sub(d.created)
			image := f.imageOf(*d.d.TaskDefinition)
			if problem := f.imageProblem(image); problem != "" {
				for n := int32(elapsed / TaskFailEvery); d.stopped < n && d.stopped < CircuitBreaker; {
					d.stopped++
					t := f.newTask(image, *d.d.TaskDefinition, "service:"+aws.ToString(s.svc.ServiceName))
					f.tag(*t.t.TaskArn, f.propagate(s, *d.d.TaskDefinition, nil, s.svc.PropagateTags))
					t.t.LastStatus, t.t.DesiredStatus, t.t.StoppedReason = aws.String("STOPPED"), aws.String("STOPPED"), aws.String(problem)
					t.t.StoppedAt = aws.Time(now)
					t.t.Containers[0].HealthStatus = types.HealthStatusUnhealthy
					f.event(s, "has started 1 tasks: (task %s).", lastSegment(*t.t.TaskArn))
					f.event(s, "has stopped 1 running tasks: (task %s).", lastSegment(*t.t.TaskArn))
				}
				d.d.FailedTasks = d.stopped
				if d.stopped >= CircuitBreaker {
					f.fail(s, d)
				}
				continue
			}
			if elapsed >= TaskStart {
				d.d.RunningCount = d.d.DesiredCount
			}
			if elapsed >= DeploymentSettle {
				d.d.RolloutState = types.DeploymentRolloutStateCompleted
				d.d.RolloutStateReason = aws.String("ECS deployment " + *d.d.Id + " completed.")
				d.d.UpdatedAt = aws.Time(now)
				s.deployments = []*deployment{d} // old tasks drained: their deployments are gone
				f.event(s, "deployment %s deployment completed.", *d.d.Id)
				f.event(s, "has reached a steady state.")
			}
		}
	}
}

func (f *AWS) fail(s *service, d *deployment) {
	d.d.RolloutState = types.DeploymentRolloutStateFailed
	d.d.RolloutStateReason = aws.String("ECS deployment circuit breaker: tasks failed to start.")
	d.d.Status = aws.String("ACTIVE")
	f.event(s, "(deployment %s) deployment failed: tasks failed to start.", *d.d.Id)
	cb := s.svc.DeploymentConfiguration
	if cb == nil || cb.DeploymentCircuitBreaker == nil || !cb.DeploymentCircuitBreaker.Rollback {
		return
	}
	var prev *deployment
	for _, o := range s.deployments {
		if o != d && o.d.RolloutState == types.DeploymentRolloutStateCompleted {
			prev = o
		}
	}
	if prev == nil {
		return
	}
	f.event(s, "(deployment %s) rolling back to deployment %s.", *d.d.Id, *prev.d.Id)
	// The failed deployment is replaced by a rollback deployment of the old task definition.
	s.deployments = slices.DeleteFunc(s.deployments, func(x *deployment) bool { return x == prev || (x == d && f.DropFailed) })
	s.deployments = append(s.deployments, prev)
	nd := f.startDeployment(s, prev.d.TaskDefinition)
	nd.d.RunningCount = prev.d.RunningCount
}

func (f *AWS) view(s *service) *types.Service {
	v := s.svc
	v.TaskDefinition = aws.String(s.taskDef)
	v.Deployments = nil
	v.RunningCount, v.PendingCount = 0, 0
	for _, d := range s.deployments {
		v.Deployments = append(v.Deployments, d.d)
		v.RunningCount += d.d.RunningCount
	}
	if len(s.deployments) > 0 && s.deployments[0].d.RolloutState == types.DeploymentRolloutStateInProgress {
		v.PendingCount = v.DesiredCount - s.deployments[0].d.RunningCount
	}
	v.Events = s.events
	return &v
}

func (f *AWS) updateService(in *ecs.UpdateServiceInput) (*ecs.UpdateServiceOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance()
	s, ok := f.services[aws.ToString(in.Service)]
	if !ok {
		return nil, errf("ServiceNotFoundException", "Service not found.")
	}
	if in.DesiredCount != nil {
		s.svc.DesiredCount = *in.DesiredCount
	}
	if in.HealthCheckGracePeriodSeconds != nil {
		s.svc.HealthCheckGracePeriodSeconds = in.HealthCheckGracePeriodSeconds
	}
	if in.DeploymentConfiguration != nil {
		s.svc.DeploymentConfiguration = in.DeploymentConfiguration
	}
	// Load balancers, registries and the network change with a new deployment.
	redeploy := in.ForceNewDeployment
	if in.LoadBalancers != nil {
		s.svc.LoadBalancers, redeploy = in.LoadBalancers, true
	}
	if in.ServiceRegistries != nil {
		s.svc.ServiceRegistries, redeploy = in.ServiceRegistries, true
	}
	if in.NetworkConfiguration != nil {
		s.svc.NetworkConfiguration, redeploy = in.NetworkConfiguration, true
	}
	if in.PropagateTags != "" {
		s.svc.PropagateTags = in.PropagateTags
	}
	target := s.taskDef
	if in.TaskDefinition != nil {
		td := f.lookupTD(*in.TaskDefinition)
		if td == nil {
			return nil, errf("ClientException", "TaskDefinition not found.")
		}
		target = *td.TaskDefinitionArn
	}
	if target != s.taskDef || redeploy {
		f.startDeployment(s, aws.String(target))
	}
	if f.faults.LoseUpdates[aws.ToString(in.Service)] {
		return nil, errLost{}
	}
	return &ecs.UpdateServiceOutput{Service: f.view(s)}, nil
}

func (f *AWS) describeServices(in *ecs.DescribeServicesInput) (*ecs.DescribeServicesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance()
	out := &ecs.DescribeServicesOutput{}
	for _, name := range in.Services {
		s, ok := f.services[lastSegment(name)]
		if !ok {
			out.Failures = append(out.Failures, types.Failure{Arn: aws.String(name), Reason: aws.String("MISSING")})
			continue
		}
		out.Services = append(out.Services, *f.view(s))
	}
	return out, nil
}

// propagate is the tags a task of service s (nil: a one-off task) gets.
func (f *AWS) propagate(s *service, td string, own []types.Tag, mode types.PropagateTags) []tag {
	ts := ecsTags(own)
	switch mode {
	case types.PropagateTagsTaskDefinition:
		ts = append(ts, f.tags[td]...)
	case types.PropagateTagsService:
		if s != nil {
			ts = append(ts, f.tags[*s.svc.ServiceArn]...)
		}
	}
	return ts
}

func (f *AWS) newTask(image, tdArn, group string) *task {
	arn := f.arn("ecs", "task/cluster/"+f.id())
	t := &task{created: f.Clock.Now(), image: image, t: types.Task{
		TaskArn: aws.String(arn), TaskDefinitionArn: aws.String(tdArn), Group: aws.String(group),
		LastStatus: aws.String("PROVISIONING"), DesiredStatus: aws.String("RUNNING"), CreatedAt: aws.Time(f.Clock.Now()),
		Containers: []types.Container{{Name: aws.String("app"), Image: aws.String(image), LastStatus: aws.String("PENDING")}},
	}}
	f.tasks[arn] = t
	return t
}

func (f *AWS) runTask(in *ecs.RunTaskInput) (*ecs.RunTaskOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	td := f.lookupTD(aws.ToString(in.TaskDefinition))
	if td == nil {
		return nil, errf("ClientException", "TaskDefinition not found.")
	}
	strategy, err := f.launch(in.LaunchType, in.CapacityProviderStrategy)
	if err != nil {
		return nil, err
	}
	if td.NetworkMode == types.NetworkModeAwsvpc && (in.NetworkConfiguration == nil || in.NetworkConfiguration.AwsvpcConfiguration == nil) {
		return nil, errf("InvalidParameterException", "Network Configuration must be provided when networkMode 'awsvpc' is specified.")
	}
	t := f.newTask(aws.ToString(td.ContainerDefinitions[0].Image), *td.TaskDefinitionArn, "family:"+*td.Family)
	t.oneOff = true
	t.t.LaunchType, t.t.CapacityProviderName = in.LaunchType, nil
	if len(strategy) > 0 {
		t.t.CapacityProviderName = strategy[len(strategy)-1].CapacityProvider
	}
	f.tag(*t.t.TaskArn, f.propagate(nil, *td.TaskDefinitionArn, in.Tags, in.PropagateTags))
	t.t.Containers[0].Name = td.ContainerDefinitions[0].Name
	return &ecs.RunTaskOutput{Tasks: []types.Task{t.t}}, nil
}

func (f *AWS) describeTasks(in *ecs.DescribeTasksInput) (*ecs.DescribeTasksOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.Clock.Now()
	out := &ecs.DescribeTasksOutput{}
	for _, arn := range in.Tasks {
		t, ok := f.tasks[arn]
		if !ok {
			out.Failures = append(out.Failures, types.Failure{Arn: aws.String(arn), Reason: aws.String("MISSING")})
			continue
		}
		if t.oneOff && *t.t.LastStatus != "STOPPED" {
			switch el := now.Sub(t.created); {
			case f.imageProblem(t.image) != "" && !strings.HasPrefix(f.imageProblem(t.image), "Task failed"):
				t.t.LastStatus, t.t.StoppedReason = aws.String("STOPPED"), aws.String(f.imageProblem(t.image))
			case el >= OneOffRun:
				code := f.MigrationExit[t.image]
				t.t.LastStatus, t.t.StoppedReason = aws.String("STOPPED"), aws.String("Essential container in task exited")
				t.t.Containers[0].ExitCode, t.t.Containers[0].LastStatus = aws.Int32(code), aws.String("STOPPED")
				t.t.StoppedAt = aws.Time(now)
			case el >= 5*time.Second:
				t.t.LastStatus, t.t.Containers[0].LastStatus = aws.String("RUNNING"), aws.String("RUNNING")
			}
		}
		out.Tasks = append(out.Tasks, t.t)
	}
	return out, nil
}

func (f *AWS) listTasks(in *ecs.ListTasksInput) (*ecs.ListTasksOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var arns []string
	for arn, t := range f.tasks {
		if aws.ToString(t.t.Group) == "service:"+aws.ToString(in.ServiceName) && (in.DesiredStatus == "" || string(in.DesiredStatus) == aws.ToString(t.t.DesiredStatus)) {
			arns = append(arns, arn)
		}
	}
	slices.Sort(arns)
	start, end, next := page(aws.ToString(in.NextToken), len(arns), f.pageSize(in.MaxResults))
	return &ecs.ListTasksOutput{TaskArns: arns[start:end], NextToken: next}, nil
}

func (f *AWS) describeImages(in *ecr.DescribeImagesInput) (*ecr.DescribeImagesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &ecr.DescribeImagesOutput{}
	for _, id := range in.ImageIds {
		if !f.images[aws.ToString(in.RepositoryName)+":"+aws.ToString(id.ImageTag)] {
			return nil, errf("ImageNotFoundException", "The image with imageId {imageTag:'%s'} does not exist within the repository with name '%s'", aws.ToString(id.ImageTag), aws.ToString(in.RepositoryName))
		}
		out.ImageDetails = append(out.ImageDetails, ecrtypes.ImageDetail{RepositoryName: in.RepositoryName, ImageTags: []string{aws.ToString(id.ImageTag)}})
	}
	return out, nil
}

func (f *AWS) getLogEvents(in *cloudwatchlogs.GetLogEventsInput) (*cloudwatchlogs.GetLogEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	stream := aws.ToString(in.LogStreamName)
	for arn, t := range f.tasks {
		if strings.HasSuffix(stream, "/"+lastSegment(arn)) && t.oneOff {
			var out cloudwatchlogs.GetLogEventsOutput
			lines := f.MigrationLogs[t.image]
			if limit := int(aws.ToInt32(in.Limit)); limit > 0 && len(lines) > limit {
				lines = lines[len(lines)-limit:]
			}
			for i, l := range lines {
				out.Events = append(out.Events, cwltypes.OutputLogEvent{Message: aws.String(l), Timestamp: aws.Int64(t.created.UnixMilli() + int64(i))})
			}
			return &out, nil
		}
	}
	return nil, errf("ResourceNotFoundException", "The specified log stream does not exist.")
}
