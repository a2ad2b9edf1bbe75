// Package templates holds the text of every patient and provider notification: one Go
// text/template per scenario and language, embedded in the binary and checked at start-up.
//
// Each scenario has a data struct that only has the fields a notification may show (first name,
// a date or time, the clinic's name; for a provider page the order number and reply code), so a
// template cannot print an identifier, a result or a diagnosis: there is no field to print. The
// package is pure (no Temporal, no clock, no maps iterated), so workflow code may render.
package templates

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"sort"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
	"time"
)

// Scenario names one kind of notification; it is also the template's file name stem.
type Scenario string

// The scenarios, one template each per language.
const (
	CheckInConfirmation Scenario = "checkin-confirmation"
	CopayReceipt        Scenario = "copay-receipt"
	ResultsAvailable    Scenario = "results-available"
	AppointmentChange   Scenario = "appointment-change"
	PrescriptionReady   Scenario = "prescription-ready"
	ClaimBalanceDue     Scenario = "claim-balance-due"
	CriticalPage        Scenario = "critical-page"
)

// Scenarios lists every scenario in a fixed order.
var Scenarios = []Scenario{CheckInConfirmation, CopayReceipt, ResultsAvailable, AppointmentChange,
	PrescriptionReady, ClaimBalanceDue, CriticalPage}

// English is the language every scenario has and the fallback for any other.
const English = "en"

// Languages lists the languages every scenario must have a template for.
var Languages = []string{English, "es"}

// CheckInConfirmationData is what the check-in confirmation may show.
type CheckInConfirmationData struct {
	FirstName string
	// Time is the appointment's time of day, formatted with FormatTime.
	Time string
}

// CopayReceiptData is what a copay receipt may show (never the amount or what it paid for).
type CopayReceiptData struct {
	FirstName string
	Clinic    string
	// Date is the payment's date, formatted with FormatDate.
	Date string
}

// ResultsAvailableData is what a results notice may show (never the results).
type ResultsAvailableData struct {
	FirstName string
}

// AppointmentChangeData is what an appointment change may show (never the reason or the provider).
type AppointmentChangeData struct {
	FirstName string
	Clinic    string
	Date      string
	Time      string
}

// PrescriptionReadyData is what a prescription notice may show (never the drug).
type PrescriptionReadyData struct {
	FirstName string
	Clinic    string
}

// ClaimBalanceDueData is what a balance notice may show (never the amount or the services).
type ClaimBalanceDueData struct {
	FirstName string
	Clinic    string
}

// CriticalPageData is what a critical-value page to a provider may show: the order number to
// look the result up by and the code to reply with, never the patient or the value.
type CriticalPageData struct {
	OrderNumber string
	ReplyCode   string
}

// dataTypes maps each scenario to its only accepted data type.
var dataTypes = map[Scenario]reflect.Type{
	CheckInConfirmation: reflect.TypeOf(CheckInConfirmationData{}),
	CopayReceipt:        reflect.TypeOf(CopayReceiptData{}),
	ResultsAvailable:    reflect.TypeOf(ResultsAvailableData{}),
	AppointmentChange:   reflect.TypeOf(AppointmentChangeData{}),
	PrescriptionReady:   reflect.TypeOf(PrescriptionReadyData{}),
	ClaimBalanceDue:     reflect.TypeOf(ClaimBalanceDueData{}),
	CriticalPage:        reflect.TypeOf(CriticalPageData{}),
}

// DataType returns the data struct type a scenario renders from.
func DataType(s Scenario) reflect.Type { return dataTypes[s] }

//go:embed text/*.tmpl
var files embed.FS

var (
	parseOnce sync.Once
	parsed    map[string]*template.Template
	parseErr  error
)

func key(s Scenario, lang string) string { return string(s) + "." + lang }

// load parses the embedded templates once.
func load() (map[string]*template.Template, error) {
	parseOnce.Do(func() { parsed, parseErr = parseAll(files) })
	return parsed, parseErr
}

// parseAll parses every text/*.tmpl file of fsys, keyed by file name without the extension.
func parseAll(fsys fs.FS) (map[string]*template.Template, error) {
	entries, err := fs.ReadDir(fsys, "text")
	if err != nil {
		return nil, err
	}
	out := make(map[string]*template.Template, len(entries))
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".tmpl")
		body, err := fs.ReadFile(fsys, "text/"+e.Name())
		if err != nil {
			return nil, err
		}
		// missingkey=error: a template can never print "<no value>" in a patient's text.
		t, err := template.New(name).Option("missingkey=error").Parse(string(body))
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// Base reduces a BCP 47 tag ("es-MX", "ES_us") to its lower-case primary language ("es").
func Base(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	return lang
}

// Language returns the supported language Render will use for lang: its primary subtag when a
// template set exists for it, English otherwise.
func Language(lang string) string {
	b := Base(lang)
	for _, l := range Languages {
		if l == b {
			return l
		}
	}
	return English
}

// Render fills the scenario's template in the patient's language (English when the language
// has no templates) with data, which must be the scenario's data struct.
func Render(s Scenario, lang string, data any) (string, error) {
	want, ok := dataTypes[s]
	if !ok {
		return "", fmt.Errorf("unknown notification scenario %q", s)
	}
	if reflect.TypeOf(data) != want {
		return "", fmt.Errorf("scenario %s renders from %s, got %T", s, want.Name(), data)
	}
	all, err := load()
	if err != nil {
		return "", err
	}
	t, ok := all[key(s, Language(lang))]
	if !ok {
		if t, ok = all[key(s, English)]; !ok {
			return "", fmt.Errorf("no template for scenario %s", s)
		}
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		// The error names the template and field, never the values.
		return "", fmt.Errorf("render %s: %w", s, err)
	}
	return strings.TrimSpace(b.String()), nil
}

// Check parses every template and renders every scenario in every language with sample data,
// both with every field set and with every field empty; a missing translation, a template
// without a scenario, or a template naming a field its struct lacks is an error. Run it at
// start-up so a broken template stops the engine instead of a notification.
func Check() error {
	all, err := load()
	if err != nil {
		return err
	}
	return check(all)
}

func check(all map[string]*template.Template) error {
	var errs []error
	for _, s := range Scenarios {
		for _, lang := range Languages {
			if _, ok := all[key(s, lang)]; !ok {
				errs = append(errs, fmt.Errorf("scenario %s has no %q template", s, lang))
				continue
			}
			for _, d := range []any{Sample(s), reflect.Zero(dataTypes[s]).Interface()} {
				// Render via the exact template, not the fallback, so each file is exercised.
				var b strings.Builder
				if err := all[key(s, lang)].Execute(&b, d); err != nil {
					errs = append(errs, fmt.Errorf("template %s: %w", key(s, lang), err))
				} else if strings.TrimSpace(b.String()) == "" {
					errs = append(errs, fmt.Errorf("template %s renders empty", key(s, lang)))
				}
			}
		}
	}
	names := make([]string, 0, len(all))
	for name := range all {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		i := strings.LastIndex(name, ".")
		t := dataTypes[Scenario(name[:max(i, 0)])]
		if i < 0 || t == nil {
			errs = append(errs, fmt.Errorf("template %s matches no scenario", name))
			continue
		}
		// Every branch, taken or not, may only name fields of the scenario's struct.
		for _, f := range Fields(all[name]) {
			if _, ok := t.FieldByName(f); !ok {
				errs = append(errs, fmt.Errorf("template %s names .%s, which %s lacks", name, f, t.Name()))
			}
		}
	}
	return errors.Join(errs...)
}

// Fields lists the field names a template refers to anywhere in its parse tree, in order of
// appearance.
func Fields(t *template.Template) []string {
	var out []string
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			out = append(out, strings.Join(n.Ident, "."))
		case *parse.ChainNode:
			walk(n.Node)
			out = append(out, strings.Join(n.Field, "."))
		case *parse.VariableNode:
			if len(n.Ident) > 1 {
				out = append(out, strings.Join(n.Ident[1:], "."))
			}
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walk(n.Pipe)
		}
	}
	if t != nil && t.Tree != nil {
		walk(t.Tree.Root)
	}
	return out
}

// Sample returns the scenario's data struct with every string field set to a sample value.
func Sample(s Scenario) any {
	t := dataTypes[s]
	if t == nil {
		return nil
	}
	v := reflect.New(t).Elem()
	for i := 0; i < t.NumField(); i++ {
		if v.Field(i).Kind() == reflect.String {
			v.Field(i).SetString("sample-" + t.Field(i).Name)
		}
	}
	return v.Interface()
}

// FormatTime formats a time of day for lang: "3:04 PM" in English, "3:04 p. m." in Spanish
// (the RAE's 12-hour style, familiar to US Spanish speakers). The time keeps its own zone.
func FormatTime(t time.Time, lang string) string {
	if Language(lang) == "es" {
		suffix := " a. m."
		if t.Hour() >= 12 {
			suffix = " p. m."
		}
		return t.Format("3:04") + suffix
	}
	return t.Format("3:04 PM")
}

var spanishMonths = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
	"agosto", "septiembre", "octubre", "noviembre", "diciembre"}

// FormatDate formats a calendar date for lang: "March 4, 2026" in English, "4 de marzo de 2026"
// in Spanish.
func FormatDate(t time.Time, lang string) string {
	if Language(lang) == "es" {
		return fmt.Sprintf("%d de %s de %d", t.Day(), spanishMonths[t.Month()-1], t.Year())
	}
	return t.Format("January 2, 2006")
}
