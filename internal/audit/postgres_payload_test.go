package audit

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

// postgresRaw is plain SQL access to s's database.
func postgresRaw(s *PostgresStore) rawSQL {
	return rawSQL{
		exec: func(ctx context.Context, query string, args ...any) error {
			_, err := s.pool.Exec(ctx, query, args...)
			return err
		},
		queryRow: func(ctx context.Context, query string, args ...any) interface{ Scan(...any) error } {
			return s.pool.QueryRow(ctx, query, args...)
		},
		param: func(n int) string { return "$" + strconv.Itoa(n) },
		blob:  func(b byte) string { return fmt.Sprintf(`'\x%02x'`, b) },
	}
}

func TestPostgresPayloadAppendOnly(t *testing.T) {
	s := openPostgresWithTB(t, newPostgresDatabase(t), Options{Sealer: testSealer(t, "k1")})
	testPayloadAppendOnly(t, s, postgresRaw(s), `TRUNCATE audit_records`)
}

func TestPostgresPayloadColumnsChecked(t *testing.T) {
	s := openPostgresTB(t, newPostgresDatabase(t))
	testPayloadColumnsChecked(t, postgresRaw(s), `INSERT INTO audit_records (at, payload, payload_key_id) VALUES (now(), $1, $2)`, nil)
}

func TestPostgresPayloadBoundToRecord(t *testing.T) {
	s := openPostgresWithTB(t, newPostgresDatabase(t), Options{Sealer: testSealer(t, "k1")})
	testPayloadBoundToRecord(t, s, postgresRaw(s))
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
	testUpgradedTo0002(t, s, postgresRaw(s), len(all), oldID, `TRUNCATE audit_records`)
}
