package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/careflow/engine/activities/billing"
	"github.com/careflow/engine/codecs/x12"
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/internal/crosswalk"
	"github.com/careflow/engine/internal/fielderr"
	"github.com/careflow/engine/workflows/claims"
	"github.com/careflow/engine/workflows/payments"
)

// claimNotFound is the 404 detail for claims.
const claimNotFound = "no claim with this patient control number"

// AuthClearinghouseSignature marks routes that verify X-Clearinghouse-Signature (hex
// HMAC-SHA256 of the body under CLEARINGHOUSE_WEBHOOK_SECRET).
const AuthClearinghouseSignature = "clearinghouse-signature"

// Clearinghouse webhook headers: the signature, and the CORE payload type of the X12 body
// (X12_999_Response_005010X231A1, X12_277_Response_005010X214, X12_835_Response_005010X221A1).
const (
	ClearinghouseSignatureHeader   = "X-Clearinghouse-Signature"
	ClearinghousePayloadTypeHeader = "X-CORE-Payload-Type"
)

// maxClearinghouseBody bounds a pushed results file (an 835 for a busy clinic runs to
// hundreds of kilobytes).
const maxClearinghouseBody = 8 << 20

// ClaimDefaults configure new claims.
type ClaimDefaults struct {
	RemitTimeout time.Duration
	// BatchWindow (CLAIM_BATCH_WINDOW) is how long claims ready together are collected into
	// one interchange.
	BatchWindow time.Duration
	// StatusSearchAttribute is the registered keyword search attribute of claim statuses;
	// empty when the namespace has none (GET /v1/claims?status= then answers 503).
	StatusSearchAttribute string
	// WebhookSecret verifies /webhooks/clearinghouse; empty refuses every push.
	WebhookSecret string
}

// claimProcess is how the API reaches claim workflows.
var claimProcess = &process[claims.State]{
	noun:        "claim",
	path:        "/v1/claims",
	notFound:    claimNotFound,
	validateID:  validClaimID,
	workflowID:  claims.WorkflowID,
	taskQueue:   claims.TaskQueue,
	workflow:    claims.WorkflowName,
	statusQuery: claims.StatusQuery,
	view: func(st claims.State, ref TemporalRef) any {
		return ClaimView{State: st, Temporal: ref}
	},
	// A void's body (its reason) is optional; a correction's is the claim (updateFromBody).
	emptyUpdate:        true,
	getContentLocation: true,
}

// claimRoutes are the claim process's routes.
func (s *server) claimRoutes() []routeEntry {
	const read, write = "claims.read", "claims.write"
	p := claimProcess
	return []routeEntry{
		{Route{http.MethodPost, "/v1/claims", AuthBearer, write, "claims.start"}, s.startClaim},
		{Route{http.MethodGet, "/v1/claims", AuthBearer, read, ""}, s.listClaims},
		{Route{http.MethodGet, "/v1/claims/{id}", AuthBearer, read, ""}, getHandler(s, p)},
		{Route{http.MethodPost, "/v1/claims/{id}/correct", AuthBearer, write, "claims.correct"},
			updateFromBody(s, p, claims.CorrectUpdateName, checkCorrection)},
		{Route{http.MethodPost, "/v1/claims/{id}/void", AuthBearer, write, "claims.void"},
			updateHandler[claims.State, claims.VoidUpdate](s, p, claims.VoidUpdateName, nil)},
		{Route{http.MethodGet, "/v1/admin/claims/unmatched", AuthBearer, "admin", ""}, s.listUnmatchedRemits},
		{Route{http.MethodPost, "/webhooks/clearinghouse", AuthClearinghouseSignature, "", "webhook.clearinghouse"}, s.clearinghouseWebhook},
	}
}

// ClaimView is the body of every claim response.
type ClaimView struct {
	claims.State
	Temporal TemporalRef `json:"temporal"`
}

// validClaimID checks a claim's {id}: a patient control number.
func validClaimID(id string) error {
	if !claims.ValidPatientControlNumber(id) {
		return &fielderr.Error{Field: "id", Reason: "must be a patient control number"}
	}
	return nil
}

// claimRulesProblem is the 422 naming every failed 837P rule (fields and rules, never values).
func claimRulesProblem(ce *x12.ClaimError) error {
	p := Problem{Status: http.StatusUnprocessableEntity, Type: ProblemValidation,
		Detail: "the claim fails 837P rule " + string(ce.Problems[0].Rule)}
	for _, pr := range ce.Problems {
		p.InvalidParams = append(p.InvalidParams, InvalidParam{Name: strings.TrimPrefix(pr.Field, "claims[0]."),
			Reason: string(pr.Rule) + ": " + pr.Reason})
	}
	return &problemError{p}
}

// invalidClaim is a 422 naming one field of a claim start.
func invalidClaim(detail, field, reason string) error {
	return &problemError{Problem{Status: http.StatusUnprocessableEntity, Type: ProblemValidation, Detail: detail,
		InvalidParams: []InvalidParam{{Name: field, Reason: reason}}}}
}

// claimStart is the POST /v1/claims body: the claim and, optionally, how to collect the
// patient balance.
type claimStart struct {
	x12.ProfessionalClaim
	CollectPatientBalance bool   `json:"collectPatientBalance"`
	PaymentMethod         string `json:"paymentMethod"`
	CustomerRef           string `json:"customerRef"`
}

// Validate refuses, with 422, a claim without a usable patient control number, one failing an
// 837P rule, or a patient balance payment that could not be started.
func (body *claimStart) Validate() error {
	c := body.ProfessionalClaim
	if !claims.ValidPatientControlNumber(c.PatientControlNumber) {
		return invalidClaim("the claim is invalid", "patientControlNumber", "must be 1 to 20 letters, digits or dashes")
	}
	if ce := claims.Validate(c, time.Now()); ce != nil {
		return claimRulesProblem(ce)
	}
	if body.CollectPatientBalance {
		// The payment the balance will start must be valid now, not weeks later.
		pi := payments.Input{PaymentID: claims.BalancePaymentID(c.PatientControlNumber), Amount: 1,
			Currency: claims.BalanceCurrency, CustomerRef: body.CustomerRef, PaymentMethod: body.PaymentMethod}
		var fe *payments.FieldError
		if err := pi.Validate(); errors.As(err, &fe) {
			return invalidClaim("the patient balance payment is invalid", fe.Field, fe.Reason)
		}
	}
	return nil
}

// startClaim handles POST /v1/claims (the body is the claim): 422 with the failed rule, 201 for
// a new claim, 200 with the existing one for a repeated patient control number.
func (s *server) startClaim(w http.ResponseWriter, r *http.Request, a *auditEntry) {
	var body claimStart
	if !s.decodeValid(w, r, &body) {
		return
	}
	c := body.ProfessionalClaim
	d := s.d.Claims
	in := claims.Input{Claim: c, RemitTimeout: orDefault(d.RemitTimeout, claims.DefaultRemitTimeout),
		StatusSearchAttribute: d.StatusSearchAttribute, BatchWindow: d.BatchWindow,
		CollectPatientBalance: body.CollectPatientBalance, PaymentMethod: body.PaymentMethod, CustomerRef: body.CustomerRef}
	startWorkflow(s, w, r, a, claimProcess, c.PatientControlNumber, in, func() claims.State {
		return claims.State{PatientControlNumber: c.PatientControlNumber, Status: claims.StatusSubmitting, Step: "submit"}
	}, func(o *client.StartWorkflowOptions) {
		// The work list (GET /v1/claims?status=) shows the claim from its start.
		if d.StatusSearchAttribute != "" {
			o.TypedSearchAttributes = temporal.NewSearchAttributes(
				temporal.NewSearchAttributeKeyKeyword(d.StatusSearchAttribute).ValueSet(claims.StatusSubmitting))
		}
	})
}

// checkCorrection checks a correction's body, the corrected claim, against the 837P rules
// (422 naming each) and makes it the workflow's CorrectUpdate.
func checkCorrection(c x12.ProfessionalClaim) (any, error) {
	if ce := claims.Validate(c, time.Now()); ce != nil {
		return nil, claimRulesProblem(ce)
	}
	return claims.CorrectUpdate{Claim: c}, nil
}

// ClaimListItem is one claim in GET /v1/claims?status=: identifiers and status only.
type ClaimListItem struct {
	PatientControlNumber string      `json:"patientControlNumber"`
	Status               string      `json:"status"`
	Temporal             TemporalRef `json:"temporal"`
}

// listClaims handles GET /v1/claims?status=: the work list from the ClaimStatus search
// attribute (visibility is eventually consistent: a change shows within seconds).
func (s *server) listClaims(w http.ResponseWriter, r *http.Request, _ *auditEntry) {
	status := r.URL.Query().Get("status")
	if !slices.Contains(claims.Statuses, status) {
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: "the request is invalid",
			InvalidParams: []InvalidParam{{Name: "status", Reason: "must be one of " + strings.Join(claims.Statuses, ", ")}}})
		return
	}
	attr := s.d.Claims.StatusSearchAttribute
	if attr == "" {
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the claim status search attribute is not registered"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	resp, err := s.d.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: s.d.Namespace, PageSize: 200,
		Query: fmt.Sprintf("WorkflowType = '%s' AND %s = '%s'", claims.WorkflowName, attr, status)})
	if err != nil {
		s.temporalProblem(w, r, err, claimNotFound)
		return
	}
	items := []ClaimListItem{}
	for _, e := range resp.GetExecutions() {
		wid := e.GetExecution().GetWorkflowId()
		pcn, ok := claims.PatientControlNumberFromWorkflowID(wid)
		if !ok {
			continue
		}
		items = append(items, ClaimListItem{PatientControlNumber: pcn, Status: status, Temporal: s.ref(wid, e.GetExecution().GetRunId())})
	}
	writeJSON(w, http.StatusOK, map[string]any{"claims": items})
}

// SignClearinghouseBody returns the X-Clearinghouse-Signature of body under secret.
func SignClearinghouseBody(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// clearinghouseKinds maps a pushed file's payload type to its kind.
var clearinghouseKinds = map[string]string{
	"X12_999_Response_005010X231A1": "999",
	"X12_277_Response_005010X214":   "277CA",
	"X12_835_Response_005010X221A1": "835",
}

// clearinghouseWebhook handles POST /webhooks/clearinghouse: a 999, 277CA or 835 pushed by
// the clearinghouse, signed with HMAC-SHA256. Each claim's part is signalled to its workflow
// (a duplicate 835 is posted once: claims deduplicate by TRN); a file that does not parse is
// kept encrypted and answered 422, touching no claim; a part for an unknown claim is kept
// for manual matching (GET /v1/admin/claims/unmatched). 200 only after Temporal took every
// signal.
func (s *server) clearinghouseWebhook(w http.ResponseWriter, r *http.Request, a *auditEntry) {
	a.webhook("clearinghouse")
	if s.d.Claims.WebhookSecret == "" {
		s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "clearinghouse webhooks are not configured"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxClearinghouseBody))
	if err != nil {
		s.problem(w, r, Problem{Status: http.StatusRequestEntityTooLarge, Detail: "the body is too large"})
		return
	}
	want := SignClearinghouseBody(s.d.Claims.WebhookSecret, body)
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(r.Header.Get(ClearinghouseSignatureHeader)))) {
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemBadSignature,
			Detail: "the " + ClearinghouseSignatureHeader + " header is missing or invalid"})
		return
	}
	kind := clearinghouseKinds[r.Header.Get(ClearinghousePayloadTypeHeader)]
	if kind == "" {
		s.problem(w, r, Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: "unknown payload type",
			InvalidParams: []InvalidParam{{Name: ClearinghousePayloadTypeHeader, Reason: "must name a 999, 277CA or 835 response"}}})
		return
	}
	a.rec.Code = kind
	res, err := s.deliverClearinghouse(r.Context(), kind, body)
	if errors.Is(err, errMalformedResults) {
		s.problem(w, r, Problem{Status: http.StatusUnprocessableEntity, Type: ProblemValidation,
			Detail: "the " + kind + " does not parse; it was kept for review and no claim was changed"})
		return
	}
	if err != nil {
		s.temporalProblem(w, r, err, claimNotFound)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// errMalformedResults marks a results file that does not parse.
var errMalformedResults = errors.New("malformed results file")

// deliverClearinghouse splits one results file and signals each part, keeping what no claim
// takes.
func (s *server) deliverClearinghouse(ctx context.Context, kind string, body []byte) (claims.PollerResult, error) {
	res := claims.PollerResult{Files: 1}
	var parts []claims.Routed
	var err error
	switch kind {
	case "999":
		parts, err = claims.Split999Sets(body)
	case "277CA":
		parts, err = claims.Split277CA(body)
	default:
		parts, err = claims.Split835(body)
	}
	if err != nil {
		if kerr := s.keepResults(ctx, billing.ActionMalformed, kind, "", body); kerr != nil {
			return res, kerr
		}
		res.Malformed++
		return res, errMalformedResults
	}
	for _, p := range parts {
		wid, key, name, arg := "", p.PatientControlNumber, claims.ClaimAckSignalName, any(p.ClaimAck)
		switch {
		case p.Ack != nil:
			name, arg = claims.AckSignalName, p.Ack
			key = "group:" + strconv.FormatInt(p.GroupControlNumber, 10)
			if set := p.Ack.SetControlNumber; set != "" {
				key += "/" + set
				if s.d.Records != nil {
					// A batched interchange: each transaction set is its own claim.
					wid, _ = s.d.Records.LookupCrosswalk(ctx, crosswalk.X12InterchangeSet, crosswalk.SetKey(p.GroupControlNumber, set))
				}
			}
			if wid == "" && s.d.Records != nil {
				wid, _ = s.d.Records.LookupCrosswalk(ctx, crosswalk.X12Interchange, strconv.FormatInt(p.GroupControlNumber, 10))
			}
		case p.Remit != nil:
			name, arg = claims.RemitSignalName, p.Remit
			key = p.PatientControlNumber + "/" + p.Remit.Trace
		}
		if wid == "" && p.PatientControlNumber != "" {
			wid = claims.WorkflowID(p.PatientControlNumber)
		}
		if wid != "" {
			err := s.d.Temporal.SignalWorkflow(ctx, wid, "", name, arg)
			var nf *serviceerror.NotFound
			if err == nil {
				res.Signalled++
				continue
			}
			if !errors.As(err, &nf) {
				return res, err
			}
		}
		if err := s.keepResults(ctx, billing.ActionUnmatched, kind, key, body); err != nil {
			return res, err
		}
		res.Unmatched++
	}
	return res, nil
}

// keepResults keeps a results file encrypted in the audit trail.
func (s *server) keepResults(ctx context.Context, action, kind, key string, body []byte) error {
	if s.d.Records == nil {
		return errors.New("no record store")
	}
	_, err := s.d.Records.Append(ctx, audit.Record{Actor: "webhook:clearinghouse", Action: action, Vendor: "clearinghouse",
		Exchange: key, Code: kind, Outcome: audit.OutcomeRejected, Payload: body})
	return err
}

// UnmatchedRemit is one kept results file, metadata only.
type UnmatchedRemit struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	Reason     string    `json:"reason"`
	Kind       string    `json:"kind"`
	Key        string    `json:"key,omitempty"`
	HasPayload bool      `json:"hasPayload"`
}

// listUnmatchedRemits handles GET /v1/admin/claims/unmatched: results files kept because no
// claim took them or they did not parse, for manual matching.
func (s *server) listUnmatchedRemits(w http.ResponseWriter, r *http.Request, _ *auditEntry) {
	out := []UnmatchedRemit{}
	for _, action := range []string{billing.ActionUnmatched, billing.ActionMalformed} {
		recs, err := s.d.Records.List(r.Context(), audit.Filter{Action: action, Limit: audit.MaxLimit})
		if err != nil {
			s.problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the record store is unavailable"})
			return
		}
		for _, rec := range recs {
			reason := "unmatched"
			if action == billing.ActionMalformed {
				reason = "malformed"
			}
			out = append(out, UnmatchedRemit{ID: rec.ID, At: rec.At, Reason: reason, Kind: rec.Code, Key: rec.Exchange,
				HasPayload: rec.HasPayload})
		}
	}
	slices.SortFunc(out, func(a, b UnmatchedRemit) int { return int(a.ID - b.ID) })
	writeJSON(w, http.StatusOK, map[string]any{"files": out})
}
