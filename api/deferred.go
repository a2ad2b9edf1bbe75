package api

import (
	"context"
	"sync"
)

// maxDeferred bounds the writes waiting in the background; past it a write runs inline, so a
// slow store slows the answers down instead of piling up goroutines.
const maxDeferred = 1024

// Deferred runs writes that need not hold an answer back (the kept copy of an HL7 message that
// is already in its workflow's history), so that the ACK does not wait for the audit store's
// commit. Wait lets the owner drain them before it closes the store.
type Deferred struct {
	wg  sync.WaitGroup
	sem chan struct{}
}

// NewDeferred returns an empty Deferred.
func NewDeferred() *Deferred { return &Deferred{sem: make(chan struct{}, maxDeferred)} }

// Go runs f in the background, or inline when d is nil or already holds maxDeferred writes.
func (d *Deferred) Go(f func()) {
	if d == nil {
		f()
		return
	}
	select {
	case d.sem <- struct{}{}:
	default:
		f()
		return
	}
	d.wg.Add(1)
	go func() {
		defer func() { <-d.sem; d.wg.Done() }()
		f()
	}()
}

// Wait returns once every background write finished, or with ctx's error.
func (d *Deferred) Wait(ctx context.Context) error {
	if d == nil {
		return nil
	}
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
