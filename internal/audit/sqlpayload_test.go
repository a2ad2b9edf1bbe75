package audit

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawSQL is plain SQL access to a SQL store's database, for the payload tests that write
// what the store never would; each store's test file supplies its own.
type rawSQL struct {
	exec     func(ctx context.Context, query string, args ...any) error
	queryRow func(ctx context.Context, query string, args ...any) interface{ Scan(...any) error }
	// param renders the n-th (1-based) bind parameter.
	param func(n int) string
	// blob renders a one-byte BLOB literal, e.g. 0x01.
	blob func(b byte) string
}

// payloadColumns reads record id's payload columns with plain SQL.
func (raw rawSQL) payloadColumns(t *testing.T, id int64) ([]byte, string) {
	t.Helper()
	var data []byte
	var keyID sql.NullString
	require.NoError(t, raw.queryRow(t.Context(),
		`SELECT payload, payload_key_id FROM audit_records WHERE id = `+raw.param(1), id).Scan(&data, &keyID))
	return data, keyID.String
}

// appendPayload appends a sample record carrying rawHL7.
func appendPayload(t *testing.T, s Store) Record {
	t.Helper()
	in := sample(1)
	in.Payload = rawHL7
	r, err := s.Append(t.Context(), in)
	require.NoError(t, err)
	return r
}

// requirePayload checks that record id opens to rawHL7.
func requirePayload(t *testing.T, s Store, id int64, msg string) {
	t.Helper()
	plain, err := s.Payload(t.Context(), id)
	require.NoError(t, err, msg)
	assert.Equal(t, rawHL7, plain, msg)
}

// testPayloadAppendOnly tries to change or remove a sealed payload with plain SQL (the
// statements common to both stores, then more): the triggers refuse every one.
func testPayloadAppendOnly(t *testing.T, s Store, raw rawSQL, more ...string) {
	ctx := t.Context()
	r := appendPayload(t, s)
	before, keyID := raw.payloadColumns(t, r.ID)
	stmts := append([]string{
		`UPDATE audit_records SET payload = NULL, payload_key_id = NULL`,
		`UPDATE audit_records SET payload = ` + raw.blob(0) + `, payload_key_id = 'k1'`,
		`UPDATE audit_records SET payload_key_id = 'k2'`,
		`DELETE FROM audit_records WHERE payload IS NOT NULL`,
	}, more...)
	for _, stmt := range stmts {
		err := raw.exec(ctx, stmt)
		require.Error(t, err, stmt)
		assert.Contains(t, err.Error(), "append-only", stmt)
	}
	after, keyAfter := raw.payloadColumns(t, r.ID)
	assert.Equal(t, before, after)
	assert.Equal(t, keyID, keyAfter)
	requirePayload(t, s, r.ID, "")
}

// testPayloadColumnsChecked inserts rows by hand (insert binds payload and key id) that the
// store would never write: the schema refuses half-set or empty payload columns, and the
// cases in more.
func testPayloadColumnsChecked(t *testing.T, raw rawSQL, insert string, more map[string][]any) {
	cases := map[string][]any{
		"payload without key": {[]byte{1}, nil},
		"key without payload": {nil, "k1"},
		"empty payload":       {[]byte{}, "k1"},
		"empty key id":        {[]byte{1}, ""},
	}
	for name, args := range more {
		cases[name] = args
	}
	for name, args := range cases {
		assert.Error(t, raw.exec(t.Context(), insert, args...), name)
	}
	require.NoError(t, raw.exec(t.Context(), insert, []byte{1}, "k1"), "a complete pair is accepted")
}

// testPayloadBoundToRecord copies a sealed payload onto a new row with a different process,
// as someone with write access to the database could: it must not open there.
func testPayloadBoundToRecord(t *testing.T, s Store, raw rawSQL) {
	ctx := t.Context()
	r := appendPayload(t, s)
	var copied int64
	require.NoError(t, raw.queryRow(ctx, `INSERT INTO audit_records
		(at, actor, action, process, vendor, exchange, outcome, code, latency_ns, payload, payload_key_id)
		SELECT at, actor, action, 'lab:other', vendor, exchange, outcome, code, latency_ns, payload, payload_key_id
		FROM audit_records WHERE id = `+raw.param(1)+` RETURNING id`, r.ID).Scan(&copied))

	_, err := s.Payload(ctx, copied)
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrNotFound)
	assert.NotContains(t, err.Error(), phiMarker)
	requirePayload(t, s, r.ID, "the original still opens")
}

// testUpgradedTo0002 checks a store opened on a database that had only migration 0001 and
// one record, oldID: every migration is recorded, the old record lists without a payload,
// new records carry one, and the triggers from 0001 still guard old and new rows after the
// ALTERs (the statements common to both stores, then more).
func testUpgradedTo0002(t *testing.T, s Store, raw rawSQL, migrations int, oldID int64, more ...string) {
	ctx := t.Context()
	var versions int
	require.NoError(t, raw.queryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&versions))
	assert.Equal(t, migrations, versions)

	got, err := s.List(ctx, Filter{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, oldID, got[0].ID)
	assert.Equal(t, "lab:1", got[0].Process)
	assert.False(t, got[0].HasPayload)
	_, err = s.Payload(ctx, oldID)
	assert.ErrorIs(t, err, ErrNotFound)

	r := appendPayload(t, s)
	assert.Greater(t, r.ID, oldID)
	requirePayload(t, s, r.ID, "")

	for _, stmt := range []string{
		`UPDATE audit_records SET outcome = 'error' WHERE id = ` + raw.param(1),
		`UPDATE audit_records SET payload = ` + raw.blob(1) + `, payload_key_id = 'k1' WHERE id = ` + raw.param(1),
		`DELETE FROM audit_records WHERE id = ` + raw.param(1),
	} {
		for _, id := range []int64{oldID, r.ID} {
			err := raw.exec(ctx, stmt, id)
			require.Error(t, err, stmt)
			assert.Contains(t, err.Error(), "append-only", stmt)
		}
	}
	for _, stmt := range more {
		err := raw.exec(ctx, stmt)
		require.Error(t, err, stmt)
		assert.Contains(t, err.Error(), "append-only", stmt)
	}
}
