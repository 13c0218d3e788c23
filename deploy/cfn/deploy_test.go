package cfn

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// fakeCFN plays CloudFormation: the stack exists when exists is set, the
// change set holds changes (or none), and the execution ends in final.
type fakeCFN struct {
	exists    bool
	noChanges bool
	final     types.StackStatus
	events    []types.StackEvent

	created  *cloudformation.CreateChangeSetInput
	executed bool
	deleted  bool
	polls    int
}

func (f *fakeCFN) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	if !f.exists && !f.executed {
		return nil, errors.New("ValidationError: Stack with id " + *in.StackName + " does not exist")
	}
	status := types.StackStatusUpdateComplete
	if f.executed {
		f.polls++
		status = types.StackStatusUpdateInProgress
		if f.polls > 1 {
			status = f.final
		}
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []types.Stack{{StackName: in.StackName, StackStatus: status}}}, nil
}

func (f *fakeCFN) CreateChangeSet(_ context.Context, in *cloudformation.CreateChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error) {
	f.created = in
	return &cloudformation.CreateChangeSetOutput{Id: aws.String("cs-1")}, nil
}

func (f *fakeCFN) DescribeChangeSet(context.Context, *cloudformation.DescribeChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeChangeSetOutput, error) {
	if f.noChanges {
		return &cloudformation.DescribeChangeSetOutput{Status: types.ChangeSetStatusFailed,
			StatusReason: aws.String("The submitted information didn't contain changes. Submit different information to create a change set.")}, nil
	}
	return &cloudformation.DescribeChangeSetOutput{Status: types.ChangeSetStatusCreateComplete, Changes: []types.Change{
		{ResourceChange: &types.ResourceChange{Action: types.ChangeActionAdd, LogicalResourceId: aws.String("Redis"), ResourceType: aws.String("AWS::ElastiCache::ReplicationGroup")}},
		{ResourceChange: &types.ResourceChange{Action: types.ChangeActionModify, LogicalResourceId: aws.String("Database"), ResourceType: aws.String("AWS::RDS::DBInstance"), Replacement: types.ReplacementTrue}},
	}}, nil
}

func (f *fakeCFN) ExecuteChangeSet(context.Context, *cloudformation.ExecuteChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error) {
	f.executed = true
	return &cloudformation.ExecuteChangeSetOutput{}, nil
}

func (f *fakeCFN) DeleteChangeSet(context.Context, *cloudformation.DeleteChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error) {
	f.deleted = true
	return &cloudformation.DeleteChangeSetOutput{}, nil
}

func (f *fakeCFN) DescribeStackEvents(context.Context, *cloudformation.DescribeStackEventsInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	return &cloudformation.DescribeStackEventsOutput{StackEvents: f.events}, nil
}

var now = time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)

func deployer(api API, yes bool, answer string) (*Deployer, *bytes.Buffer) {
	var out bytes.Buffer
	return &Deployer{API: api, Out: &out, In: strings.NewReader(answer), Yes: yes, Poll: time.Millisecond,
		Now: func() time.Time { return now }}, &out
}

func TestDeployShowsChangesAndExecutesWhenConfirmed(t *testing.T) {
	f := &fakeCFN{final: types.StackStatusCreateComplete}
	d, out := deployer(f, false, "y\n")
	if err := d.Deploy(context.Background(), "peerprep-staging", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if f.created.ChangeSetType != types.ChangeSetTypeCreate {
		t.Errorf("a missing stack got a %s change set", f.created.ChangeSetType)
	}
	for _, want := range []string{"Redis", "Database", "(REPLACEMENT)", "Execute this change set?", "CREATE_COMPLETE"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if !f.executed {
		t.Fatal("confirmed change set was not executed")
	}
}

func TestDeployDeclinedLeavesTheStackAlone(t *testing.T) {
	f := &fakeCFN{exists: true}
	d, _ := deployer(f, false, "n\n")
	if err := d.Deploy(context.Background(), "peerprep-staging", []byte(`{}`)); !errors.Is(err, ErrDeclined) {
		t.Fatalf("err = %v, want ErrDeclined", err)
	}
	if f.executed || !f.deleted {
		t.Fatalf("executed=%v deleted=%v after declining", f.executed, f.deleted)
	}
	if f.created.ChangeSetType != types.ChangeSetTypeUpdate {
		t.Errorf("an existing stack got a %s change set", f.created.ChangeSetType)
	}
}

func TestDeployWithoutChangesIsANoOp(t *testing.T) {
	f := &fakeCFN{exists: true, noChanges: true}
	d, out := deployer(f, true, "")
	if err := d.Deploy(context.Background(), "peerprep-staging", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if f.executed || !strings.Contains(out.String(), "up to date") {
		t.Fatalf("executed=%v output %q", f.executed, out.String())
	}
}

func TestDeployFailureNamesTheFailingResource(t *testing.T) {
	at := func(s int) *time.Time { x := now.Add(time.Duration(s) * time.Second); return &x }
	f := &fakeCFN{exists: true, final: types.StackStatusUpdateRollbackComplete, events: []types.StackEvent{ // newest first
		{LogicalResourceId: aws.String("peerprep-staging"), ResourceStatus: types.ResourceStatusUpdateFailed, Timestamp: at(30)},
		{LogicalResourceId: aws.String("Cluster"), ResourceType: aws.String("AWS::ECS::Cluster"), ResourceStatus: types.ResourceStatusUpdateFailed,
			ResourceStatusReason: aws.String("Resource update cancelled"), Timestamp: at(20)},
		{LogicalResourceId: aws.String("Redis"), ResourceType: aws.String("AWS::ElastiCache::ReplicationGroup"), ResourceStatus: types.ResourceStatusCreateFailed,
			ResourceStatusReason: aws.String("cache.t4g.nano is not a valid node type"), Timestamp: at(10)},
		{LogicalResourceId: aws.String("Old"), ResourceStatus: types.ResourceStatusCreateFailed, ResourceStatusReason: aws.String("last week"), Timestamp: at(-3600)},
	}}
	d, _ := deployer(f, true, "")
	err := d.Deploy(context.Background(), "peerprep-staging", []byte(`{}`))
	if err == nil {
		t.Fatal("failed update reported success")
	}
	if !strings.Contains(err.Error(), "Redis") || !strings.Contains(err.Error(), "not a valid node type") || strings.Contains(err.Error(), "last week") {
		t.Fatalf("error does not name the first failure: %v", err)
	}
}

func TestDeployEnvSendsTheCompactedStagingTemplate(t *testing.T) {
	f := &fakeCFN{final: types.StackStatusCreateComplete}
	d, _ := deployer(f, true, "")
	out := t.TempDir()
	if err := DeployEnv(context.Background(), d, "..", out, "staging"); err != nil {
		t.Fatal(err)
	}
	if *f.created.StackName != "peerprep-staging" {
		t.Errorf("stack %s", *f.created.StackName)
	}
	body := *f.created.TemplateBody
	if len(body) > MaxInlineTemplate || strings.Contains(body, "\n  ") {
		t.Errorf("template sent is %d bytes, indented: %v", len(body), strings.Contains(body, "\n  "))
	}
}
