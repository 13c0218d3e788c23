package cfn

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// API is the part of the CloudFormation client a deploy needs.
type API interface {
	DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
	CreateChangeSet(context.Context, *cloudformation.CreateChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error)
	DescribeChangeSet(context.Context, *cloudformation.DescribeChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeChangeSetOutput, error)
	ExecuteChangeSet(context.Context, *cloudformation.ExecuteChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error)
	DeleteChangeSet(context.Context, *cloudformation.DeleteChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error)
	DescribeStackEvents(context.Context, *cloudformation.DescribeStackEventsInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error)
}

// Deployer applies a template to a stack through a change set.
type Deployer struct {
	API     API
	Out     io.Writer
	In      io.Reader // answers the confirmation prompt
	Yes     bool      // execute without asking (--yes, or CI=true)
	Poll    time.Duration
	Timeout time.Duration
	Now     func() time.Time
}

// ErrDeclined is returned when the change set is not confirmed.
var ErrDeclined = errors.New("change set not executed")

// Deploy creates a change set for stack from body, shows it, asks, executes
// it and waits. A failure names the resource that failed and why.
func (d *Deployer) Deploy(ctx context.Context, stack string, body []byte) error {
	if d.Poll == 0 {
		d.Poll = 5 * time.Second
	}
	if d.Timeout == 0 {
		d.Timeout = 60 * time.Minute
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	ctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()

	kind := types.ChangeSetTypeUpdate
	cur, err := d.API.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &stack})
	switch {
	case err != nil && strings.Contains(err.Error(), "does not exist"):
		kind = types.ChangeSetTypeCreate
	case err != nil:
		return fmt.Errorf("describe stack %s: %w", stack, err)
	case len(cur.Stacks) > 0 && cur.Stacks[0].StackStatus == types.StackStatusReviewInProgress:
		// A first change set that was never executed leaves the stack
		// existing but empty: CloudFormation accepts only CREATE for it.
		kind = types.ChangeSetTypeCreate
	}
	name := fmt.Sprintf("%s-%d", stack, d.Now().Unix())
	cs, err := d.API.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName: &stack, ChangeSetName: &name, ChangeSetType: kind, TemplateBody: aws.String(string(body)),
		Capabilities: []types.Capability{types.CapabilityCapabilityIam, types.CapabilityCapabilityNamedIam},
		Tags:         []types.Tag{{Key: aws.String("Stack"), Value: &stack}},
	})
	if err != nil {
		return fmt.Errorf("create change set: %w", err)
	}
	id := cs.Id
	var desc *cloudformation.DescribeChangeSetOutput
	for {
		desc, err = d.API.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: id, StackName: &stack})
		if err != nil {
			return fmt.Errorf("describe change set: %w", err)
		}
		if desc.Status == types.ChangeSetStatusCreateComplete || desc.Status == types.ChangeSetStatusFailed {
			break
		}
		if err := d.sleep(ctx); err != nil {
			return err
		}
	}
	if desc.Status == types.ChangeSetStatusFailed {
		reason := aws.ToString(desc.StatusReason)
		if strings.Contains(reason, "didn't contain changes") || strings.Contains(reason, "No updates") {
			fmt.Fprintf(d.Out, "%s is up to date\n", stack)
			_, _ = d.API.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: id, StackName: &stack})
			return nil
		}
		return fmt.Errorf("change set failed: %s", reason)
	}
	fmt.Fprintf(d.Out, "%s change set for %s:\n", strings.ToLower(string(kind)), stack)
	for _, c := range desc.Changes {
		rc := c.ResourceChange
		if rc == nil {
			continue
		}
		replace := ""
		if rc.Replacement == types.ReplacementTrue {
			replace = " (REPLACEMENT)"
		}
		fmt.Fprintf(d.Out, "  %-7s %-45s %s%s\n", rc.Action, aws.ToString(rc.LogicalResourceId), aws.ToString(rc.ResourceType), replace)
	}
	if !d.Yes && !d.confirm() {
		_, _ = d.API.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: id, StackName: &stack})
		return ErrDeclined
	}
	// Every stack event this execution causes carries the token: failures
	// are found by it, not by comparing CloudFormation's clock with ours.
	token := name
	if _, err := d.API.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: id, StackName: &stack, ClientRequestToken: &token}); err != nil {
		return fmt.Errorf("execute change set: %w", err)
	}
	for {
		out, err := d.API.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &stack})
		if err != nil {
			return fmt.Errorf("describe stack %s: %w", stack, err)
		}
		if len(out.Stacks) == 0 {
			return fmt.Errorf("stack %s disappeared", stack)
		}
		status := string(out.Stacks[0].StackStatus)
		switch {
		case strings.HasSuffix(status, "_IN_PROGRESS"):
		case status == "CREATE_COMPLETE" || status == "UPDATE_COMPLETE":
			fmt.Fprintf(d.Out, "%s: %s\n", stack, status)
			return nil
		default: // *_FAILED, *ROLLBACK_COMPLETE
			return fmt.Errorf("%s: %s: %s", stack, status, d.failure(ctx, stack, token))
		}
		if err := d.sleep(ctx); err != nil {
			return fmt.Errorf("waiting for %s: %w", stack, err)
		}
	}
}

// failure is the first resource that failed in the execution with token,
// and why. Events come newest first over as many pages as it takes to
// reach the execution's start.
func (d *Deployer) failure(ctx context.Context, stack, token string) string {
	first := ""
	pages := cloudformation.NewDescribeStackEventsPaginator(d.API, &cloudformation.DescribeStackEventsInput{StackName: &stack},
		func(o *cloudformation.DescribeStackEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			if first != "" {
				return first
			}
			return "stack events unavailable: " + err.Error()
		}
		for _, e := range out.StackEvents {
			if aws.ToString(e.ClientRequestToken) != token {
				continue
			}
			if strings.HasSuffix(string(e.ResourceStatus), "_FAILED") && aws.ToString(e.LogicalResourceId) != stack {
				first = fmt.Sprintf("%s (%s) %s: %s", aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceType), e.ResourceStatus, aws.ToString(e.ResourceStatusReason))
			}
			// The stack's own first event of this execution: nothing older belongs to it.
			if aws.ToString(e.LogicalResourceId) == stack && strings.HasSuffix(string(e.ResourceStatus), "_IN_PROGRESS") &&
				(strings.HasPrefix(string(e.ResourceStatus), "CREATE_") || strings.HasPrefix(string(e.ResourceStatus), "UPDATE_")) &&
				!strings.Contains(string(e.ResourceStatus), "ROLLBACK") && !strings.Contains(string(e.ResourceStatus), "CLEANUP") {
				return orNone(first)
			}
		}
	}
	return orNone(first)
}

func orNone(first string) string {
	if first == "" {
		return "no failed resource in the stack events"
	}
	return first
}

func (d *Deployer) confirm() bool {
	fmt.Fprint(d.Out, "Execute this change set? [y/N] ")
	if d.In == nil {
		return false
	}
	line, _ := bufio.NewReader(d.In).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}

func (d *Deployer) sleep(ctx context.Context) error {
	t := time.NewTimer(d.Poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
