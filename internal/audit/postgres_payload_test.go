package audit

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// postgresRawPayload reads record id's payload columns with plain SQL.
func postgresRawPayload(t *testing.T, s *PostgresStore, id int64) ([]byte, string) {
	t.Helper()
	var data []byte
	var keyID *string
	require.NoError(t, s.pool.QueryRow(t.Context(),
		`SELECT payload, payload_key_id FROM audit_records WHERE id = $1`, id).Scan(&data, &keyID))
	if keyID == nil {
		return data, ""
	}
	return data, *keyID
}

func TestPostgresPayloadAppendOnly(t *testing.T) {
	s := openPostgresWithTB(t, newPostgresDatabase(t), Options{Sealer: testSealer(t, "k1")})
	ctx := t.Context()
	in := sample(1)
	in.Payload = rawHL7
	r, err := s.Append(ctx, in)
	require.NoError(t, err)
	before, keyID := postgresRawPayload(t, s, r.ID)

	for _, stmt := range []string{
		`UPDATE audit_records SET payload = NULL, payload_key_id = NULL`,
		`UPDATE audit_records SET payload = '\x00', payload_key_id = 'k1'`,
		`UPDATE audit_records SET payload_key_id = 'k2'`,
		`DELETE FROM audit_records WHERE payload IS NOT NULL`,
		`TRUNCATE audit_records`,
	} {
		_, err := s.pool.Exec(ctx, stmt)
		require.Error(t, err, stmt)
		assert.Contains(t, err.Error(), "append-only", stmt)
	}
	after, keyAfter := postgresRawPayload(t, s, r.ID)
	assert.Equal(t, before, after)
	assert.Equal(t, keyID, keyAfter)
	plain, err := s.Payload(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, rawHL7, plain)
}

// TestPostgresPayloadColumnsChecked inserts rows by hand that the store would never write:
// the schema refuses half-set or empty payload columns.
func TestPostgresPayloadColumnsChecked(t *testing.T) {
	s := openPostgresTB(t, newPostgresDatabase(t))
	insert := `INSERT INTO audit_records (at, payload, payload_key_id) VALUES (now(), $1, $2)`
	for name, args := range map[string][]any{
		"payload without key": {[]byte{1}, nil},
		"key without payload": {nil, "k1"},
		"empty payload":       {[]byte{}, "k1"},
		"empty key id":        {[]byte{1}, ""},
	} {
		_, err := s.pool.Exec(t.Context(), insert, args...)
		assert.Error(t, err, name)
	}
	_, err := s.pool.Exec(t.Context(), insert, []byte{1}, "k1")
	require.NoError(t, err, "a complete pair is accepted")
}

// TestPostgresPayloadBoundToRecord copies a sealed payload onto a new row with a different
// process, as someone with write access to the database could: it must not open there.
func TestPostgresPayloadBoundToRecord(t *testing.T) {
	s := openPostgresWithTB(t, newPostgresDatabase(t), Options{Sealer: testSealer(t, "k1")})
	ctx := t.Context()
	in := sample(1)
	in.Payload = rawHL7
	r, err := s.Append(ctx, in)
	require.NoError(t, err)
	var copied int64
	require.NoError(t, s.pool.QueryRow(ctx, `INSERT INTO audit_records
		(at, actor, action, process, vendor, exchange, outcome, code, latency_ns, payload, payload_key_id)
		SELECT at, actor, action, 'lab:other', vendor, exchange, outcome, code, latency_ns, payload, payload_key_id
		FROM audit_records WHERE id = $1 RETURNING id`, r.ID).Scan(&copied))

	_, err = s.Payload(ctx, copied)
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrNotFound)
	assert.NotContains(t, err.Error(), phiMarker)
	plain, err := s.Payload(ctx, r.ID)
	require.NoError(t, err, "the original still opens")
	assert.Equal(t, rawHL7, plain)
}

// TestPostgresUpgradeTo0002 builds a database as the binary before payloads left it (0001
// only, with records), then opens it with the current store.
func TestPostgresUpgradeTo0002(t *testing.T) {
	ctx := t.Context()
	dbURL := newPostgresDatabase(t)
	all, err := loadMigrations(migrationFiles, "migrations/postgres")
	require.NoError(t, err)
	require.Equal(t, "0002_payload.sql", all[1].name)

	pool, err := pgxpool.New(ctx, dbURL)
	require.NoError(t, err)
	require.NoError(t, applyPostgres(ctx, pool, "", all[:1]))
	var oldID int64
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO audit_records
		(at, actor, action, process, outcome, latency_ns) VALUES ($1, 'mllp:lis', 'labs.result', 'lab:1', 'ok', 5)
		RETURNING id`, time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC)).Scan(&oldID))
	pool.Close()

	s := openPostgresWithTB(t, dbURL, Options{Sealer: testSealer(t, "k1")})
	var versions int
	require.NoError(t, s.pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&versions))
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
		`UPDATE audit_records SET outcome = 'error' WHERE id = $1`,
		`UPDATE audit_records SET payload = '\x01', payload_key_id = 'k1' WHERE id = $1`,
		`DELETE FROM audit_records WHERE id = $1`,
	} {
		for _, id := range []int64{oldID, r.ID} {
			_, err := s.pool.Exec(ctx, stmt, id)
			require.Error(t, err, stmt)
			assert.Contains(t, err.Error(), "append-only", stmt)
		}
	}
	_, err = s.pool.Exec(ctx, `TRUNCATE audit_records`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "append-only")
}
