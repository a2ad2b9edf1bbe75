package apptsync_test

import (
	"testing"
	"time"

	"github.com/careflow/engine/internal/apptsync"
)

// snapFrom builds a snapshot from fuzz bytes, a few values per field.
func snapFrom(b []byte) apptsync.Snapshot {
	at := func(i int) byte {
		if i < len(b) {
			return b[i]
		}
		return 0
	}
	return apptsync.Snapshot{
		Start:      t0.Add(time.Duration(at(0)%4) * 30 * time.Minute),
		Duration:   15 * int(1+at(1)%4),
		Provider:   people[int(at(2))%len(people)],
		Patient:    []string{"pat-1", "pat-2"}[at(3)%2],
		Type:       []string{"follow-up", "new-patient"}[at(4)%2],
		Status:     statuses[int(at(5))%len(statuses)],
		Department: []string{"cardiology", "oncology"}[at(6)%2],
		Note:       notes[int(at(7))%len(notes)],
	}
}

func FuzzMerge(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0}, []byte{1, 1, 1, 0, 0, 2, 0, 1}, []byte{2, 1, 2, 0, 0, 4, 0, 2}, int64(0))
	f.Add([]byte{}, []byte{3}, []byte{3}, int64(-5))
	f.Fuzz(func(t *testing.T, b, e, p []byte, skew int64) {
		w := world{base: snapFrom(b), ehr: side(snapFrom(e), t0), pms: side(snapFrom(p), t0.Add(time.Duration(skew)))}
		r := apptsync.Merge(w.base, w.ehr, w.pms)
		checkMerge(t, skew, w, r)
		again := apptsync.Merge(r.Base, side(r.EHR, t0), side(r.PMS, t0))
		if again.WriteEHR || again.WritePMS || len(again.Open) != len(r.Open) {
			t.Fatalf("merge after a settled sync is not quiet")
		}
	})
}

func BenchmarkMerge(b *testing.B) {
	base := baseSnap()
	ehr, pms := base, base
	ehr.Start = t0.Add(time.Hour)
	pms.Note = "wheelchair"
	b.Run("one-sided", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = apptsync.Merge(base, side(ehr, t0), side(pms, t0))
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "merges/s")
	})
	pms.Start = t0.Add(2 * time.Hour)
	ehr.Note = "interpreter"
	b.Run("conflicts", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = apptsync.Merge(base, side(ehr, t0), side(pms, t0))
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "merges/s")
	})
}
