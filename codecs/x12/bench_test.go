package x12

import "testing"

// BenchmarkBuild270Parse271 measures one eligibility round as the check-in
// activity performs it: build the inquiry, parse a realistic response (nine
// EB loops, two REF, DTP, TRN) and read the copay and deductible.
func BenchmarkBuild270Parse271(b *testing.B) {
	req := sampleRequest()
	resp := readFixture(b, "271/active_copay.x12")
	b.ReportAllocs()
	b.SetBytes(int64(len(resp)))
	for b.Loop() {
		if _, err := Build270(req); err != nil {
			b.Fatal(err)
		}
		r, err := Parse271(resp)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := r.Copay("98"); !ok {
			b.Fatal("no copay")
		}
		if _, ok := r.DeductibleRemaining("30"); !ok {
			b.Fatal("no deductible")
		}
	}
}

// BenchmarkBuild270 isolates building the inquiry.
func BenchmarkBuild270(b *testing.B) {
	req := sampleRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build270(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse271 isolates parsing the response.
func BenchmarkParse271(b *testing.B) {
	resp := readFixture(b, "271/active_copay.x12")
	b.ReportAllocs()
	b.SetBytes(int64(len(resp)))
	for b.Loop() {
		if _, err := Parse271(resp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse999 measures parsing a rejection with segment errors.
func BenchmarkParse999(b *testing.B) {
	ack := readFixture(b, "999/rejected.x12")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse999(ack); err != nil {
			b.Fatal(err)
		}
	}
}
