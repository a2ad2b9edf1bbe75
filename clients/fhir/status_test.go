package fhir_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/clients/fhir"
)

// appointmentWithUnknownFields is an EHR Appointment carrying fields the package does not
// model: an extension, a primitive extension (_status), a vendor element and a decimal
// whose trailing zero is significant.
const appointmentWithUnknownFields = `{
  "resourceType": "Appointment", "id": "a1", "status": "booked",
  "_status": {"extension": [{"url": "urn:ehr:status-reason", "valueCode": "walk-in"}]},
  "extension": [{"url": "urn:ehr:weight", "valueDecimal": 70.10}],
  "priority": 5,
  "comment": "bring insurance card",
  "start": "2025-03-04T09:30:00Z", "end": "2025-03-04T09:45:00Z",
  "participant": [{"actor": {"reference": "Patient/p1"}, "status": "accepted"}]
}`

func decodeNumbers(t *testing.T, data []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	require.NoError(t, dec.Decode(&m))
	return m
}

func TestUpdateStatusMergesAfterConflicts(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	f.put(decodeNumbers(t, []byte(appointmentWithUnknownFields)))
	// Another writer changes the appointment between our read and our write, twice.
	var puts int
	f.fhirHook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPut {
			return false
		}
		puts++
		if puts <= 2 {
			cur, _ := f.get("Appointment/a1")
			next := withVersion(cur, 0)
			delete(next, "meta")
			next["comment"] = fmt.Sprintf("edited by front desk %d", puts)
			f.put(next)
		}
		return false
	}
	c := f.client(ecK, "ec", nil)
	r, err := c.UpdateStatus(context.Background(), "Appointment", "a1", "arrived")
	require.NoError(t, err)
	assert.Equal(t, "4", r.VersionID, "two foreign writes and ours")

	reqs := f.fhirRequests()
	var ifMatch []string
	for _, req := range reqs {
		if req.Method == http.MethodPut {
			ifMatch = append(ifMatch, req.Header.Get("If-Match"))
		}
	}
	assert.Equal(t, []string{`W/"1"`, `W/"2"`, `W/"3"`}, ifMatch, "each write conditional on the version just read")

	stored, _ := f.get("Appointment/a1")
	assert.Equal(t, "arrived", stored["status"])
	assert.Equal(t, "edited by front desk 2", stored["comment"], "the concurrent edit survives")
	assert.Equal(t, json.Number("5"), stored["priority"])
	ext := stored["extension"].([]any)[0].(map[string]any)
	assert.Equal(t, json.Number("70.10"), ext["valueDecimal"], "decimal text kept exactly")
	statusExt := stored["_status"].(map[string]any)["extension"].([]any)[0].(map[string]any)
	assert.Equal(t, "walk-in", statusExt["valueCode"])

	appt, err := fhir.Decode[fhir.Appointment](r)
	require.NoError(t, err)
	assert.Equal(t, "arrived", appt.Status)
	pid, ok := appt.ParticipantID("Patient")
	assert.True(t, ok)
	assert.Equal(t, "p1", pid)
}

func TestUpdateStatusGivesUpAfterFiveConflicts(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	f.put(decodeNumbers(t, []byte(appointmentWithUnknownFields)))
	f.fhirHook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method != http.MethodPut {
			return false
		}
		writeOutcome(w, http.StatusPreconditionFailed, "conflict", "someone else wrote")
		return true
	}
	c := f.client(ecK, "ec", nil)
	_, err := c.UpdateStatus(context.Background(), "Appointment", "a1", "arrived")
	fe := asError(t, err)
	assert.Equal(t, http.StatusPreconditionFailed, fe.Status)
	assert.True(t, fe.Retryable, "contention is worth a later retry")
	methods := map[string]int{}
	for _, r := range f.fhirRequests() {
		methods[r.Method]++
	}
	assert.Equal(t, map[string]int{http.MethodGet: 5, http.MethodPut: 5}, methods)
	stored, _ := f.get("Appointment/a1")
	assert.Equal(t, "booked", stored["status"])
}

func TestUpdateStatusAlreadyDoneWritesNothing(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	m := decodeNumbers(t, []byte(appointmentWithUnknownFields))
	m["status"] = "arrived"
	f.put(m)
	c := f.client(ecK, "ec", nil)
	r, err := c.UpdateStatus(context.Background(), "Appointment", "a1", "arrived")
	require.NoError(t, err)
	assert.Equal(t, "1", r.VersionID)
	require.Len(t, f.fhirRequests(), 1)
	assert.Equal(t, http.MethodGet, f.fhirRequests()[0].Method)
}

func TestUpdateStatusRejections(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	f.put(decodeNumbers(t, []byte(appointmentWithUnknownFields)))
	c := f.client(ecK, "ec", nil)
	ctx := context.Background()

	_, err := c.UpdateStatus(ctx, "Appointment", "a1", "arived")
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "status outside the R4 value set")

	_, err = c.UpdateStatus(ctx, "Appointment", "missing", "arrived")
	assert.True(t, fhir.IsNotFound(err))

	// A server that reports no version cannot be updated without risking a lost update.
	f.fhirHook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method == http.MethodGet {
			writeJSON(w, http.StatusOK, map[string]any{"resourceType": "Appointment", "id": "a1", "status": "booked"})
			return true
		}
		return false
	}
	_, err = c.UpdateStatus(ctx, "Appointment", "a1", "arrived")
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument)
	for _, r := range f.fhirRequests() {
		assert.NotEqual(t, http.MethodPut, r.Method)
	}

	// A permanent error on the write is returned at once, without re-reading.
	f.fhirHook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		if r.Method == http.MethodPut {
			writeOutcome(w, http.StatusUnprocessableEntity, "business-rule", "cannot arrive")
			return true
		}
		return false
	}
	n := len(f.fhirRequests())
	_, err = c.UpdateStatus(ctx, "Appointment", "a1", "arrived")
	fe := asError(t, err)
	assert.Equal(t, "business-rule", fe.Code)
	assert.Len(t, f.fhirRequests(), n+2)
}
