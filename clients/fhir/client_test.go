package fhir_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/clients/fhir"
)

// phi stands in for PHI quoted in OperationOutcome diagnostics; it must never reach Error().
const phi = "Jane Q Doe 1970-01-01"

func TestErrorClassification(t *testing.T) {
	_, ecK := keys(t)
	httpDate := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		status     int
		body       string
		retryAfter string
		code       string
		retryable  bool
		notFound   bool
		after      time.Duration // lower bound; HTTP-date hints lose sub-second precision
	}{
		{status: 400, code: "invalid"},
		{status: 403, code: "forbidden"},
		{status: 404, code: "not-found", notFound: true},
		{status: 410, code: "deleted", notFound: true},
		{status: 408, code: "timeout", retryable: true},
		{status: 409, code: "conflict"},
		{status: 412, code: "conflict"},
		{status: 422, code: "processing"},
		{status: 429, code: "throttled", retryable: true, retryAfter: "30", after: 30 * time.Second},
		{status: 500, code: "exception", retryable: true},
		{status: 503, code: "transient", retryable: true, retryAfter: httpDate, after: 80 * time.Second},
		{status: 502, body: "<html>bad gateway</html>", retryable: true},
		{status: 504, body: `{"resourceType":"Patient"}`, retryable: true},
		{status: 429, code: "throttled", retryable: true, retryAfter: "soon"},
	}
	for _, tc := range cases {
		t.Run(strings.Join([]string{http.StatusText(tc.status), tc.code}, "/"), func(t *testing.T) {
			f := newFakeEHR(t, ecK.Public(), "ec")
			f.fhirHook = func(w http.ResponseWriter, _ *http.Request, _ []byte) bool {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				if tc.body != "" {
					w.WriteHeader(tc.status)
					_, _ = w.Write([]byte(tc.body))
					return true
				}
				writeOutcome(w, tc.status, tc.code, phi)
				return true
			}
			c := f.client(ecK, "ec", nil)
			_, err := c.Read(context.Background(), "Patient", "p1")
			fe := asError(t, err)
			assert.Equal(t, tc.status, fe.Status)
			assert.Equal(t, tc.code, fe.Code)
			assert.Equal(t, tc.retryable, fe.Retryable)
			assert.Equal(t, tc.retryable, fhir.IsRetryable(err))
			assert.Equal(t, tc.notFound, fhir.IsNotFound(err))
			if tc.after > 0 {
				assert.GreaterOrEqual(t, fe.RetryAfter, tc.after)
				assert.LessOrEqual(t, fe.RetryAfter, tc.after+15*time.Second)
			} else {
				assert.Zero(t, fe.RetryAfter)
			}
			msg := err.Error()
			assert.NotContains(t, msg, "Jane")
			assert.NotContains(t, msg, "bad gateway")
			assert.Contains(t, msg, "Patient")
			if tc.code != "" {
				require.Len(t, fe.Issues, 1)
				assert.Equal(t, "error", fe.Issues[0].Severity)
			}
		})
	}
}

func TestTransportFailures(t *testing.T) {
	_, ecK := keys(t)
	t.Run("deadline is a retryable timeout", func(t *testing.T) {
		f := newFakeEHR(t, ecK.Public(), "ec")
		c := f.client(ecK, "ec", nil)
		patientFixture(f)
		// Fetch the token first so the deadline below hits the FHIR request.
		_, err := c.Read(context.Background(), "Patient", "p1")
		require.NoError(t, err)
		f.mu.Lock()
		f.fhirHook = func(_ http.ResponseWriter, r *http.Request, _ []byte) bool {
			<-r.Context().Done() // hang until the client gives up
			return true
		}
		f.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err = c.Read(ctx, "Patient", "p1")
		fe := asError(t, err)
		assert.Equal(t, "timeout", fe.Code)
		assert.True(t, fe.Retryable)
		assert.True(t, errors.Is(err, context.DeadlineExceeded))
	})
	t.Run("cancellation is not retried", func(t *testing.T) {
		f := newFakeEHR(t, ecK.Public(), "ec")
		c := f.client(ecK, "ec", nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.Read(ctx, "Patient", "p1")
		fe := asError(t, err)
		assert.Equal(t, "canceled", fe.Code)
		assert.False(t, fe.Retryable)
	})
	t.Run("2xx that is not the resource is malformed", func(t *testing.T) {
		f := newFakeEHR(t, ecK.Public(), "ec")
		f.fhirHook = func(w http.ResponseWriter, _ *http.Request, _ []byte) bool {
			writeJSON(w, http.StatusOK, map[string]any{"resourceType": "Coverage", "id": "p1"})
			return true
		}
		c := f.client(ecK, "ec", nil)
		_, err := c.Read(context.Background(), "Patient", "p1")
		fe := asError(t, err)
		assert.Equal(t, "malformed", fe.Code)
		assert.False(t, fe.Retryable)
	})
}

func TestReadReturnsIdentityVersionAndRawJSON(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	f.put(map[string]any{"resourceType": "Appointment", "id": "a1", "status": "booked"})
	f.put(map[string]any{"resourceType": "Appointment", "id": "a1", "status": "booked",
		"extension": []any{map[string]any{"url": "urn:x", "valueString": "kept"}}})
	c := f.client(ecK, "ec", nil)
	r, err := c.Read(context.Background(), "Appointment", "a1")
	require.NoError(t, err)
	assert.Equal(t, "Appointment", r.Type)
	assert.Equal(t, "a1", r.ID)
	assert.Equal(t, "2", r.VersionID)
	assert.Equal(t, `W/"2"`, r.ETag)
	assert.Contains(t, string(r.Raw), `"valueString":"kept"`)
	assert.Equal(t, "/fhir/Appointment/a1", f.fhirRequests()[0].URL.Path)
}

func TestInvalidArgumentsSendNothing(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	c := f.client(ecK, "ec", nil)
	ctx := context.Background()
	for _, id := range []string{"", "../Patient/2", "a b", "x?y=1", strings.Repeat("a", 65)} {
		_, err := c.Read(ctx, "Patient", id)
		assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "id %q", id)
	}
	_, err := c.Read(ctx, "patient", "p1")
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument)
	_, err = c.Create(ctx, "Encounter", map[string]any{"resourceType": "Patient"}, "")
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "body of another type")
	_, err = c.Update(ctx, "Encounter", "e1", json.RawMessage(`[1]`), "")
	assert.ErrorIs(t, err, fhir.ErrInvalidArgument, "body that is no object")
	assert.False(t, fhir.IsRetryable(err))
	assert.Empty(t, f.calls())
	assert.Empty(t, f.fhirRequests())
}

func TestSearchCollectsMatchesAcrossPages(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	page := func(entries []fhir.BundleEntry, next string) fhir.Bundle {
		b := fhir.Bundle{ResourceType: "Bundle", Type: "searchset", Entry: entries}
		if next != "" {
			b.Link = []fhir.BundleLink{{Relation: "self", URL: "ignored"}, {Relation: "next", URL: next}}
		}
		return b
	}
	entry := func(mode, raw string) fhir.BundleEntry {
		return fhir.BundleEntry{Resource: json.RawMessage(raw), Search: &fhir.BundleEntrySearch{Mode: mode}}
	}
	f.fhirHook = func(w http.ResponseWriter, r *http.Request, _ []byte) bool {
		switch r.URL.Query().Get("_page") {
		case "":
			writeJSON(w, http.StatusOK, page([]fhir.BundleEntry{
				entry("match", `{"resourceType":"Coverage","id":"c1","meta":{"versionId":"4"},"status":"active"}`),
				entry("include", `{"resourceType":"Organization","id":"o1"}`),
				entry("outcome", `{"resourceType":"OperationOutcome","issue":[]}`),
			}, f.baseURL()+"/Coverage?_page=2"))
		case "2":
			writeJSON(w, http.StatusOK, page([]fhir.BundleEntry{
				entry("", `{"resourceType":"Coverage","id":"c2","status":"cancelled"}`),
			}, ""))
		}
		return true
	}
	c := f.client(ecK, "ec", nil)
	q := url.Values{"beneficiary": {"Patient/p1"}, "_include": {"Coverage:payor"}}
	got, err := c.Search(context.Background(), "Coverage", q)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, []string{"c1", "c2"}, []string{got[0].ID, got[1].ID})
	assert.Equal(t, `W/"4"`, got[0].ETag)
	cov, err := fhir.Decode[fhir.Coverage](got[0])
	require.NoError(t, err)
	assert.Equal(t, "active", cov.Status)
	reqs := f.fhirRequests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "Patient/p1", reqs[0].URL.Query().Get("beneficiary"))
	assert.Equal(t, "Coverage:payor", reqs[0].URL.Query().Get("_include"))
}

// TestSearchIncludingSeparatesIncludes: included resources come back apart from the matches,
// by search mode or, without one, by type; outcomes are neither.
func TestSearchIncludingSeparatesIncludes(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	entry := func(mode, raw string) fhir.BundleEntry {
		e := fhir.BundleEntry{Resource: json.RawMessage(raw)}
		if mode != "" {
			e.Search = &fhir.BundleEntrySearch{Mode: mode}
		}
		return e
	}
	f.fhirHook = func(w http.ResponseWriter, _ *http.Request, _ []byte) bool {
		writeJSON(w, http.StatusOK, fhir.Bundle{ResourceType: "Bundle", Type: "searchset", Entry: []fhir.BundleEntry{
			entry("match", `{"resourceType":"Appointment","id":"a1"}`),
			entry("include", `{"resourceType":"Patient","id":"p1"}`),
			entry("", `{"resourceType":"Patient","id":"p2"}`),
			entry("", `{"resourceType":"Appointment","id":"a2"}`),
			entry("outcome", `{"resourceType":"OperationOutcome","issue":[]}`),
		}})
		return true
	}
	c := f.client(ecK, "ec", nil)
	got, err := c.SearchIncluding(context.Background(), "Appointment",
		url.Values{"_id": {"a1"}, "_include": {"Appointment:patient"}})
	require.NoError(t, err)
	ids := func(rs []*fhir.Resource) (out []string) {
		for _, r := range rs {
			out = append(out, r.Type+"/"+r.ID)
		}
		return out
	}
	assert.Equal(t, []string{"Appointment/a1", "Appointment/a2"}, ids(got.Matches))
	assert.Equal(t, []string{"Patient/p1", "Patient/p2"}, ids(got.Included))
	require.NotNil(t, got.Include("Patient", "p2"))
	assert.Nil(t, got.Include("Patient", "a1"), "a match is no include")
	assert.Nil(t, got.Include("Patient", "p3"))
	assert.Equal(t, "Appointment:patient", f.fhirRequests()[0].URL.Query().Get("_include"))
}

func TestSearchRefusesForeignNextLink(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	f.fhirHook = func(w http.ResponseWriter, _ *http.Request, _ []byte) bool {
		writeJSON(w, http.StatusOK, fhir.Bundle{ResourceType: "Bundle", Type: "searchset",
			Link: []fhir.BundleLink{{Relation: "next", URL: "https://evil.example/fhir/Patient?page=2"}}})
		return true
	}
	c := f.client(ecK, "ec", nil)
	_, err := c.Search(context.Background(), "Patient", nil)
	fe := asError(t, err)
	assert.Equal(t, "foreign-next-link", fe.Code)
	assert.Len(t, f.fhirRequests(), 1)
}

func TestSearchByIdentifierAgainstStore(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	f.put(map[string]any{"resourceType": "Patient", "id": "p1",
		"identifier": []any{map[string]any{"system": "urn:mrn", "value": "42"}}})
	f.put(map[string]any{"resourceType": "Patient", "id": "p2",
		"identifier": []any{map[string]any{"system": "urn:mrn", "value": "43"}}})
	c := f.client(ecK, "ec", nil)
	got, err := c.Search(context.Background(), "Patient", url.Values{"identifier": {"urn:mrn|43"}})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "p2", got[0].ID)
	got, err = c.Search(context.Background(), "Patient", url.Values{"identifier": {"urn:mrn|99"}})
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestConditionalCreateIsIdempotent(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	c := f.client(ecK, "ec", nil)
	key := fhir.Identifier{System: "urn:careflow:checkin", Value: "checkin:a1"}
	enc, err := fhir.NewEncounter(fhir.EncounterSpec{PatientID: "p1", AppointmentID: "a1",
		Start: time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC), Identifier: []fhir.Identifier{key}})
	require.NoError(t, err)
	ctx := context.Background()

	first, err := c.Create(ctx, "Encounter", enc, fhir.IdentifierQuery(key))
	require.NoError(t, err)
	assert.True(t, first.Created)
	assert.NotEmpty(t, first.ID)
	assert.Equal(t, "1", first.VersionID)

	second, err := c.Create(ctx, "Encounter", enc, fhir.IdentifierQuery(key))
	require.NoError(t, err)
	assert.False(t, second.Created, "the retry found the first Encounter")
	assert.Equal(t, first.ID, second.ID)

	reqs := f.fhirRequests()
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, "identifier=urn%3Acareflow%3Acheckin%7Ccheckin%3Aa1", r.Header.Get("If-None-Exist"))
		assert.Equal(t, "application/fhir+json", r.Header.Get("Content-Type"))
		assert.Equal(t, "return=representation", r.Header.Get("Prefer"))
	}
	assert.Len(t, f.sim.Resources("Encounter"), 1, "one Encounter in the EHR")
}

func TestCreateWithoutRepresentationUsesHeaders(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	f.fhirHook = func(w http.ResponseWriter, _ *http.Request, _ []byte) bool {
		w.Header().Set("Location", f.baseURL()+"/Observation/o9/_history/3")
		w.WriteHeader(http.StatusCreated)
		return true
	}
	c := f.client(ecK, "ec", nil)
	r, err := c.Create(context.Background(), "Observation",
		json.RawMessage(`{"resourceType":"Observation","status":"final","code":{"text":"x"}}`), "")
	require.NoError(t, err)
	assert.Equal(t, "o9", r.ID)
	assert.Equal(t, "3", r.VersionID)
	assert.Equal(t, `W/"3"`, r.ETag)
	assert.True(t, r.Created)
	assert.Empty(t, r.Raw)
}

func TestUpdateSendsIfMatch(t *testing.T) {
	_, ecK := keys(t)
	f := newFakeEHR(t, ecK.Public(), "ec")
	class := map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"}
	f.put(map[string]any{"resourceType": "Encounter", "id": "e1", "status": "arrived", "class": class})
	c := f.client(ecK, "ec", nil)
	ctx := context.Background()
	body := json.RawMessage(`{"resourceType":"Encounter","id":"e1","status":"finished",` +
		`"class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"}}`)
	_, err := c.Update(ctx, "Encounter", "e1", body, `W/"7"`)
	fe := asError(t, err)
	assert.Equal(t, http.StatusPreconditionFailed, fe.Status)
	assert.False(t, fe.Retryable)

	r, err := c.Update(ctx, "Encounter", "e1", body, `W/"1"`)
	require.NoError(t, err)
	assert.Equal(t, "2", r.VersionID)
	assert.Equal(t, `W/"1"`, f.fhirRequests()[1].Header.Get("If-Match"))
}

func TestNewValidatesConfig(t *testing.T) {
	rsaK, ecK := keys(t)
	good := fhir.Config{BaseURL: "https://ehr.example/fhir", TokenURL: "https://ehr.example/token",
		ClientID: "c", PrivateKey: rsaK}
	_, err := fhir.New(good)
	require.NoError(t, err)
	for name, mutate := range map[string]func(*fhir.Config){
		"relative base": func(c *fhir.Config) { c.BaseURL = "/fhir" },
		"ftp token url": func(c *fhir.Config) { c.TokenURL = "ftp://x/token" },
		"no client id":  func(c *fhir.Config) { c.ClientID = "" },
		"no key":        func(c *fhir.Config) { c.PrivateKey = nil },
		"P-256 key":     func(c *fhir.Config) { c.PrivateKey = p256Key(t) },
		"empty base":    func(c *fhir.Config) { c.BaseURL = "" },
	} {
		cfg := good
		mutate(&cfg)
		_, err := fhir.New(cfg)
		assert.Error(t, err, name)
	}
	cfg := good
	cfg.PrivateKey = ecK
	_, err = fhir.New(cfg)
	assert.NoError(t, err)
}
