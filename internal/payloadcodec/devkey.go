package payloadcodec

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// DevKeyFile is the file name of the generated development key in the data dir.
const DevKeyFile = "payload-key"

// LoadOrCreateDevKey reads <dataDir>/payload-key ("id:base64key"), creating it
// with a random key and mode 0600 when missing; it is the development default
// when PAYLOAD_KEYS is unset.
func LoadOrCreateDevKey(dataDir string) (*Keyring, error) {
	path := filepath.Join(dataDir, DevKeyFile)
	k, err := readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("payloadcodec: create data dir: %w", err)
	}
	if err := createKeyFile(path); err != nil {
		return nil, err
	}
	return readKeyFile(path)
}

// readKeyFile parses a key file after checking that only its owner can read it.
func readKeyFile(path string) (*Keyring, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	// Windows has no POSIX modes, so the check would always fail there.
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("payloadcodec: %s has mode %04o; want 0600", path, info.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("payloadcodec: read key file: %w", err)
	}
	k, err := ParseKeys(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("payloadcodec: key file %s: %w", path, err)
	}
	return k, nil
}

// createKeyFile writes a fresh key to a temporary file and links it into
// place, so a concurrent starter either wins or reads a complete file.
func createKeyFile(path string) error {
	key := make([]byte, KeySize)
	suffix := make([]byte, 4)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("payloadcodec: generate key: %w", err)
	}
	if _, err := rand.Read(suffix); err != nil {
		return fmt.Errorf("payloadcodec: generate key id: %w", err)
	}
	// A random id suffix makes "unknown key id" obvious when a data dir is
	// wiped while Temporal still holds payloads from the previous key.
	line := "dev-" + hex.EncodeToString(suffix) + ":" + base64.StdEncoding.EncodeToString(key) + "\n"

	tmp, err := os.CreateTemp(filepath.Dir(path), ".payload-key-*")
	if err != nil {
		return fmt.Errorf("payloadcodec: create key file: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	// CreateTemp already uses 0600; Chmod guards against exotic umask setups.
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		_ = tmp.Close()
		return fmt.Errorf("payloadcodec: chmod key file: %w", err)
	}
	_, werr := tmp.WriteString(line)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("payloadcodec: write key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("payloadcodec: install key file: %w", err)
	}
	return nil
}
