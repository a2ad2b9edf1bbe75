package claims

import (
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/billing"
	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/workflows/internal/call"
)

// PollerInput configures one poll.
type PollerInput struct {
	// MaxFiles bounds the files taken per kind in one run (default 50); the next run takes
	// the rest.
	MaxFiles int `json:"maxFiles,omitempty"`
}

// PollerResult counts what one poll did.
type PollerResult struct {
	Files     int `json:"files"`
	Signalled int `json:"signalled"`
	Unmatched int `json:"unmatched"`
	Malformed int `json:"malformed"`
}

// ResultsPoller is what the claims Schedule runs: it retrieves the waiting 999s, 277CAs and
// 835s (in that order, so a claim sees its acknowledgments before its payment), splits each
// file by claim and signals every claim workflow. A file that does not parse is kept
// encrypted and reported, touching no claim; a part no running claim takes is kept for
// manual matching.
func ResultsPoller(ctx workflow.Context, in PollerInput) (PollerResult, error) {
	if in.MaxFiles <= 0 {
		in.MaxFiles = 50
	}
	var res PollerResult
	runID := workflow.GetInfo(ctx).WorkflowExecution.ID
	for _, kind := range []struct{ retrieval, name string }{
		{clearinghouse.PayloadType999Retrieval, "999"},
		{clearinghouse.PayloadType277CARetrieval, "277CA"},
		{clearinghouse.PayloadType835Retrieval, "835"},
	} {
		got, err := call.Activity[billing.RetrieveResult](ctx, workflow.ActivityOptions{
			// Each file is one small exchange; a minute covers a slow clearinghouse.
			StartToCloseTimeout: 5 * time.Minute,
			HeartbeatTimeout:    time.Minute,
			// The next scheduled run retries anyway: give up on this kind within the poll
			// interval rather than pile up runs.
			ScheduleToCloseTimeout: 10 * time.Minute,
			RetryPolicy:            clearinghouseRetry(),
		}, billing.RetrieveResultsName, billing.RetrieveInput{
			PayloadType: kind.retrieval, PayloadKey: runID + "/" + kind.name, Max: in.MaxFiles,
		})
		if err != nil {
			workflow.GetLogger(ctx).Warn("claims: results retrieval failed", "kind", kind.name)
			continue
		}
		for _, f := range got.Files {
			res.Files++
			r := Deliver(ctx, kind.name, f.Payload)
			res.Signalled += r.Signalled
			res.Unmatched += r.Unmatched
			res.Malformed += r.Malformed
		}
	}
	return res, nil
}

// Deliver splits one results file of kind (999, 277CA, 835) and signals each part to its
// claim from workflow code; it keeps what it cannot deliver.
func Deliver(ctx workflow.Context, kind string, payload []byte) PollerResult {
	var res PollerResult
	var parts []Routed
	var err error
	switch kind {
	case "999":
		if workflow.GetVersion(ctx, ChangeBatching, workflow.DefaultVersion, 1) >= 1 {
			// Per transaction set: a batched interchange carries several claims.
			parts, err = Split999Sets(payload)
			break
		}
		var r Routed
		r, err = Split999(payload)
		parts = []Routed{r}
	case "277CA":
		parts, err = Split277CA(payload)
	default:
		parts, err = Split835(payload)
	}
	if err != nil {
		keep(ctx, billing.KeepInput{Reason: "malformed", Kind: kind, Payload: payload})
		res.Malformed++
		return res
	}
	for _, p := range parts {
		target, key := "", p.PatientControlNumber
		if p.PatientControlNumber != "" {
			target = WorkflowID(p.PatientControlNumber)
		}
		name, arg := ClaimAckSignalName, any(p.ClaimAck)
		switch {
		case p.Ack != nil:
			name, arg = AckSignalName, p.Ack
			target = lookupInterchange(ctx, p.GroupControlNumber, p.Ack.SetControlNumber)
			key = "group:" + strconv.FormatInt(p.GroupControlNumber, 10)
			if p.Ack.SetControlNumber != "" {
				key += "/" + p.Ack.SetControlNumber
			}
		case p.Remit != nil:
			name, arg = RemitSignalName, p.Remit
			key = p.PatientControlNumber + "/" + p.Remit.Trace
		}
		if target != "" {
			if err := workflow.SignalExternalWorkflow(ctx, target, "", name, arg).Get(ctx, nil); err == nil {
				res.Signalled++
				continue
			}
		}
		keep(ctx, billing.KeepInput{Reason: "unmatched", Kind: kind, Key: key, Payload: payload})
		res.Unmatched++
	}
	return res
}

// lookupInterchange finds the claim workflow that sent a transaction set or, for a claim
// sent alone, a group control number ("" if none).
func lookupInterchange(ctx workflow.Context, group int64, set string) string {
	r, err := call.Activity[billing.LookupResult](ctx, workflow.ActivityOptions{
		// One indexed read of the engine's own store.
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: 5 * time.Minute,
		RetryPolicy:            dbRetry(),
	}, billing.LookupInterchangeName, billing.LookupInput{ControlNumber: group, SetControlNumber: set})
	if err != nil {
		return ""
	}
	return r.WorkflowID
}

// keep stores an undeliverable file for manual matching.
func keep(ctx workflow.Context, in billing.KeepInput) {
	if _, err := call.Activity[struct{}](ctx, workflow.ActivityOptions{
		// One INSERT with an encrypted attachment.
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            dbRetry(),
	}, billing.KeepUnmatchedName, in); err != nil {
		workflow.GetLogger(ctx).Error("claims: could not keep an undeliverable file", "kind", in.Kind)
	}
}
