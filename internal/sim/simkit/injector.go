package simkit

import "sync"

// AnyOp is the fault operation that matches every operation.
const AnyOp = "*"

// MatchOp reports whether a fault for operation faultOp affects a request
// for operation op: the same name, or the AnyOp wildcard.
func MatchOp(faultOp, op string) bool {
	return faultOp == op || faultOp == AnyOp
}

// Injector holds injected faults of type F in the order they were added
// and hands them out with their use counts; it is safe for concurrent use.
type Injector[F any] struct {
	// count points at a fault's remaining uses; <= 0 means unlimited.
	count func(*F) *int

	mu     sync.Mutex
	faults []*F
}

// NewInjector returns an empty Injector; count returns a pointer to a
// fault's Count field, which Take decrements.
func NewInjector[F any](count func(*F) *int) *Injector[F] {
	return &Injector[F]{count: count}
}

// Inject adds a copy of f after the faults already held.
func (in *Injector[F]) Inject(f F) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.faults = append(in.faults, &f)
}

// Clear removes every fault.
func (in *Injector[F]) Clear() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.faults = nil
}

// List returns copies of the faults still held, with their remaining
// counts; it is never nil, so it encodes as a JSON array.
func (in *Injector[F]) List() []F {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]F, 0, len(in.faults))
	for _, f := range in.faults {
		out = append(out, *f)
	}
	return out
}

// Take consumes one use of the first fault for which match returns true and
// returns it as it was before the use. A fault whose count reaches zero is
// removed; one with a count <= 0 stays until Clear.
func (in *Injector[F]) Take(match func(F) bool) (F, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for i, f := range in.faults {
		if !match(*f) {
			continue
		}
		taken := *f
		if n := in.count(f); *n > 0 {
			*n--
			if *n == 0 {
				in.faults = append(in.faults[:i], in.faults[i+1:]...)
			}
		}
		return taken, true
	}
	var zero F
	return zero, false
}
