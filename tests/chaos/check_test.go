package chaos

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/careflow/engine/api"
)

// verdict is what the simulators' own records say after the run.
type verdict struct {
	captures, captureDups    int
	refunds, refundsWanted   int
	stripeReplays            int
	sms, smsWanted           int
	orms, ormResends         int
	lisDuplicateOrders       int
	oruAA, oruLost           int
	oruAttempts, oruResends  int
	reports, reportsWanted   int
	encounters, encWanted    int
	conditionalCreateMatches int
	finalStatus              map[string]map[string]int
	violations               []string
}

func (v *verdict) violate(format string, args ...any) {
	v.violations = append(v.violations, fmt.Sprintf(format, args...))
}

// check compares every final state with what the simulators recorded.
func (h *harness) check(final map[string]map[string][]byte) verdict {
	v := verdict{finalStatus: map[string]map[string]int{}}
	count := func(kind, status string) {
		if v.finalStatus[kind] == nil {
			v.finalStatus[kind] = map[string]int{}
		}
		v.finalStatus[kind][status]++
	}

	// Stripe: at most one capture per PaymentIntent, one refund per refunded payment.
	st := h.stripe.Sim.Stats()
	v.stripeReplays = st.Replays
	for pi, n := range st.CapturesByIntent {
		v.captures += n
		if n > 1 {
			v.captureDups += n - 1
			v.violate("PaymentIntent %s captured %d times", pi, n)
		}
	}
	v.refunds = st.Refunds
	capturedPayments := 0
	for id, body := range final["/v1/payments/"] {
		var p api.PaymentView
		_ = json.Unmarshal(body, &p)
		count("payment", p.Status)
		if p.CapturedAmount > 0 {
			capturedPayments++
		}
		v.refundsWanted += len(p.Refunds)
		if !strings.HasPrefix(id, "chaos-canary-") && p.Status != "captured" && p.Status != "refunded" {
			v.violate("payment %s ended %s", id, p.Status)
		}
	}
	if v.refunds != v.refundsWanted {
		v.violate("Stripe created %d refunds for %d refunds in the payments' states", v.refunds, v.refundsWanted)
	}

	// Check-ins: SMS and EHR encounters per check-in.
	encounters := map[string]bool{}
	for id, body := range final["/v1/checkins/"] {
		var c api.CheckInView
		_ = json.Unmarshal(body, &c)
		count("check-in", c.Status)
		if c.SMSSent {
			v.smsWanted++
		}
		if c.EncounterID != "" {
			encounters[c.EncounterID] = true
		}
		if c.Status != "completed" {
			v.violate("check-in %s ended %s", id, c.Status)
		}
	}
	v.encWanted = len(encounters)
	// Copays are payments too (child workflows), captured once each.
	if v.captures != capturedPayments+len(final["/v1/checkins/"]) {
		// Reported, not a violation by itself: the per-intent count above is the duplicate check.
		fmt.Fprintf(os.Stderr, "note: %d Stripe captures, %d captured payments, %d check-ins\n", v.captures, capturedPayments, len(final["/v1/checkins/"]))
	}

	// Lab orders: one ORM accepted per order, every AA-acknowledged ORU in the workflow's state.
	reports := map[string]bool{}
	ls := h.lis.Sim.Stats()
	v.lisDuplicateOrders, v.oruAttempts, v.oruResends = ls.DuplicateOrders, ls.ResultAttempts, ls.Resends
	for id, body := range final["/v1/lab-orders/"] {
		var l api.LabOrderView
		_ = json.Unmarshal(body, &l)
		count("lab order", l.Status)
		if l.PatientNotified && (l.PatientNotification == nil || l.PatientNotification.TextSent()) {
			v.smsWanted++
		}
		if l.DiagnosticReportID != "" {
			reports[l.DiagnosticReportID] = true
		}
		o, ok := h.lis.Sim.Order(id)
		if !ok {
			v.violate("lab order %s never reached the LIS", id)
			continue
		}
		v.orms += o.ORMs
		v.ormResends += o.ORMs - 1
		seen := map[string]bool{}
		for _, m := range l.MessageIDs {
			seen[m] = true
		}
		for _, d := range o.Results {
			if d.AckCode != "AA" {
				continue
			}
			v.oruAA++
			if !seen[d.ControlID] {
				v.oruLost++
				v.violate("ORU %s for %s was acknowledged AA but is not in the workflow's state", d.ControlID, id)
			}
		}
		if l.Status != "final" {
			v.violate("lab order %s closed with status %s (step %s, failure %q, report %q, %d result messages); the LIS got %d ORMs answered %v",
				id, l.Status, l.Step, l.FailureCode, l.DiagnosticReportID, len(l.MessageIDs), o.ORMs, o.AckCodes)
		}
	}
	if v.lisDuplicateOrders > 0 {
		// A resent ORM after a kill is answered AA again by the LIS and produces no second
		// set of results (the LIS keys orders by placer number), so it is counted, not failed.
		fmt.Fprintf(os.Stderr, "note: %d ORM resends answered as duplicates by the LIS\n", v.lisDuplicateOrders)
	}
	v.reportsWanted = len(reports)

	// EHR writes: one DiagnosticReport per lab order, one Encounter per check-in.
	es := h.ehr.Sim.Stats()
	v.conditionalCreateMatches = es.ConditionalCreateMatches
	v.reports = len(h.ehr.Sim.Resources("DiagnosticReport")) - h.baseReports
	v.encounters = len(h.ehr.Sim.Resources("Encounter")) - h.baseEncounters
	if v.reports != v.reportsWanted {
		v.violate("the EHR holds %d new DiagnosticReports for %d filed lab orders", v.reports, v.reportsWanted)
	}
	if v.encounters != v.encWanted {
		v.violate("the EHR holds %d new Encounters for %d check-ins with one", v.encounters, v.encWanted)
	}

	// SMS: one per message the processes report as sent.
	tw := h.twilio.Sim.Stats()
	v.sms = tw.Sent
	if v.sms != v.smsWanted {
		// Which kind of text is over: messages grouped by recipient and the body's first words
		// (simulated patients, no real PHI).
		groups := map[string]int{}
		for _, m := range h.twilio.Sim.Messages() {
			if m.Direction == "outbound-api" {
				body := m.Body
				if len(body) > 40 {
					body = body[:40]
				}
				groups[m.To+" "+body]++
			}
		}
		v.violate("Twilio accepted %d messages; the processes' states report %d; by recipient and opening: %v", v.sms, v.smsWanted, groups)
	}
	return v
}

// summary prints the run's table.
func (h *harness) summary(n, nPay, nCheck, nLab, canaries int, load, settle time.Duration, v verdict) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "\n=== careflow chaos summary ===\n")
	fmt.Fprintf(w, "processes in flight\t%d (payments %d, check-ins %d, lab orders %d) + %d canary payments\n", n, nPay, nCheck, nLab, canaries)
	for kind, m := range v.finalStatus {
		fmt.Fprintf(w, "final states: %s\t%v\n", kind, m)
	}
	for _, k := range h.results {
		fmt.Fprintf(w, "kill -9 %s (pid %d)\t%d processes started, %d workflows open; back up %v; new payment authorized %v after the kill\n", k.target, k.pid, k.started, k.inFlight, k.down.Round(time.Millisecond), k.recovery.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "load phase / settle phase\t%v / %v\n", load.Round(time.Second), settle.Round(time.Second))
	fmt.Fprintf(w, "Stripe captures (duplicates)\t%d (%d); idempotent replays %d\n", v.captures, v.captureDups, v.stripeReplays)
	fmt.Fprintf(w, "Stripe refunds / in states\t%d / %d\n", v.refunds, v.refundsWanted)
	fmt.Fprintf(w, "SMS sent / in states\t%d / %d\n", v.sms, v.smsWanted)
	fmt.Fprintf(w, "ORM sends (resends; LIS duplicates)\t%d (%d; %d)\n", v.orms, v.ormResends, v.lisDuplicateOrders)
	fmt.Fprintf(w, "EHR DiagnosticReports / filed\t%d / %d\n", v.reports, v.reportsWanted)
	fmt.Fprintf(w, "EHR Encounters / check-ins\t%d / %d; conditional-create matches %d\n", v.encounters, v.encWanted, v.conditionalCreateMatches)
	fmt.Fprintf(w, "ORUs acknowledged AA (lost)\t%d (%d); send attempts %d, resends %d\n", v.oruAA, v.oruLost, v.oruAttempts, v.oruResends)
	fmt.Fprintf(w, "violations\t%d\n", len(v.violations))
	_ = w.Flush()
}
