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
	review    bool // the stack exists in REVIEW_IN_PROGRESS (a first change set was never executed)
	noChanges bool
	final     types.StackStatus
	events    []types.StackEvent // newest first; those with token "run" get the executing token
	token     string             // ClientRequestToken of the execution

	created  *cloudformation.CreateChangeSetInput
	executed bool
	deleted  bool
	polls    int
}

func (f *fakeCFN) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	if !f.exists && !f.review && !f.executed {
		return nil, errors.New("ValidationError: Stack with id " + *in.StackName + " does not exist")
	}
	status := types.StackStatusUpdateComplete
	if f.review {
		status = types.StackStatusReviewInProgress
	}
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

func (f *fakeCFN) ExecuteChangeSet(_ context.Context, in *cloudformation.ExecuteChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error) {
	if f.review && f.created.ChangeSetType != types.ChangeSetTypeCreate {
		return nil, errors.New("ValidationError: Stack is in REVIEW_IN_PROGRESS state and can not be updated")
	}
	f.executed, f.token = true, aws.ToString(in.ClientRequestToken)
	return &cloudformation.ExecuteChangeSetOutput{}, nil
}

func (f *fakeCFN) DeleteChangeSet(context.Context, *cloudformation.DeleteChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error) {
	f.deleted = true
	return &cloudformation.DeleteChangeSetOutput{}, nil
}

// DescribeStackEvents pages two events at a time, as CloudFormation pages
// (at 100).
func (f *fakeCFN) DescribeStackEvents(_ context.Context, in *cloudformation.DescribeStackEventsInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	start := 0
	if in.NextToken != nil {
		start = int((*in.NextToken)[0] - '0')
	}
	end := min(start+2, len(f.events))
	out := &cloudformation.DescribeStackEventsOutput{}
	for _, e := range f.events[start:end] {
		if aws.ToString(e.ClientRequestToken) == "run" {
			e.ClientRequestToken = aws.String(f.token)
		}
		out.StackEvents = append(out.StackEvents, e)
	}
	if end < len(f.events) {
		out.NextToken = aws.String(string(rune('0' + end)))
	}
	return out, nil
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
	run := aws.String("run")
	ev := func(id, typ string, st types.ResourceStatus, reason string, sec int, token *string) types.StackEvent {
		return types.StackEvent{LogicalResourceId: aws.String(id), ResourceType: aws.String(typ), ResourceStatus: st,
			ResourceStatusReason: aws.String(reason), Timestamp: at(sec), ClientRequestToken: token}
	}
	// Newest first. The execution's events start 300 ms before our clock
	// (CloudFormation's clock is behind), and its first failure is on the
	// third page.
	events := []types.StackEvent{
		ev("peerprep-staging", "AWS::CloudFormation::Stack", types.ResourceStatusUpdateRollbackComplete, "", 60, run),
		ev("Cluster", "AWS::ECS::Cluster", types.ResourceStatusUpdateComplete, "", 50, run),
		ev("peerprep-staging", "AWS::CloudFormation::Stack", types.ResourceStatusUpdateRollbackInProgress, "The following resource(s) failed", 40, run),
		ev("Cluster", "AWS::ECS::Cluster", types.ResourceStatusUpdateFailed, "Resource update cancelled", 1, run),
		ev("Redis", "AWS::ElastiCache::ReplicationGroup", types.ResourceStatusCreateFailed, "cache.t4g.nano is not a valid node type", 0, run),
		ev("peerprep-staging", "AWS::CloudFormation::Stack", types.ResourceStatusUpdateInProgress, "User Initiated", 0, run),
		ev("Old", "AWS::SNS::Topic", types.ResourceStatusCreateFailed, "last week", -3600, aws.String("an older run")),
	}
	for i := range events {
		if events[i].Timestamp.After(now) {
			continue
		}
		*events[i].Timestamp = events[i].Timestamp.Add(-300 * time.Millisecond)
	}
	f := &fakeCFN{exists: true, final: types.StackStatusUpdateRollbackComplete, events: events}
	d, _ := deployer(f, true, "")
	err := d.Deploy(context.Background(), "peerprep-staging", []byte(`{}`))
	if err == nil {
		t.Fatal("failed update reported success")
	}
	if !strings.Contains(err.Error(), "Redis") || !strings.Contains(err.Error(), "not a valid node type") || strings.Contains(err.Error(), "last week") {
		t.Fatalf("error does not name the first failure: %v", err)
	}
}

func TestDeclinedFirstChangeSetThenCreate(t *testing.T) {
	f := &fakeCFN{review: true, final: types.StackStatusCreateComplete}
	d, _ := deployer(f, true, "")
	if err := d.Deploy(context.Background(), "peerprep-staging", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if f.created.ChangeSetType != types.ChangeSetTypeCreate {
		t.Errorf("a stack in REVIEW_IN_PROGRESS got a %s change set", f.created.ChangeSetType)
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
