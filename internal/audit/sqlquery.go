package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// recordColumns is the column list both SQL stores select, in scan order. Records are read
// with a payload flag, never with the payload itself.
const recordColumns = "id, at, actor, action, process, vendor, exchange, outcome, code, latency_ns, payload IS NOT NULL"

// dialect holds what differs between the SQL stores when building a List query.
type dialect struct {
	// placeholder renders the n-th (1-based) bind parameter.
	placeholder func(n int) string
	// timeArg converts a time bound to the value the at column is compared with.
	timeArg func(time.Time) any
}

// listQuery builds the SELECT for a normalized filter. Only bind parameters carry values, so
// nothing from the filter is ever spliced into SQL text.
func listQuery(d dialect, f Filter) (string, []any) {
	var b strings.Builder
	args := []any{f.AfterID}
	b.WriteString("SELECT " + recordColumns + " FROM audit_records WHERE id > " + d.placeholder(1))
	add := func(cond string, v any) {
		args = append(args, v)
		b.WriteString(" AND " + cond + " " + d.placeholder(len(args)))
	}
	if f.Process != "" {
		add("process =", f.Process)
	}
	if f.Action != "" {
		add("action =", f.Action)
	}
	if len(f.Actions) > 0 {
		marks := make([]string, len(f.Actions))
		for i, a := range f.Actions {
			args = append(args, a)
			marks[i] = d.placeholder(len(args))
		}
		b.WriteString(" AND action IN (" + strings.Join(marks, ", ") + ")")
	}
	if f.Vendor != "" {
		add("vendor =", f.Vendor)
	}
	if !f.Since.IsZero() {
		add("at >=", d.timeArg(f.Since))
	}
	args = append(args, f.Limit)
	b.WriteString(" ORDER BY id LIMIT " + d.placeholder(len(args)))
	return b.String(), args
}

// sqliteDialect uses positional '?' parameters and the fixed-width UTC text time format.
var sqliteDialect = dialect{
	placeholder: func(int) string { return "?" },
	timeArg:     func(t time.Time) any { return formatSQLiteTime(t) },
}

// postgresDialect uses numbered parameters and passes times as timestamptz.
var postgresDialect = dialect{
	placeholder: func(n int) string { return "$" + strconv.Itoa(n) },
	timeArg:     func(t time.Time) any { return t },
}

// recordDest returns the scan destinations of recordColumns into r: at receives the
// timestamp in the driver's own type and latency the nanoseconds, which the caller converts;
// extra receives any columns selected after them.
func recordDest(r *Record, at any, latency *int64, extra ...any) []any {
	return append([]any{&r.ID, at, &r.Actor, &r.Action, &r.Process, &r.Vendor, &r.Exchange,
		&r.Outcome, &r.Code, latency, &r.HasPayload}, extra...)
}

// openPayload finishes a SQL store's Payload from its scan of the record and payload
// columns: err is the scan's error and noRows the driver's error for a missing row.
func openPayload(sealer Sealer, r Record, p sealedPayload, keyID sql.NullString, err, noRows error) ([]byte, error) {
	if errors.Is(err, noRows) || (err == nil && !r.HasPayload) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("audit: payload: %w", err)
	}
	p.keyID = keyID.String
	return openRecord(sealer, r, p)
}

// putCrosswalk is a SQL store's PutCrosswalk: insert adds the mapping unless its key exists
// (ON CONFLICT DO NOTHING) and reports whether it added a row; an existing key must already
// map to internalID, which lookup reads.
func putCrosswalk(ctx context.Context, kind, externalID, internalID string,
	insert func() (bool, error), lookup func(context.Context, string, string) (string, error)) error {
	if err := checkCrosswalk(kind, externalID, internalID, true); err != nil {
		return err
	}
	inserted, err := insert()
	if err != nil {
		return fmt.Errorf("audit: put crosswalk: %w", err)
	}
	if inserted {
		return nil
	}
	// DO NOTHING waited for any concurrent insert of the key to commit, and mappings never
	// change, so the row read now is the one that won.
	have, err := lookup(ctx, kind, externalID)
	if err != nil {
		return err
	}
	if have != internalID {
		return conflict(kind)
	}
	return nil
}

// lookupCrosswalk is a SQL store's LookupCrosswalk: scan reads the internal id of the
// mapping, failing with noRows, the driver's error for a missing row, when there is none.
func lookupCrosswalk(kind, externalID string, scan func(id *string) error, noRows error) (string, error) {
	if err := checkCrosswalk(kind, externalID, "", false); err != nil {
		return "", err
	}
	var id string
	err := scan(&id)
	if errors.Is(err, noRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("audit: lookup crosswalk: %w", err)
	}
	return id, nil
}
