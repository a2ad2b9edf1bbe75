// Package billing holds the claim activities: control numbers from the audit store, 837P
// submission in CORE batch mode, batch results retrieval, and keeping remittances no claim
// matched. Errors are classified here, at the clearinghouse boundary.
package billing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/codecs/x12"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
)

// Registered activity names (the methods of Activities).
const (
	AllocateControlNumberName = "AllocateControlNumber"
	SubmitClaimName           = "SubmitClaim"
	RetrieveResultsName       = "RetrieveResults"
	LookupInterchangeName     = "LookupInterchange"
	KeepUnmatchedName         = "KeepUnmatched"
)

// Error types the workflow can branch on.
const (
	// ErrTypeInvalidClaim: the claim failed an 837P rule; resending cannot help.
	ErrTypeInvalidClaim = "InvalidClaim"
	// ErrTypeRejected: the clearinghouse refused the envelope for good (credentials, fields).
	ErrTypeRejected = "ClearinghouseRejected"
)

// BatchClient is the part of the clearinghouse client the activities need.
type BatchClient interface {
	SubmitBatch(ctx context.Context, sub clearinghouse.BatchSubmission) (*clearinghouse.BatchReceipt, error)
	RetrieveBatchResults(ctx context.Context, payloadType, payloadID string) (*clearinghouse.BatchFile, error)
}

// Activities submits claims and retrieves their answers.
type Activities struct {
	Clearinghouse BatchClient
	// Envelope carries the trading-partner ids; control number and date are set per batch.
	Envelope x12.Envelope
	// Submitter, ReceiverName and ReceiverID are loops 1000A and 1000B.
	Submitter    x12.Submitter
	ReceiverName string
	ReceiverID   string
	// Records allocates control numbers, keeps the audit records and routes answers back.
	Records Records
	// Now dates the interchanges and times each exchange; nil means the wall clock.
	Now func() time.Time
	// Temporal starts and signals the claims batcher (SignalWithStart).
	Temporal Starter
}

// Records is the part of the record store the claim activities use: audit records (the IDs
// of which are the control numbers) and the crosswalk from control numbers to claims.
type Records interface {
	audit.Appender
	crosswalk.Store
}

// AllocateInput names the workflow an interchange control number is for.
type AllocateInput struct {
	WorkflowID string `json:"workflowId"`
}

// AllocateResult is a new interchange control number.
type AllocateResult struct {
	ControlNumber int64 `json:"controlNumber"`
}

// maxControl is the largest ISA13.
const maxControl = 999_999_999

// AllocateControlNumber returns an interchange control number that is unique and survives
// restarts: the ID of an audit record appended for the interchange (IDs increase in append
// order in every store). A retried call burns a number, which X12 allows (gaps are fine).
func (a *Activities) AllocateControlNumber(ctx context.Context, in AllocateInput) (AllocateResult, error) {
	rec, err := a.Records.Append(ctx, audit.Record{Actor: "worker", Action: "claims.interchange",
		Process: in.WorkflowID, Outcome: audit.OutcomeOK})
	if err != nil {
		return AllocateResult{}, fmt.Errorf("allocate control number: %w", err)
	}
	return AllocateResult{ControlNumber: (rec.ID-1)%maxControl + 1}, nil
}

// SubmitInput is one claim to send as its own interchange.
type SubmitInput struct {
	WorkflowID    string                `json:"workflowId"`
	ControlNumber int64                 `json:"controlNumber"`
	Claim         x12.ProfessionalClaim `json:"claim"`
	// PayloadKey is the idempotency key (workflow ID + step); the CORE PayloadID derives from it.
	PayloadKey string `json:"payloadKey"`
}

// SubmitResult says what was sent.
type SubmitResult struct {
	PayloadID     string `json:"payloadId"`
	ControlNumber int64  `json:"controlNumber"`
	// SetControlNumber is ST02 of the claim's transaction set, which the 999's AK202 names.
	SetControlNumber string `json:"setControlNumber"`
}

// SubmitClaim builds the 837P and submits it in batch mode. The crosswalk from its group
// control number to the workflow is written first, so a 999 can never arrive unroutable.
func (a *Activities) SubmitClaim(ctx context.Context, in SubmitInput) (SubmitResult, error) {
	ex := audit.Begin(ctx, a.Records, a.Now, "clearinghouse.837", "clearinghouse", "")
	ex.Process = in.WorkflowID
	env := a.Envelope
	env.ControlNumber, env.Date = in.ControlNumber, a.now()
	payload, err := x12.Build837P(x12.ClaimBatch{Envelope: env, BatchID: "CF" + strconv.FormatInt(in.ControlNumber, 10),
		Submitter: a.Submitter, ReceiverName: a.ReceiverName, ReceiverID: a.ReceiverID,
		Claims: []x12.ProfessionalClaim{in.Claim}})
	if err != nil {
		// The message names fields and rules, never values.
		return SubmitResult{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalidClaim, nil)
	}
	ctl := strconv.FormatInt(in.ControlNumber, 10)
	if err := a.Records.PutCrosswalk(ctx, crosswalk.X12Interchange, ctl, in.WorkflowID); err != nil {
		return SubmitResult{}, fmt.Errorf("crosswalk: %w", err)
	}
	payloadID := clearinghouse.DerivePayloadID(in.PayloadKey)
	_, err = a.Clearinghouse.SubmitBatch(ctx, clearinghouse.BatchSubmission{PayloadType: clearinghouse.PayloadType837P,
		PayloadID: payloadID, Payload: payload})
	ex.Exchange, ex.Code = payloadID, ctl
	if err != nil {
		return SubmitResult{}, classify(ex, err)
	}
	ex.Done()
	return SubmitResult{PayloadID: payloadID, ControlNumber: in.ControlNumber, SetControlNumber: x12.SetControlNumber(0)}, nil
}

// classify finishes the record of a failed exchange and turns the error into a retryable or
// permanent one.
func classify(ex *audit.Exchange, err error) error {
	var ce *clearinghouse.Error
	if errors.As(err, &ce) {
		if !ce.Retryable {
			ex.Finish(audit.OutcomeRejected, ce.Code)
			return temporal.NewNonRetryableApplicationError("code "+ce.Code, ErrTypeRejected, nil)
		}
		ex.Code = ce.Code
	}
	ex.Finish(audit.OutcomeError, ex.Code)
	return fmt.Errorf("clearinghouse: %w", err)
}

// RetrieveInput asks for waiting results files of one kind.
type RetrieveInput struct {
	// PayloadType is a retrieval payload type (clearinghouse.PayloadType835Retrieval...).
	PayloadType string `json:"payloadType"`
	// PayloadKey is the idempotency key of this poll (schedule run + kind); file i is
	// retrieved under PayloadKey + "/" + i, so a retried activity gets the same files back.
	PayloadKey string `json:"payloadKey"`
	// Max bounds the files taken in one call.
	Max int `json:"max"`
}

// File is one retrieved results file.
type File struct {
	PayloadType string `json:"payloadType"`
	Payload     []byte `json:"payload"`
}

// RetrieveResult holds the files in arrival order.
type RetrieveResult struct {
	Files []File `json:"files"`
}

// RetrieveResults takes up to Max waiting files of one kind.
func (a *Activities) RetrieveResults(ctx context.Context, in RetrieveInput) (RetrieveResult, error) {
	var out RetrieveResult
	for i := 0; i < in.Max; i++ {
		id := clearinghouse.DerivePayloadID(in.PayloadKey + "/" + strconv.Itoa(i))
		ex := audit.Begin(ctx, a.Records, a.Now, "clearinghouse.retrieve", "clearinghouse", id)
		f, err := a.Clearinghouse.RetrieveBatchResults(ctx, in.PayloadType, id)
		if err != nil {
			return RetrieveResult{}, classify(ex, err)
		}
		if f == nil {
			break
		}
		activity.RecordHeartbeat(ctx, i)
		out.Files = append(out.Files, File{PayloadType: f.PayloadType, Payload: f.Payload})
	}
	return out, nil
}

// LookupInput is a group control number from a 999 and, for a batched interchange, the
// transaction set control number (AK202).
type LookupInput struct {
	ControlNumber    int64  `json:"controlNumber"`
	SetControlNumber string `json:"setControlNumber,omitempty"`
}

// LookupResult is the claim workflow that sent the group, "" when unknown.
type LookupResult struct {
	WorkflowID string `json:"workflowId"`
}

// LookupInterchange finds the workflow that sent a transaction set (batched interchanges)
// or a group control number (one claim per interchange).
func (a *Activities) LookupInterchange(ctx context.Context, in LookupInput) (LookupResult, error) {
	if id, err := a.lookupSet(ctx, in.ControlNumber, in.SetControlNumber); err != nil || id != "" {
		return LookupResult{WorkflowID: id}, err
	}
	id, err := a.Records.LookupCrosswalk(ctx, crosswalk.X12Interchange, strconv.FormatInt(in.ControlNumber, 10))
	if errors.Is(err, audit.ErrNotFound) {
		return LookupResult{}, nil
	}
	if err != nil {
		return LookupResult{}, fmt.Errorf("crosswalk: %w", err)
	}
	return LookupResult{WorkflowID: id}, nil
}

// KeepInput is a results file (or one claim's part of it) that could not be applied.
type KeepInput struct {
	// Reason is "unmatched" (no claim workflow for it) or "malformed".
	Reason string `json:"reason"`
	// Kind is 999, 277CA or 835; Key an identifier (patient control number, TRN), never PHI
	// beyond what the audit trail already keys by.
	Kind    string `json:"kind"`
	Key     string `json:"key,omitempty"`
	Payload []byte `json:"payload"`
}

// Audit actions of kept files; GET /v1/admin/claims/unmatched lists them.
const (
	ActionUnmatched = "claims.unmatched"
	ActionMalformed = "claims.malformed"
)

// KeepUnmatched keeps the file encrypted in the audit trail for manual matching.
func (a *Activities) KeepUnmatched(ctx context.Context, in KeepInput) error {
	action := ActionUnmatched
	if in.Reason == "malformed" {
		action = ActionMalformed
	}
	_, err := a.Records.Append(ctx, audit.Record{Actor: "worker", Action: action, Vendor: "clearinghouse",
		Exchange: in.Key, Code: in.Kind, Outcome: audit.OutcomeRejected, Payload: in.Payload})
	return err
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
