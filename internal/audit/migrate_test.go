package audit

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMigrationsMatchAcrossDialects(t *testing.T) {
	sqlite, err := loadMigrations(migrationFiles, "migrations/sqlite")
	require.NoError(t, err)
	pg, err := loadMigrations(migrationFiles, "migrations/postgres")
	require.NoError(t, err)
	require.NotEmpty(t, sqlite)
	require.Equal(t, len(sqlite), len(pg), "both dialects ship the same migrations")
	for i := range sqlite {
		assert.Equal(t, sqlite[i].name, pg[i].name)
		assert.Equal(t, int64(i+1), sqlite[i].version, "versions start at 1 without gaps so far")
	}
}

func TestLoadMigrationsOrdersAndValidates(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0010_later.sql": {Data: []byte("B")},
		"m/0002_first.sql": {Data: []byte("A")},
		"m/README.md":      {Data: []byte("ignored")},
	}
	got, err := loadMigrations(fsys, "m")
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, int64(2), got[0].version)
	assert.Equal(t, "A", got[0].sql)
	assert.Equal(t, int64(10), got[1].version, "numeric, not lexical, order")

	for name, file := range map[string]string{
		"no version":        "m/init.sql",
		"zero version":      "m/0000_init.sql",
		"missing separator": "m/0003.sql",
	} {
		_, err := loadMigrations(fstest.MapFS{file: {Data: []byte("x")}}, "m")
		assert.Error(t, err, name)
	}
	_, err = loadMigrations(fstest.MapFS{
		"m/0001_a.sql": {Data: []byte("x")},
		"m/001_b.sql":  {Data: []byte("y")},
	}, "m")
	assert.ErrorContains(t, err, "share version 1")
}

func TestPendingSkipsAppliedAndUnknown(t *testing.T) {
	all := []migration{{version: 1}, {version: 2}, {version: 3}}
	got := pending(all, map[int64]bool{1: true, 3: true, 99: true})
	require.Len(t, got, 1)
	assert.Equal(t, int64(2), got[0].version)
}
