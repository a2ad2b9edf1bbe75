package pgtemporal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// FreshDatabases names a new pair of databases on the machine's PostgreSQL (127.0.0.1:5432,
// user postgres) for a server that must start from nothing (a test, a benchmark), and returns a
// function that drops them. Setup creates them.
func FreshDatabases(prefix string) (Postgres, func(context.Context) error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	pg := Postgres{Addr: "127.0.0.1:5432", User: "postgres", DB: name, VisibilityDB: name + "_visibility"}
	return pg, func(ctx context.Context) error { return pg.drop(ctx) }
}

// drop removes both databases, disconnecting whatever still uses them.
func (p Postgres) drop(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, p.withDefaults().url("postgres"))
	if err != nil {
		return fmt.Errorf("drop databases: %w", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	var errs []error
	for _, db := range []string{p.DB, p.VisibilityDB} {
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)"); err != nil {
			errs = append(errs, fmt.Errorf("drop %s: %w", db, err))
		}
	}
	return errors.Join(errs...)
}
