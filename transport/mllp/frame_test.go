package mllp_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
	"testing/iotest"

	"github.com/careflow/engine/transport/mllp"
)

// chunkReader returns at most n bytes per Read, to split frames across reads.
type chunkReader struct {
	r io.Reader
	n int
}

func (c chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

// readAll reads frames until the first error.
func readAll(fr *mllp.FrameReader) ([]string, error) {
	var got []string
	for {
		msg, err := fr.ReadFrame()
		if err != nil {
			return got, err
		}
		got = append(got, string(msg))
	}
}

func TestFrameReader(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		max       int
		want      []string
		wantErr   error
		discarded int64
	}{
		{name: "one frame", in: "\x0bMSH|a\x1c\r", want: []string{"MSH|a"}, wantErr: io.EOF},
		{name: "garbage before start", in: "junk\r\n\x0bMSH|a\x1c\r", want: []string{"MSH|a"}, wantErr: io.EOF, discarded: 6},
		{name: "two frames back to back", in: "\x0bA\x1c\r\x0bB\x1c\r", want: []string{"A", "B"}, wantErr: io.EOF},
		{name: "garbage between frames", in: "\x0bA\x1c\r\r\nnoise\x0bB\x1c\r", want: []string{"A", "B"}, wantErr: io.EOF, discarded: 7},
		{name: "empty frame", in: "\x0b\x1c\r", want: []string{""}, wantErr: io.EOF},
		{name: "empty input", in: "", wantErr: io.EOF},
		{name: "only garbage", in: "no frames here", wantErr: io.EOF, discarded: 14},
		{name: "oversize", in: "\x0b123456789\x1c\r", max: 8, wantErr: mllp.ErrFrameTooLarge},
		{name: "exactly max", in: "\x0b12345678\x1c\r", max: 8, want: []string{"12345678"}, wantErr: io.EOF},
		{name: "oversize without end", in: "\x0b1234567890123", max: 8, wantErr: mllp.ErrFrameTooLarge},
		{name: "oversize stops the stream", in: "\x0bA\x1c\r\x0b123456789\x1c\r\x0bB\x1c\r", max: 8, want: []string{"A"}, wantErr: mllp.ErrFrameTooLarge},
		{name: "truncated at EOF", in: "\x0bMSH|half", wantErr: mllp.ErrTruncatedFrame},
		{name: "truncated after end block", in: "\x0bMSH|a\x1c", wantErr: mllp.ErrTruncatedFrame},
		{name: "start block only", in: "\x0b", wantErr: mllp.ErrTruncatedFrame},
		{name: "complete then truncated", in: "\x0bA\x1c\r\x0bB", want: []string{"A"}, wantErr: mllp.ErrTruncatedFrame},
		{name: "restart inside frame", in: "\x0bPART\x0bFULL\x1c\r", want: []string{"FULL"}, wantErr: io.EOF, discarded: 5},
		{name: "end block without CR then garbage", in: "\x0bBAD\x1cX\x0bGOOD\x1c\r", want: []string{"GOOD"}, wantErr: io.EOF, discarded: 6},
		{name: "end block without CR then start", in: "\x0bBAD\x1c\x0bGOOD\x1c\r", want: []string{"GOOD"}, wantErr: io.EOF, discarded: 5},
		{name: "CR LF after frame", in: "\x0bA\x1c\r\n\x0bB\x1c\r", want: []string{"A", "B"}, wantErr: io.EOF, discarded: 1},
	}
	readers := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"3 bytes":  func(r io.Reader) io.Reader { return chunkReader{r, 3} },
		"half":     iotest.HalfReader,
	}
	for _, tc := range tests {
		for rname, wrap := range readers {
			t.Run(tc.name+"/"+rname, func(t *testing.T) {
				fr := mllp.NewFrameReader(wrap(bytes.NewReader([]byte(tc.in))), tc.max)
				got, err := readAll(fr)
				if !slices.Equal(got, tc.want) {
					t.Errorf("frames = %q, want %q", got, tc.want)
				}
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("err = %v, want %v", err, tc.wantErr)
				}
				if tc.wantErr != mllp.ErrFrameTooLarge && fr.Discarded() != tc.discarded {
					t.Errorf("Discarded() = %d, want %d", fr.Discarded(), tc.discarded)
				}
				// Errors are sticky: the reader never resumes after one.
				if _, again := fr.ReadFrame(); !errors.Is(again, tc.wantErr) {
					t.Errorf("second ReadFrame err = %v, want %v", again, tc.wantErr)
				}
			})
		}
	}
}

func TestFrameReaderLargeFrameAcrossBuffers(t *testing.T) {
	// Larger than the internal read buffer, so the body spans many ReadSlice calls.
	body := bytes.Repeat([]byte("OBX|1|ST|x||value\r"), 5000)
	in := append(append([]byte{0x0b}, body...), 0x1c, 0x0d)
	in = append(in, frame("next")...)
	fr := mllp.NewFrameReader(bytes.NewReader(in), 0)
	got, err := fr.ReadFrame()
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("large frame: err=%v, len=%d want %d", err, len(got), len(body))
	}
	if got, err := fr.ReadFrame(); err != nil || string(got) != "next" {
		t.Fatalf("frame after large one: %q, %v", got, err)
	}
}

func TestFrameReaderReadErrorMidFrame(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(bytes.NewReader([]byte("\x0bMSH|partial")), iotest.ErrReader(boom))
	fr := mllp.NewFrameReader(r, 0)
	msg, err := fr.ReadFrame()
	if msg != nil {
		t.Fatalf("got partial message %q", msg)
	}
	if !errors.Is(err, mllp.ErrTruncatedFrame) || !errors.Is(err, boom) {
		t.Fatalf("err = %v, want ErrTruncatedFrame wrapping the read error", err)
	}
}

func TestFrameReaderReturnsOwnedSlices(t *testing.T) {
	fr := mllp.NewFrameReader(bytes.NewReader(append(frame("first"), frame("other")...)), 0)
	a, _ := fr.ReadFrame()
	b, _ := fr.ReadFrame()
	if string(a) != "first" || string(b) != "other" {
		t.Fatalf("frames overwrote each other: %q %q", a, b)
	}
}

func TestWriteFrame(t *testing.T) {
	var buf bytes.Buffer
	if err := mllp.WriteFrame(&buf, []byte("MSH|x")); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "\x0bMSH|x\x1c\r"; got != want {
		t.Fatalf("WriteFrame wrote %q, want %q", got, want)
	}
	for _, bad := range []string{"MSH\x0b", "MSH\x1c\r"} {
		buf.Reset()
		if err := mllp.WriteFrame(&buf, []byte(bad)); !errors.Is(err, mllp.ErrInvalidMessage) {
			t.Errorf("WriteFrame(%q) err = %v, want ErrInvalidMessage", bad, err)
		}
		if buf.Len() != 0 {
			t.Errorf("WriteFrame(%q) wrote %d bytes for an invalid message", bad, buf.Len())
		}
	}
}

func TestWriteFrameRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	msgs := [][]byte{hl7Message("1"), hl7Message("2"), {}}
	for _, m := range msgs {
		if err := mllp.WriteFrame(&buf, m); err != nil {
			t.Fatal(err)
		}
	}
	fr := mllp.NewFrameReader(iotest.OneByteReader(&buf), 0)
	for i, want := range msgs {
		got, err := fr.ReadFrame()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: %q, %v", i, got, err)
		}
	}
	if _, err := fr.ReadFrame(); !errors.Is(err, io.EOF) {
		t.Fatalf("after last frame: %v, want EOF", err)
	}
}
