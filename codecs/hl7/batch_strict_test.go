package hl7

import (
	"strings"
	"testing"
	"time"
)

func oruText(id, placer string) string {
	return "MSH|^~\\&|LAB|LABFAC|CAREFLOW|CLINIC|20260101120000||ORU^R01^ORU_R01|" + id + "|P|2.5.1\r" +
		"PID|1||MRN1^^^HOSP^MR\rORC|RE|" + placer + "|F1\rOBR|1|" + placer + "|F1|2823-3^K^LN\rOBX|1|NM|2823-3^K^LN||4.1|mmol/L|||||F\r"
}

func TestCheckKeysExact(t *testing.T) {
	good := oruText("C1", "PLC1")
	if err := CheckKeys(mustParse(t, good)); err != nil {
		t.Fatalf("good message: %v", err)
	}
	if err := CheckKeys(mustParse(t, strings.Replace(good, "MRN1^^^HOSP^MR", "MRN1^^^HOSP^MR~L77^^^LAB^MR", 1))); err != nil {
		t.Fatalf("MRNs from two authorities: %v", err)
	}
	cases := []struct {
		name, msg, code, seg string
		field                int
	}{
		{"no trigger", strings.Replace(good, "ORU^R01^ORU_R01", "ORU", 1), AckReject, "MSH", 9},
		{"no control id", strings.Replace(good, "|C1|", "||", 1), AckReject, "MSH", 10},
		{"no version", strings.Replace(good, "|P|2.5.1", "|P|", 1), AckReject, "MSH", 12},
		{"version 3", strings.Replace(good, "|P|2.5.1", "|P|3.0", 1), AckReject, "MSH", 12},
		{"no PID-3", strings.Replace(good, "PID|1||MRN1^^^HOSP^MR", "PID|1||", 1), AckError, "PID", 3},
		{"no PID", strings.Replace(good, "PID|1||MRN1^^^HOSP^MR\r", "", 1), AckError, "PID", 3},
		{"two MRNs from one authority", strings.Replace(good, "MRN1^^^HOSP^MR", "MRN1^^^HOSP^MR~MRN2^^^HOSP^MR", 1), AckError, "PID", 3},
		{"no placer", strings.ReplaceAll(good, "PLC1", ""), AckError, "OBR", 2},
		{"placers differ", strings.Replace(good, "ORC|RE|PLC1", "ORC|RE|PLC9", 1), AckError, "ORC", 2},
		{"fillers differ", strings.Replace(good, "ORC|RE|PLC1|F1", "ORC|RE|PLC1|F9", 1), AckError, "ORC", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ke := CheckKeys(mustParse(t, c.msg))
			if ke == nil || ke.Code != c.code || ke.Location.Segment != c.seg || ke.Location.Field != c.field {
				t.Fatalf("got %+v", ke)
			}
			ackMsg, err := BuildACKAt(mustParse(t, c.msg), ke.Code, ke.ErrCode, ke.Reason, time.Now(), "A1", ke.Location)
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseACK(mustParse(t, mustEncode(t, ackMsg)))
			if err != nil {
				t.Fatal(err)
			}
			if back.Code != c.code || len(back.Errors) != 1 || back.Errors[0].Location.Segment != c.seg || back.Errors[0].Location.Field != c.field {
				t.Fatalf("ack %+v", back)
			}
		})
	}
}

func batchText(declared string, msgs ...string) string {
	return "FHS|^~\\&|LAB|LABFAC|CAREFLOW|CLINIC|20260101120000||||F-1\r" +
		"BHS|^~\\&|LAB|LABFAC|CAREFLOW|CLINIC|20260101120000||||B-1\r" + strings.Join(msgs, "") +
		"BTS|" + declared + "\rFTS|1\r"
}

// A batch used to be refused as "first segment is not MSH"; now it splits into its messages.
func TestSplitBatch(t *testing.T) {
	b, err := SplitBatch([]byte(batchText("3", oruText("C1", "P1"), oruText("C2", "P2"), oruText("C3", "P3"))))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Messages) != 3 || len(b.CountProblems) != 0 || b.Batches != 1 {
		t.Fatalf("%+v", b)
	}
	for i, m := range b.Messages {
		u, err := ParseORU(mustParse(t, string(m)))
		if err != nil || u.Header.ControlID != "C"+itoa(i+1) {
			t.Fatalf("message %d: %v %+v", i, err, u.Header)
		}
	}
	if !IsBatch([]byte(batchText("1"))) || IsBatch([]byte(oruText("C", "P"))) {
		t.Fatal("IsBatch")
	}
}

func TestSplitBatchCountMismatchReported(t *testing.T) {
	b, err := SplitBatch([]byte(batchText("5", oruText("C1", "P1"), oruText("C2", "P2"))))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Messages) != 2 || len(b.CountProblems) != 1 || !strings.Contains(b.CountProblems[0], "counts 5") {
		t.Fatalf("%+v", b.CountProblems)
	}
	b, _ = SplitBatch([]byte(strings.Replace(batchText("1", oruText("C1", "P1")), "FTS|1", "FTS|2", 1)))
	if len(b.CountProblems) != 1 || !strings.Contains(b.CountProblems[0], "FTS-1") {
		t.Fatalf("%+v", b.CountProblems)
	}
	b, _ = SplitBatch([]byte("BHS|^~\\&|LAB\r" + oruText("C1", "P1")))
	if len(b.Messages) != 1 || len(b.CountProblems) != 1 {
		t.Fatalf("missing BTS: %+v", b)
	}
}

func TestSplitBatchSegmentOutsideMessage(t *testing.T) {
	_, err := SplitBatch([]byte("BHS|^~\\&|LAB\rPID|1\rBTS|0\r"))
	if pe := asParseError(t, err); pe.Segment != 2 {
		t.Fatalf("%v", pe)
	}
}

func TestBuildBatchACK(t *testing.T) {
	b, _ := SplitBatch([]byte(batchText("3", oruText("C1", "P1"), oruText("C2", "P2"))))
	var acks [][]byte
	for _, m := range b.Messages {
		a, _ := BuildACK(mustParse(t, string(m)), AckAccept, "", "", time.Now(), "A")
		acks = append(acks, []byte(mustEncode(t, a)))
	}
	out := BuildBatchACK(b, acks, time.Now(), "BA-1")
	ab, err := SplitBatch(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(ab.Messages) != 2 || len(ab.CountProblems) != 0 {
		t.Fatalf("ack batch %+v", ab)
	}
	if !strings.HasPrefix(ab.Header, "BHS|^~\\&|CAREFLOW|CLINIC|LAB|LABFAC|") || !strings.HasSuffix(ab.Header, "|BA-1|B-1") {
		t.Fatalf("BHS %q", ab.Header)
	}
	if !strings.Contains(string(out), "BTS|2|BTS-1 of batch 1 counts 3") {
		t.Fatalf("BTS: %q", out)
	}
}

// FuzzSplitBatch: the batch splitter never panics on arbitrary input.
func FuzzSplitBatch(f *testing.F) {
	f.Add([]byte(batchText("2", oruText("C1", "P1"))))
	f.Add([]byte("BHS|^~\\&\rBTS|x\rFTS|\r"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, err := SplitBatch(raw)
		if err == nil {
			_ = BuildBatchACK(b, nil, time.Unix(0, 0), "X")
		}
	})
}
