package chsim_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/codecs/x12"
	"github.com/careflow/engine/internal/sim/chsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// claimFor returns a valid one-line (or two-line) professional claim.
func claimFor(pcn string, lines ...x12.Money) x12.ProfessionalClaim {
	if len(lines) == 0 {
		lines = []x12.Money{12500}
	}
	c := x12.ProfessionalClaim{
		BillingProvider: x12.BillingProvider{NPI: "1234567893", OrganizationName: "Riverside Clinic",
			Taxonomy: "207Q00000X", TaxID: "123456789",
			Address: x12.Address{Line1: "100 Main St", City: "Springfield", State: "IL", PostalCode: "627011234"}},
		Subscriber: x12.ClaimSubscriber{MemberID: "W123456789", LastName: "Doe", FirstName: "Jane",
			BirthDate: time.Date(1985, 2, 14, 0, 0, 0, 0, time.UTC), Gender: "F",
			Address: &x12.Address{Line1: "12 Oak Ave", City: "Springfield", State: "IL", PostalCode: "62704"}},
		Payer:                x12.ClaimPayer{Name: "Acme Health Plan", ID: "ACME01"},
		PatientControlNumber: pcn, PlaceOfService: "11", ProviderSignature: true, BenefitsAssigned: true,
		Diagnoses: []string{"J06.9"},
	}
	for i, m := range lines {
		c.TotalCharge += m
		c.Lines = append(c.Lines, x12.ServiceLine{Code: "99213", Charge: m, Units: 1, DiagnosisPointers: []int{1},
			ServiceDate: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), LineControlNumber: pcn + "-" + string(rune('1'+i))})
	}
	return c
}

// build837 builds one interchange holding claims.
func build837(t *testing.T, control int64, claims ...x12.ProfessionalClaim) []byte {
	t.Helper()
	out, err := x12.Build837P(x12.ClaimBatch{
		Envelope: x12.Envelope{SenderQualifier: "ZZ", SenderID: "CAREFLOW", ReceiverQualifier: "ZZ",
			ReceiverID: "CHSIM", ControlNumber: control, Date: fixedNow, Usage: 'T'},
		BatchID:      "B1",
		Submitter:    x12.Submitter{Name: "Careflow", ID: "CAREFLOW", ContactName: "Billing", ContactPhone: "5555550100"},
		ReceiverName: "Clearinghouse", ReceiverID: "CHSIM", Claims: claims,
	})
	require.NoError(t, err)
	return out
}

// retrieve takes the next file of one kind.
func retrieve(t *testing.T, c *clearinghouse.Client, kind, id string) *clearinghouse.BatchFile {
	t.Helper()
	f, err := c.RetrieveBatchResults(context.Background(), kind, id)
	require.NoError(t, err)
	return f
}

func TestBatchScenarios(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	c := newClient(srv, testUser, testPass)
	ctx := context.Background()
	payload := build837(t, 42,
		claimFor("OK-1"), claimFor("REJ999-1"), claimFor("REJ277-1"), claimFor("DENY-1", 10000, 5000),
		claimFor("PART-1", 10000), claimFor("REVERSE-1", 10000), claimFor("PLB-1"), claimFor("NOREMIT-1"))
	_, err := c.SubmitBatch(ctx, clearinghouse.BatchSubmission{PayloadType: clearinghouse.PayloadType837P,
		PayloadID: "sub-1", Payload: payload})
	require.NoError(t, err)
	// A retried submission (same PayloadID) is not a second batch.
	_, err = c.SubmitBatch(ctx, clearinghouse.BatchSubmission{PayloadType: clearinghouse.PayloadType837P,
		PayloadID: "sub-1", Payload: payload})
	require.NoError(t, err)
	require.Equal(t, 1, srv.Sim.Stats().Batches)

	f := retrieve(t, c, clearinghouse.PayloadType999Retrieval, "r-999")
	require.NotNil(t, f)
	assert.Equal(t, clearinghouse.PayloadType999, f.PayloadType)
	ack, err := x12.Parse999(f.Payload)
	require.NoError(t, err)
	assert.Equal(t, "P", ack.Status)
	assert.Equal(t, int64(42), ack.GroupControlNumber)
	require.Len(t, ack.SetResponses, 8)
	assert.False(t, ack.SetResponses[1].Accepted)
	assert.Equal(t, x12.SetControlNumber(1), ack.SetResponses[1].ControlNumber)
	require.NotEmpty(t, ack.SetResponses[1].SegmentErrors)
	assert.Equal(t, "CLM", ack.SetResponses[1].SegmentErrors[0].SegmentID)
	assert.True(t, ack.SetResponses[0].Accepted)
	// The same retrieval PayloadID returns the same file, once taken.
	again := retrieve(t, c, clearinghouse.PayloadType999Retrieval, "r-999")
	assert.Equal(t, f.Payload, again.Payload)
	assert.Nil(t, retrieve(t, c, clearinghouse.PayloadType999Retrieval, "r-999-b"))

	f = retrieve(t, c, clearinghouse.PayloadType277CARetrieval, "r-277")
	require.NotNil(t, f)
	ca, err := x12.Parse277CA(f.Payload)
	require.NoError(t, err)
	assert.Nil(t, ca.FindClaim("REJ999-1"))
	assert.True(t, ca.FindClaim("OK-1").Accepted)
	assert.NotEmpty(t, ca.FindClaim("OK-1").PayerClaimControlNumber)
	rej := ca.FindClaim("REJ277-1")
	require.NotNil(t, rej)
	assert.True(t, rej.Rejected)
	assert.Equal(t, "A7", rej.Statuses[0].Codes[0].Category)
	assert.Equal(t, "21", rej.Statuses[0].Codes[0].Status)

	f = retrieve(t, c, clearinghouse.PayloadType835Retrieval, "r-835-1")
	require.NotNil(t, f)
	rm, err := x12.Parse835(f.Payload)
	require.NoError(t, err)
	adv := rm.Advices[0]
	assert.Nil(t, rm.FindClaim("REJ277-1"))
	assert.Nil(t, rm.FindClaim("NOREMIT-1"))
	ok := rm.FindClaim("OK-1")
	assert.Equal(t, x12.Money(12500), ok.Paid)
	deny := rm.FindClaim("DENY-1")
	assert.True(t, deny.Denied)
	assert.Equal(t, x12.Money(0), deny.Paid)
	assert.Equal(t, "50", deny.Services[0].Adjustments[0].Reason)
	assert.Equal(t, []string{"N115"}, deny.Services[0].RemarkCodes)
	part := rm.FindClaim("PART-1")
	assert.Equal(t, x12.Money(7000), part.Paid)
	assert.Equal(t, x12.Money(1000), part.PatientResponsibility)
	require.Len(t, adv.ProviderAdjustments, 1)
	assert.Equal(t, "L6", adv.ProviderAdjustments[0].Reason)
	// Paid: 125 + 70 + 100 (reversal's first payment) + 125 (PLB claim) + 2.50 interest.
	assert.Equal(t, x12.Money(12500+7000+10000+12500+250), adv.TotalPaid)
	assert.NotEmpty(t, adv.Trace.Number)

	f = retrieve(t, c, clearinghouse.PayloadType835Retrieval, "r-835-2")
	require.NotNil(t, f)
	rm2, err := x12.Parse835(f.Payload)
	require.NoError(t, err)
	cl := rm2.Advices[0].Claims
	require.Len(t, cl, 2)
	assert.True(t, cl[0].Reversal)
	assert.Equal(t, x12.Money(-10000), cl[0].Paid)
	assert.Equal(t, x12.Money(7000), cl[1].Paid)
	assert.NotEqual(t, cl[0].PayerClaimControlNumber, cl[1].PayerClaimControlNumber)
	assert.NotEqual(t, adv.Trace.Number, rm2.Advices[0].Trace.Number)
	assert.Nil(t, retrieve(t, c, clearinghouse.PayloadType835Retrieval, "r-835-3"))

	// A corrected claim (second submission of a patient control number) is paid in full.
	_, err = c.SubmitBatch(ctx, clearinghouse.BatchSubmission{PayloadType: clearinghouse.PayloadType837P,
		PayloadID: "sub-2", Payload: build837(t, 43, claimFor("DENY-1", 10000, 5000))})
	require.NoError(t, err)
	f = retrieve(t, c, clearinghouse.PayloadType835Retrieval, "r-835-4")
	require.NotNil(t, f)
	rm3, err := x12.Parse835(f.Payload)
	require.NoError(t, err)
	assert.Equal(t, x12.Money(15000), rm3.FindClaim("DENY-1").Paid)
}

func TestBatchMalformed835AndErrors(t *testing.T) {
	srv := startSim(t, chsim.Options{})
	c := newClient(srv, testUser, testPass)
	ctx := context.Background()
	_, err := c.SubmitBatch(ctx, clearinghouse.BatchSubmission{PayloadType: clearinghouse.PayloadType837P,
		PayloadID: "sub-1", Payload: build837(t, 7, claimFor("BAD835-1"))})
	require.NoError(t, err)
	f := retrieve(t, c, clearinghouse.PayloadType835Retrieval, "r-1")
	require.NotNil(t, f)
	_, err = x12.Parse835(f.Payload)
	require.Error(t, err)

	// Not X12 at all: a permanent CORE error.
	_, err = c.SubmitBatch(ctx, clearinghouse.BatchSubmission{PayloadType: clearinghouse.PayloadType837P,
		PayloadID: "sub-2", Payload: []byte("hello")})
	require.Error(t, err)
	assert.False(t, clearinghouse.IsRetryable(err))

	// A 5xx is retryable, and the retry with the same PayloadID submits once.
	srv.Sim.InjectFault(chsim.Fault{Op: chsim.OpBatch, Kind: chsim.FaultLost, Count: 1})
	sub := clearinghouse.BatchSubmission{PayloadType: clearinghouse.PayloadType837P, PayloadID: "sub-3",
		Payload: build837(t, 8, claimFor("OK-9"))}
	_, err = c.SubmitBatch(ctx, sub)
	require.Error(t, err)
	assert.True(t, clearinghouse.IsRetryable(err))
	_, err = c.SubmitBatch(ctx, sub)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Sim.Stats().Batches)
	require.Len(t, srv.Sim.Submissions(), 2)
	assert.Equal(t, []string{"OK-9"}, srv.Sim.Submissions()[1].PatientControlNumbers)
}

func TestBatchPushSignedInOrderAndQueuesRefused(t *testing.T) {
	type got struct{ kind, sig, want string }
	var mu sync.Mutex
	var pushes []got
	engine := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		m := hmac.New(sha256.New, []byte("push-secret"))
		m.Write(b)
		mu.Lock()
		pushes = append(pushes, got{r.Header.Get(chsim.PushPayloadTypeHeader), r.Header.Get(chsim.PushSignatureHeader), hex.EncodeToString(m.Sum(nil))})
		mu.Unlock()
		if r.Header.Get(chsim.PushPayloadTypeHeader) == clearinghouse.PayloadType277CA {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer engine.Close()
	srv := startSim(t, chsim.Options{})
	srv.Sim.SetPush(engine.URL, "push-secret")
	c := newClient(srv, testUser, testPass)
	_, err := c.SubmitBatch(context.Background(), clearinghouse.BatchSubmission{PayloadType: clearinghouse.PayloadType837P,
		PayloadID: "sub-1", Payload: build837(t, 5, claimFor("OK-1"))})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(pushes) == 3
	}, 5*time.Second, 10*time.Millisecond)
	srv.Close() // waits for the pushing goroutine
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{clearinghouse.PayloadType999, clearinghouse.PayloadType277CA, clearinghouse.PayloadType835},
		[]string{pushes[0].kind, pushes[1].kind, pushes[2].kind})
	for _, p := range pushes {
		assert.Equal(t, p.want, p.sig)
	}
	assert.Equal(t, 2, srv.Sim.Stats().Pushes)
	pending := srv.Sim.Pending("CAREFLOW")
	require.Len(t, pending, 1, "the refused 277CA waits for retrieval")
	assert.Equal(t, clearinghouse.PayloadType277CA, pending[0].PayloadType)
}
