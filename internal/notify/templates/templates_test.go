package templates

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chart is a full patient chart with a sentinel in every field; only the fields a scenario's
// data struct has (by name) can reach a template.
var chart = map[string]string{
	"FirstName":      "SENTINEL-FIRSTNAME",
	"Time":           "SENTINEL-TIME",
	"Date":           "SENTINEL-DATE",
	"Clinic":         "SENTINEL-CLINIC",
	"OrderNumber":    "SENTINEL-ORDERNUMBER",
	"ReplyCode":      "SENTINEL-REPLYCODE",
	"LastName":       "SENTINEL-LASTNAME",
	"FormerName":     "SENTINEL-FORMERNAME",
	"MRN":            "SENTINEL-MRN",
	"PatientID":      "SENTINEL-PATIENTID",
	"SSN":            "SENTINEL-SSN",
	"MemberID":       "SENTINEL-MEMBERID",
	"BirthDate":      "SENTINEL-DOB",
	"Address":        "SENTINEL-ADDRESS",
	"Mobile":         "SENTINEL-MOBILE",
	"Email":          "SENTINEL-EMAIL",
	"ResultValue":    "SENTINEL-RESULTVALUE",
	"ResultName":     "SENTINEL-RESULTNAME",
	"Diagnosis":      "SENTINEL-DIAGNOSIS",
	"DiagnosisCode":  "SENTINEL-ICD10",
	"Drug":           "SENTINEL-DRUG",
	"Amount":         "SENTINEL-AMOUNT",
	"Provider":       "SENTINEL-PROVIDER",
	"Reason":         "SENTINEL-REASON",
	"AppointmentID":  "SENTINEL-APPTID",
	"ClaimNumber":    "SENTINEL-CLAIMNUMBER",
	"ServiceLines":   "SENTINEL-SERVICES",
	"PlacerOrderRef": "SENTINEL-PLACERREF",
}

// allowed is, per scenario, what a rendered text may carry from the chart.
func allowed(s Scenario) map[string]bool {
	a := map[string]bool{"FirstName": true, "Time": true, "Date": true, "Clinic": true}
	if s == CriticalPage {
		// A page goes to the clinician, who needs the order to find the result and the code to
		// acknowledge; it never names the patient.
		a = map[string]bool{"OrderNumber": true, "ReplyCode": true}
	}
	return a
}

// fromChart fills the scenario's data struct from the chart by field name, as a careless
// caller copying "everything that fits" would.
func fromChart(s Scenario) any {
	t := DataType(s)
	v := reflect.New(t).Elem()
	for i := 0; i < t.NumField(); i++ {
		if val, ok := chart[t.Field(i).Name]; ok {
			v.Field(i).SetString(val)
		}
	}
	return v.Interface()
}

func TestCheckPassesOnShippedTemplates(t *testing.T) {
	require.NoError(t, Check())
}

// TestDataStructsHoldNoPHI is the structural half of the linter: every data struct has only
// allowed, string-typed fields, so no identifier, result or diagnosis can be passed in.
func TestDataStructsHoldNoPHI(t *testing.T) {
	forbidden := []string{"mrn", "id", "ssn", "birth", "dob", "result", "value", "diagnos", "icd",
		"drug", "medication", "amount", "balance", "address", "phone", "mobile", "email", "last",
		"family", "member", "reason", "provider", "note"}
	for _, s := range Scenarios {
		typ := DataType(s)
		require.NotNil(t, typ, "scenario %s has a data struct", s)
		require.Equal(t, reflect.Struct, typ.Kind())
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			assert.True(t, allowed(s)[f.Name], "%s.%s is not an allowed field", typ.Name(), f.Name)
			assert.Equal(t, reflect.String, f.Type.Kind(), "%s.%s must be a plain string", typ.Name(), f.Name)
			if s != CriticalPage || (f.Name != "OrderNumber" && f.Name != "ReplyCode") {
				for _, w := range forbidden {
					assert.NotContains(t, strings.ToLower(f.Name), w, "%s.%s looks like PHI", typ.Name(), f.Name)
				}
			}
		}
	}
}

// TestTemplatesRenderNoPHI is the rendering half: every template in every language, filled
// from a full chart, shows none of the chart's sentinels beyond the scenario's allowed fields,
// and names only fields of its struct.
func TestTemplatesRenderNoPHI(t *testing.T) {
	all, err := load()
	require.NoError(t, err)
	for _, s := range Scenarios {
		for _, lang := range Languages {
			out, err := Render(s, lang, fromChart(s))
			require.NoError(t, err, "%s/%s", s, lang)
			for field, sentinel := range chart {
				if allowed(s)[field] {
					continue
				}
				assert.NotContains(t, out, sentinel, "%s/%s leaks %s", s, lang, field)
			}
			assert.NotContains(t, out, "<no value>")
			for _, f := range Fields(all[key(s, lang)]) {
				assert.True(t, allowed(s)[f], "%s/%s names .%s", s, lang, f)
			}
		}
	}
}

func TestCheckRejectsBrokenTemplateSets(t *testing.T) {
	good := fstest.MapFS{}
	for _, s := range Scenarios {
		for _, l := range Languages {
			b, err := files.ReadFile("text/" + key(s, l) + ".tmpl")
			require.NoError(t, err)
			good["text/"+key(s, l)+".tmpl"] = &fstest.MapFile{Data: b}
		}
	}
	all, err := parseAll(good)
	require.NoError(t, err)
	require.NoError(t, check(all))

	cases := map[string]func(fstest.MapFS){
		"missing translation": func(m fstest.MapFS) { delete(m, "text/results-available.es.tmpl") },
		// The field sits in a branch sample data may not take; the parse-tree walk still sees it.
		"field not in struct": func(m fstest.MapFS) {
			m["text/results-available.es.tmpl"] = &fstest.MapFile{Data: []byte(`Hola{{if .FirstName}}{{else}} {{.MRN}}{{end}}`)}
		},
		"unknown scenario": func(m fstest.MapFS) {
			m["text/lab-values.en.tmpl"] = &fstest.MapFile{Data: []byte(`x`)}
		},
		"empty template": func(m fstest.MapFS) {
			m["text/critical-page.es.tmpl"] = &fstest.MapFile{Data: []byte(" \n")}
		},
	}
	for name, breakIt := range cases {
		t.Run(name, func(t *testing.T) {
			m := fstest.MapFS{}
			for k, v := range good {
				m[k] = v
			}
			breakIt(m)
			all, err := parseAll(m)
			require.NoError(t, err)
			require.Error(t, check(all))
		})
	}

	_, err = parseAll(fstest.MapFS{"text/critical-page.en.tmpl": {Data: []byte(`{{.OrderNumber`)}})
	require.Error(t, err, "a syntax error fails the parse")
}

func TestRenderCheckInKeepsEnglishWording(t *testing.T) {
	out, err := Render(CheckInConfirmation, "en", CheckInConfirmationData{FirstName: "Ana", Time: "9:30 AM"})
	require.NoError(t, err)
	assert.Equal(t, "Hi Ana, you are checked in for your 9:30 AM appointment. Please have a seat; we will call you shortly.", out)
	out, err = Render(CheckInConfirmation, "en", CheckInConfirmationData{})
	require.NoError(t, err)
	assert.Equal(t, "Hi, you are checked in. Please have a seat; we will call you shortly.", out)

	out, err = Render(CriticalPage, "en", CriticalPageData{OrderNumber: "ORD1", ReplyCode: "123456"})
	require.NoError(t, err)
	assert.Equal(t, "CRITICAL lab result for order ORD1. Reply 123456 to acknowledge.", out)

	out, err = Render(ResultsAvailable, "", ResultsAvailableData{})
	require.NoError(t, err)
	assert.Equal(t, "Hello, your lab results are available. Please check your patient portal or call the clinic.", out)
}

func TestRenderLanguagesAndFallback(t *testing.T) {
	es, err := Render(CheckInConfirmation, "es-MX", CheckInConfirmationData{FirstName: "Ana", Time: "3:30 p. m."})
	require.NoError(t, err)
	assert.Contains(t, es, "Hola, Ana")
	assert.Contains(t, es, "3:30 p. m.")

	for _, lang := range []string{"fr", "", "zz-Latn", "EN_us"} {
		out, err := Render(ResultsAvailable, lang, ResultsAvailableData{FirstName: "Ana"})
		require.NoError(t, err)
		assert.Equal(t, "Hi Ana, your lab results are available. Please check your patient portal or call the clinic.", out, lang)
	}

	_, err = Render(ResultsAvailable, "en", CheckInConfirmationData{FirstName: "Ana"})
	require.Error(t, err, "data of another scenario is refused")
	_, err = Render(Scenario("nope"), "en", ResultsAvailableData{})
	require.Error(t, err)
}

func TestFormatTimeAndDate(t *testing.T) {
	tm := time.Date(2026, 3, 4, 15, 5, 0, 0, time.FixedZone("", -5*3600))
	assert.Equal(t, "3:05 PM", FormatTime(tm, "en"))
	assert.Equal(t, "3:05 p. m.", FormatTime(tm, "es"))
	assert.Equal(t, "9:05 a. m.", FormatTime(tm.Add(-6*time.Hour), "es-US"))
	assert.Equal(t, "March 4, 2026", FormatDate(tm, "fr"))
	assert.Equal(t, "4 de marzo de 2026", FormatDate(tm, "es"))
}
