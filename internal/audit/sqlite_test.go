package audit

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openSQLiteTB opens a store in a fresh temporary directory, closed when tb ends.
func openSQLiteTB(tb testing.TB) *SQLiteStore {
	tb.Helper()
	return openSQLiteWithTB(tb, Options{})
}

// openSQLiteWithTB is openSQLiteTB with options.
func openSQLiteWithTB(tb testing.TB, o Options) *SQLiteStore {
	tb.Helper()
	s, err := OpenSQLiteWith(tb.Context(), filepath.Join(tb.TempDir(), "engine.db"), o)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func TestSQLite(t *testing.T) {
	runConformance(t, conformanceStore{
		open: func(t *testing.T, o Options) Store { return openSQLiteWithTB(t, o) },
		rawPayload: func(t *testing.T, s Store, id int64) ([]byte, string) {
			return sqliteRaw(s.(*SQLiteStore)).payloadColumns(t, id)
		},
	})
}

func TestSQLiteAppendOnlyTrigger(t *testing.T) {
	s := openSQLiteTB(t)
	ctx := t.Context()
	r, err := s.Append(ctx, sample(1))
	require.NoError(t, err)

	// Raw SQL, bypassing the Store interface, must still be refused by the database.
	_, err = s.w.ExecContext(ctx, `UPDATE audit_records SET outcome = 'error' WHERE id = ?`, r.ID)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "append-only")
	_, err = s.w.ExecContext(ctx, `DELETE FROM audit_records`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "append-only")

	got, err := s.List(ctx, Filter{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, r, got[0], "the record is unchanged")
}

func TestSQLitePragmas(t *testing.T) {
	s := openSQLiteTB(t)
	var mode string
	var fk, busy int
	require.NoError(t, s.w.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode))
	require.NoError(t, s.w.QueryRowContext(t.Context(), `PRAGMA foreign_keys`).Scan(&fk))
	require.NoError(t, s.r.QueryRowContext(t.Context(), `PRAGMA busy_timeout`).Scan(&busy))
	assert.Equal(t, "wal", mode)
	assert.Equal(t, 1, fk)
	assert.Equal(t, int(sqliteBusyTimeout.Milliseconds()), busy)

	_, err := s.r.ExecContext(t.Context(), `INSERT INTO crosswalk VALUES ('k', 'x', 'y', 'z')`)
	assert.Error(t, err, "the read pool is read-only")
}

// TestSQLiteConcurrentOpen starts several stores on one new file at once, as several
// processes would: each must succeed and every migration must be applied exactly once.
func TestSQLiteConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "engine.db")
	const n = 6
	stores := make([]*SQLiteStore, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = OpenSQLite(t.Context(), path) })
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		t.Cleanup(func() { _ = stores[i].Close() })
	}
	all, err := loadMigrations(migrationFiles, "migrations/sqlite")
	require.NoError(t, err)
	var count, distinct int
	require.NoError(t, stores[0].r.QueryRowContext(t.Context(),
		`SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&count, &distinct))
	assert.Equal(t, len(all), count)
	assert.Equal(t, len(all), distinct)

	// All handles share one trail.
	_, err = stores[1].Append(t.Context(), sample(1))
	require.NoError(t, err)
	got, err := stores[n-1].List(t.Context(), Filter{})
	require.NoError(t, err)
	assert.Len(t, got, 1)
}

func TestSQLiteReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "engine.db")
	s, err := OpenSQLite(t.Context(), path)
	require.NoError(t, err)
	first, err := s.Append(t.Context(), sample(1))
	require.NoError(t, err)
	require.NoError(t, s.PutCrosswalk(t.Context(), "k", "x", "y"))
	require.NoError(t, s.Close())

	s = openAt(t, path)
	second, err := s.Append(t.Context(), sample(2))
	require.NoError(t, err)
	assert.Greater(t, second.ID, first.ID)
	got, err := s.List(t.Context(), Filter{})
	require.NoError(t, err)
	assert.Equal(t, []Record{first, second}, got)
	id, err := s.LookupCrosswalk(t.Context(), "k", "x")
	require.NoError(t, err)
	assert.Equal(t, "y", id)
}

func TestOpenDefaultsToSQLite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data") // parent directories do not exist yet
	s, err := Open(t.Context(), "", dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	assert.IsType(t, &SQLiteStore{}, s)
	require.NoError(t, s.Ping(t.Context()))
	_, err = os.Stat(filepath.Join(dir, SQLiteFileName))
	require.NoError(t, err)

	_, err = Open(t.Context(), "", "")
	require.Error(t, err)
}

func TestSQLitePathWithSpecialCharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?with#odd%chars", "engine.db")
	s := openAt(t, path)
	_, err := s.Append(t.Context(), sample(1))
	require.NoError(t, err)
	_, err = os.Stat(path)
	require.NoError(t, err, "the file is where the caller asked, not at an unescaped variant")
}

// openAt opens the store at path and closes it when t ends.
func openAt(t *testing.T, path string) *SQLiteStore {
	t.Helper()
	s, err := OpenSQLite(t.Context(), path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}
