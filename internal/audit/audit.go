// Package audit keeps the engine's own append-only records: who called what, which process, which
// vendor exchange, the outcome and the latency. Records hold identifiers only, never PHI.
package audit

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by lookups that find nothing.
var ErrNotFound = errors.New("audit: not found")

// ErrConflict is wrapped by PutCrosswalk when the key already maps to a different internal ID.
var ErrConflict = errors.New("audit: conflicting crosswalk mapping")

// Outcome values used across the engine.
const (
	OutcomeOK       = "ok"
	OutcomeRejected = "rejected"
	OutcomeError    = "error"
	OutcomeIgnored  = "ignored"
)

// Record is one audit entry. Every field is an identifier, a code or a number; free text from
// requests or vendors never goes here because it may carry PHI.
type Record struct {
	// ID is assigned by the store, increasing in append order.
	ID int64 `json:"id"`
	// At is when the event happened; the store fills it when zero.
	At time.Time `json:"at"`
	// Actor is the API token name, "webhook:<vendor>", "mllp:<peer>" or "worker".
	Actor string `json:"actor"`
	// Action names what was done, e.g. "payments.start" or "stripe.capture".
	Action string `json:"action"`
	// Process is the Temporal workflow ID the action belongs to, when there is one.
	Process string `json:"process,omitempty"`
	// Vendor names the external system of a vendor exchange ("stripe", "twilio", ...).
	Vendor string `json:"vendor,omitempty"`
	// Exchange identifies the vendor exchange: an object id, event id or idempotency key.
	Exchange string `json:"exchange,omitempty"`
	// Outcome is one of the Outcome constants.
	Outcome string `json:"outcome"`
	// Code is a machine-readable detail such as an HTTP status or a decline code.
	Code string `json:"code,omitempty"`
	// Latency is how long the action took.
	Latency time.Duration `json:"latencyNs"`
}

// Filter selects records for List; zero fields match everything.
type Filter struct {
	Process string
	Action  string
	Vendor  string
	Since   time.Time
	// AfterID returns only records with a larger ID, for paging.
	AfterID int64
	// Limit caps the number of records returned; 0 means DefaultLimit and anything above
	// MaxLimit is lowered to MaxLimit.
	Limit int
}

// Store is the engine's record store. Implementations are append-only for audit records:
// there is no way to change or delete one through this interface.
type Store interface {
	// Append stores r and returns it with ID (and At, when it was zero) assigned.
	Append(ctx context.Context, r Record) (Record, error)
	// List returns records matching f in ID order.
	List(ctx context.Context, f Filter) ([]Record, error)
	// PutCrosswalk maps a vendor's identifier (kind, externalID) to an engine identifier,
	// typically a workflow ID. Putting the same mapping again is a no-op; a different
	// internalID for an existing key is an error.
	PutCrosswalk(ctx context.Context, kind, externalID, internalID string) error
	// LookupCrosswalk returns the engine identifier for (kind, externalID) or ErrNotFound.
	LookupCrosswalk(ctx context.Context, kind, externalID string) (string, error)
	// Ping checks that the store is reachable.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}
