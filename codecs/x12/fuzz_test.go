package x12

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// addFixtures seeds f with every file under testdata/dir.
func addFixtures(f *testing.F, dir string) {
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.x12"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures in %s: %v", dir, err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// requireParseError fails unless err is a *ParseError with a reason.
func requireParseError(t *testing.T, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Reason == "" {
		t.Fatalf("error is not a *ParseError with a reason: %T %v", err, err)
	}
}

// FuzzParse271 feeds arbitrary bytes to Parse271: it must never panic, fail
// only with a *ParseError, and any result must be internally consistent.
func FuzzParse271(f *testing.F) {
	addFixtures(f, "271")
	if b, err := Build271(sampleResponse()); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse271(data)
		if err != nil {
			requireParseError(t, err)
			return
		}
		var active, inactive bool
		for _, b := range r.Benefits {
			if b.Code == "" {
				t.Fatal("benefit without EB01")
			}
			if b.Loop != "2110C" && b.Loop != "2110D" {
				t.Fatalf("benefit in loop %q", b.Loop)
			}
			switch b.Code {
			case "1", "2", "3", "4", "5":
				active = true
			case "6", "7", "8":
				inactive = true
			}
		}
		switch {
		case active && (r.Active == nil || !*r.Active):
			t.Fatal("active benefit but Active is not true")
		case !active && inactive && (r.Active == nil || *r.Active):
			t.Fatal("only inactive benefits but Active is not false")
		case !active && !inactive && r.Active != nil:
			t.Fatal("no status benefit but Active is set")
		}
		for _, rej := range r.Rejections {
			if rej.Code == "" || rej.Meaning != RejectReason(rej.Code) {
				t.Fatal("rejection without code or with a wrong meaning")
			}
		}
		// The helpers must not panic on whatever was parsed.
		r.Copay("30")
		r.Coinsurance("98")
		r.DeductibleRemaining("30")
	})
}

// FuzzParse271Body fuzzes only the segments between BHT and SE, wrapped in a
// valid envelope with a correct SE01, so mutations reach the loop logic
// instead of tripping the envelope checks first.
func FuzzParse271Body(f *testing.F) {
	for _, name := range []string{"active_copay", "dependent_2000d", "msg_segments", "aaa_2110c", "multi_network"} {
		b := readFixture(f, filepath.Join("271", name+".x12"))
		_, segs, err := Split(b)
		if err != nil {
			f.Fatal(err)
		}
		var body []byte
		for _, s := range segs[4 : len(segs)-3] { // after BHT, before SE
			body = append(body, s.ID...)
			for _, e := range s.Elements {
				body = append(body, '*')
				body = append(body, e...)
			}
			body = append(body, '~')
		}
		f.Add(body)
	}
	head := isaDefault + "GS*HB*A*B*20240315*0930*1*X*005010X279A1~ST*271*0001*005010X279A1~BHT*0022*11*T*20240315*0930~"
	f.Fuzz(func(t *testing.T, body []byte) {
		n := bytes.Count(body, []byte("~"))
		doc := head + string(body) + "SE*" + strconv.Itoa(n+3) + "*0001~GE*1*1~IEA*1*000000001~"
		if _, err := Parse271([]byte(doc)); err != nil {
			requireParseError(t, err)
		}
	})
}

// FuzzParse999 feeds arbitrary bytes to Parse999: it must never panic, fail
// only with a *ParseError, and Accepted must agree with Status.
func FuzzParse999(f *testing.F) {
	addFixtures(f, "999")
	f.Fuzz(func(t *testing.T, data []byte) {
		ack, err := Parse999(data)
		if err != nil {
			requireParseError(t, err)
			return
		}
		if ack.Accepted != (ack.Status == "A" || ack.Status == "E") {
			t.Fatalf("Accepted=%v with status %q", ack.Accepted, ack.Status)
		}
		for _, s := range ack.SetResponses {
			if s.Accepted != (s.Status == "A" || s.Status == "E") {
				t.Fatalf("set Accepted=%v with status %q", s.Accepted, s.Status)
			}
			for _, se := range s.SegmentErrors {
				if se.Position < 1 {
					t.Fatal("segment error without position")
				}
			}
		}
	})
}

// FuzzBuild270 feeds arbitrary text into the free-text request fields:
// Build270 must either reject the request with a *ValidationError or produce
// an interchange that Parse270 reads back to the same values.
func FuzzBuild270(f *testing.F) {
	f.Add("CHK-APPT-1001", "Doe", "José", "W123456789", "Acme Health Plan", "GRP-42", "30")
	f.Add("a*b", "O'Brien", "", "x", "~", ":", "AL")
	f.Add("", "\x00", "李", "M1", "P", "", "300")
	f.Fuzz(func(t *testing.T, trace, last, first, member, payer, group, service string) {
		req := sampleRequest()
		req.TraceNumber, req.PayerName = trace, payer
		req.Subscriber.LastName, req.Subscriber.FirstName = last, first
		req.Subscriber.MemberID, req.Subscriber.GroupNumber = member, group
		req.ServiceTypes = []string{service}
		out, err := Build270(req)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("error is not a *ValidationError: %v", err)
			}
			return
		}
		back, err := Parse270(out)
		if err != nil {
			t.Fatalf("Parse270 rejected what Build270 built: %v", err)
		}
		want := req
		if err := normalize270(&want); err != nil {
			t.Fatalf("normalize270 disagrees with Build270: %v", err)
		}
		if back.TraceNumber != want.TraceNumber || back.PayerName != want.PayerName ||
			back.Subscriber != (Subscriber{MemberID: want.Subscriber.MemberID, LastName: want.Subscriber.LastName,
				FirstName: want.Subscriber.FirstName, BirthDate: want.Subscriber.BirthDate,
				Gender: want.Subscriber.Gender, GroupNumber: want.Subscriber.GroupNumber}) ||
			len(back.ServiceTypes) != 1 || back.ServiceTypes[0] != want.ServiceTypes[0] ||
			!back.ServiceDate.Equal(time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)) {
			t.Fatal("round trip changed a value")
		}
	})
}
