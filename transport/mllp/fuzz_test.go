package mllp_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/careflow/engine/transport/mllp"
)

// fuzzMax is small so that the fuzzer reaches the size limit often.
const fuzzMax = 64

// referenceFrames is a byte-at-a-time model of the framing rules, written for
// clarity rather than speed: the FrameReader must agree with it exactly.
func referenceFrames(in []byte, max int) (frames [][]byte, end error) {
	const (
		outside = iota
		inFrame
		sawEnd
	)
	state := outside
	var cur []byte
	for _, b := range in {
		switch state {
		case outside:
			if b == mllp.StartBlock {
				state, cur = inFrame, cur[:0]
			}
		case inFrame:
			switch b {
			case mllp.StartBlock:
				cur = cur[:0]
			case mllp.EndBlock:
				state = sawEnd
			default:
				cur = append(cur, b)
				if len(cur) > max {
					return frames, mllp.ErrFrameTooLarge
				}
			}
		case sawEnd:
			switch b {
			case mllp.CarriageReturn:
				frames = append(frames, bytes.Clone(cur))
				state = outside
			case mllp.StartBlock:
				state, cur = inFrame, cur[:0]
			default:
				state = outside
			}
		}
	}
	if state != outside {
		return frames, mllp.ErrTruncatedFrame
	}
	return frames, io.EOF
}

func FuzzFrameReader(f *testing.F) {
	// Seeds live in testdata/fuzz/FuzzFrameReader; chunk 0 means one read, n means n bytes per read.
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		var r io.Reader = bytes.NewReader(in)
		if chunk > 0 {
			r = chunkReader{r, int(chunk)}
		}
		fr := mllp.NewFrameReader(r, fuzzMax)
		var got [][]byte
		var err error
		// Each frame consumes at least three bytes, so this bound proves termination.
		for range len(in)/3 + 2 {
			var msg []byte
			if msg, err = fr.ReadFrame(); err != nil {
				break
			}
			got = append(got, msg)
		}
		if err == nil {
			t.Fatalf("ReadFrame returned more frames than the input can hold")
		}
		want, wantEnd := referenceFrames(in, fuzzMax)
		if !slices.EqualFunc(got, want, bytes.Equal) {
			t.Fatalf("frames = %q, want %q", got, want)
		}
		if !errors.Is(err, wantEnd) {
			t.Fatalf("end = %v, want %v", err, wantEnd)
		}
		// Every delivered frame was complete in the input, in order.
		rest := in
		for _, m := range got {
			whole := append(append([]byte{mllp.StartBlock}, m...), mllp.EndBlock, mllp.CarriageReturn)
			i := bytes.Index(rest, whole)
			if i < 0 || len(m) > fuzzMax {
				t.Fatalf("delivered frame %q is not a complete frame of the input", m)
			}
			rest = rest[i+len(whole):]
		}
	})
}
