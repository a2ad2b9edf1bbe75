package simkit

import (
	"fmt"
	"slices"
	"time"
)

// Fault is the fault model of the simulators whose faults target an
// operation: the next Count requests of operation Op (or every operation,
// AnyOp) misbehave as Kind says, after Delay where the kind waits. Count <= 0
// affects every matching request until ClearFaults. S is a type whose zero
// value names the simulator's FaultSpec, so that each simulator has a Fault
// type of its own (ehrsim.Fault = simkit.Fault[ehrsim's spec]) with one
// implementation.
type Fault[S Spec] faultFields

// faultFields are Fault's fields without its methods, which the JSON
// encoders need to avoid calling MarshalJSON and UnmarshalJSON again.
type faultFields struct {
	Op    string        `json:"op"`
	Kind  string        `json:"kind"`
	Count int           `json:"count"`
	Delay time.Duration `json:"delay"`
}

// Spec is Fault's type parameter: the zero value of a simulator's spec
// type returns the simulator's FaultSpec.
type Spec interface {
	FaultSpec() *FaultSpec
}

// FaultSpec says which faults a simulator knows.
type FaultSpec struct {
	// Sim is the simulator's package name, the prefix of its errors.
	Sim string
	// Ops are the operations a fault may name, AnyOp included where it is
	// allowed; nil for faults without an operation.
	Ops []string
	// Kinds are the fault kinds the simulator knows.
	Kinds []string
	// KindName is the kind's name in errors; "" means "kind".
	KindName string
	// Rule, when set, is the simulator's own check of an op and kind pair
	// that both are known; its error is the fault's.
	Rule func(op, kind string) error
	// Strict makes decoding a fault refuse unknown JSON members.
	Strict bool
}

// Validate reports whether op and kind are known, Rule accepts them and
// delay is not negative.
func (sp *FaultSpec) Validate(op, kind string, delay time.Duration) error {
	if sp.Ops != nil && !slices.Contains(sp.Ops, op) {
		return fmt.Errorf("%s: unknown fault op %q", sp.Sim, op)
	}
	if !slices.Contains(sp.Kinds, kind) {
		name := sp.KindName
		if name == "" {
			name = "kind"
		}
		return fmt.Errorf("%s: unknown fault %s %q", sp.Sim, name, kind)
	}
	if sp.Rule != nil {
		if err := sp.Rule(op, kind); err != nil {
			return err
		}
	}
	if delay < 0 {
		return fmt.Errorf("%s: negative fault delay", sp.Sim)
	}
	return nil
}

// spec returns the simulator's FaultSpec.
func (Fault[S]) spec() *FaultSpec {
	var s S
	return s.FaultSpec()
}

// Validate reports whether the fault names a known operation and kind.
func (f Fault[S]) Validate() error {
	return f.spec().Validate(f.Op, f.Kind, f.Delay)
}

// Affects reports whether the fault targets operation op, by name or as
// AnyOp.
func (f Fault[S]) Affects(op string) bool { return MatchOp(f.Op, op) }

// MarshalJSON writes Delay as a Go duration string ("250ms").
func (f Fault[S]) MarshalJSON() ([]byte, error) {
	return MarshalWithDelay(faultFields(f), f.Delay)
}

// UnmarshalJSON accepts Delay as a duration string ("2s") or as integer
// nanoseconds, Go's default encoding of time.Duration; a Strict spec
// refuses unknown members.
func (f *Fault[S]) UnmarshalJSON(b []byte) error {
	sp := f.spec()
	return UnmarshalWithDelay(sp.Sim, b, (*faultFields)(f), &f.Delay, sp.Strict)
}

// NewFaultInjector returns an empty Injector of Fault[S].
func NewFaultInjector[S Spec]() *Injector[Fault[S]] {
	return NewInjector(func(f *Fault[S]) *int { return &f.Count })
}
