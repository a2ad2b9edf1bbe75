package laborders

import (
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/records"
	"github.com/careflow/engine/activities/sms"
)

// escalate pages the chain until someone acknowledges: the ordering provider first, then each
// contact after AckTimeout, for EscalationRounds rounds. Durable timers keep the schedule across
// worker restarts; pages carry the order number and a reply code, never results or names.
func (w *impl) escalate(ctx workflow.Context) {
	defer func() { w.escalating = false }()
	esc := &w.state.Escalation
	now := workflow.Now(ctx)
	esc.State, esc.StartedAt = EscalationPaging, &now
	code := w.newCode(ctx)
	esc.Code = code
	for round := 0; round < EscalationRounds; round++ {
		for _, c := range w.contacts {
			if esc.State != EscalationPaging {
				return
			}
			body := pageText(w.in.PlacerOrderNumber, code)
			res, err := w.callPage(ctx, sms.PageInput{To: c.Phone, Body: body, Code: code, WorkflowID: w.wfID, Role: c.Role})
			esc.Pages = append(esc.Pages, Page{Role: c.Role, Phone: c.Phone, SentAt: workflow.Now(ctx), SID: res.SID, Failed: err != nil})
			if ok, _ := workflow.AwaitWithTimeout(ctx, w.in.AckTimeout(), func() bool { return esc.State != EscalationPaging }); ok {
				return
			}
		}
	}
	esc.State = EscalationUnacknowledged
	w.record(ctx, records.RecordInput{Action: "lab.escalation", Exchange: w.in.PlacerOrderNumber, Code: "unacknowledged",
		Outcome: "error"})
}

// validateAcknowledge accepts an acknowledgment while paging.
func (w *impl) validateAcknowledge(u AcknowledgeUpdate) error {
	if strings.TrimSpace(u.By) == "" || len(u.By) > 100 {
		return temporal.NewApplicationError("by is required (at most 100 characters)", ErrTypeRejected)
	}
	if w.state.Escalation.State != EscalationPaging && w.state.Escalation.State != EscalationUnacknowledged {
		return temporal.NewApplicationError("there is no critical value awaiting acknowledgment", ErrTypeRejected)
	}
	return nil
}

func (w *impl) acknowledge(ctx workflow.Context, u AcknowledgeUpdate) (State, error) {
	if err := w.validateAcknowledge(u); err != nil {
		return w.snapshot(), err
	}
	w.acknowledged(ctx, u.By, "api")
	return w.snapshot(), nil
}

// applyReply acknowledges when a paged contact replies with the page's code.
func (w *impl) applyReply(ctx workflow.Context, r PageReply) {
	esc := &w.state.Escalation
	if esc.State != EscalationPaging && esc.State != EscalationUnacknowledged {
		return
	}
	if w.v2 {
		// Each page has its own code: the reply must carry the code sent to that number in
		// the current escalation.
		for _, p := range esc.Pages {
			if p.Phone == r.From && p.Code == strings.TrimSpace(r.Code) && (esc.StartedAt == nil || !p.SentAt.Before(*esc.StartedAt)) {
				w.acknowledged(ctx, p.Role, "sms")
				return
			}
		}
		return
	}
	if strings.TrimSpace(r.Code) != esc.Code {
		return
	}
	for _, p := range esc.Pages {
		if p.Phone == r.From {
			w.acknowledged(ctx, p.Role, "sms")
			return
		}
	}
}

// acknowledged records who acknowledged, when and how long after the first page.
func (w *impl) acknowledged(ctx workflow.Context, by, channel string) {
	esc := &w.state.Escalation
	now := workflow.Now(ctx)
	esc.State, esc.AcknowledgedBy, esc.AcknowledgedAt, esc.Channel = EscalationAcknowledged, by, &now, channel
	if esc.StartedAt != nil {
		esc.AckSeconds = int64(now.Sub(*esc.StartedAt) / time.Second)
	}
	if w.v2 {
		w.state.Unacknowledged = false
		w.upsertEscalation(ctx)
	}
	w.pending++
	workflow.GoNamed(ctx, "record-ack", func(ctx workflow.Context) {
		defer func() { w.pending-- }()
		w.record(ctx, records.RecordInput{Action: "lab.acknowledge", Actor: channel + ":" + by,
			Exchange: w.in.PlacerOrderNumber, Code: channel, Outcome: "ok", LatencyMS: esc.AckSeconds * 1000})
	})
}
