package awsfake

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	sdtypes "github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"
	"github.com/aws/smithy-go"
)

func fake(t *testing.T, actions ...string) (*AWS, *ecs.Client) {
	t.Helper()
	f := New("staging")
	t.Cleanup(f.Close)
	f.Grant(actions)
	return f, ecs.NewFromConfig(f.Config())
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func taskDef(mut func(*ecs.RegisterTaskDefinitionInput)) *ecs.RegisterTaskDefinitionInput {
	in := &ecs.RegisterTaskDefinitionInput{Family: aws.String("peerprep-staging-x"), NetworkMode: types.NetworkModeAwsvpc,
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ExecutionRoleArn: aws.String("arn:aws:iam::123456789012:role/exec"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("x"), Image: aws.String("img:1"),
			LogConfiguration: &types.LogConfiguration{LogDriver: types.LogDriverAwslogs}}}}
	mut(in)
	return in
}

// The fake refuses what ECS refuses for the fields the pipeline sends.
func TestRequestsAreValidatedAsECSDoes(t *testing.T) {
	_, c := fake(t, "ecs:RegisterTaskDefinition", "iam:PassRole", "ecs:CreateService", "ecs:RunTask")
	ctx := context.Background()
	for name, tc := range map[string]struct {
		mut  func(*ecs.RegisterTaskDefinitionInput)
		want string
	}{
		"not a Fargate size":             {func(in *ecs.RegisterTaskDefinitionInput) { in.Memory = aws.String("4096") }, "No Fargate configuration"},
		"awslogs without execution role": {func(in *ecs.RegisterTaskDefinitionInput) { in.ExecutionRoleArn = nil }, "execution role ARN to support log driver awslogs"},
		"secrets without execution role": {func(in *ecs.RegisterTaskDefinitionInput) {
			in.ExecutionRoleArn, in.ContainerDefinitions[0].LogConfiguration = nil, nil
			in.ContainerDefinitions[0].Secrets = []types.Secret{{Name: aws.String("A"), ValueFrom: aws.String("arn:s")}}
		}, "execution role ARN to support ECR images and secrets"},
		"no image":               {func(in *ecs.RegisterTaskDefinitionInput) { in.ContainerDefinitions[0].Image = nil }, "should not be null or empty"},
		"Fargate without awsvpc": {func(in *ecs.RegisterTaskDefinitionInput) { in.NetworkMode = types.NetworkModeBridge }, "awsvpc"},
	} {
		_, err := c.RegisterTaskDefinition(ctx, taskDef(tc.mut))
		if code(err) != "ClientException" || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	td, err := c.RegisterTaskDefinition(ctx, taskDef(func(*ecs.RegisterTaskDefinitionInput) {}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateService(ctx, &ecs.CreateServiceInput{ServiceName: aws.String("x"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn,
		LaunchType: types.LaunchTypeFargate, CapacityProviderStrategy: []types.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE")}},
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"s"}}}})
	if code(err) != "InvalidParameterException" {
		t.Errorf("launch type and strategy together: %v", err)
	}
	_, err = c.RunTask(ctx, &ecs.RunTaskInput{TaskDefinition: td.TaskDefinition.TaskDefinitionArn})
	if code(err) != "InvalidParameterException" || !strings.Contains(err.Error(), "Network Configuration") {
		t.Errorf("awsvpc task without a network: %v", err)
	}
}

func TestTheRoleIsEnforced(t *testing.T) {
	_, c := fake(t, "ecs:RegisterTaskDefinition", "iam:PassRole")
	in := taskDef(func(in *ecs.RegisterTaskDefinitionInput) {
		in.Tags = []types.Tag{{Key: aws.String("Environment"), Value: aws.String("staging")}}
	})
	_, err := c.RegisterTaskDefinition(context.Background(), in)
	if code(err) != "AccessDeniedException" || !strings.Contains(err.Error(), "ecs:TagResource") {
		t.Errorf("tagged registration without ecs:TagResource: %v", err)
	}
}

func TestThrottlingIsRetriedByTheSDK(t *testing.T) {
	f, c := fake(t, "ecs:ListTaskDefinitions")
	f.SetFaults(Faults{Throttle: 0.5})
	for range 20 {
		if _, err := c.ListTaskDefinitions(context.Background(), &ecs.ListTaskDefinitionsInput{}); err != nil && code(err) != "ThrottlingException" {
			t.Fatal(err)
		}
	}
	if throttled, _ := f.FaultCounts(); throttled == 0 {
		t.Error("nothing was throttled at 50 %")
	}
}

// Cloud Map filters after paging: a filtered first page can be empty.
func TestCloudMapFiltersAfterPaging(t *testing.T) {
	f, _ := fake(t, "servicediscovery:ListServices", "servicediscovery:CreateService")
	c := sd.NewFromConfig(f.Config())
	ctx := context.Background()
	if _, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("user-service"), NamespaceId: aws.String("ns-staging")}); err != nil {
		t.Fatal(err)
	}
	first, err := c.ListServices(ctx, &sd.ListServicesInput{Filters: []sdtypes.ServiceFilter{{Name: sdtypes.ServiceFilterNameNamespaceId, Values: []string{"ns-staging"}}}})
	if err != nil || len(first.Services) != 0 || first.NextToken == nil {
		t.Fatalf("first page: %v %+v", err, first)
	}
	var names []string
	p := sd.NewListServicesPaginator(c, &sd.ListServicesInput{Filters: []sdtypes.ServiceFilter{{Name: sdtypes.ServiceFilterNameNamespaceId, Values: []string{"ns-staging"}}}})
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range pg.Services {
			names = append(names, aws.ToString(s.Name))
		}
	}
	if len(names) != 1 || names[0] != "user-service" {
		t.Errorf("paged: %v", names)
	}
}
