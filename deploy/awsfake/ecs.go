package awsfake

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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

func (f *AWS) registerTaskDefinition(in *ecs.RegisterTaskDefinitionInput) (*ecs.RegisterTaskDefinitionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
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
	return &ecs.RegisterTaskDefinitionOutput{TaskDefinition: td}, nil
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
	return &ecs.ListTaskDefinitionsOutput{TaskDefinitionArns: arns}, nil
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

func (f *AWS) createService(in *ecs.CreateServiceInput) (*ecs.CreateServiceOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := aws.ToString(in.ServiceName)
	if _, ok := f.services[name]; ok {
		return nil, errf("InvalidParameterException", "Creation of service was not idempotent.")
	}
	if f.lookupTD(aws.ToString(in.TaskDefinition)) == nil {
		return nil, errf("ClientException", "TaskDefinition not found.")
	}
	s := &service{svc: types.Service{
		ServiceName: in.ServiceName, ServiceArn: aws.String(f.arn("ecs", "service/"+aws.ToString(in.Cluster)+"/"+name)),
		ClusterArn: aws.String(f.arn("ecs", "cluster/"+aws.ToString(in.Cluster))), Status: aws.String("ACTIVE"),
		DeploymentConfiguration: in.DeploymentConfiguration, LoadBalancers: in.LoadBalancers, ServiceRegistries: in.ServiceRegistries,
		HealthCheckGracePeriodSeconds: in.HealthCheckGracePeriodSeconds, LaunchType: in.LaunchType, NetworkConfiguration: in.NetworkConfiguration,
		DesiredCount: aws.ToInt32(in.DesiredCount), CreatedAt: aws.Time(f.Clock.Now()),
	}}
	f.services[name] = s
	f.startDeployment(s, f.lookupTD(aws.ToString(in.TaskDefinition)).TaskDefinitionArn)
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
					t := f.newTask(image, *d.d.TaskDefinition, aws.ToString(s.svc.ServiceName))
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
	if in.TaskDefinition != nil {
		td := f.lookupTD(*in.TaskDefinition)
		if td == nil {
			return nil, errf("ClientException", "TaskDefinition not found.")
		}
		if *td.TaskDefinitionArn != s.taskDef || in.ForceNewDeployment {
			f.startDeployment(s, td.TaskDefinitionArn)
		}
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
	t := f.newTask(aws.ToString(td.ContainerDefinitions[0].Image), *td.TaskDefinitionArn, "family:"+*td.Family)
	t.oneOff = true
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
	out := &ecs.ListTasksOutput{}
	for arn, t := range f.tasks {
		if aws.ToString(t.t.Group) == aws.ToString(in.ServiceName) && (in.DesiredStatus == "" || string(in.DesiredStatus) == aws.ToString(t.t.DesiredStatus)) {
			out.TaskArns = append(out.TaskArns, arn)
		}
	}
	slices.Sort(out.TaskArns)
	return out, nil
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
