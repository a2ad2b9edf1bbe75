package pgtemporal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoSchema is returned by CheckSchema and Start when a database or its Temporal schema
// is missing: temporal-pg/setup.sh has not been run for it.
var ErrNoSchema = errors.New("temporal schema missing")

// setupHint is what the operator runs to create the schema.
const setupHint = "create it with temporal-pg/setup.sh (`make temporal-pg`) before starting the server"

// CheckSchema verifies that both databases exist and hold a Temporal schema newer than the
// empty 0.0 that schema versioning starts from. It does not compare versions: the server
// itself refuses a schema older than it needs, naming both versions.
func CheckSchema(ctx context.Context, pg Postgres) error {
	pg = pg.withDefaults()
	for _, db := range []string{pg.DB, pg.VisibilityDB} {
		if err := checkOne(ctx, pg, db); err != nil {
			return err
		}
	}
	return nil
}

func checkOne(ctx context.Context, pg Postgres, db string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pg.url(db))
	if err != nil {
		if pgCode(err) == "3D000" { // invalid_catalog_name: no such database
			return fmt.Errorf("%w: database %q does not exist at %s; %s", ErrNoSchema, db, pg.Addr, setupHint)
		}
		return fmt.Errorf("temporal: PostgreSQL at %s (database %q, user %q) unreachable: %w", pg.Addr, db, pg.User, err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	var version string
	err = conn.QueryRow(ctx, "SELECT curr_version FROM schema_version WHERE version_partition = 0 AND db_name = $1", db).Scan(&version)
	switch {
	case pgCode(err) == "42P01": // undefined_table
		return fmt.Errorf("%w: database %q at %s has no Temporal schema (no schema_version table); %s", ErrNoSchema, db, pg.Addr, setupHint)
	case errors.Is(err, pgx.ErrNoRows) || (err == nil && (version == "" || version == "0.0")):
		return fmt.Errorf("%w: database %q at %s has schema versioning but no Temporal schema yet; %s", ErrNoSchema, db, pg.Addr, setupHint)
	case err != nil:
		return fmt.Errorf("temporal: read schema version of %q at %s: %w", db, pg.Addr, err)
	}
	return nil
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// Setup runs temporal-pg/setup.sh for pg: it creates the databases when missing and brings
// both schemas to the latest version embedded in the pinned SQL tool; a second run changes
// nothing. dir is the temporal-pg directory ("" finds it as Start does).
func Setup(ctx context.Context, dir string, pg Postgres) error {
	o, err := Options{Dir: dir, Postgres: pg}.withDefaults()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(o.Dir, "setup.sh"))
	cmd.Env = append(os.Environ(), o.Postgres.env()...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("temporal-pg/setup.sh: %w\n%s", err, out.String())
	}
	return nil
}
