package pharmsim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/careflow/engine/clients/pharmacy"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/careflow/engine/internal/sim/pharmsim"
	"github.com/stretchr/testify/require"
)

var ctx = context.Background()

func TestAcceptedAndResendCountedOnce(t *testing.T) {
	srv := startSim(t, pharmsim.Options{})
	c := newClient(t, srv, 5*time.Second)
	rx := newRx(t, "1234567", "MSG-ACCEPT-1")
	first, err := c.Send(ctx, rx)
	require.NoError(t, err)
	require.Equal(t, ncpdp.TypeStatus, first.Type())
	require.Equal(t, ncpdp.StatusTransactionSuccessful, first.Body.Status.Code)
	require.Equal(t, "MSG-ACCEPT-1", first.Header.RelatesToMessageID)

	again, err := c.Send(ctx, rx)
	require.NoError(t, err)
	require.Equal(t, first.Header.MessageID, again.Header.MessageID, "a resend gets the same answer")

	st := srv.Sim.Stats()
	require.Equal(t, 1, st.Received["NewRx"])
	require.Equal(t, 1, st.Duplicates["NewRx"])
	msgs := srv.Sim.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, 2, msgs[0].Posts)
	require.Equal(t, pharmsim.ScenarioAccepted, msgs[0].Scenario)
}

func TestRejectScenarioIsPermanentError900(t *testing.T) {
	srv := startSim(t, pharmsim.Options{})
	_, err := newClient(t, srv, 5*time.Second).Send(ctx, newRx(t, pharmsim.PharmacyReject, "MSG-REJ-1"))
	var rej *pharmacy.RejectedError
	require.ErrorAs(t, err, &rej)
	require.Equal(t, ncpdp.ErrorTransactionRejected, rej.Code)
	require.Equal(t, "transaction rejected", rej.Description)
	require.True(t, pharmacy.IsPermanent(err))
	require.Equal(t, 1, srv.Sim.Stats().Answered["Error"])
}

func TestServerErrorScenarioThenAcceptedOnce(t *testing.T) {
	srv := startSim(t, pharmsim.Options{ServerErrorAttempts: 2})
	c := newClient(t, srv, 5*time.Second)
	rx := newRx(t, pharmsim.PharmacyServerError, "MSG-5XX-1")
	for i := 0; i < 2; i++ {
		_, err := c.Send(ctx, rx)
		var te *pharmacy.TransientError
		require.ErrorAs(t, err, &te)
		require.Equal(t, http.StatusServiceUnavailable, te.StatusCode)
	}
	_, err := c.Send(ctx, rx)
	require.NoError(t, err)
	_, err = c.Send(ctx, rx)
	require.NoError(t, err)
	st := srv.Sim.Stats()
	require.Equal(t, 1, st.Received["NewRx"])
	require.Equal(t, 2, st.ServerErrors)
	require.Equal(t, 4, srv.Sim.Messages()[0].Posts)
}

func TestSlowScenarioTimesOutThenResendIsDeduplicated(t *testing.T) {
	srv := startSim(t, pharmsim.Options{SlowDelay: 300 * time.Millisecond})
	rx := newRx(t, pharmsim.PharmacySlow, "MSG-SLOW-1")
	_, err := newClient(t, srv, 20*time.Millisecond).Send(ctx, rx)
	var te *pharmacy.TransientError
	require.ErrorAs(t, err, &te)
	// A client that waits long enough gets the answer; the network processed it once.
	ans, err := newClient(t, srv, 5*time.Second).Send(ctx, rx)
	require.NoError(t, err)
	require.Equal(t, ncpdp.TypeStatus, ans.Type())
	require.Equal(t, 1, srv.Sim.Stats().Received["NewRx"])
}

func TestLostAnswerFaultThenResendExactlyOnce(t *testing.T) {
	srv := startSim(t, pharmsim.Options{})
	srv.Sim.InjectFault(pharmsim.Fault{Op: "NewRx", Kind: pharmsim.FaultLostAnswer, Count: 1})
	c := newClient(t, srv, 5*time.Second)
	rx := newRx(t, "1234567", "MSG-LOST-1")
	_, err := c.Send(ctx, rx)
	var te *pharmacy.TransientError
	require.ErrorAs(t, err, &te)
	require.Equal(t, 1, srv.Sim.Stats().Received["NewRx"], "the network accepted it before the answer was lost")
	_, err = c.Send(ctx, rx)
	require.NoError(t, err)
	st := srv.Sim.Stats()
	require.Equal(t, 1, st.Received["NewRx"])
	require.Equal(t, 1, st.Duplicates["NewRx"])
	require.Equal(t, 1, st.FaultsTriggered)
}

func TestServerErrorFaultDoesNotProcess(t *testing.T) {
	srv := startSim(t, pharmsim.Options{})
	srv.Sim.InjectFault(pharmsim.Fault{Op: pharmsim.OpAny, Kind: pharmsim.FaultServerError, Count: 1})
	c := newClient(t, srv, 5*time.Second)
	rx := newRx(t, "1234567", "MSG-500-1")
	_, err := c.Send(ctx, rx)
	require.False(t, pharmacy.IsPermanent(err))
	require.Equal(t, 0, srv.Sim.Stats().Received["NewRx"])
	_, err = c.Send(ctx, rx)
	require.NoError(t, err)
	require.Equal(t, 1, srv.Sim.Stats().Received["NewRx"])
	require.Empty(t, srv.Sim.Faults())
}

// followUp sends a NewRx to pharmacyID and returns the one signed webhook
// that follows it.
func followUp(t *testing.T, pharmacyID string) (*ncpdp.Message, *ncpdp.Message) {
	t.Helper()
	rc := newReceiver(t, "s3cret")
	srv := startSim(t, pharmsim.Options{WebhookURL: rc.URL, WebhookSecret: "s3cret"})
	rx := newRx(t, pharmacyID, "MSG-FU-"+pharmacyID)
	_, err := newClient(t, srv, 5*time.Second).Send(ctx, rx)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(rc.all()) == 1 }, wait, tick)
	got := rc.all()[0]
	require.NoError(t, got.verified)
	require.Equal(t, rx.Header.MessageID, got.msg.Header.RelatesToMessageID)
	require.Equal(t, rx.Header.PrescriberOrderNumber, got.msg.Header.PrescriberOrderNumber)
	require.NotEmpty(t, got.msg.Header.RxReferenceNumber)
	require.Eventually(t, func() bool { return srv.Sim.Stats().WebhooksDelivered[string(got.msg.Type())] == 1 }, wait, tick)
	return rx, got.msg
}

func TestChangeRequestScenario(t *testing.T) {
	_, m := followUp(t, pharmsim.PharmacyChangeRequest)
	require.Equal(t, ncpdp.TypeRxChangeRequest, m.Type())
	require.Equal(t, ncpdp.ChangeTherapeuticInterchange, m.Body.RxChangeRequest.MessageRequestCode)
	require.Len(t, m.Body.RxChangeRequest.MedicationRequested, 1)
}

func TestPartialFillScenario(t *testing.T) {
	_, m := followUp(t, pharmsim.PharmacyPartialFill)
	require.Equal(t, ncpdp.TypeRxFill, m.Type())
	require.Equal(t, ncpdp.FillPartiallyDispensed, m.Body.RxFill.FillStatus.Outcome())
	require.Equal(t, "15", m.Body.RxFill.MedicationDispensed.Quantity.Value)
}

func TestFilledScenario(t *testing.T) {
	_, m := followUp(t, pharmsim.PharmacyFilled)
	require.Equal(t, ncpdp.FillDispensed, m.Body.RxFill.FillStatus.Outcome())
}

func TestCancelScenarios(t *testing.T) {
	for _, tc := range []struct {
		pharmacy, answer string
	}{{"1234567", ncpdp.AnswerApproved}, {pharmsim.PharmacyDeniedCancel, ncpdp.AnswerDenied}} {
		t.Run(tc.answer, func(t *testing.T) {
			rc := newReceiver(t, pharmsim.DefaultWebhookSecret)
			srv := startSim(t, pharmsim.Options{WebhookURL: rc.URL})
			c := newClient(t, srv, 5*time.Second)
			rx := newRx(t, tc.pharmacy, "MSG-RX-"+tc.answer)
			_, err := c.Send(ctx, rx)
			require.NoError(t, err)
			cancel := cancelRx(rx, "MSG-CAN-"+tc.answer)
			ans, err := c.Send(ctx, cancel)
			require.NoError(t, err)
			require.Equal(t, ncpdp.TypeStatus, ans.Type())
			require.Eventually(t, func() bool { return len(rc.all()) == 1 }, wait, tick)
			got := rc.all()[0]
			require.NoError(t, got.verified)
			require.Equal(t, ncpdp.TypeCancelRxResponse, got.msg.Type())
			require.Equal(t, cancel.Header.MessageID, got.msg.Header.RelatesToMessageID)
			require.Equal(t, tc.answer, got.msg.Body.CancelRxResponse.Response.Answer())
			st := srv.Sim.Stats()
			require.Equal(t, 1, st.Received["CancelRx"])
		})
	}
}

func TestWebhookRetriedWithSameMessageID(t *testing.T) {
	rc := newReceiver(t, pharmsim.DefaultWebhookSecret, http.StatusInternalServerError, http.StatusBadGateway)
	srv := startSim(t, pharmsim.Options{WebhookURL: rc.URL})
	_, err := newClient(t, srv, 5*time.Second).Send(ctx, newRx(t, pharmsim.PharmacyFilled, "MSG-RETRY-1"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return srv.Sim.Stats().WebhooksDelivered["RxFill"] == 1 }, wait, tick)
	got := rc.all()
	require.Len(t, got, 3)
	for _, g := range got {
		require.NoError(t, g.verified)
		require.Equal(t, got[0].msg.Header.MessageID, g.msg.Header.MessageID)
	}
	require.Equal(t, 2, srv.Sim.Stats().WebhookAttemptsFailed)
}

func TestWebhookWithWrongSecretDoesNotVerify(t *testing.T) {
	rc := newReceiver(t, "engine-secret")
	srv := startSim(t, pharmsim.Options{WebhookURL: rc.URL, WebhookSecret: "other"})
	_, err := newClient(t, srv, 5*time.Second).Send(ctx, newRx(t, pharmsim.PharmacyFilled, "MSG-SIG-1"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(rc.all()) == 1 }, wait, tick)
	require.ErrorIs(t, rc.all()[0].verified, pharmacy.ErrSignatureMismatch)
}

func TestConcurrentResendsProcessedOnce(t *testing.T) {
	srv := startSim(t, pharmsim.Options{})
	c := newClient(t, srv, 5*time.Second)
	rx := newRx(t, "1234567", "MSG-CONC-1")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Send(ctx, rx)
			require.NoError(t, err)
		}()
	}
	wg.Wait()
	st := srv.Sim.Stats()
	require.Equal(t, 1, st.Received["NewRx"])
	require.Equal(t, 7, st.Duplicates["NewRx"])
}

func TestBadInput(t *testing.T) {
	srv := startSim(t, pharmsim.Options{})
	post := func(ct, body string) *http.Response {
		resp, err := http.Post(srv.URL, ct, bytes.NewBufferString(body))
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	require.Equal(t, http.StatusUnsupportedMediaType, post("application/json", "{}").StatusCode)
	require.Equal(t, http.StatusBadRequest, post("application/xml", "<Message><Header>").StatusCode)

	// A NewRx missing a required element gets an Error 601 relating to it
	// (the client's Encode would refuse it, so it is posted by hand).
	valid, err := ncpdp.Encode(newRx(t, "1234567", "MSG-INVALID-1"))
	require.NoError(t, err)
	invalid := bytes.Replace(valid, []byte("<NPI>1234567893</NPI>"), nil, 1)
	require.NotEqual(t, valid, invalid)
	resp, err := http.Post(srv.URL, "application/xml", bytes.NewReader(invalid))
	require.NoError(t, err)
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	em, err := ncpdp.Decode(answer)
	require.NoError(t, err)
	require.Equal(t, ncpdp.ErrorReceiverUnable, em.Body.Error.Code)
	require.Equal(t, "MSG-INVALID-1", em.Header.RelatesToMessageID)
	require.Equal(t, 0, srv.Sim.Stats().Received["NewRx"])

	// A message type the network never takes from a prescriber.
	status := ncpdp.NewStatus(newRx(t, "1234567", "MSG-X"), "MSG-STATUS-1", time.Now(), "000")
	_, err = newClient(t, srv, 5*time.Second).Send(ctx, status)
	require.Error(t, err) // the answer is an Error 601 relating to MSG-STATUS-1
	var rej *pharmacy.RejectedError
	require.ErrorAs(t, err, &rej)
	require.Equal(t, ncpdp.ErrorReceiverUnable, rej.Code)
	require.Equal(t, 3, srv.Sim.Stats().Invalid)
}

func TestControlRoutes(t *testing.T) {
	srv := startSim(t, pharmsim.Options{})
	resp, err := http.Post(srv.URL+"/_sim/faults", "application/json", bytes.NewBufferString(`{"op":"NewRx","kind":"503","count":1}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	resp, err = http.Post(srv.URL+"/_sim/faults", "application/json", bytes.NewBufferString(`{"op":"Bogus","kind":"503"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	c := newClient(t, srv, 5*time.Second)
	rx := newRx(t, "1234567", "MSG-CTL-1")
	_, err = c.Send(ctx, rx)
	require.False(t, pharmacy.IsPermanent(err))
	_, err = c.Send(ctx, rx)
	require.NoError(t, err)

	resp, err = http.Get(srv.URL + "/_sim/stats")
	require.NoError(t, err)
	var st pharmsim.Stats
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	resp.Body.Close()
	require.Equal(t, 1, st.Received["NewRx"])
	require.Equal(t, 1, st.FaultsTriggered)

	resp, err = http.Get(srv.URL + "/_sim/messages")
	require.NoError(t, err)
	var msgs []pharmsim.MessageView
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&msgs))
	resp.Body.Close()
	require.Len(t, msgs, 1)
	require.Equal(t, "MSG-CTL-1", msgs[0].MessageID)

	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/_sim/webhook", bytes.NewBufferString(`{"url":"http://127.0.0.1:1/x"}`))
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}

func TestNotDispensedScenario(t *testing.T) {
	_, m := followUp(t, pharmsim.PharmacyNotDispensed)
	require.Equal(t, ncpdp.FillNotDispensed, m.Body.RxFill.FillStatus.Outcome())
	require.Nil(t, m.Body.RxFill.MedicationDispensed)
}

func TestRenewalRequestScenario(t *testing.T) {
	rx, m := followUp(t, pharmsim.PharmacyRenewal)
	require.Equal(t, ncpdp.TypeRxRenewalRequest, m.Type())
	require.Equal(t, rx.Body.NewRx.MedicationPrescribed.RxNorm(), m.Body.RxRenewalRequest.MedicationPrescribed.RxNorm())
}

func TestApprovedChangeIsFilled(t *testing.T) {
	rc := newReceiver(t, pharmsim.DefaultWebhookSecret)
	srv := startSim(t, pharmsim.Options{WebhookURL: rc.URL})
	c := newClient(t, srv, 5*time.Second)
	rx := newRx(t, pharmsim.PharmacyChangeRequest, "MSG-CHG-1")
	_, err := c.Send(ctx, rx)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(rc.all()) == 1 }, wait, tick)
	req := rc.all()[0].msg
	require.Equal(t, ncpdp.TypeRxChangeRequest, req.Type())

	cr := req.Body.RxChangeRequest
	alt := cr.MedicationRequested[0]
	resp := &ncpdp.Message{
		Header: ncpdp.ReplyHeader(req, pharmacy.MessageID("prescription:rx-1", "change-response-1"), time.Now()),
		Body: ncpdp.Body{RxChangeResponse: &ncpdp.RxChangeResponse{
			MessageRequestCode: cr.MessageRequestCode, Response: ncpdp.Response{Approved: &ncpdp.Note{}},
			Patient: cr.Patient, Pharmacy: cr.Pharmacy, Prescriber: cr.Prescriber, MedicationPrescribed: &alt,
		}},
	}
	ans, err := c.Send(ctx, resp)
	require.NoError(t, err)
	require.Equal(t, ncpdp.TypeStatus, ans.Type())
	require.Eventually(t, func() bool { return len(rc.all()) == 2 }, wait, tick)
	got := rc.all()[1]
	require.NoError(t, got.verified)
	require.Equal(t, ncpdp.FillDispensed, got.msg.Body.RxFill.FillStatus.Outcome())
	require.Equal(t, resp.Header.MessageID, got.msg.Header.RelatesToMessageID)
	require.Equal(t, alt.Note, got.msg.Body.RxFill.MedicationDispensed.Note)
	require.Equal(t, 1, srv.Sim.Stats().Received["RxChangeResponse"])
}

func TestDeniedChangeIsNotFilled(t *testing.T) {
	rc := newReceiver(t, pharmsim.DefaultWebhookSecret)
	srv := startSim(t, pharmsim.Options{WebhookURL: rc.URL})
	c := newClient(t, srv, 5*time.Second)
	_, err := c.Send(ctx, newRx(t, pharmsim.PharmacyChangeRequest, "MSG-CHG-2"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(rc.all()) == 1 }, wait, tick)
	req := rc.all()[0].msg
	cr := req.Body.RxChangeRequest
	resp := &ncpdp.Message{
		Header: ncpdp.ReplyHeader(req, "MSG-CHG-2-DENY", time.Now()),
		Body: ncpdp.Body{RxChangeResponse: &ncpdp.RxChangeResponse{
			MessageRequestCode: cr.MessageRequestCode,
			Response:           ncpdp.Response{Denied: &ncpdp.Denial{DenialReason: "Keep the original therapy"}},
			Patient:            cr.Patient, Pharmacy: cr.Pharmacy, Prescriber: cr.Prescriber,
		}},
	}
	_, err = c.Send(ctx, resp)
	require.NoError(t, err)
	msgs := srv.Sim.Messages()
	require.Len(t, msgs, 2)
	require.Empty(t, msgs[1].FollowUps)
}

func TestHeldAnswerScenarioProcessesOnceAndAnswersTheResend(t *testing.T) {
	srv := startSim(t, pharmsim.Options{})
	rx := newRx(t, pharmsim.PharmacyHeldAnswer, "MSG-HELD-1")
	// The first post is processed and never answered: the sender's timeout ends it.
	_, err := newClient(t, srv, 300*time.Millisecond).Send(ctx, rx)
	require.Error(t, err)
	require.False(t, pharmacy.IsPermanent(err), "no answer is transient: the sender resends")
	st := srv.Sim.Stats()
	require.Equal(t, 1, st.Received["NewRx"], "the network took the message although the sender never learned")
	ans, err := newClient(t, srv, 5*time.Second).Send(ctx, rx)
	require.NoError(t, err)
	require.Equal(t, ncpdp.TypeStatus, ans.Type())
	st = srv.Sim.Stats()
	require.Equal(t, 1, st.Received["NewRx"])
	require.Equal(t, 1, st.Duplicates["NewRx"])
	msgs := srv.Sim.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, pharmsim.ScenarioHeldAnswer, msgs[0].Scenario)
	require.Equal(t, 2, msgs[0].Posts)
}
