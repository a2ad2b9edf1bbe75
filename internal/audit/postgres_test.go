package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// defaultTestDatabaseURL is the local trust-auth server the tests expect when
// TEST_DATABASE_URL is unset.
const defaultTestDatabaseURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// newPostgresDatabase creates a randomly named database so runs never collide, drops it when
// tb ends and returns its URL. An unreachable server skips the test, or fails it when CI=true.
func newPostgresDatabase(tb testing.TB) string {
	tb.Helper()
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		admin = defaultTestDatabaseURL
	}
	u, err := url.Parse(admin)
	require.NoError(tb, err, "TEST_DATABASE_URL must be a postgres:// URL")

	ctx, cancel := context.WithTimeout(tb.Context(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		msg := "PostgreSQL not reachable at " + u.Redacted() + " (set TEST_DATABASE_URL): " + err.Error()
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	defer func() { _ = conn.Close(context.Background()) }()

	name := "careflow_test_" + randomHex(tb)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	require.NoError(tb, err)
	tb.Cleanup(func() {
		// tb.Context is already canceled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			tb.Errorf("drop test database: %v", err)
			return
		}
		defer func() { _ = conn.Close(ctx) }()
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database: %v", err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// withSearchPath returns dbURL with the store's schema set to schema.
func withSearchPath(dbURL, schema string) string {
	u, _ := url.Parse(dbURL) // dbURL came from newPostgresDatabase, which parsed it already
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openPostgresTB opens a store at dbURL, closed when tb ends.
func openPostgresTB(tb testing.TB, dbURL string) *PostgresStore {
	tb.Helper()
	return openPostgresWithTB(tb, dbURL, Options{})
}

// openPostgresWithTB is openPostgresTB with options.
func openPostgresWithTB(tb testing.TB, dbURL string, o Options) *PostgresStore {
	tb.Helper()
	s, err := OpenPostgresWith(tb.Context(), dbURL, o)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// randomHex returns 16 random hex digits for database and schema names.
func randomHex(tb testing.TB) string {
	b := make([]byte, 8)
	_, err := rand.Read(b)
	require.NoError(tb, err)
	return hex.EncodeToString(b)
}

// TestPostgres runs the conformance suite with one database per run and a fresh schema per
// subtest, which also exercises search_path support.
func TestPostgres(t *testing.T) {
	dbURL := newPostgresDatabase(t)
	runConformance(t, conformanceStore{
		open: func(t *testing.T, o Options) Store {
			return openPostgresWithTB(t, withSearchPath(dbURL, "audit_"+randomHex(t)), o)
		},
		rawPayload: func(t *testing.T, s Store, id int64) ([]byte, string) {
			return postgresRaw(s.(*PostgresStore)).payloadColumns(t, id)
		},
	})
}

func TestPostgresAppendOnlyTrigger(t *testing.T) {
	s := openPostgresTB(t, newPostgresDatabase(t))
	ctx := t.Context()
	r, err := s.Append(ctx, sample(1))
	require.NoError(t, err)

	// Raw SQL, bypassing the Store interface, must still be refused by the database.
	for _, stmt := range []string{
		`UPDATE audit_records SET outcome = 'error'`,
		`DELETE FROM audit_records`,
		`TRUNCATE audit_records`,
	} {
		_, err = s.pool.Exec(ctx, stmt)
		require.Error(t, err, stmt)
		assert.Contains(t, err.Error(), "append-only", stmt)
	}
	got, err := s.List(ctx, Filter{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, r, got[0], "the record is unchanged")
}

// TestPostgresConcurrentOpen starts several stores on one empty database at once, as several
// processes would: each must succeed and every migration must be applied exactly once.
func TestPostgresConcurrentOpen(t *testing.T) {
	dbURL := newPostgresDatabase(t)
	const n = 6
	stores := make([]*PostgresStore, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = OpenPostgres(t.Context(), dbURL) })
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		t.Cleanup(func() { _ = stores[i].Close() })
	}
	all, err := loadMigrations(migrationFiles, "migrations/postgres")
	require.NoError(t, err)
	var count, distinct int
	require.NoError(t, stores[0].pool.QueryRow(t.Context(),
		`SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&count, &distinct))
	assert.Equal(t, len(all), count)
	assert.Equal(t, len(all), distinct)
}

func TestPostgresSchemaIsolation(t *testing.T) {
	dbURL := newPostgresDatabase(t)
	a := openPostgresTB(t, withSearchPath(dbURL, "tenant_a"))
	b := openPostgresTB(t, withSearchPath(dbURL, "tenant_b"))
	_, err := a.Append(t.Context(), sample(1))
	require.NoError(t, err)
	got, err := b.List(t.Context(), Filter{})
	require.NoError(t, err)
	assert.Empty(t, got, "schemas do not share records")

	var schema string
	require.NoError(t, a.pool.QueryRow(t.Context(),
		`SELECT table_schema FROM information_schema.tables WHERE table_name = 'audit_records' AND table_schema = 'tenant_a'`).Scan(&schema))
	assert.Equal(t, "tenant_a", schema)
}

func TestOpenUsesPostgresWhenURLSet(t *testing.T) {
	dbURL := newPostgresDatabase(t)
	s, err := Open(t.Context(), dbURL, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	assert.IsType(t, &PostgresStore{}, s)
	require.NoError(t, s.Ping(t.Context()))
}

func TestOpenPostgresBadURL(t *testing.T) {
	s, err := Open(t.Context(), "postgres://user:hunter2@[bad", "")
	require.Error(t, err)
	assert.Nil(t, s)
	assert.NotContains(t, err.Error(), "hunter2", "errors never echo credentials")
}
