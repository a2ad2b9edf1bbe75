package pgtemporal_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/internal/pgtemporal"
	"github.com/careflow/engine/internal/testenv"
)

// gate is set by `make test`, which builds the SQL tool these tests run (temporal-pg/build.sh).
const gate = "CAREFLOW_E2E_POSTGRES"

// TestStartBeforeSchemaFailsClearly: a server started on databases that are missing or empty
// is refused before any process starts, with an error that names the database and the fix.
func TestStartBeforeSchemaFailsClearly(t *testing.T) {
	ctx := context.Background()
	// Like the audit store's tests: without a local PostgreSQL this skips, except in CI and
	// under `make test`, where it must run.
	if conn, err := pgx.Connect(ctx, testenv.PostgresAdminURL); err != nil {
		if os.Getenv("CI") == "true" || os.Getenv(gate) != "" {
			t.Fatalf("PostgreSQL not reachable: %v", err)
		}
		t.Skipf("PostgreSQL not reachable at 127.0.0.1:5432: %v", err)
	} else {
		_ = conn.Close(ctx)
	}
	pg := testenv.NewPostgresDatabases(t)

	// The databases do not exist yet.
	err := pgtemporal.CheckSchema(ctx, pg)
	require.ErrorIs(t, err, pgtemporal.ErrNoSchema)
	require.Contains(t, err.Error(), pg.DB)
	require.Contains(t, err.Error(), "does not exist")
	require.Contains(t, err.Error(), "temporal-pg/setup.sh")

	// They exist but hold nothing.
	admin, err := pgx.Connect(ctx, testenv.PostgresAdminURL)
	require.NoError(t, err)
	defer func() { _ = admin.Close(ctx) }()
	for _, db := range []string{pg.DB, pg.VisibilityDB} {
		_, err = admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{db}.Sanitize())
		require.NoError(t, err)
	}
	err = pgtemporal.CheckSchema(ctx, pg)
	require.ErrorIs(t, err, pgtemporal.ErrNoSchema)
	require.Contains(t, err.Error(), "no Temporal schema")

	// Start refuses the same way, before running the server binary (here a stand-in that
	// would succeed at anything).
	_, err = pgtemporal.Start(ctx, pgtemporal.Options{Postgres: pg, ServerBin: "/bin/true", Ports: pgtemporal.Ports{Frontend: 1}})
	require.ErrorIs(t, err, pgtemporal.ErrNoSchema)
	require.Contains(t, err.Error(), "temporal-pg/setup.sh")
}

// TestSetupTwiceChangesNothing: setup.sh creates both databases at the latest schema; a second
// run leaves every table, the recorded versions and the update history as they were.
func TestSetupTwiceChangesNothing(t *testing.T) {
	if os.Getenv(gate) == "" {
		t.Skipf("%s unset: `make test` builds the SQL tool and runs this", gate)
	}
	pg := testenv.NewPostgresDatabases(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	require.NoError(t, pgtemporal.Setup(ctx, "", pg))
	require.NoError(t, pgtemporal.CheckSchema(ctx, pg))
	first := snapshot(t, pg)
	require.Contains(t, first, "executions", "the history schema has its tables")
	require.Contains(t, first, "executions_visibility", "the visibility schema has its tables")

	require.NoError(t, pgtemporal.Setup(ctx, "", pg))
	require.Equal(t, first, snapshot(t, pg))
}

// snapshot describes both databases: tables with their columns, schema versions and the
// schema update history.
func snapshot(t *testing.T, pg pgtemporal.Postgres) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, db := range []string{pg.DB, pg.VisibilityDB} {
		conn, err := pgx.Connect(ctx, strings.Replace(testenv.PostgresAdminURL, "/postgres?", "/"+db+"?", 1))
		require.NoError(t, err)
		for _, q := range []string{
			"SELECT table_name || '.' || column_name || ' ' || data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1",
			"SELECT db_name || ' ' || curr_version || ' ' || min_compatible_version || ' ' || creation_time::text FROM schema_version ORDER BY 1",
			"SELECT update_time::text || ' ' || coalesce(old_version, '') || '->' || coalesce(new_version, '') FROM schema_update_history ORDER BY 1",
		} {
			rows, err := conn.Query(ctx, q)
			require.NoError(t, err, q)
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			require.NoError(t, err, q)
			b.WriteString(db + ":\n" + strings.Join(lines, "\n") + "\n")
		}
		_ = conn.Close(ctx)
	}
	return b.String()
}
