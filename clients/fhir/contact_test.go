package fhir_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/clients/fhir"
)

// livedInChart is shaped like a real chart: a former name, a mobile whose period ended years ago
// listed first, a home phone, a future number, an e-mail, and the current mobile with rank 1.
const livedInChart = `{
  "resourceType": "Patient", "id": "p1",
  "name": [
    {"use": "old", "family": "Maiden", "given": ["Ana"], "period": {"end": "2015-06-01"}},
    {"use": "official", "family": "Garcia", "given": ["Ana", "Maria"]},
    {"use": "usual", "given": ["Anita"], "period": {"start": "2030-01-01"}}
  ],
  "telecom": [
    {"system": "phone", "value": "+15550000001", "use": "mobile", "period": {"end": "2021-03-31"}},
    {"system": "phone", "value": "+15550000002", "use": "home", "rank": 1},
    {"system": "phone", "value": "+15550000003", "use": "mobile", "period": {"start": "2031-01-01"}},
    {"system": "email", "value": "ana@example.org", "rank": 2},
    {"system": "email", "value": "old@example.org", "use": "old"},
    {"system": "phone", "value": "+15550000004", "use": "mobile", "rank": 1, "period": {"start": "2021-04-01"}}
  ],
  "communication": [
    {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en"}]}},
    {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es"}]}, "preferred": true}
  ]
}`

func decodePatient(t *testing.T, raw string) fhir.Patient {
	t.Helper()
	p, err := fhir.Decode[fhir.Patient](&fhir.Resource{Type: "Patient", Raw: json.RawMessage(raw)})
	require.NoError(t, err)
	return p
}

func TestContactSelectionLivedInChart(t *testing.T) {
	p := decodePatient(t, livedInChart)
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

	mobile, ok := p.MobileAt(now)
	require.True(t, ok)
	assert.Equal(t, "+15550000004", mobile, "the ended mobile listed first and the home phone are never texted")

	email, ok := p.EmailAt(now)
	require.True(t, ok)
	assert.Equal(t, "ana@example.org", email)

	assert.Equal(t, "Ana", p.FirstNameAt(now), "usual name not yet valid, old name never used: official")
	legal, ok := p.LegalNameAt(now)
	require.True(t, ok)
	assert.Equal(t, "Garcia", legal.Family)
	assert.Equal(t, "es", p.PreferredLanguage())

	// Before the ended number's period ended it was the current one (rank ties keep chart order).
	old, ok := p.MobileAt(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	require.True(t, ok)
	assert.Equal(t, "+15550000001", old)
	// From 2031 the future number joins; rank 1 still wins over the unranked one.
	later, _ := p.MobileAt(time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC))
	assert.Equal(t, "+15550000004", later)
}

func TestContactSelectionTable(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name, telecom string
		mobile        string // "" means none
		email         string
	}{
		{"no telecom", `[]`, "", ""},
		{"home phone only is not textable", `[{"system":"phone","value":"+1555","use":"home"}]`, "", ""},
		{"sms system without use", `[{"system":"sms","value":"+1556"}]`, "+1556", ""},
		{"email only", `[{"system":"email","value":"a@b.c"}]`, "", "a@b.c"},
		{"end date is inclusive for the whole day", `[{"system":"phone","use":"mobile","value":"+1557","period":{"end":"2026-12-06"}}]`, "+1557", ""},
		{"ended yesterday", `[{"system":"phone","use":"mobile","value":"+1558","period":{"end":"2026-12-05"}}]`, "", ""},
		{"starts tomorrow", `[{"system":"phone","use":"mobile","value":"+1559","period":{"start":"2026-12-07"}}]`, "", ""},
		{"unparseable period is not current", `[{"system":"phone","use":"mobile","value":"+1560","period":{"end":"soon"}}]`, "", ""},
		{"rank orders, unranked last", `[{"system":"phone","use":"mobile","value":"+1561"},{"system":"phone","use":"mobile","value":"+1562","rank":2},{"system":"phone","use":"mobile","value":"+1563","rank":1}]`, "+1563", ""},
		{"blank value skipped", `[{"system":"phone","use":"mobile","value":" "},{"system":"sms","value":"+1564"}]`, "+1564", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := decodePatient(t, `{"resourceType":"Patient","telecom":`+c.telecom+`}`)
			m, ok := p.MobileAt(now)
			assert.Equal(t, c.mobile != "", ok)
			assert.Equal(t, c.mobile, m)
			e, ok := p.EmailAt(now)
			assert.Equal(t, c.email != "", ok)
			assert.Equal(t, c.email, e)
		})
	}
}

func TestNameSelectionTable(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	cases := []struct{ name, names, first string }{
		{"no names", `[]`, ""},
		{"only an old name", `[{"use":"old","given":["Former"]}]`, ""},
		{"usual before official", `[{"use":"official","given":["Robert"]},{"use":"usual","given":["Bob"]}]`, "Bob"},
		{"ended usual falls back to official", `[{"use":"usual","given":["Bobby"],"period":{"end":"2010"}},{"use":"official","given":["Robert"]}]`, "Robert"},
		{"name without use", `[{"given":["Sam"]}]`, "Sam"},
		{"family only has no first name", `[{"use":"official","family":"Lee"}]`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := decodePatient(t, `{"resourceType":"Patient","name":`+c.names+`}`)
			assert.Equal(t, c.first, p.FirstNameAt(now))
		})
	}
	var none fhir.Patient
	assert.Equal(t, "", none.PreferredLanguage())
}
