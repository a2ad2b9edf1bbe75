package ehrsim

import (
	"maps"
	"slices"
	"strings"
)

// Stats counts what the simulator did.
type Stats struct {
	// TokensIssued counts access tokens granted.
	TokensIssued int `json:"tokensIssued"`
	// TokensRejected counts token requests refused with 400 or 401
	// (injected faults excluded).
	TokensRejected int `json:"tokensRejected"`
	// ReplaysRejected counts assertions refused for a reused jti.
	ReplaysRejected int `json:"replaysRejected"`
	// Unauthorized counts FHIR requests refused for their bearer token.
	Unauthorized int `json:"unauthorized"`
	// Forbidden counts FHIR requests outside the token's scopes.
	Forbidden int `json:"forbidden"`
	// Reads, Searches, Creates and Updates count successful interactions.
	Reads    int `json:"reads"`
	Searches int `json:"searches"`
	Creates  int `json:"creates"`
	Updates  int `json:"updates"`
	// The ByType maps split those counts by resource type.
	ReadsByType    map[string]int `json:"readsByType"`
	SearchesByType map[string]int `json:"searchesByType"`
	CreatesByType  map[string]int `json:"createsByType"`
	UpdatesByType  map[string]int `json:"updatesByType"`
	// ConditionalCreateMatches counts creates answered with an existing
	// resource because If-None-Exist matched it.
	ConditionalCreateMatches int `json:"conditionalCreateMatches"`
	// Conflicts counts updates answered 412, stale If-Match or injected.
	Conflicts int `json:"conflicts"`
	// UnconditionalUpdates counts updates sent without If-Match.
	UnconditionalUpdates int `json:"unconditionalUpdates"`
	// FaultsTriggered counts requests an injected fault affected.
	FaultsTriggered int `json:"faultsTriggered"`
}

// newStats returns zero counters with their maps allocated.
func newStats() Stats {
	return Stats{ReadsByType: map[string]int{}, SearchesByType: map[string]int{},
		CreatesByType: map[string]int{}, UpdatesByType: map[string]int{}}
}

// Stats returns a snapshot of the counters.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.counts
	st.ReadsByType = maps.Clone(st.ReadsByType)
	st.SearchesByType = maps.Clone(st.SearchesByType)
	st.CreatesByType = maps.Clone(st.CreatesByType)
	st.UpdatesByType = maps.Clone(st.UpdatesByType)
	return st
}

// bump changes counters under the lock.
func (s *Sim) bump(f func(*Stats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.counts)
}

// countFault records a request affected by an injected fault.
func (s *Sim) countFault() {
	s.bump(func(st *Stats) { st.FaultsTriggered++ })
}

// Resource returns a copy of the current version of typ/id, including
// meta.versionId and meta.lastUpdated, for test assertions.
func (s *Sim) Resource(typ, id string) (map[string]any, bool) {
	s.mu.Lock()
	rec := s.lookup(typ, id)
	var v *version
	if rec != nil {
		v = rec.current()
	}
	s.mu.Unlock()
	if v == nil {
		return nil, false
	}
	return copyVersion(v), true
}

// History returns copies of every version of typ/id, oldest first, so a
// test can check that no update was lost.
func (s *Sim) History(typ, id string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.lookup(typ, id)
	if rec == nil {
		return nil
	}
	out := make([]map[string]any, len(rec.versions))
	for i, v := range rec.versions {
		out[i] = copyVersion(v)
	}
	return out
}

// Received returns copies of every resource version a client wrote through
// FHIR create or update (Seed and Put excluded), in arrival order, so a test
// can validate each resource the engine wrote.
func (s *Sim) Received() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]map[string]any, len(s.received))
	for i, v := range s.received {
		out[i] = copyVersion(v)
	}
	return out
}

// Resources returns copies of the current versions of every resource of
// typ, ordered by id.
func (s *Sim) Resources(typ string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := slices.Collect(maps.Keys(s.store[typ]))
	slices.SortFunc(ids, strings.Compare)
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, copyVersion(s.store[typ][id].current()))
	}
	return out
}

// copyVersion parses a stored body into a map the caller may modify.
func copyVersion(v *version) map[string]any {
	m, err := decodeObject(v.body)
	if err != nil {
		// Bodies are rendered by the simulator itself; this cannot happen.
		panic("ehrsim: stored body does not parse: " + err.Error())
	}
	return m
}
