package payloadcodec_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/careflow/engine/internal/payloadcodec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadOrCreateDevKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first, err := payloadcodec.LoadOrCreateDevKey(dir)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(first.ActiveID(), "dev-"), first.ActiveID())

	path := filepath.Join(dir, payloadcodec.DevKeyFile)
	info, err := os.Stat(path)
	require.NoError(t, err)
	if runtime.GOOS != "windows" {
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "temporary file left behind")

	// A second start must reuse the key, or payloads written before the
	// restart would become unreadable.
	second, err := payloadcodec.LoadOrCreateDevKey(dir)
	require.NoError(t, err)
	assert.Equal(t, first.ActiveID(), second.ActiveID())
	enc, err := payloadcodec.NewCodec(first).Encode(jsonPayloads(t, marker))
	require.NoError(t, err)
	_, err = payloadcodec.NewCodec(second).Decode(enc)
	require.NoError(t, err)
}

func TestLoadOrCreateDevKeyRejectsWorldReadable(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no POSIX modes")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, payloadcodec.DevKeyFile)
	require.NoError(t, os.WriteFile(path, []byte(newSpec("k1")+"\n"), 0o600))
	require.NoError(t, os.Chmod(path, 0o644))
	_, err := payloadcodec.LoadOrCreateDevKey(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "want 0600")
}

func TestLoadOrCreateDevKeyReadsOperatorFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, payloadcodec.DevKeyFile)
	require.NoError(t, os.WriteFile(path, []byte(newSpec("ops-1")+"\n"), 0o600))
	k, err := payloadcodec.LoadOrCreateDevKey(dir)
	require.NoError(t, err)
	assert.Equal(t, "ops-1", k.ActiveID())
}
