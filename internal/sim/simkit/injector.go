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
// A simulator embeds it, which gives its *Sim the InjectFault, ClearFaults
// and Faults methods that the control routes drive.
type Injector[F any] struct {
	// count points at a fault's remaining uses; <= 0 means unlimited.
	count func(*F) *int

	mu     sync.Mutex
	faults []*F
}

// NewInjector returns an empty Injector; count returns a pointer to a
// fault's Count field, which TakeFault decrements.
func NewInjector[F any](count func(*F) *int) *Injector[F] {
	return &Injector[F]{count: count}
}

// InjectFault adds a copy of f after the faults already held; faults are
// matched in the order they were added.
func (in *Injector[F]) InjectFault(f F) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.faults = append(in.faults, &f)
}

// ClearFaults removes every fault.
func (in *Injector[F]) ClearFaults() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.faults = nil
}

// Faults returns copies of the faults still held, with their remaining
// counts; it is never nil, so it encodes as a JSON array.
func (in *Injector[F]) Faults() []F {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]F, 0, len(in.faults))
	for _, f := range in.faults {
		out = append(out, *f)
	}
	return out
}

// TakeFault consumes one use of the first fault that passes Validate and
// for which match returns true, and returns it as it was before the use: a
// fault that fails Validate never matches a request. A fault whose count
// reaches zero is removed; one with a count <= 0 stays until ClearFaults.
//
// TakeFault is a function, not a method, so that a simulator embedding an
// Injector does not offer it to its callers.
func TakeFault[F Validator](in *Injector[F], match func(F) bool) (F, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for i, f := range in.faults {
		if f := *f; f.Validate() != nil || !match(f) {
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
