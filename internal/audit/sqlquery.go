package audit

import (
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
