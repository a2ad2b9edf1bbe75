package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/codecs/x12"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
)

// Registered names of the batching activities (methods of Activities).
const (
	SignalWithStartName = "SignalWithStart"
	SubmitBatchName     = "SubmitBatch"
)

// Starter is the part of the Temporal client SignalWithStart needs.
type Starter interface {
	SignalWithStartWorkflow(ctx context.Context, workflowID, signalName string, signalArg any,
		options client.StartWorkflowOptions, workflow any, workflowArgs ...any) (client.WorkflowRun, error)
}

// SignalWithStartInput signals a workflow, starting it first when it is not running. The
// arguments travel as JSON so this package needs no workflow types.
type SignalWithStartInput struct {
	WorkflowID string          `json:"workflowId"`
	Workflow   string          `json:"workflow"`
	TaskQueue  string          `json:"taskQueue"`
	Signal     string          `json:"signal"`
	SignalArg  json.RawMessage `json:"signalArg"`
	StartArg   json.RawMessage `json:"startArg"`
}

// SignalWithStart hands a ready claim to the batcher. A retry may deliver the signal twice;
// the batcher drops repeats by payload key.
func (a *Activities) SignalWithStart(ctx context.Context, in SignalWithStartInput) error {
	if a.Temporal == nil {
		return temporal.NewNonRetryableApplicationError("no Temporal client", "NoTemporalClient", nil)
	}
	_, err := a.Temporal.SignalWithStartWorkflow(ctx, in.WorkflowID, in.Signal, in.SignalArg,
		client.StartWorkflowOptions{ID: in.WorkflowID, TaskQueue: in.TaskQueue}, in.Workflow, in.StartArg)
	if err != nil {
		return fmt.Errorf("signal-with-start: %w", err)
	}
	return nil
}

// BatchClaim is one claim of a batch and the workflow that tracks it.
type BatchClaim struct {
	WorkflowID string                `json:"workflowId"`
	Claim      x12.ProfessionalClaim `json:"claim"`
	// SubmissionKey names this submission of the claim; one already sent in another
	// interchange is left out as a duplicate.
	SubmissionKey string `json:"submissionKey,omitempty"`
}

// SubmitBatchInput is several claims to send as one interchange.
type SubmitBatchInput struct {
	ControlNumber int64        `json:"controlNumber"`
	Claims        []BatchClaim `json:"claims"`
	// PayloadKey is the idempotency key of the batch; the CORE PayloadID derives from it.
	PayloadKey string `json:"payloadKey"`
}

// BatchSet is what became of one claim of the batch.
type BatchSet struct {
	WorkflowID string `json:"workflowId"`
	// SetControlNumber is the claim's ST02, empty when the claim was left out.
	SetControlNumber string `json:"setControlNumber,omitempty"`
	// Error is ErrTypeInvalidClaim when the claim failed an 837P rule and was left out.
	Error string `json:"error,omitempty"`
	// Duplicate is set when the submission went out in an earlier interchange; the claim
	// already has its answer.
	Duplicate bool `json:"duplicate,omitempty"`
}

// SubmitBatchResult says what was sent, in the order of the input claims.
type SubmitBatchResult struct {
	PayloadID     string     `json:"payloadId,omitempty"`
	ControlNumber int64      `json:"controlNumber"`
	Sets          []BatchSet `json:"sets"`
}

// SubmitBatch builds one 837P interchange with a transaction set per claim and submits it
// once in batch mode. A claim failing an 837P rule is left out (reported in its BatchSet)
// rather than failing its neighbours. The crosswalk of every set is written before sending,
// so no 999 can arrive unroutable.
func (a *Activities) SubmitBatch(ctx context.Context, in SubmitBatchInput) (SubmitBatchResult, error) {
	ex := audit.Begin(ctx, a.Records, a.Now, "clearinghouse.837", "clearinghouse", "")
	ex.Process = "claims-batch"
	env := a.Envelope
	env.ControlNumber, env.Date = in.ControlNumber, a.now()
	batch := x12.ClaimBatch{Envelope: env, BatchID: "CF" + strconv.FormatInt(in.ControlNumber, 10),
		Submitter: a.Submitter, ReceiverName: a.ReceiverName, ReceiverID: a.ReceiverID}
	res := SubmitBatchResult{ControlNumber: in.ControlNumber, Sets: make([]BatchSet, len(in.Claims))}
	var owners []int // input index of each claim in the batch
	for i, c := range in.Claims {
		res.Sets[i].WorkflowID = c.WorkflowID
		if dup, err := a.sentElsewhere(ctx, c.SubmissionKey, in.ControlNumber); err != nil {
			return SubmitBatchResult{}, err
		} else if dup {
			res.Sets[i].Duplicate = true
			continue
		}
		one := batch
		one.Claims = []x12.ProfessionalClaim{c.Claim}
		if _, err := x12.Build837P(one); err != nil {
			res.Sets[i].Error = ErrTypeInvalidClaim
			continue
		}
		owners = append(owners, i)
		batch.Claims = append(batch.Claims, c.Claim)
	}
	if len(batch.Claims) == 0 {
		return res, nil
	}
	payload, err := x12.Build837P(batch)
	if err != nil {
		// Each claim built alone; the batch as a whole cannot fail a claim rule.
		return SubmitBatchResult{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalidClaim, nil)
	}
	for n, i := range owners {
		set := x12.SetControlNumber(n)
		if err := a.Records.PutCrosswalk(ctx, crosswalk.X12InterchangeSet, crosswalk.SetKey(in.ControlNumber, set), in.Claims[i].WorkflowID); err != nil {
			return SubmitBatchResult{}, fmt.Errorf("crosswalk: %w", err)
		}
		if k := in.Claims[i].SubmissionKey; k != "" {
			if err := a.Records.PutCrosswalk(ctx, crosswalk.X12ClaimSubmission, k, crosswalk.SetKey(in.ControlNumber, set)); err != nil {
				return SubmitBatchResult{}, fmt.Errorf("crosswalk: %w", err)
			}
		}
		res.Sets[i].SetControlNumber = set
	}
	ctl := strconv.FormatInt(in.ControlNumber, 10)
	payloadID := clearinghouse.DerivePayloadID(in.PayloadKey)
	_, err = a.Clearinghouse.SubmitBatch(ctx, clearinghouse.BatchSubmission{PayloadType: clearinghouse.PayloadType837P,
		PayloadID: payloadID, Payload: payload})
	ex.Exchange, ex.Code = payloadID, ctl
	if err != nil {
		return SubmitBatchResult{}, classify(ex, err)
	}
	ex.Done()
	res.PayloadID = payloadID
	return res, nil
}

// lookupSet finds the claim workflow of one transaction set ("" when the set was not batched).
func (a *Activities) lookupSet(ctx context.Context, group int64, set string) (string, error) {
	if set == "" {
		return "", nil
	}
	id, err := a.Records.LookupCrosswalk(ctx, crosswalk.X12InterchangeSet, crosswalk.SetKey(group, set))
	if errors.Is(err, audit.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("crosswalk: %w", err)
	}
	return id, nil
}

// sentElsewhere reports whether a submission already went out in an interchange other than
// group (a retry of this very batch is not a duplicate).
func (a *Activities) sentElsewhere(ctx context.Context, key string, group int64) (bool, error) {
	if key == "" {
		return false, nil
	}
	at, err := a.Records.LookupCrosswalk(ctx, crosswalk.X12ClaimSubmission, key)
	if errors.Is(err, audit.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("crosswalk: %w", err)
	}
	g, _, _ := strings.Cut(at, "/")
	return g != strconv.FormatInt(group, 10), nil
}
