package ehrsim_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadETagAndVersions follows one resource through two conditional updates.
func TestReadETagAndVersions(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	rep := f.do(t, "GET", "/fhir/Appointment/appt-1001", tok, nil)
	require.Equal(t, http.StatusOK, rep.status)
	assert.Equal(t, `W/"1"`, rep.header.Get("ETag"))
	assert.NotEmpty(t, rep.header.Get("Last-Modified"))
	assert.Equal(t, "application/fhir+json; charset=utf-8", rep.header.Get("Content-Type"))
	assert.True(t, strings.HasPrefix(string(rep.raw), `{"resourceType":"Appointment",`), "resourceType leads")
	meta := rep.body["meta"].(map[string]any)
	assert.Equal(t, "1", meta["versionId"])
	assert.Equal(t, "2030-01-15T08:00:00.000Z", meta["lastUpdated"])
	assert.Equal(t, "booked", rep.body["status"])

	// Update twice; versions and ETags increase, lastUpdated moves on.
	appt := rep.body
	for want := 2; want <= 3; want++ {
		f.clock.Advance(1)
		appt["status"] = "arrived"
		up := f.do(t, "PUT", "/fhir/Appointment/appt-1001", tok, appt, "If-Match", rep.header.Get("ETag"))
		require.Equal(t, http.StatusOK, up.status, string(up.raw))
		assert.Equal(t, `W/"`+itoa(want)+`"`, up.header.Get("ETag"))
		assert.Equal(t, itoa(want), up.body["meta"].(map[string]any)["versionId"])
		assert.True(t, strings.HasSuffix(up.header.Get("Location"), "/fhir/Appointment/appt-1001/_history/"+itoa(want)))
		rep = up
		appt = up.body
	}
	hist := f.srv.Sim.History("Appointment", "appt-1001")
	require.Len(t, hist, 3)
	assert.Equal(t, "booked", hist[0]["status"])
	assert.Equal(t, "arrived", hist[2]["status"])
	assert.NotEqual(t, hist[1]["meta"].(map[string]any)["lastUpdated"], hist[2]["meta"].(map[string]any)["lastUpdated"])

	v1 := f.do(t, "GET", "/fhir/Appointment/appt-1001/_history/1", tok, nil)
	assert.Equal(t, "booked", v1.body["status"])
	assert.Equal(t, `W/"1"`, v1.header.Get("ETag"))
	assert.Equal(t, http.StatusNotFound, f.do(t, "GET", "/fhir/Appointment/appt-1001/_history/9", tok, nil).status)

	nm := f.do(t, "GET", "/fhir/Appointment/appt-1001", tok, nil, "If-None-Match", `W/"3"`)
	assert.Equal(t, http.StatusNotModified, nm.status)

	st := f.srv.Sim.Stats()
	assert.Equal(t, 2, st.UpdatesByType["Appointment"])
	assert.Equal(t, 0, st.UnconditionalUpdates)
}

// TestReadNotFoundAndUnsupported checks the OperationOutcome codes of unknown resources and types.
func TestReadNotFoundAndUnsupported(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	rep := f.do(t, "GET", "/fhir/Patient/nobody", tok, nil)
	assert.Equal(t, http.StatusNotFound, rep.status)
	assert.Equal(t, "not-found", issueCode(t, rep))

	rep = f.do(t, "GET", "/fhir/Spaceship/x", tok, nil)
	assert.Equal(t, http.StatusNotFound, rep.status)
	assert.Equal(t, "not-supported", issueCode(t, rep))

	rep = f.do(t, "DELETE", "/fhir/Patient/pat-1001", tok, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, rep.status)
	assert.Equal(t, "not-supported", issueCode(t, rep))
}

// TestIfMatchConflict is the lost-update case: a stale If-Match must not overwrite.
func TestIfMatchConflict(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	first := f.do(t, "GET", "/fhir/Appointment/appt-1002", tok, nil)
	second := f.do(t, "GET", "/fhir/Appointment/appt-1002", tok, nil)

	first.body["status"] = "arrived"
	ok := f.do(t, "PUT", "/fhir/Appointment/appt-1002", tok, first.body, "If-Match", first.header.Get("ETag"))
	require.Equal(t, http.StatusOK, ok.status)

	// The second writer read version 1 and must not overwrite version 2.
	second.body["status"] = "cancelled"
	rep := f.do(t, "PUT", "/fhir/Appointment/appt-1002", tok, second.body, "If-Match", second.header.Get("ETag"))
	assert.Equal(t, http.StatusPreconditionFailed, rep.status)
	assert.Equal(t, "conflict", issueCode(t, rep))
	cur, _ := f.srv.Sim.Resource("Appointment", "appt-1002")
	assert.Equal(t, "arrived", cur["status"])
	assert.Equal(t, 1, f.srv.Sim.Stats().Conflicts)

	rep = f.do(t, "PUT", "/fhir/Appointment/appt-1002", tok, second.body, "If-Match", "garbage")
	assert.Equal(t, http.StatusBadRequest, rep.status)
}

// TestConcurrentIfMatchOneWins races writers holding the same version; exactly one may win.
func TestConcurrentIfMatchOneWins(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	base := f.do(t, "GET", "/fhir/Appointment/appt-1003", tok, nil)
	const writers = 8
	statuses := make([]int, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			body := map[string]any{}
			for k, v := range base.body {
				body[k] = v
			}
			body["comment"] = "writer " + itoa(i)
			statuses[i] = f.do(t, "PUT", "/fhir/Appointment/appt-1003", tok, body, "If-Match", `W/"1"`).status
		})
	}
	wg.Wait()
	won := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			won++
		} else {
			assert.Equal(t, http.StatusPreconditionFailed, s)
		}
	}
	assert.Equal(t, 1, won)
	assert.Len(t, f.srv.Sim.History("Appointment", "appt-1003"), 2)
}

// TestUnknownFieldsSurvivePut checks that the raw-JSON store keeps what it does not understand.
func TestUnknownFieldsSurvivePut(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	rep := f.do(t, "GET", "/fhir/Appointment/appt-1004", tok, nil)
	body := rep.body
	body["extension"] = []any{map[string]any{"url": "http://ehr.example.org/ext/kiosk", "valueString": "K-7"}}
	body["_status"] = map[string]any{"id": "s1"}
	body["vendorSpecific"] = map[string]any{"nested": []any{1, 2.5, true}}
	body["meta"].(map[string]any)["tag"] = []any{map[string]any{"code": "sim"}}
	raw := strings.Replace(mustJSON(t, body), `"vendorSpecific":{`, `"precise":1.50,"vendorSpecific":{`, 1)

	up := f.do(t, "PUT", "/fhir/Appointment/appt-1004", tok, raw, "If-Match", rep.header.Get("ETag"))
	require.Equal(t, http.StatusOK, up.status, string(up.raw))
	back := f.do(t, "GET", "/fhir/Appointment/appt-1004", tok, nil)
	assert.Equal(t, body["extension"], back.body["extension"])
	assert.Equal(t, map[string]any{"id": "s1"}, back.body["_status"])
	assert.Equal(t, map[string]any{"nested": []any{1.0, 2.5, true}}, back.body["vendorSpecific"])
	assert.Contains(t, string(back.raw), `"precise":1.50`, "numbers keep their spelling")
	assert.Equal(t, []any{map[string]any{"code": "sim"}}, back.body["meta"].(map[string]any)["tag"])
	assert.Equal(t, "2", back.body["meta"].(map[string]any)["versionId"])
}

// TestUpdateRules covers the update request checks and update-as-create.
func TestUpdateRules(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	rep := f.do(t, "GET", "/fhir/Appointment/appt-1005", tok, nil)

	other := copyMap(rep.body)
	other["id"] = "appt-1006"
	assert.Equal(t, http.StatusBadRequest, f.do(t, "PUT", "/fhir/Appointment/appt-1005", tok, other).status)

	bad := copyMap(rep.body)
	bad["status"] = "teleported"
	r := f.do(t, "PUT", "/fhir/Appointment/appt-1005", tok, bad)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "code-invalid", issueCode(t, r))
	assert.NotContains(t, string(r.raw), "teleported", "diagnostics never echo values")

	wrongType := copyMap(rep.body)
	wrongType["resourceType"] = "Patient"
	assert.Equal(t, http.StatusBadRequest, f.do(t, "PUT", "/fhir/Appointment/appt-1005", tok, wrongType).status)

	r = f.do(t, "PUT", "/fhir/Appointment/appt-1005", tok, "{not json")
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "invalid", issueCode(t, r))

	r = f.do(t, "PUT", "/fhir/Appointment/appt-1005", tok, rep.body, "Content-Type", "text/plain")
	assert.Equal(t, http.StatusUnsupportedMediaType, r.status)

	// Without If-Match the update is unconditional, and counted as such.
	r = f.do(t, "PUT", "/fhir/Appointment/appt-1005", tok, rep.body)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, 1, f.srv.Sim.Stats().UnconditionalUpdates)

	// Update of an unknown id creates it; with If-Match it fails.
	enc := map[string]any{"resourceType": "Encounter", "id": "enc-client", "status": "arrived",
		"class": map[string]any{"code": "AMB"}}
	assert.Equal(t, http.StatusPreconditionFailed,
		f.do(t, "PUT", "/fhir/Encounter/enc-client", tok, enc, "If-Match", `W/"1"`).status)
	assert.Equal(t, http.StatusCreated, f.do(t, "PUT", "/fhir/Encounter/enc-client", tok, enc).status)
}

// TestCreateAndConditionalCreate covers create, If-None-Exist matches and ambiguity.
func TestCreateAndConditionalCreate(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	enc := map[string]any{
		"resourceType": "Encounter", "id": "ignored", "status": "arrived",
		"class":       map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
		"subject":     map[string]any{"reference": "Patient/pat-1001"},
		"appointment": []any{map[string]any{"reference": "Appointment/appt-1001"}},
		"identifier":  []any{map[string]any{"system": "urn:careflow:checkin", "value": "checkin:appt-1001"}},
	}
	cond := "identifier=urn:careflow:checkin|checkin:appt-1001"
	rep := f.do(t, "POST", "/fhir/Encounter", tok, enc, "If-None-Exist", cond)
	require.Equal(t, http.StatusCreated, rep.status, string(rep.raw))
	id := rep.body["id"].(string)
	assert.NotEqual(t, "ignored", id, "the server assigns ids")
	assert.Equal(t, `W/"1"`, rep.header.Get("ETag"))
	assert.Contains(t, rep.header.Get("Location"), "/fhir/Encounter/"+id+"/_history/1")

	again := f.do(t, "POST", "/fhir/Encounter", tok, enc, "If-None-Exist", cond)
	assert.Equal(t, http.StatusOK, again.status)
	assert.Equal(t, id, again.body["id"])
	assert.Len(t, f.srv.Sim.Resources("Encounter"), 1)

	// An unconditional create makes a second one; now the criteria are ambiguous.
	require.Equal(t, http.StatusCreated, f.do(t, "POST", "/fhir/Encounter", tok, enc).status)
	amb := f.do(t, "POST", "/fhir/Encounter", tok, enc, "If-None-Exist", cond)
	assert.Equal(t, http.StatusPreconditionFailed, amb.status)
	assert.Equal(t, "duplicate", issueCode(t, amb))

	minimal := f.do(t, "POST", "/fhir/Encounter", tok, enc, "Prefer", "return=minimal")
	assert.Equal(t, http.StatusCreated, minimal.status)
	assert.Empty(t, minimal.raw)
	assert.NotEmpty(t, minimal.header.Get("Location"))

	missing := map[string]any{"resourceType": "Encounter", "status": "arrived"}
	r := f.do(t, "POST", "/fhir/Encounter", tok, missing)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "required", issueCode(t, r))
	assert.Equal(t, http.StatusBadRequest,
		f.do(t, "POST", "/fhir/Encounter", tok, enc, "If-None-Exist", "bogus=1").status)

	st := f.srv.Sim.Stats()
	assert.Equal(t, 3, st.CreatesByType["Encounter"])
	assert.Equal(t, 1, st.ConditionalCreateMatches)
}

// TestConcurrentConditionalCreateMakesOne checks that racing conditional creates store one resource.
func TestConcurrentConditionalCreateMakesOne(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	enc := map[string]any{"resourceType": "Encounter", "status": "arrived", "class": map[string]any{"code": "AMB"},
		"identifier": []any{map[string]any{"system": "urn:x", "value": "once"}}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			s := f.do(t, "POST", "/fhir/Encounter", tok, enc, "If-None-Exist", "identifier=urn:x|once").status
			assert.Contains(t, []int{http.StatusCreated, http.StatusOK}, s)
		})
	}
	wg.Wait()
	assert.Len(t, f.srv.Sim.Resources("Encounter"), 1)
}

// TestSearch covers each supported search parameter and _include.
func TestSearch(t *testing.T) {
	f := start(t)
	tok := f.token(t)
	cases := []struct {
		query string
		want  []string
	}{
		{"Coverage?identifier=http://payer.example.org/fhir/sid/member-id|INACTIVE01", []string{"Coverage/cov-1002"}},
		{"Coverage?identifier=ACTIVE001", []string{"Coverage/cov-1001"}},
		{"Coverage?identifier=|ACTIVE001", nil},
		{"Coverage?identifier=urn:other|ACTIVE001", nil},
		{"Coverage?patient=pat-1003", []string{"Coverage/cov-1003"}},
		{"Coverage?beneficiary=Patient/pat-1004", []string{"Coverage/cov-1004"}},
		{"Coverage?patient=pat-2001", nil},
		{"Appointment?patient=Patient/pat-1005", []string{"Appointment/appt-1005"}},
		{"Appointment?actor=Practitioner/pract-1&status=booked&_count=2", []string{"Appointment/appt-1001", "Appointment/appt-1002"}},
		{"Patient?identifier=http://ehr.example.org/fhir/sid/mrn|MRN1006", []string{"Patient/pat-1006"}},
		{"Patient?_id=pat-1001,pat-1002", []string{"Patient/pat-1001", "Patient/pat-1002"}},
		{"Organization?identifier=http://payer.example.org/fhir/sid/payer-id|SIMPAYER01", []string{"Organization/org-payer-1"}},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			rep := f.do(t, "GET", "/fhir/"+tc.query, tok, nil)
			require.Equal(t, http.StatusOK, rep.status, string(rep.raw))
			ids, _ := entries(t, rep)
			assert.Equal(t, tc.want, ids)
		})
	}

	rep := f.do(t, "GET", "/fhir/Appointment?status=booked&_count=1", tok, nil)
	assert.EqualValues(t, 8, rep.body["total"], "total counts every match")

	inc := f.do(t, "GET", "/fhir/Coverage?patient=pat-1001&_include=Coverage:payor", tok, nil)
	ids, modes := entries(t, inc)
	assert.Equal(t, []string{"Coverage/cov-1001", "Organization/org-payer-1"}, ids)
	assert.Equal(t, []string{"match", "include"}, modes)

	// Appointment:patient includes the Patient participant only, not the practitioner.
	inc = f.do(t, "GET", "/fhir/Appointment?_id=appt-1001&_include=Appointment:patient", tok, nil)
	ids, modes = entries(t, inc)
	assert.Equal(t, []string{"Appointment/appt-1001", "Patient/pat-1001"}, ids)
	assert.Equal(t, []string{"match", "include"}, modes)
	inc = f.do(t, "GET", "/fhir/Coverage?beneficiary=Patient/pat-1001&_include=Coverage:payor&_include=Coverage:subscriber", tok, nil)
	ids, _ = entries(t, inc)
	assert.Equal(t, []string{"Coverage/cov-1001", "Organization/org-payer-1", "Patient/pat-1001"}, ids)
	inc = f.do(t, "GET", "/fhir/Appointment?_id=appt-1001&_include=Appointment:actor:Practitioner", tok, nil)
	ids, _ = entries(t, inc)
	assert.Equal(t, []string{"Appointment/appt-1001", "Practitioner/pract-1"}, ids, "a target type narrows the include")
	wrong := f.do(t, "GET", "/fhir/Appointment?_id=appt-1001&_include=Appointment:patient:Practitioner", tok, nil)
	assert.Equal(t, http.StatusBadRequest, wrong.status)

	bad := f.do(t, "GET", "/fhir/Coverage?member=ACTIVE001", tok, nil)
	assert.Equal(t, http.StatusBadRequest, bad.status)
	assert.Equal(t, "not-supported", issueCode(t, bad))
	assert.Equal(t, len(cases)+5, f.srv.Sim.Stats().Searches)
}

// TestMetadataAndSMARTConfigArePublic checks the discovery documents need no token.
func TestMetadataAndSMARTConfigArePublic(t *testing.T) {
	f := start(t)
	rep := f.do(t, "GET", "/fhir/metadata", "", nil)
	require.Equal(t, http.StatusOK, rep.status)
	assert.Equal(t, "CapabilityStatement", rep.body["resourceType"])
	assert.Equal(t, "4.0.1", rep.body["fhirVersion"])
	assert.Contains(t, string(rep.raw), f.srv.TokenURL)

	cfg := f.do(t, "GET", "/fhir/.well-known/smart-configuration", "", nil)
	require.Equal(t, http.StatusOK, cfg.status)
	assert.Equal(t, f.srv.TokenURL, cfg.body["token_endpoint"])
	assert.Equal(t, []any{"RS384", "ES384"}, cfg.body["token_endpoint_auth_signing_alg_values_supported"])
}
