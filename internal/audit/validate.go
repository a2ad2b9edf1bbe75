package audit

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultLimit is the number of records List returns when Filter.Limit is zero.
const DefaultLimit = 1000

// MaxLimit is the largest number of records one List call returns.
const MaxLimit = 10000

// The stores keep timestamps with microsecond precision because that is what PostgreSQL's
// timestamptz holds; every store truncates the same way so they all return identical values.
const precision = time.Microsecond

// prepare validates r and fills in what the store assigns besides the ID, so that every
// store keeps and returns exactly the same values.
func prepare(r Record, now time.Time) (Record, error) {
	r.ID = 0
	if r.At.IsZero() {
		r.At = now
	}
	r.At = r.At.UTC().Truncate(precision)
	if err := checkYear(r.At); err != nil {
		return Record{}, fmt.Errorf("audit: record at: %w", err)
	}
	fields := []struct{ name, value string }{
		{"actor", r.Actor}, {"action", r.Action}, {"process", r.Process}, {"vendor", r.Vendor},
		{"exchange", r.Exchange}, {"outcome", r.Outcome}, {"code", r.Code},
	}
	for _, f := range fields {
		if err := checkText(f.value); err != nil {
			// Only the field name goes into the error: the value may not be fit to log.
			return Record{}, fmt.Errorf("audit: record %s: %w", f.name, err)
		}
	}
	return r, nil
}

// normalizeFilter applies the limit defaults and rounds Since so that every store compares
// it against microsecond timestamps in the same way.
func normalizeFilter(f Filter) (Filter, error) {
	switch {
	case f.Limit <= 0:
		f.Limit = DefaultLimit
	case f.Limit > MaxLimit:
		f.Limit = MaxLimit
	}
	if f.AfterID < 0 {
		f.AfterID = 0
	}
	if !f.Since.IsZero() {
		// Rounding up keeps "at >= Since" exact for timestamps stored at microsecond precision.
		since := f.Since.UTC()
		if t := since.Truncate(precision); t.Before(since) {
			since = t.Add(precision)
		} else {
			since = t
		}
		if err := checkYear(since); err != nil {
			return Filter{}, fmt.Errorf("audit: filter since: %w", err)
		}
		f.Since = since
	}
	fields := []struct{ name, value string }{{"process", f.Process}, {"action", f.Action}, {"vendor", f.Vendor}}
	for _, a := range f.Actions {
		fields = append(fields, struct{ name, value string }{"actions", a})
	}
	for _, fl := range fields {
		if err := checkText(fl.value); err != nil {
			return Filter{}, fmt.Errorf("audit: filter %s: %w", fl.name, err)
		}
	}
	return f, nil
}

// checkCrosswalk rejects keys and values that are empty or that a database could not store.
func checkCrosswalk(kind, externalID, internalID string, needInternal bool) error {
	if kind == "" || externalID == "" || (needInternal && internalID == "") {
		return errors.New("audit: crosswalk kind, external ID and internal ID must not be empty")
	}
	for _, v := range []string{kind, externalID, internalID} {
		if err := checkText(v); err != nil {
			return fmt.Errorf("audit: crosswalk: %w", err)
		}
	}
	return nil
}

// checkText accepts what PostgreSQL's text type accepts: valid UTF-8 without NUL bytes.
// Checking up front gives every store the same behaviour and keeps database error messages,
// which quote the offending bytes, out of the returned error.
func checkText(s string) error {
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return errors.New("not valid UTF-8 text")
	}
	return nil
}

// checkYear keeps times inside years 1 to 9999, the range the SQLite text format sorts correctly.
func checkYear(t time.Time) error {
	if y := t.Year(); y < 1 || y > 9999 {
		return errors.New("time outside years 1 to 9999")
	}
	return nil
}
