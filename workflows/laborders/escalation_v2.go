package laborders

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/activities/records"
	"github.com/careflow/engine/activities/sms"
)

// reconsiderEscalation starts paging when a value became critical and nobody is being paged,
// re-escalates when a correction turns a value critical after an earlier escalation ended, and
// stops paging when a correction leaves nothing critical.
func (w *impl) reconsiderEscalation(ctx workflow.Context, newCritical bool) {
	esc := &w.state.Escalation
	active := esc.State == EscalationPaging || esc.State == EscalationUnacknowledged
	switch {
	case newCritical && !active:
		w.state.Critical = true
		w.startEscalation(ctx)
	case newCritical:
		w.state.Critical = true
	case active && !w.anyCritical():
		esc.State = EscalationCleared
		w.state.Unacknowledged = false
		w.upsertEscalation(ctx)
		w.pending++
		workflow.GoNamed(ctx, "record-cleared", func(ctx workflow.Context) {
			defer func() { w.pending-- }()
			w.record(ctx, records.RecordInput{Action: "lab.escalation", Exchange: w.in.PlacerOrderNumber, Code: "cleared", Outcome: "ok"})
		})
	}
}

// startEscalation sets the paging state and the first reply code before the goroutine starts,
// so a second critical value handled in the same workflow task sees an escalation under way.
func (w *impl) startEscalation(ctx workflow.Context) {
	esc := &w.state.Escalation
	now := workflow.Now(ctx)
	esc.State, esc.StartedAt = EscalationPaging, &now
	esc.AcknowledgedBy, esc.AcknowledgedAt, esc.AckSeconds, esc.Channel = "", nil, 0, ""
	esc.Code = w.newCode(ctx)
	w.state.Unacknowledged = false
	w.nextContact, w.nextPageAt = 0, time.Time{}
	w.escEpoch++
	w.upsertEscalation(ctx)
	w.launchEscalation(ctx)
}

func (w *impl) launchEscalation(ctx workflow.Context) {
	epoch := w.escEpoch
	w.escalations++
	workflow.GoNamed(ctx, "escalation", func(ctx workflow.Context) {
		defer func() { w.escalations-- }()
		w.escalateV2(ctx, epoch)
	})
}

// newCode draws a six-digit reply code; SideEffect records it so replay sees the same one.
func (w *impl) newCode(ctx workflow.Context) string {
	var code string
	_ = workflow.SideEffect(ctx, func(workflow.Context) any {
		n, err := rand.Int(rand.Reader, big.NewInt(900000))
		if err != nil {
			return "100000"
		}
		return fmt.Sprintf("%06d", n.Int64()+100000)
	}).Get(&code)
	return code
}

// escalateV2 pages each contact once, in order, each page with its own reply code; a page that
// fails or comes back undelivered moves to the next contact at once. After the last contact
// the order is flagged unacknowledged and the last contact is paged again every AckTimeout
// until someone acknowledges or a correction clears the critical value: paging never stops
// silently.
func (w *impl) escalateV2(ctx workflow.Context, epoch int) {
	esc := &w.state.Escalation
	active := func() bool {
		return w.escEpoch == epoch && !w.stopping &&
			(esc.State == EscalationPaging || esc.State == EscalationUnacknowledged)
	}
	n := len(w.contacts)
	for active() {
		// After continue-as-new the next page keeps its original time.
		if wait := w.nextPageAt.Sub(workflow.Now(ctx)); wait > 0 {
			_, _ = w.await(ctx, wait, func() bool { return !active() })
			continue
		}
		i := w.nextContact
		if i >= n && esc.State == EscalationPaging {
			w.exhausted(ctx)
		}
		c := w.contacts[min(i, n-1)]
		code := esc.Code
		if len(esc.Pages) > 0 && esc.Pages[len(esc.Pages)-1].Code == code {
			code = w.newCode(ctx)
			esc.Code = code
		}
		body := pageText(w.in.PlacerOrderNumber, code)
		res, err := w.callPage(ctx, sms.PageInput{To: c.Phone, Body: body, Code: code, WorkflowID: w.wfID, Role: c.Role})
		p := Page{Role: c.Role, Phone: c.Phone, SentAt: workflow.Now(ctx), SID: res.SID, Failed: err != nil, Code: code}
		if st, ok := w.failedSIDs[res.SID]; ok && res.SID != "" {
			p.Failed, p.Status = true, st
			delete(w.failedSIDs, res.SID)
		}
		esc.Pages = append(esc.Pages, p)
		idx := len(esc.Pages) - 1
		w.nextContact = i + 1
		if i < n && esc.Pages[idx].Failed {
			// Nobody will read this page: the next contact (or the repeat phase) at once.
			continue
		}
		w.nextPageAt = workflow.Now(ctx).Add(w.in.AckTimeout())
		_, _ = w.await(ctx, w.in.AckTimeout(), func() bool {
			return !active() || (i < n && esc.Pages[idx].Failed)
		})
		if active() {
			w.nextPageAt = time.Time{}
		}
	}
}

// exhausted flags the order unacknowledged once the whole chain was paged.
func (w *impl) exhausted(ctx workflow.Context) {
	w.state.Escalation.State = EscalationUnacknowledged
	w.state.Unacknowledged = true
	w.upsertEscalation(ctx)
	w.record(ctx, records.RecordInput{Action: "lab.escalation", Exchange: w.in.PlacerOrderNumber, Code: "unacknowledged",
		Outcome: "error"})
}

// applyPageStatus marks a page undelivered or failed from Twilio's status callback, which wakes
// the escalation to page the next contact.
func (w *impl) applyPageStatus(st PageStatus) {
	if st.Status != "undelivered" && st.Status != "failed" {
		return
	}
	pages := w.state.Escalation.Pages
	for i := range pages {
		if pages[i].SID == st.SID && st.SID != "" {
			pages[i].Failed, pages[i].Status = true, st.Status
			return
		}
	}
	// The callback beat the Page activity's result; keep it for when the page is recorded.
	if len(w.failedSIDs) < 100 {
		w.failedSIDs[st.SID] = st.Status
	}
}

// upsertEscalation publishes the escalation state as a search attribute when the engine
// registered one (Input.EscalationSearchAttribute); it never carries PHI.
func (w *impl) upsertEscalation(ctx workflow.Context) {
	if w.in.EscalationSearchAttribute == "" {
		return
	}
	key := temporal.NewSearchAttributeKeyKeyword(w.in.EscalationSearchAttribute)
	if err := workflow.UpsertTypedSearchAttributes(ctx, key.ValueSet(w.state.Escalation.State)); err != nil {
		w.logger.Warn("Upserting the escalation search attribute failed")
	}
}
