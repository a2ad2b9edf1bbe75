package eligibility

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/codecs/x12"
	"github.com/careflow/engine/internal/audit"
)

// RealTimer is the part of the clearinghouse client the activity needs.
type RealTimer interface {
	RealTime(ctx context.Context, req clearinghouse.RealTimeRequest) (*clearinghouse.RealTimeResponse, error)
}

// Activities asks payers about eligibility. Envelope carries the trading-partner ids of the
// interchange; its control number and date are set per inquiry.
type Activities struct {
	Clearinghouse RealTimer
	Envelope      x12.Envelope
	Records       audit.Appender
	// Now is the clock for the interchange date and audit latencies; nil means time.Now.
	Now func() time.Time
}

// CheckEligibilityName is the activity type name CheckEligibility is registered under.
const CheckEligibilityName = "CheckEligibility"

// CheckEligibility sends a 270 and parses the 271. A malformed answer is permanent (the same
// question gets the same answer) and keeps the raw payload in the error's details, which the
// payload codec encrypts in history.
func (a *Activities) CheckEligibility(ctx context.Context, in CheckInput) (CheckResult, error) {
	ex := audit.Begin(ctx, a.Records, a.Now, "clearinghouse.270", "clearinghouse", "")
	payload, err := a.build270(in)
	if err != nil {
		return CheckResult{}, temporal.NewNonRetryableApplicationError("the inquiry is incomplete: "+err.Error(), ErrTypeRejected, nil)
	}
	payloadID := clearinghouse.DerivePayloadID(in.PayloadID)
	resp, err := a.Clearinghouse.RealTime(ctx, clearinghouse.RealTimeRequest{
		PayloadType: clearinghouse.PayloadType270, PayloadID: payloadID, Payload: payload})
	ex.Exchange = payloadID
	defer ex.Done()
	if err != nil {
		var ce *clearinghouse.Error
		ex.Outcome = audit.OutcomeError
		if errors.As(err, &ce) {
			ex.Code = ce.Code
			if !ce.Retryable {
				ex.Outcome = audit.OutcomeRejected
				return CheckResult{}, temporal.NewNonRetryableApplicationError("code "+ce.Code, ErrTypeRejected, nil)
			}
		}
		return CheckResult{}, fmt.Errorf("clearinghouse: %w", err)
	}
	if resp.PayloadType == clearinghouse.PayloadType999 {
		ack, perr := x12.Parse999(resp.Payload)
		if perr != nil {
			ex.Outcome, ex.Code = audit.OutcomeRejected, "malformed-999"
			return CheckResult{}, malformed(perr, resp.Payload)
		}
		ex.Outcome, ex.Code = audit.OutcomeRejected, "999"
		if !ack.Accepted {
			return CheckResult{}, temporal.NewNonRetryableApplicationError("the 270 was rejected (999)", ErrTypeRejected, nil)
		}
		return CheckResult{}, temporal.NewNonRetryableApplicationError("a 999 came back instead of a 271", ErrTypeRejected, nil)
	}
	r, perr := x12.Parse271(resp.Payload)
	if perr != nil {
		ex.Outcome, ex.Code = audit.OutcomeRejected, "malformed-271"
		return CheckResult{}, malformed(perr, resp.Payload)
	}
	return resultOf(r, in.Dependent != nil), nil
}

// malformed is the permanent error for an unreadable answer. x12 parse errors name segment
// positions and rules, never element values, so the reason is safe to show.
func malformed(err error, raw []byte) error {
	return temporal.NewNonRetryableApplicationError("unreadable payer response", ErrTypeMalformed, nil,
		MalformedDetail{Reason: err.Error(), Raw: raw})
}

// resultOf reduces a 271 to what the check-in needs, for the office-visit service type (30).
// For a dependent's inquiry the benefits are read from the dependent's loop (2110D) when the
// payer answered there: the subscriber's own benefits are not the patient's.
func resultOf(r *x12.EligibilityResponse, dependent bool) CheckResult {
	if dependent && r.Dependent != nil {
		own := *r
		own.Benefits = nil
		for _, b := range r.Benefits {
			if b.Loop == "2110D" {
				own.Benefits = append(own.Benefits, b)
			}
		}
		own.Active = nil
		for _, b := range own.Benefits {
			if active, known := benefitActive(b.Code); known && (own.Active == nil || active) {
				own.Active = &active
			}
		}
		r = &own
	}
	out := CheckResult{Active: r.Active != nil && *r.Active, PlanName: r.PlanName, Dependent: dependent && r.Dependent != nil}
	if m, ok := r.Copay("30"); ok {
		v := int64(m)
		out.CopayAmount = &v
	} else if m, ok := r.Copay("98"); ok {
		v := int64(m)
		out.CopayAmount = &v
	}
	if p, ok := r.Coinsurance("30"); ok {
		out.CoinsurancePercent = &p
	}
	if m, ok := r.DeductibleRemaining("30"); ok {
		v := int64(m)
		out.DeductibleRemaining = &v
	}
	for _, rj := range r.Rejections {
		out.Rejections = append(out.Rejections, Rejection{Loop: rj.Loop, Code: rj.Code, Meaning: rj.Meaning})
	}
	return out
}

// benefitActive reads EB01: 1-5 say coverage is active, 6-8 that it is not.
func benefitActive(code string) (active, known bool) {
	switch code {
	case "1", "2", "3", "4", "5":
		return true, true
	case "6", "7", "8":
		return false, true
	}
	return false, false
}

// relationshipCode maps a FHIR subscriber-relationship to the 270's INS02 in loop 2100D,
// which 005010X279A1 limits to 01 spouse, 19 child and 34 other adult.
func relationshipCode(rel string) string {
	switch rel {
	case "spouse", "common":
		return "01"
	case "child":
		return "19"
	}
	return "34"
}

func (a *Activities) build270(in CheckInput) ([]byte, error) {
	env := a.Envelope
	env.ControlNumber = controlNumber(in.PayloadID)
	env.Date = a.now()
	if env.Usage == 0 {
		env.Usage = 'P'
	}
	sub := x12.Subscriber{MemberID: in.Subscriber.MemberID, LastName: in.Subscriber.LastName,
		FirstName: in.Subscriber.FirstName, Gender: genderCode(in.Subscriber.Gender), GroupNumber: in.Subscriber.GroupNumber}
	if in.Subscriber.BirthDate != "" {
		bd, err := time.Parse("2006-01-02", in.Subscriber.BirthDate)
		if err != nil {
			return nil, errors.New("subscriber birth date is not YYYY-MM-DD")
		}
		sub.BirthDate = bd
	}
	req := x12.InquiryRequest{Envelope: env, TraceNumber: in.TraceNumber, PayerName: in.PayerName, PayerID: in.PayerID,
		Provider: x12.Provider{NPI: in.ProviderNPI, OrganizationName: in.ProviderName}, Subscriber: sub,
		ServiceTypes: in.ServiceTypes}
	if d := in.Dependent; d != nil {
		bd, err := time.Parse("2006-01-02", d.BirthDate)
		if err != nil {
			return nil, errors.New("dependent birth date is not YYYY-MM-DD")
		}
		req.Dependent = &x12.Dependent{LastName: d.LastName, FirstName: d.FirstName, BirthDate: bd,
			Gender: genderCode(d.Gender), Relationship: relationshipCode(d.Relationship)}
	}
	if in.ServiceDate != "" {
		d, err := time.Parse("2006-01-02", in.ServiceDate)
		if err != nil {
			return nil, errors.New("service date is not YYYY-MM-DD")
		}
		req.ServiceDate = d
	}
	return x12.Build270(req)
}

// controlNumber derives ISA13 from the idempotency key, so a retried inquiry is the same
// interchange.
func controlNumber(key string) int64 {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int64(h.Sum32()%999_999_998) + 1
}

// genderCode maps FHIR's administrative gender to DMG03.
func genderCode(g string) string {
	switch g {
	case "male":
		return "M"
	case "female":
		return "F"
	case "":
		return ""
	}
	return "U"
}

// now is the injected clock, or the wall clock when none is set.
func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
