package checkins

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/careflow/engine/workflows/payments"
)

func rejected(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), ErrTypeRejected)
}

// verdict answers with the verdict once known, or "pending" after VerdictWait.
func (w *impl) verdict(ctx workflow.Context, _ VerdictRequest) (VerdictResponse, error) {
	w.requests++
	n := w.requests
	decided := func() bool { return w.state.Verdict.Verdict != VerdictPending || w.notFound }
	if w.localReads >= 1 {
		if err := w.awaitVerdict(ctx, decided); err != nil {
			return VerdictResponse{}, err
		}
	} else if _, err := w.await(ctx, VerdictWait, decided); err != nil {
		return VerdictResponse{}, err
	}
	if w.notFound {
		return VerdictResponse{}, temporal.NewApplicationError("appointment or patient not found", ErrTypeNotFound)
	}
	if r := w.state.Refusal; r != nil && w.state.Verdict.Verdict == VerdictRefused {
		// Refusal details name the status or the window only, never the chart.
		return VerdictResponse{}, temporal.NewApplicationError(r.Detail, ErrTypeRefused, *r)
	}
	st := w.snapshot()
	return VerdictResponse{Verdict: w.state.Verdict, Requests: n, State: &st}, nil
}

// awaitVerdict waits until decided, at most VerdictWait from now (changeLocalReads). While the
// local reads hold the workflow task open a timer would only start once they end, so it waits
// for them first and then only for what is left of VerdictWait.
func (w *impl) awaitVerdict(ctx workflow.Context, decided func() bool) error {
	arrived := workflow.Now(ctx)
	if err := workflow.Await(ctx, func() bool { return decided() || !w.localReading }); err != nil {
		return err
	}
	left := VerdictWait - workflow.Now(ctx).Sub(arrived)
	if decided() || left <= 0 {
		return nil
	}
	_, err := w.await(ctx, left, decided)
	return err
}

// open reports whether the front desk can still change how the check-in ends.
func (w *impl) open() error {
	if w.state.Closed || w.state.Status == StatusFailed {
		return rejected("the check-in is %s and takes no further changes", w.state.Status)
	}
	if w.resolution() != "" {
		return rejected("the check-in was already resolved by %s", w.resolution())
	}
	switch w.state.Step {
	case StepReadEHR, StepEligibility, StepAwaitDesk:
		return nil
	}
	return rejected("the check-in is past the %s step", StepAwaitDesk)
}

func (w *impl) validateSelfPay(u SelfPayUpdate) error {
	if u.Amount <= 0 || u.Amount > payments.MaxAmount {
		return rejected("self-pay amount must be between 1 and %d minor units", payments.MaxAmount)
	}
	if !pmPattern.MatchString(u.PaymentMethod) {
		return rejected("paymentMethod must be a Stripe PaymentMethod id (pm_...)")
	}
	return w.open()
}

func (w *impl) handleSelfPay(ctx workflow.Context, u SelfPayUpdate) (State, error) {
	return w.resolve("self-pay", func() { w.selfPay = &u })
}

// resolve records the front desk's resolution, set by apply, while the check-in is open.
func (w *impl) resolve(resolution string, apply func()) (State, error) {
	if err := w.open(); err != nil {
		return w.snapshot(), err
	}
	apply()
	w.state.Resolution = resolution
	return w.snapshot(), nil
}

func (w *impl) validateOverride(u OverrideUpdate) error {
	if len(u.Reason) == 0 || len(u.Reason) > 200 {
		return rejected("reason is required (at most 200 characters)")
	}
	if u.CopayAmount != nil && (*u.CopayAmount < 0 || *u.CopayAmount > payments.MaxAmount) {
		return rejected("copayAmount must be between 0 and %d minor units", payments.MaxAmount)
	}
	return w.open()
}

func (w *impl) handleOverride(ctx workflow.Context, u OverrideUpdate) (State, error) {
	return w.resolve("override", func() { w.override = &u })
}
