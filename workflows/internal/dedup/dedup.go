// Package dedup holds the bounded set a workflow keeps of the message ids it has applied
// (Stripe event ids, HL7 MSH-10), so that a redelivered message is recognised and ignored.
package dedup

// Set remembers the most recent ids: the slice keeps arrival order for eviction and for
// continue-as-new, the map answers membership. Nothing iterates the map, so its random order
// cannot leak into the workflow.
type Set struct {
	limit int
	order []string
	seen  map[string]bool
}

// New returns an empty set that remembers at most limit ids, forgetting the oldest first.
func New(limit int) *Set { return &Set{limit: limit, seen: map[string]bool{}} }

// Has reports whether id is remembered.
func (s *Set) Has(id string) bool { return s.seen[id] }

// Add remembers id and reports whether it was new.
func (s *Set) Add(id string) bool {
	if s.seen[id] {
		return false
	}
	s.seen[id] = true
	s.order = append(s.order, id)
	if len(s.order) > s.limit {
		delete(s.seen, s.order[0])
		s.order = s.order[1:]
	}
	return true
}

// IDs returns a copy of the remembered ids in arrival order, for a continue-as-new carry.
func (s *Set) IDs() []string { return append([]string{}, s.order...) }
