package ncpdp

import "testing"

// benchDecode reports messages per second and allocations for one fixture.
func benchDecode(b *testing.B, name string) {
	data := readTestdata(b, name)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkDecodeNewRx measures the largest inbound-to-pharmacy message.
func BenchmarkDecodeNewRx(b *testing.B) { benchDecode(b, "newrx.xml") }

// BenchmarkDecodeStatus measures the commonest answer.
func BenchmarkDecodeStatus(b *testing.B) { benchDecode(b, "status.xml") }

// BenchmarkDecodeRxFill measures a fill notice with two medications.
func BenchmarkDecodeRxFill(b *testing.B) { benchDecode(b, "rxfill_partial.xml") }

// BenchmarkEncodeNewRx measures validating and writing a NewRx.
func BenchmarkEncodeNewRx(b *testing.B) {
	m := mustDecode(b, readTestdata(b, "newrx.xml"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
