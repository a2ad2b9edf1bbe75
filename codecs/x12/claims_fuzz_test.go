package x12

import (
	"bytes"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
)

// FuzzParse835 feeds arbitrary bytes to Parse835: it must never panic, fail
// only with a *ParseError, and whatever it accepts must balance.
func FuzzParse835(f *testing.F) {
	addFixtures(f, "835")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse835(data)
		if err != nil {
			requireParseError(t, err)
			return
		}
		for _, a := range r.Advices {
			var paid Money
			for _, c := range a.Claims {
				if c.PatientControlNumber == "" {
					t.Fatal("claim without CLP01")
				}
				adj, pr := SumAdjustments(c.Adjustments, ""), SumAdjustments(c.Adjustments, "PR")
				for _, s := range c.Services {
					if s.Charge-s.Paid != SumAdjustments(s.Adjustments, "") {
						t.Fatal("unbalanced line accepted")
					}
					adj += SumAdjustments(s.Adjustments, "")
					pr += SumAdjustments(s.Adjustments, "PR")
				}
				if c.Charge-c.Paid != adj || pr != c.PatientResponsibility {
					t.Fatal("unbalanced claim or wrong patient responsibility accepted")
				}
				if c.Denied != (c.Status == ClaimStatusDenied) || c.Reversal != (c.Status == ClaimStatusReversal) {
					t.Fatal("status flags disagree with CLP02")
				}
				paid += c.Paid
			}
			for _, p := range a.ProviderAdjustments {
				paid -= p.Amount
			}
			if paid != a.TotalPaid {
				t.Fatal("unbalanced payment accepted")
			}
		}
	})
}

// FuzzParse835Body fuzzes the segments after the payee loop inside a valid
// envelope with a correct SE01, so mutations reach the claim logic.
func FuzzParse835Body(f *testing.F) {
	for _, name := range []string{"multiple_claims", "reversal_plb"} {
		_, segs, err := Split(readFixture(f, filepath.Join("835", name+".x12")))
		if err != nil {
			f.Fatal(err)
		}
		var body []byte
		started := false
		for _, s := range segs[:len(segs)-3] {
			if s.ID == "LX" {
				started = true
			}
			if !started {
				continue
			}
			body = append(body, s.ID...)
			for _, e := range s.Elements {
				body = append(body, '*')
				body = append(body, e...)
			}
			body = append(body, '~')
		}
		f.Add(body)
	}
	head := isaDefault + "GS*HP*A*B*20240320*1200*1*X*005010X221A1~ST*835*0001*005010X221A1~" +
		"BPR*I*0*C*NON************20240320~TRN*1*T*1512345678~N1*PR*P~N1*PE*E*XX*1234567893~"
	f.Fuzz(func(t *testing.T, body []byte) {
		n := bytes.Count(body, []byte("~"))
		doc := head + string(body) + "SE*" + strconv.Itoa(n+6) + "*0001~GE*1*1~IEA*1*000000001~"
		if _, err := Parse835([]byte(doc)); err != nil {
			requireParseError(t, err)
		}
	})
}

// FuzzParse277CA feeds arbitrary bytes to Parse277CA: no panic, only
// *ParseError, and Accepted and Rejected never both true.
func FuzzParse277CA(f *testing.F) {
	addFixtures(f, "277ca")
	f.Fuzz(func(t *testing.T, data []byte) {
		ack, err := Parse277CA(data)
		if err != nil {
			requireParseError(t, err)
			return
		}
		for _, c := range ack.Claims {
			if c.PatientControlNumber == "" || len(c.Statuses) == 0 {
				t.Fatal("claim without control number or status")
			}
			if c.Accepted && c.Rejected {
				t.Fatal("claim both accepted and rejected")
			}
		}
	})
}

// FuzzBuild837 puts arbitrary text in the free-text claim fields: Build837P
// either rejects with a *ClaimError or builds an interchange our own envelope
// reader accepts, with one transaction set per claim.
func FuzzBuild837(f *testing.F) {
	f.Add("PCN-1001", "Doe", "J06.9", "99213", "25", int64(12500))
	f.Add("a~b", "Núñez", "W19XXXA", "L1906", "", int64(1))
	f.Add("", "李", "1", "*", ":", int64(-5))
	f.Fuzz(func(t *testing.T, pcn, last, diag, code, mod string, charge int64) {
		b := sampleClaimBatch()
		c := &b.Claims[0]
		c.PatientControlNumber, c.Subscriber.LastName = pcn, last
		c.Diagnoses = []string{diag}
		c.Lines[0].Code, c.Lines[0].Charge, c.TotalCharge = code, Money(charge), Money(charge)
		if mod != "" {
			c.Lines[0].Modifiers = []string{mod}
		}
		out, err := Build837P(b)
		if err != nil {
			var ce *ClaimError
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("error is not a *ClaimError: %v", err)
			}
			return
		}
		d, segs, err := Split(out)
		if err != nil {
			t.Fatalf("built output does not split: %v", err)
		}
		ic, err := readInterchange(d, segs, "837")
		if err != nil {
			t.Fatalf("built output has a bad envelope: %v", err)
		}
		if len(ic.sets) != len(b.Claims) {
			t.Fatal("transaction set count differs from claim count")
		}
	})
}

// FuzzParse837P feeds arbitrary bytes to Parse837P: no panic, only
// *ParseError, and every claim has a control number.
func FuzzParse837P(f *testing.F) {
	addFixtures(f, "837")
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse837P(data)
		if err != nil {
			requireParseError(t, err)
			return
		}
		for _, c := range b.Claims {
			if c.PatientControlNumber == "" {
				t.Fatal("claim without CLM01")
			}
		}
	})
}
