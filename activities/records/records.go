// Package records holds the activity workflows use to write the engine's own audit trail for
// events that happen inside the workflow (an acknowledgment, an escalation outcome): workflow
// code cannot do I/O, so it records through an activity.
package records

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/careflow/engine/internal/audit"
)

// RecordInput is one audit record; identifiers and codes only.
type RecordInput struct {
	Action    string `json:"action"`
	Actor     string `json:"actor,omitempty"`
	Exchange  string `json:"exchange,omitempty"`
	Code      string `json:"code,omitempty"`
	Outcome   string `json:"outcome"`
	LatencyMS int64  `json:"latencyMs,omitempty"`
}

// Activities writes audit records.
type Activities struct {
	Records audit.Appender
}

// RecordName is the activity type name Record is registered under.
const RecordName = "Record"

// Record appends the record for the calling workflow. Idempotency is not needed: a retried
// append after a lost answer adds a duplicate line, which an append-only trail tolerates.
func (a *Activities) Record(ctx context.Context, in RecordInput) error {
	if a.Records == nil {
		return nil
	}
	actor := in.Actor
	if actor == "" {
		actor = "workflow"
	}
	_, err := a.Records.Append(ctx, audit.Record{Actor: actor, Action: in.Action, Process: activity.GetInfo(ctx).WorkflowExecution.ID,
		Exchange: in.Exchange, Code: in.Code, Outcome: in.Outcome, Latency: time.Duration(in.LatencyMS) * time.Millisecond})
	return err
}
