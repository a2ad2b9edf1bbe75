package hl7

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// Batch is an HL7 batch (chapter 2 batch protocol): an optional file
// envelope FHS...FTS around one or more batches BHS...BTS, each holding
// messages. A file of bare messages without BHS is read the same way.
type Batch struct {
	// FileHeader is the FHS segment in wire form; "" when the input had none.
	FileHeader string
	// Header is the first BHS segment in wire form; "" when the input had none.
	Header string
	// Messages are the messages in order, each with its segments joined by CR.
	Messages [][]byte
	// Batches counts the BHS segments.
	Batches int
	// CountProblems are fixed texts about BTS-1/FTS-1 counts that do not match
	// what arrived (and missing trailers); empty when every count agrees.
	CountProblems []string
	delims        Delims
}

// IsBatch reports whether raw starts with FHS or BHS.
func IsBatch(raw []byte) bool {
	raw = bytes.TrimLeft(raw, "\r\n")
	return bytes.HasPrefix(raw, []byte("FHS")) || bytes.HasPrefix(raw, []byte("BHS"))
}

// SplitBatch splits a batch or batch file into its messages and checks the
// trailer counts: each BTS-1 against the messages of its batch and FTS-1
// against the number of batches. A count mismatch is reported in
// CountProblems, never an error, so that no message is lost; a segment
// outside any message is a *ParseError naming its position.
func SplitBatch(raw []byte) (Batch, error) {
	var b Batch
	s := strings.TrimLeft(string(raw), "\r\n")
	if len(s) < 8 || (s[:3] != "FHS" && s[:3] != "BHS" && s[:3] != "MSH") {
		return b, &ParseError{Segment: 1, Reason: "first segment is not FHS, BHS or MSH"}
	}
	d, _, err := delimsFromMSH("MSH" + s[3:min(len(s), strings.IndexAny(s+"\r", "\r\n"))])
	if err != nil {
		return b, err
	}
	b.delims = d
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' })
	var cur []string
	inBatch, sawFTS := false, false
	batchMsgs := 0
	flush := func() {
		if cur != nil {
			b.Messages = append(b.Messages, []byte(strings.Join(cur, "\r")+"\r"))
			batchMsgs++
			cur = nil
		}
	}
	count := func(seg string) (int, bool) {
		v := strings.TrimSpace(nth(nth(seg, d.Field, 2), d.Component, 1))
		if v == "" {
			return 0, false
		}
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	for i, line := range lines {
		name := line
		if len(name) > 3 {
			name = name[:3]
		}
		switch name {
		case "FHS":
			if b.FileHeader != "" || i > 0 {
				return b, &ParseError{Segment: i + 1, Reason: "FHS is not the first segment"}
			}
			b.FileHeader = line
		case "BHS":
			flush()
			if inBatch {
				b.CountProblems = append(b.CountProblems, "BHS "+itoa(b.Batches)+" has no BTS")
			}
			if b.Header == "" {
				b.Header = line
			}
			b.Batches++
			inBatch, batchMsgs = true, 0
		case "BTS":
			flush()
			if !inBatch {
				return b, &ParseError{Segment: i + 1, Reason: "BTS without a BHS"}
			}
			if n, ok := count(line); ok && n != batchMsgs {
				b.CountProblems = append(b.CountProblems, "BTS-1 of batch "+itoa(b.Batches)+" counts "+strconv.Itoa(n)+
					" messages but "+strconv.Itoa(batchMsgs)+" arrived")
			}
			inBatch = false
		case "FTS":
			flush()
			if inBatch {
				b.CountProblems = append(b.CountProblems, "BHS "+itoa(b.Batches)+" has no BTS")
				inBatch = false
			}
			if n, ok := count(line); ok && n != b.Batches {
				b.CountProblems = append(b.CountProblems, "FTS-1 counts "+strconv.Itoa(n)+" batches but "+strconv.Itoa(b.Batches)+" arrived")
			}
			sawFTS = true
		case "MSH":
			flush()
			cur = []string{line}
		default:
			if cur == nil {
				return b, &ParseError{Segment: i + 1, Reason: "segment outside any message in a batch"}
			}
			cur = append(cur, line)
		}
	}
	flush()
	if inBatch {
		b.CountProblems = append(b.CountProblems, "BHS "+itoa(b.Batches)+" has no BTS")
	}
	if b.FileHeader != "" && !sawFTS {
		b.CountProblems = append(b.CountProblems, "FHS has no FTS")
	}
	return b, nil
}

// BuildBatchACK builds the acknowledgment batch for b (HL7 chapter 2 batch
// protocol): an FHS when b had one, a BHS addressed back to the sender with
// BHS-11 controlID and BHS-12 the original BHS-11, the given ACK messages in
// order, and a BTS counting them; BTS-2 carries the count problems, if any.
// acks are full ACK messages in UTF-8 with CR segment ends.
func BuildBatchACK(b Batch, acks [][]byte, now time.Time, controlID string) []byte {
	d := b.delims
	if d.Field == 0 {
		d = DefaultDelims()
	}
	f := string(d.Field)
	header := func(name, orig string) string {
		field := func(n int) string { return nth(orig, d.Field, n) }
		return strings.Join([]string{name, d.EncodingCharacters(), field(5), field(6), field(3), field(4),
			d.EscapeText(FormatTime(now)), "", field(9), "", d.EscapeText(controlID), nth(field(11), d.Component, 1)}, f)
	}
	var out strings.Builder
	if b.FileHeader != "" {
		out.WriteString(header("FHS", b.FileHeader))
		out.WriteByte('\r')
	}
	out.WriteString(header("BHS", b.Header))
	out.WriteByte('\r')
	for _, a := range acks {
		out.Write(bytes.TrimRight(a, "\r\n"))
		out.WriteByte('\r')
	}
	out.WriteString("BTS" + f + strconv.Itoa(len(acks)))
	if len(b.CountProblems) > 0 {
		out.WriteString(f + d.EscapeText(strings.Join(b.CountProblems, "; ")))
	}
	out.WriteByte('\r')
	if b.FileHeader != "" {
		out.WriteString("FTS" + f + "1\r")
	}
	return []byte(out.String())
}
