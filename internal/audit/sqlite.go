package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	// Registers the pure-Go "sqlite" database/sql driver.
	_ "modernc.org/sqlite"
)

// sqliteTimeLayout is fixed-width so that text order equals time order in the at column.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// sqliteBusyTimeout is how long a connection waits for another process's write lock.
const sqliteBusyTimeout = 10 * time.Second

// SQLiteStore is the embedded Store in one SQLite file, used when DATABASE_URL is unset.
type SQLiteStore struct {
	// w has exactly one connection: SQLite allows one writer at a time, and queueing
	// writers in Go is cheaper and fairer than letting them spin in busy_timeout.
	w *sql.DB
	// r is a pool of read-only connections; WAL lets them read beside the writer.
	r *sql.DB
	// sealer encrypts payloads; nil means records with a Payload are refused.
	sealer Sealer
	// group batches concurrent Appends into one transaction (one fsync).
	group *groupWriter
	// insert is the append's INSERT, prepared once on the writer connection: parsing it again
	// for every record cost as much as executing it. putXwalk and getXwalk are the crosswalk's
	// statements, prepared for the same reason.
	insert, putXwalk, getXwalk *sql.Stmt
}

var _ Store = (*SQLiteStore)(nil)

// OpenSQLite opens (creating if needed) the SQLite database at path, creates its parent
// directory and applies pending migrations. The store is safe for concurrent use.
func OpenSQLite(ctx context.Context, path string) (*SQLiteStore, error) {
	return OpenSQLiteWith(ctx, path, Options{})
}

// OpenSQLiteWith is OpenSQLite with options.
func OpenSQLiteWith(ctx context.Context, path string, o Options) (*SQLiteStore, error) {
	if path == "" {
		return nil, errors.New("audit: sqlite path is empty")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("audit: sqlite path: %w", err)
	}
	// 0700: the audit trail is for operators, not for other local users.
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("audit: create data directory: %w", err)
	}
	w, err := sql.Open("sqlite", sqliteDSN(abs, false))
	if err != nil {
		return nil, fmt.Errorf("audit: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	if err := migrateSQLite(ctx, w); err != nil {
		_ = w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", sqliteDSN(abs, true))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("audit: open sqlite: %w", err)
	}
	r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	if err := r.PingContext(ctx); err != nil {
		_ = w.Close()
		_ = r.Close()
		return nil, fmt.Errorf("audit: open sqlite: %w", err)
	}
	s := &SQLiteStore{w: w, r: r, sealer: o.Sealer}
	for _, p := range []struct {
		db   *sql.DB
		stmt **sql.Stmt
		sql  string
	}{{w, &s.insert, sqliteInsertSQL}, {w, &s.putXwalk, sqlitePutCrosswalkSQL}, {r, &s.getXwalk, sqliteLookupCrosswalkSQL}} {
		if *p.stmt, err = p.db.PrepareContext(ctx, p.sql); err != nil {
			_ = s.closeStatements()
			_ = w.Close()
			_ = r.Close()
			return nil, fmt.Errorf("audit: open sqlite: %w", err)
		}
	}
	// One writer: the store has one write connection.
	s.group = newGroupWriter(s.commitAppends, 1)
	return s, nil
}

// sqliteDSN builds a file: URI so that unusual characters in the path are escaped; the
// driver runs each _pragma on every new connection.
func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// WAL is a property of the file; setting it on the writer is enough. synchronous
		// stays at the default FULL: an acknowledged audit record must survive a power cut.
		q.Add("_pragma", "journal_mode(WAL)")
		// BEGIN IMMEDIATE takes the write lock up front, so two processes migrating at once
		// queue instead of failing with SQLITE_BUSY on lock upgrade.
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Path: path, OmitHost: true, RawQuery: q.Encode()}
	return u.String()
}

// migrateSQLite applies pending migrations in one BEGIN IMMEDIATE transaction. While several
// processes open a new file at once, SQLite can answer SQLITE_BUSY at once instead of waiting
// out busy_timeout (the WAL index is being set up by another connection); that is waited out
// here, within the same bound.
func migrateSQLite(ctx context.Context, db *sql.DB) error {
	all, err := loadMigrations(migrationFiles, "migrations/sqlite")
	if err != nil {
		return err
	}
	deadline := time.Now().Add(sqliteBusyTimeout)
	for {
		err := applySQLite(ctx, db, all)
		if err == nil || !isSQLiteBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// isSQLiteBusy reports whether err is SQLite's SQLITE_BUSY (5), with or without extended code.
func isSQLiteBusy(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code()&0xff == 5
}

// applySQLite applies those of all that are not applied yet; tests pass a prefix of the
// shipped migrations to build a database as an older binary left it.
func applySQLite(ctx context.Context, db *sql.DB, all []migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("audit: migrate: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // no-op after Commit
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT    NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("audit: migrate: %w", err)
	}
	applied, err := appliedVersions(ctx, tx)
	if err != nil {
		return err
	}
	for _, m := range pending(all, applied) {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("audit: migrate %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			m.version, formatSQLiteTime(time.Now())); err != nil {
			return fmt.Errorf("audit: migrate %s: record version: %w", m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("audit: migrate: commit: %w", err)
	}
	return nil
}

// appliedVersions reads schema_migrations inside the migration transaction.
func appliedVersions(ctx context.Context, tx *sql.Tx) (map[int64]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("audit: migrate: read versions: %w", err)
	}
	defer rows.Close()
	applied := map[int64]bool{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("audit: migrate: read versions: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: migrate: read versions: %w", err)
	}
	return applied, nil
}

// Append implements Store.
func (s *SQLiteStore) Append(ctx context.Context, r Record) (Record, error) {
	return s.group.appendRecord(ctx, s.sealer, r)
}

// commitAppends is the store's commitFunc; a single record needs no explicit transaction.
func (s *SQLiteStore) commitAppends(ctx context.Context, batch []*appendReq) ([]int64, error) {
	ids := make([]int64, len(batch))
	if len(batch) == 1 {
		id, err := insertRecord(ctx, s.insert, batch[0])
		ids[0] = id
		return ids, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }() // no-op after Commit
	insert := tx.StmtContext(ctx, s.insert)
	for i, req := range batch {
		if ids[i], err = insertRecord(ctx, insert, req); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return ids, nil
}

// sqliteInsertSQL has no RETURNING clause: SQLite gathers RETURNING rows in a temporary table
// it opens and frees per statement; the id is the row's rowid, which the writer connection
// reports after the insert (an INTEGER PRIMARY KEY is the rowid).
const sqliteInsertSQL = `INSERT INTO audit_records
		(at, actor, action, process, vendor, exchange, outcome, code, latency_ns, payload, payload_key_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// insertRecord runs the prepared insert for req and returns the new record's id.
func insertRecord(ctx context.Context, insert *sql.Stmt, req *appendReq) (int64, error) {
	res, err := insert.ExecContext(ctx, sqliteInsertArgs(req)...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func sqliteInsertArgs(req *appendReq) []any {
	r := req.r
	return []any{formatSQLiteTime(r.At), r.Actor, r.Action, r.Process, r.Vendor, r.Exchange, r.Outcome, r.Code,
		int64(r.Latency), req.payload, req.keyID}
}

// List implements Store.
func (s *SQLiteStore) List(ctx context.Context, f Filter) ([]Record, error) {
	f, err := normalizeFilter(f)
	if err != nil {
		return nil, err
	}
	query, args := listQuery(sqliteDialect, f)
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	out := []Record{}
	for rows.Next() {
		r, err := scanSQLiteRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("audit: list: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return out, nil
}

// Payload implements Store.
func (s *SQLiteStore) Payload(ctx context.Context, id int64) ([]byte, error) {
	var p sealedPayload
	var keyID sql.NullString
	r, err := scanSQLiteRecord(s.r.QueryRowContext(ctx,
		`SELECT `+recordColumns+`, payload, payload_key_id FROM audit_records WHERE id = ?`, id),
		&p.data, &keyID)
	return openPayload(s.sealer, r, p, keyID, err, sql.ErrNoRows)
}

// scanSQLiteRecord reads one row that starts with recordColumns; extra receives any columns
// selected after them.
func scanSQLiteRecord(row interface{ Scan(...any) error }, extra ...any) (Record, error) {
	var (
		r       Record
		at      string
		latency int64
	)
	if err := row.Scan(recordDest(&r, &at, &latency, extra...)...); err != nil {
		return Record{}, err
	}
	t, err := time.Parse(sqliteTimeLayout, at)
	if err != nil {
		return Record{}, fmt.Errorf("record %d: bad timestamp", r.ID)
	}
	r.At = t
	r.Latency = time.Duration(latency)
	return r, nil
}

// PutCrosswalk implements Store.
func (s *SQLiteStore) PutCrosswalk(ctx context.Context, kind, externalID, internalID string) error {
	return putCrosswalk(ctx, kind, externalID, internalID, func() (bool, error) {
		res, err := s.putXwalk.ExecContext(ctx, kind, externalID, internalID, formatSQLiteTime(time.Now()))
		if err != nil {
			return false, err
		}
		n, err := res.RowsAffected()
		return n == 1, err
	}, s.LookupCrosswalk)
}

// LookupCrosswalk implements Store.
func (s *SQLiteStore) LookupCrosswalk(ctx context.Context, kind, externalID string) (string, error) {
	return lookupCrosswalk(kind, externalID, func(id *string) error {
		return s.getXwalk.QueryRowContext(ctx, kind, externalID).Scan(id)
	}, sql.ErrNoRows)
}

const (
	sqlitePutCrosswalkSQL = `INSERT INTO crosswalk (kind, external_id, internal_id, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (kind, external_id) DO NOTHING`
	sqliteLookupCrosswalkSQL = `SELECT internal_id FROM crosswalk WHERE kind = ? AND external_id = ?`
)

// Ping implements Store.
func (s *SQLiteStore) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("audit: ping: %w", err)
	}
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("audit: ping: %w", err)
	}
	return nil
}

// Close implements Store; closing twice is harmless.
func (s *SQLiteStore) Close() error {
	s.group.close()
	return errors.Join(s.closeStatements(), s.r.Close(), s.w.Close())
}

// closeStatements closes the prepared statements that were prepared.
func (s *SQLiteStore) closeStatements() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.insert, s.putXwalk, s.getXwalk} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// formatSQLiteTime renders t in the at column's fixed-width UTC form.
func formatSQLiteTime(t time.Time) string {
	return t.UTC().Format(sqliteTimeLayout)
}
