package laborders

import "testing"

// TestBeyondJudgesBounds: a bound from a lenient result ("<2.0") is critical only when it lies
// certainly past the limit; exact values keep the strict comparison.
func TestBeyondJudgesBounds(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	t25, t6 := Threshold{Low: f(2.5)}, Threshold{High: f(6)}
	cases := []struct {
		n    float64
		cmp  string
		t    Threshold
		want bool
	}{
		{2.0, "", t25, true}, {2.5, "", t25, false}, {2.0, "<", t25, true}, {2.5, "<", t25, true},
		{2.5, "<=", t25, false}, {5, "<", t25, false}, {1, ">", t25, false},
		{7, "", t6, true}, {6, "", t6, false}, {10, ">", t6, true}, {6, ">", t6, true}, {6, ">=", t6, false},
		{7, "<", t6, false}, {7, "<=", t6, false},
	}
	for _, c := range cases {
		if got := beyond(c.n, c.cmp, c.t); got != c.want {
			t.Errorf("beyond(%v, %q, %+v) = %v, want %v", c.n, c.cmp, c.t, got, c.want)
		}
	}
}
