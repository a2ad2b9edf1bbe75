// Package detid derives the vendor message identifiers a workflow sends from its own keys, so
// that a retried or replayed send carries the same identifier. Both use FNV-1a: identifiers
// already in histories and at vendors depend on these exact values.
package detid

import (
	"fmt"
	"hash/fnv"
)

// TraceNumber is an X12 TRN02 for key: "CF" and ten digits (32-bit FNV-1a).
func TraceNumber(key string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return fmt.Sprintf("CF%010d", h.Sum32())
}

// ControlID is a 20-character HL7 MSH-10 for key: "CF" and eighteen digits (64-bit FNV-1a).
func ControlID(key string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return fmt.Sprintf("CF%018d", h.Sum64()%1_000_000_000_000_000_000)
}
