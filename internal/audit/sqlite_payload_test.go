package audit

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sqliteRawPayload reads record id's payload columns with plain SQL.
func sqliteRawPayload(t *testing.T, s *SQLiteStore, id int64) ([]byte, string) {
	t.Helper()
	var data []byte
	var keyID sql.NullString
	require.NoError(t, s.r.QueryRowContext(t.Context(),
		`SELECT payload, payload_key_id FROM audit_records WHERE id = ?`, id).Scan(&data, &keyID))
	return data, keyID.String
}

// TestSQLitePayloadNotInFile scans every file of the database, WAL included, for the
// plaintext: the column check alone would miss a copy left in a journal or index.
func TestSQLitePayloadNotInFile(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenSQLiteWith(t.Context(), filepath.Join(dir, "engine.db"), Options{Sealer: testSealer(t, "k1")})
	require.NoError(t, err)
	in := sample(1)
	in.Payload = rawHL7
	r, err := s.Append(t.Context(), in)
	require.NoError(t, err)

	check := func(when string) {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.NotEmpty(t, entries)
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			assert.False(t, bytes.Contains(b, []byte(phiMarker)), "%s: %s holds the plaintext", when, e.Name())
		}
	}
	check("in WAL")
	require.NoError(t, s.Close())
	check("after checkpoint")

	// Reopened without a sealer, the payload is refused rather than served in clear.
	s = openAt(t, filepath.Join(dir, "engine.db"))
	_, err = s.Payload(t.Context(), r.ID)
	assert.ErrorIs(t, err, ErrNoSealer)
}

func TestSQLitePayloadAppendOnly(t *testing.T) {
	s := openSQLiteWithTB(t, Options{Sealer: testSealer(t, "k1")})
	ctx := t.Context()
	in := sample(1)
	in.Payload = rawHL7
	r, err := s.Append(ctx, in)
	require.NoError(t, err)
	before, keyID := sqliteRawPayload(t, s, r.ID)

	for _, stmt := range []string{
		`UPDATE audit_records SET payload = NULL, payload_key_id = NULL`,
		`UPDATE audit_records SET payload = X'00', payload_key_id = 'k1'`,
		`UPDATE audit_records SET payload_key_id = 'k2'`,
		`DELETE FROM audit_records WHERE payload IS NOT NULL`,
	} {
		_, err := s.w.ExecContext(ctx, stmt)
		require.Error(t, err, stmt)
		assert.Contains(t, err.Error(), "append-only", stmt)
	}
	after, keyAfter := sqliteRawPayload(t, s, r.ID)
	assert.Equal(t, before, after)
	assert.Equal(t, keyID, keyAfter)
	plain, err := s.Payload(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, rawHL7, plain)
}

// TestSQLitePayloadColumnsChecked inserts rows by hand that the store would never write:
// the schema refuses half-set or empty payload columns.
func TestSQLitePayloadColumnsChecked(t *testing.T) {
	s := openSQLiteTB(t)
	insert := `INSERT INTO audit_records (at, payload, payload_key_id) VALUES ('2025-01-01T00:00:00.000000Z', ?, ?)`
	for name, args := range map[string][]any{
		"payload without key":   {[]byte{1}, nil},
		"key without payload":   {nil, "k1"},
		"empty payload":         {[]byte{}, "k1"},
		"empty key id":          {[]byte{1}, ""},
		"text in a blob column": {"clear text", "k1"},
	} {
		_, err := s.w.ExecContext(t.Context(), insert, args...)
		assert.Error(t, err, name)
	}
	_, err := s.w.ExecContext(t.Context(), insert, []byte{1}, "k1")
	require.NoError(t, err, "a complete pair is accepted")
}

// TestSQLitePayloadBoundToRecord copies a sealed payload onto a new row with a different
// process, as someone with write access to the file could: it must not open there.
func TestSQLitePayloadBoundToRecord(t *testing.T) {
	s := openSQLiteWithTB(t, Options{Sealer: testSealer(t, "k1")})
	ctx := t.Context()
	in := sample(1)
	in.Payload = rawHL7
	r, err := s.Append(ctx, in)
	require.NoError(t, err)
	var copied int64
	require.NoError(t, s.w.QueryRowContext(ctx, `INSERT INTO audit_records
		(at, actor, action, process, vendor, exchange, outcome, code, latency_ns, payload, payload_key_id)
		SELECT at, actor, action, 'lab:other', vendor, exchange, outcome, code, latency_ns, payload, payload_key_id
		FROM audit_records WHERE id = ? RETURNING id`, r.ID).Scan(&copied))

	_, err = s.Payload(ctx, copied)
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrNotFound)
	assert.NotContains(t, err.Error(), phiMarker)
	plain, err := s.Payload(ctx, r.ID)
	require.NoError(t, err, "the original still opens")
	assert.Equal(t, rawHL7, plain)
}

// TestSQLitePayloadKeyRotation reopens the store with a new active key: old payloads open
// with the retired key still configured, and fail clearly once it is removed.
func TestSQLitePayloadKeyRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "engine.db")
	k1, k2 := randomKey(t), randomKey(t)
	open := func(keys map[string][]byte, active string) *SQLiteStore {
		sealer, err := NewAESGCMSealer(keys, active)
		require.NoError(t, err)
		s, err := OpenSQLiteWith(t.Context(), path, Options{Sealer: sealer})
		require.NoError(t, err)
		return s
	}
	s := open(map[string][]byte{"k1": k1}, "k1")
	in := sample(1)
	in.Payload = rawHL7
	old, err := s.Append(t.Context(), in)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s = open(map[string][]byte{"k1": k1, "k2": k2}, "k2")
	newer, err := s.Append(t.Context(), in)
	require.NoError(t, err)
	for _, id := range []int64{old.ID, newer.ID} {
		plain, err := s.Payload(t.Context(), id)
		require.NoError(t, err)
		assert.Equal(t, rawHL7, plain)
	}
	_, keyID := sqliteRawPayload(t, s, newer.ID)
	assert.Equal(t, "k2", keyID)
	require.NoError(t, s.Close())

	s = open(map[string][]byte{"k2": k2}, "k2")
	t.Cleanup(func() { _ = s.Close() })
	_, err = s.Payload(t.Context(), old.ID)
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), `"k1"`, "the error names the missing key")
}

// TestSQLiteUpgradeTo0002 builds a database as the binary before payloads left it (0001
// only, with records), then opens it with the current store.
func TestSQLiteUpgradeTo0002(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "engine.db")
	all, err := loadMigrations(migrationFiles, "migrations/sqlite")
	require.NoError(t, err)
	require.Equal(t, "0002_payload.sql", all[1].name)

	db, err := sql.Open("sqlite", sqliteDSN(path, false))
	require.NoError(t, err)
	require.NoError(t, applySQLite(ctx, db, all[:1]))
	var oldID int64
	require.NoError(t, db.QueryRowContext(ctx, `INSERT INTO audit_records
		(at, actor, action, process, outcome, latency_ns) VALUES (?, 'mllp:lis', 'labs.result', 'lab:1', 'ok', 5)
		RETURNING id`, formatSQLiteTime(time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC))).Scan(&oldID))
	require.NoError(t, db.Close())

	s, err := OpenSQLiteWith(ctx, path, Options{Sealer: testSealer(t, "k1")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	var versions int
	require.NoError(t, s.r.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&versions))
	assert.Equal(t, len(all), versions)

	got, err := s.List(ctx, Filter{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, oldID, got[0].ID)
	assert.Equal(t, "lab:1", got[0].Process)
	assert.False(t, got[0].HasPayload)
	_, err = s.Payload(ctx, oldID)
	assert.ErrorIs(t, err, ErrNotFound)

	in := sample(1)
	in.Payload = rawHL7
	r, err := s.Append(ctx, in)
	require.NoError(t, err)
	assert.Greater(t, r.ID, oldID)
	plain, err := s.Payload(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, rawHL7, plain)

	// The triggers from 0001 still guard old and new rows after the ALTERs.
	for _, stmt := range []string{
		`UPDATE audit_records SET outcome = 'error' WHERE id = ?`,
		`UPDATE audit_records SET payload = X'01', payload_key_id = 'k1' WHERE id = ?`,
		`DELETE FROM audit_records WHERE id = ?`,
	} {
		for _, id := range []int64{oldID, r.ID} {
			_, err := s.w.ExecContext(ctx, stmt, id)
			require.Error(t, err, stmt)
			assert.Contains(t, err.Error(), "append-only", stmt)
		}
	}
}
