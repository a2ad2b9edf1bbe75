package stripesim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// stateFileMode keeps the state file private: it holds payment metadata.
const stateFileMode = 0o600

// Open returns a simulator; call Close to stop deliveries. With
// opts.StateFile set it restores the state saved there, and fails if the
// file cannot be read or is not a state file this version understands,
// rather than starting empty and forgetting payments. A missing file means
// empty state; Open then writes it at once, so an unwritable location is
// reported now instead of at the first payment.
func Open(opts Options) (*Sim, error) {
	s := newSim(opts)
	if s.stateFile == "" {
		return s, nil
	}
	found, err := s.loadState()
	if err == nil && !found {
		err = s.saveState()
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("stripesim: state file %s: %w", s.stateFile, err)
	}
	return s, nil
}

// loadState restores s from its state file; a missing file reports false.
func (s *Sim) loadState() (bool, error) {
	b, err := os.ReadFile(s.stateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var sn snapshot
	dec := json.NewDecoder(bytes.NewReader(b))
	// Unknown fields mean a newer or damaged file; guessing could lose data.
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sn); err != nil {
		return true, fmt.Errorf("decode: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return true, errors.New("decode: data after the JSON document")
	}
	return true, s.restore(&sn)
}

// commit saves changes and then releases their webhook events; Sim.mu
// must be held. Without a StateFile it only releases the events. After a
// failed save the state stays dirty and the events stay held, so the next
// commit (at the start of every API call) retries the save.
func (s *Sim) commit() error {
	if !s.dirty {
		return nil
	}
	if err := s.saveState(); err != nil {
		return err
	}
	s.dirty = false
	for _, dl := range s.outbox {
		s.hooks.enqueue(dl)
	}
	// Clearing the entries lets the payloads be collected.
	clear(s.outbox)
	s.outbox = s.outbox[:0]
	return nil
}

// saveState writes the whole state to the state file, if there is one;
// Sim.mu must be held, which also keeps two writes from sharing the
// temporary file. Rewriting everything on each change is simple and, for a
// development simulator, cheap enough.
func (s *Sim) saveState() error {
	if s.stateFile == "" {
		return nil
	}
	b, err := json.MarshalIndent(s.snapshot(), "", " ")
	if err != nil {
		return err
	}
	return writeFileAtomic(s.stateFile, b)
}

// writeFileAtomic replaces path with data so that a crash leaves either the
// old or the new file, never a mix: write "<path>.tmp", fsync it, rename it
// over path, then fsync the directory so the rename itself is durable.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, stateFileMode)
	if err != nil {
		return err
	}
	// A temporary file left by a crash keeps its old mode through OpenFile.
	err = f.Chmod(stateFileMode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}
