package x12

import (
	"fmt"
	"testing"
)

// claimsOf returns a batch of n claims shaped like the sample's second
// (dependent patient, rendering provider, three lines).
func claimsOf(n int) ClaimBatch {
	b := sampleClaimBatch()
	tmpl := b.Claims[1]
	b.Claims = make([]ProfessionalClaim, n)
	for i := range b.Claims {
		b.Claims[i] = tmpl
		b.Claims[i].PatientControlNumber = fmt.Sprintf("PCN-%06d", i)
	}
	return b
}

// BenchmarkBuild837P reports the cost per claim of validating and building a
// batch (ns/op and allocs/op are per claim).
func BenchmarkBuild837P(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("claims=%d", n), func(b *testing.B) {
			batch := claimsOf(n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Build837P(batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/claim")
		})
	}
}

// BenchmarkParse835 reports the cost of parsing the three-claim remittance,
// with the time per claim as a metric.
func BenchmarkParse835(b *testing.B) {
	data := readFixture(b, "835/multiple_claims.x12")
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse835(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*3), "ns/claim")
}

// BenchmarkParse277CA measures the two-claim acknowledgment.
func BenchmarkParse277CA(b *testing.B) {
	data := readFixture(b, "277ca/accepted_and_rejected.x12")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse277CA(data); err != nil {
			b.Fatal(err)
		}
	}
}
