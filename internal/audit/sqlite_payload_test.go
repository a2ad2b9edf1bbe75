package audit

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sqliteRaw is plain SQL access to s's database: writes on the writer, reads on the reader.
func sqliteRaw(s *SQLiteStore) rawSQL {
	return rawSQL{
		exec: func(ctx context.Context, query string, args ...any) error {
			_, err := s.w.ExecContext(ctx, query, args...)
			return err
		},
		queryRow: func(ctx context.Context, query string, args ...any) interface{ Scan(...any) error } {
			if strings.HasPrefix(query, "INSERT") {
				return s.w.QueryRowContext(ctx, query, args...)
			}
			return s.r.QueryRowContext(ctx, query, args...)
		},
		param: func(int) string { return "?" },
		blob:  func(b byte) string { return fmt.Sprintf("X'%02X'", b) },
	}
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
	testPayloadAppendOnly(t, s, sqliteRaw(s))
}

func TestSQLitePayloadColumnsChecked(t *testing.T) {
	s := openSQLiteTB(t)
	testPayloadColumnsChecked(t, sqliteRaw(s),
		`INSERT INTO audit_records (at, payload, payload_key_id) VALUES ('2025-01-01T00:00:00.000000Z', ?, ?)`,
		map[string][]any{"text in a blob column": {"clear text", "k1"}})
}

func TestSQLitePayloadBoundToRecord(t *testing.T) {
	s := openSQLiteWithTB(t, Options{Sealer: testSealer(t, "k1")})
	testPayloadBoundToRecord(t, s, sqliteRaw(s))
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
	_, keyID := sqliteRaw(s).payloadColumns(t, newer.ID)
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
	testUpgradedTo0002(t, s, sqliteRaw(s), len(all), oldID)
}
