package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Advisory lock keys, per database. The value spells "careflow" in ASCII so the lock is
// recognisable in pg_locks.
const (
	migrateLockKey int64 = 0x63617265666c6f77
	appendLockKey  int64 = migrateLockKey + 1
)

// PostgresStore is the Store on PostgreSQL, used when DATABASE_URL is set. A search_path
// parameter in the URL selects (and on first use creates) the schema it lives in.
type PostgresStore struct {
	pool *pgxpool.Pool
	// sealer encrypts payloads; nil means records with a Payload are refused.
	sealer Sealer
	// group batches concurrent Appends into one transaction (one WAL flush).
	group *groupWriter
}

var _ Store = (*PostgresStore)(nil)

// OpenPostgres connects to the database at url and applies pending migrations. It is safe
// for several processes to call at once: migrations run under a transaction-scoped lock.
func OpenPostgres(ctx context.Context, url string) (*PostgresStore, error) {
	return OpenPostgresWith(ctx, url, Options{})
}

// OpenPostgresWith is OpenPostgres with options.
func OpenPostgresWith(ctx context.Context, url string, o Options) (*PostgresStore, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors can quote the URL; say only what went wrong.
		return nil, errors.New("audit: invalid DATABASE_URL")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("audit: connect postgres: %w", err)
	}
	if err := migratePostgres(ctx, pool, firstSchema(cfg.ConnConfig.RuntimeParams["search_path"])); err != nil {
		pool.Close()
		return nil, err
	}
	s := &PostgresStore{pool: pool, sealer: o.Sealer}
	s.group = newGroupWriter(s.commitAppends, postgresWriters)
	return s, nil
}

// firstSchema returns the schema new tables go to for a search_path setting, or "" for the
// server default.
func firstSchema(searchPath string) string {
	first, _, _ := strings.Cut(searchPath, ",")
	first = strings.Trim(strings.TrimSpace(first), `"`)
	if first == "$user" {
		return ""
	}
	return first
}

// migratePostgres applies pending migrations in one transaction. pg_advisory_xact_lock makes
// concurrent starters take turns and is released by the commit or rollback.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	all, err := loadMigrations(migrationFiles, "migrations/postgres")
	if err != nil {
		return err
	}
	return applyPostgres(ctx, pool, schema, all)
}

// applyPostgres applies those of all that are not applied yet; tests pass a prefix of the
// shipped migrations to build a database as an older binary left it.
func applyPostgres(ctx context.Context, pool *pgxpool.Pool, schema string, all []migration) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("audit: migrate: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLockKey); err != nil {
		return fmt.Errorf("audit: migrate: lock: %w", err)
	}
	if schema != "" {
		if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
			return fmt.Errorf("audit: migrate: create schema: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    bigint      PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("audit: migrate: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("audit: migrate: read versions: %w", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("audit: migrate: read versions: %w", err)
	}
	applied := map[int64]bool{}
	for _, v := range versions {
		applied[v] = true
	}
	for _, m := range pending(all, applied) {
		// Without arguments pgx uses the simple protocol, which runs a multi-statement file.
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("audit: migrate %s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.version); err != nil {
			return fmt.Errorf("audit: migrate %s: record version: %w", m.name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("audit: migrate: commit: %w", err)
	}
	return nil
}

// postgresWriters is how many transactions of appends one store runs at a time. The append
// lock makes them commit one after another anyway, so more writers only split the batches:
// with 2 or 4, BenchmarkAppendParallel at 8 to 128 callers took 0.9x to 6x one writer's time.
const postgresWriters = 1

// postgresInsertSQL inserts one record and returns its ID.
const postgresInsertSQL = `INSERT INTO audit_records (at, actor, action, process, vendor, exchange, outcome, code,
	latency_ns, payload, payload_key_id)
VALUES ($1::timestamptz, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::bigint,
	$10::bytea, $11::text)
RETURNING id`

// appendLockSQL takes the transaction-scoped append lock. A sequence alone hands out IDs in
// call order but transactions may commit out of that order, so a reader paging by AfterID
// could pass over an ID that becomes visible later. Taking the lock before nextval runs and
// keeping it until commit makes IDs become visible strictly in order, across every process
// appending to the database. The cost is that transactions of appends commit one at a time,
// which group commit offsets by putting many appends in each.
const appendLockSQL = `SELECT pg_advisory_xact_lock($1)`

// appendOneSQL is appendLockSQL and postgresInsertSQL in one statement for a batch of one
// record (one round trip): the MATERIALIZED CTE is evaluated, so the lock taken, first.
const appendOneSQL = `WITH serial AS MATERIALIZED (` + appendLockSQL + `)
INSERT INTO audit_records (at, actor, action, process, vendor, exchange, outcome, code, latency_ns,
	payload, payload_key_id)
SELECT $2::timestamptz, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::bigint,
	$11::bytea, $12::text
FROM serial
RETURNING id`

// postgresInsertArgs returns the parameters of postgresInsertSQL for req.
func postgresInsertArgs(req *appendReq) []any {
	r := req.r
	return []any{r.At, r.Actor, r.Action, r.Process, r.Vendor, r.Exchange, r.Outcome, r.Code, int64(r.Latency),
		req.payload, req.keyID}
}

// Append implements Store.
func (s *PostgresStore) Append(ctx context.Context, r Record) (Record, error) {
	return s.group.appendRecord(ctx, s.sealer, r)
}

// commitAppends is the store's commitFunc. The batch goes to the server as one pipeline
// (lock, then every insert), so a transaction costs three round trips (BEGIN, the pipeline,
// COMMIT) whatever its size.
func (s *PostgresStore) commitAppends(ctx context.Context, batch []*appendReq) ([]int64, error) {
	ids := make([]int64, len(batch))
	if len(batch) == 1 {
		// The statement commits on its own, so like a failed COMMIT a lost connection leaves
		// its outcome unknown; a batch of one is never written again anyway.
		args := append([]any{appendLockKey}, postgresInsertArgs(batch[0])...)
		return ids, s.pool.QueryRow(ctx, appendOneSQL, args...).Scan(&ids[0])
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // no-op after Commit
	b := &pgx.Batch{}
	b.Queue(appendLockSQL, appendLockKey)
	for _, req := range batch {
		b.Queue(postgresInsertSQL, postgresInsertArgs(req)...)
	}
	if err := readAppendBatch(tx.SendBatch(ctx, b), ids); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("%w: %w", errOutcomeUnknown, err)
	}
	return ids, nil
}

// readAppendBatch reads the results of commitAppends' pipeline into ids and closes it.
func readAppendBatch(br pgx.BatchResults, ids []int64) error {
	if _, err := br.Exec(); err != nil {
		_ = br.Close()
		return err
	}
	for i := range ids {
		if err := br.QueryRow().Scan(&ids[i]); err != nil {
			_ = br.Close()
			return err
		}
	}
	return br.Close()
}

// List implements Store.
func (s *PostgresStore) List(ctx context.Context, f Filter) ([]Record, error) {
	f, err := normalizeFilter(f)
	if err != nil {
		return nil, err
	}
	query, args := listQuery(postgresDialect, f)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Record, error) {
		return scanPostgresRecord(row)
	})
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	if out == nil {
		out = []Record{}
	}
	return out, nil
}

// Payload implements Store.
func (s *PostgresStore) Payload(ctx context.Context, id int64) ([]byte, error) {
	var p sealedPayload
	var keyID sql.NullString
	r, err := scanPostgresRecord(s.pool.QueryRow(ctx,
		`SELECT `+recordColumns+`, payload, payload_key_id FROM audit_records WHERE id = $1`, id),
		&p.data, &keyID)
	return openPayload(s.sealer, r, p, keyID, err, pgx.ErrNoRows)
}

// scanPostgresRecord reads one row that starts with recordColumns; extra receives any
// columns selected after them.
func scanPostgresRecord(row pgx.Row, extra ...any) (Record, error) {
	var (
		r       Record
		latency int64
	)
	if err := row.Scan(recordDest(&r, &r.At, &latency, extra...)...); err != nil {
		return Record{}, err
	}
	r.At = r.At.UTC()
	r.Latency = time.Duration(latency)
	return r, nil
}

// PutCrosswalk implements Store.
func (s *PostgresStore) PutCrosswalk(ctx context.Context, kind, externalID, internalID string) error {
	return putCrosswalk(ctx, kind, externalID, internalID, func() (bool, error) {
		tag, err := s.pool.Exec(ctx, `INSERT INTO crosswalk (kind, external_id, internal_id)
			VALUES ($1, $2, $3) ON CONFLICT (kind, external_id) DO NOTHING`, kind, externalID, internalID)
		return err == nil && tag.RowsAffected() == 1, err
	}, s.LookupCrosswalk)
}

// LookupCrosswalk implements Store.
func (s *PostgresStore) LookupCrosswalk(ctx context.Context, kind, externalID string) (string, error) {
	return lookupCrosswalk(kind, externalID, func(id *string) error {
		return s.pool.QueryRow(ctx, `SELECT internal_id FROM crosswalk WHERE kind = $1 AND external_id = $2`,
			kind, externalID).Scan(id)
	}, pgx.ErrNoRows)
}

// Ping implements Store.
func (s *PostgresStore) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("audit: ping: %w", err)
	}
	return nil
}

// Close implements Store; closing twice is harmless.
func (s *PostgresStore) Close() error {
	s.group.close()
	s.pool.Close()
	return nil
}
