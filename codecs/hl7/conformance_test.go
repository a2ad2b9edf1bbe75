package hl7

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// conformanceExpect is the .json next to each testdata/conformance message: what it must produce.
type conformanceExpect struct {
	Messages     int `json:"messages"`
	Orders       int `json:"orders"`
	Observations int `json:"observations"`
	Warnings     int `json:"warnings"`
	Critical     int `json:"critical"`
	Documents    int `json:"documents"`
	Checks       []struct {
		Message    int      `json:"message"`
		Order      int      `json:"order"`
		OBX        int      `json:"obx"`
		Type       string   `json:"type"`
		Text       string   `json:"text"`
		Number     *float64 `json:"number"`
		Comparator string   `json:"comparator"`
		Code       string   `json:"code"`
	} `json:"checks"`
}

// ConformanceCase is one corpus file with its expectations.
type conformanceCase struct {
	name   string
	raw    []byte
	expect conformanceExpect
}

func conformanceCorpus(t testing.TB) []conformanceCase {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "conformance", "*.hl7"))
	if err != nil || len(names) < 6 {
		t.Fatalf("conformance corpus: %v (%d files)", err, len(names))
	}
	var out []conformanceCase
	for _, n := range names {
		c := conformanceCase{name: filepath.Base(n), raw: readFile(t, n)}
		js, err := os.ReadFile(strings.TrimSuffix(n, ".hl7") + ".json")
		if err != nil {
			t.Fatalf("%s has no expectations: %v", n, err)
		}
		if err := json.Unmarshal(js, &c.expect); err != nil {
			t.Fatalf("%s.json: %v", n, err)
		}
		out = append(out, c)
	}
	return out
}

// splitCorpusMessages returns the messages of a corpus file (one, or a batch's).
func splitCorpusMessages(t testing.TB, raw []byte) [][]byte {
	t.Helper()
	if !IsBatch(raw) {
		return [][]byte{raw}
	}
	b, err := SplitBatch(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.CountProblems) > 0 {
		t.Fatalf("count problems: %v", b.CountProblems)
	}
	return b.Messages
}

// Every corpus message parses (never rejected), passes the exact key checks and yields the
// expected orders, observations, warnings, critical flags, documents and values.
func TestConformanceCorpus(t *testing.T) {
	for _, c := range conformanceCorpus(t) {
		t.Run(c.name, func(t *testing.T) {
			msgs := splitCorpusMessages(t, c.raw)
			if len(msgs) != c.expect.Messages {
				t.Fatalf("%d messages, want %d", len(msgs), c.expect.Messages)
			}
			var orus []ORU
			orders, obs, warns, crit, docs := 0, 0, 0, 0, 0
			for _, raw := range msgs {
				m, err := Parse(raw)
				if err != nil {
					t.Fatal(err)
				}
				if ke := CheckKeys(m); ke != nil {
					t.Fatalf("keys: %v", ke)
				}
				u, err := ParseORU(m)
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				orus = append(orus, u)
				orders += len(u.Orders)
				warns += len(u.Warnings())
				for _, o := range u.Orders {
					obs += len(o.Observations)
					for _, x := range o.Observations {
						if x.Critical() {
							crit++
						}
						if x.Value.Document != nil {
							docs++
						}
					}
				}
			}
			e := c.expect
			if orders != e.Orders || obs != e.Observations || warns != e.Warnings || crit != e.Critical || docs != e.Documents {
				t.Fatalf("orders %d obs %d warnings %d critical %d documents %d, want %d %d %d %d %d",
					orders, obs, warns, crit, docs, e.Orders, e.Observations, e.Warnings, e.Critical, e.Documents)
			}
			for _, ch := range e.Checks {
				v := orus[ch.Message].Orders[ch.Order].Observations[ch.OBX].Value
				n, cmp, _ := v.Quantity()
				switch {
				case v.Type != ch.Type || v.Text != ch.Text:
					t.Errorf("check %+v: got type %q text %q", ch, v.Type, v.Text)
				case ch.Number != nil && n != *ch.Number:
					t.Errorf("check %+v: number %v", ch, n)
				case cmp != ch.Comparator:
					t.Errorf("check %+v: comparator %q", ch, cmp)
				case ch.Code != "" && (v.Coded == nil || v.Coded.Code != ch.Code):
					t.Errorf("check %+v: coded %+v", ch, v.Coded)
				}
			}
		})
	}
}
