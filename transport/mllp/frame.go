package mllp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// MLLP block characters.
const (
	// StartBlock (VT) opens a frame.
	StartBlock byte = 0x0B
	// EndBlock (FS) closes a frame; CarriageReturn must follow it.
	EndBlock byte = 0x1C
	// CarriageReturn (CR) is the last byte of a frame.
	CarriageReturn byte = 0x0D
)

// DefaultMaxMessageBytes is the largest message accepted when no limit is configured (1 MiB).
const DefaultMaxMessageBytes = 1 << 20

// readBufferSize is the bufio size per connection: large enough that a typical
// ORU fits in one read, small enough for thousands of idle connections.
const readBufferSize = 8 << 10

// keepScratchBytes bounds the scratch buffer a FrameReader keeps between
// frames, so one large message does not pin a megabyte per idle connection.
const keepScratchBytes = 64 << 10

var (
	// ErrFrameTooLarge reports a frame whose message exceeds the configured maximum.
	ErrFrameTooLarge = errors.New("mllp: frame exceeds the maximum message size")
	// ErrTruncatedFrame reports a stream that ended or failed in the middle of a frame.
	ErrTruncatedFrame = errors.New("mllp: truncated frame")
	// ErrInvalidMessage reports a message that cannot be framed because it contains a block character.
	ErrInvalidMessage = errors.New("mllp: message contains an MLLP block character")
)

// FrameReader reads MLLP frames from a byte stream.
//
// Bytes outside frames are skipped and counted (see Discarded). A start block
// inside a frame abandons the partial frame and starts a new one, and an end
// block not followed by CR drops the frame: a sender that restarts a message
// must never have a spliced half delivered. After ReadFrame returns an error
// the FrameReader is finished and every later call returns the same error.
type FrameReader struct {
	br        *bufio.Reader
	max       int
	scratch   []byte
	discarded int64
	err       error
	opts      FrameReaderOptions
	partial   int
}

// DefaultLenientPause is how long a lenient reader waits after an end block
// without CR before it takes the frame as complete.
const DefaultLenientPause = 100 * time.Millisecond

// FrameReaderOptions configure NewFrameReaderWith.
type FrameReaderOptions struct {
	// MaxBytes caps one message; <= 0 means DefaultMaxMessageBytes.
	MaxBytes int
	// Lenient also ends a frame at an end block followed by LF, by the next
	// start block, by the end of the stream, or by a pause (Pause) when
	// SetReadDeadline is given; CR and LF between frames are not counted as
	// discarded. Senders that omit the CR after FS are common.
	Lenient bool
	// Pause is the lenient wait after a lone end block; zero means DefaultLenientPause.
	Pause time.Duration
	// SetReadDeadline lets a lenient reader time the pause (a net.Conn's method).
	SetReadDeadline func(time.Time) error
	// OnFrameStart runs when a start block has been read, e.g. to arm a per-frame deadline.
	OnFrameStart func()
}

// NewFrameReader returns a strict FrameReader on r that rejects messages
// longer than maxBytes; maxBytes <= 0 means DefaultMaxMessageBytes.
func NewFrameReader(r io.Reader, maxBytes int) *FrameReader {
	return NewFrameReaderWith(r, FrameReaderOptions{MaxBytes: maxBytes})
}

// NewFrameReaderWith returns a FrameReader on r configured by o.
func NewFrameReaderWith(r io.Reader, o FrameReaderOptions) *FrameReader {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxMessageBytes
	}
	if o.Pause <= 0 {
		o.Pause = DefaultLenientPause
	}
	return &FrameReader{br: bufio.NewReaderSize(r, readBufferSize), max: o.MaxBytes, opts: o}
}

// Partial returns how many bytes of an unfinished frame had arrived when
// ReadFrame failed inside it (for logging a cut frame); 0 otherwise.
func (fr *FrameReader) Partial() int { return fr.partial }

// Discarded returns how many bytes so far were skipped outside complete frames.
func (fr *FrameReader) Discarded() int64 { return fr.discarded }

// buffered reports bytes already read from the stream but not yet returned.
func (fr *FrameReader) buffered() int { return fr.br.Buffered() }

// ReadFrame returns the next complete message, without its block characters,
// in a newly allocated slice the caller owns.
//
// It returns io.EOF when the stream ends outside a frame, an error wrapping
// ErrTruncatedFrame (and the stream's error) when it ends inside one, and
// ErrFrameTooLarge as soon as a frame grows beyond the maximum. It never
// returns a partial message.
func (fr *FrameReader) ReadFrame() ([]byte, error) {
	if fr.err != nil {
		return nil, fr.err
	}
	msg, err := fr.readFrame()
	if err != nil {
		fr.err = err
		return nil, err
	}
	return msg, nil
}

func (fr *FrameReader) readFrame() ([]byte, error) {
	for {
		if err := fr.skipToStart(); err != nil {
			return nil, err
		}
		if fr.opts.OnFrameStart != nil {
			fr.opts.OnFrameStart()
		}
		msg, complete, err := fr.readBody()
		if err != nil {
			return nil, err
		}
		if complete {
			return msg, nil
		}
		// The frame was malformed and dropped; look for the next start block.
	}
}

// skipToStart consumes bytes up to and including the next start block.
func (fr *FrameReader) skipToStart() error {
	for {
		chunk, err := fr.br.ReadSlice(StartBlock)
		switch {
		case err == nil:
			fr.discarded += fr.junk(chunk[:len(chunk)-1])
			return nil
		case errors.Is(err, bufio.ErrBufferFull):
			fr.discarded += fr.junk(chunk)
		default:
			// EOF or a read error between frames: nothing partial is lost.
			fr.discarded += fr.junk(chunk)
			return err
		}
	}
}

// junk counts bytes skipped between frames; a lenient reader ignores CR and LF there.
func (fr *FrameReader) junk(b []byte) int64 {
	if !fr.opts.Lenient {
		return int64(len(b))
	}
	n := 0
	for _, c := range b {
		if c != '\r' && c != '\n' {
			n++
		}
	}
	return int64(n)
}

// readBody reads after a start block up to the end block. complete is false
// when the frame turned out malformed and was dropped.
func (fr *FrameReader) readBody() (msg []byte, complete bool, err error) {
	body := fr.scratch[:0]
	defer func() {
		if cap(body) <= keepScratchBytes {
			fr.scratch = body[:0]
		} else {
			fr.scratch = nil
		}
	}()
	for {
		chunk, rerr := fr.br.ReadSlice(EndBlock)
		// A start block inside the frame restarts it; each abandoned piece is
		// still held to the size limit so a stream of restarts cannot grow memory.
		for {
			i := bytes.IndexByte(chunk, StartBlock)
			if i < 0 {
				break
			}
			if len(body)+i > fr.max {
				return nil, false, ErrFrameTooLarge
			}
			fr.discarded += int64(1 + len(body) + i)
			body = body[:0]
			chunk = chunk[i+1:]
		}
		body = append(body, chunk...)
		switch {
		case rerr == nil:
			payload := body[:len(body)-1] // drop the end block
			if len(payload) > fr.max {
				return nil, false, ErrFrameTooLarge
			}
			return fr.finishFrame(payload, len(body))
		case errors.Is(rerr, bufio.ErrBufferFull):
			if len(body) > fr.max {
				return nil, false, ErrFrameTooLarge
			}
		default:
			if len(body) > fr.max {
				return nil, false, ErrFrameTooLarge
			}
			fr.partial = len(body)
			return nil, false, truncated(rerr)
		}
	}
}

// finishFrame checks the byte after the end block; frameLen counts the
// payload and the end block, for the discard tally of a malformed frame.
func (fr *FrameReader) finishFrame(payload []byte, frameLen int) ([]byte, bool, error) {
	if fr.opts.Lenient {
		return fr.finishLenient(payload, frameLen)
	}
	b, err := fr.br.ReadByte()
	if err != nil {
		fr.partial = frameLen
		return nil, false, truncated(err)
	}
	switch b {
	case CarriageReturn:
		return bytes.Clone(payload), true, nil
	case StartBlock:
		// End block without CR, then a new frame: drop the old one, keep the start.
		if uerr := fr.br.UnreadByte(); uerr != nil {
			return nil, false, uerr
		}
		fr.discarded += int64(frameLen + 1)
		return nil, false, nil
	default:
		fr.discarded += int64(frameLen + 2)
		return nil, false, nil
	}
}

// finishLenient ends a frame at FS CR, FS LF, FS VT (the VT kept for the
// next frame), FS at the end of the stream, or FS followed by a pause.
func (fr *FrameReader) finishLenient(payload []byte, frameLen int) ([]byte, bool, error) {
	if fr.br.Buffered() == 0 && fr.opts.SetReadDeadline != nil {
		_ = fr.opts.SetReadDeadline(time.Now().Add(fr.opts.Pause))
	}
	b, err := fr.br.ReadByte()
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, os.ErrDeadlineExceeded) {
			// The sender stopped after FS: the frame is complete. bufio clears
			// the timeout, and the caller sets the next deadline.
			return bytes.Clone(payload), true, nil
		}
		fr.partial = frameLen
		return nil, false, truncated(err)
	}
	switch b {
	case CarriageReturn, '\n':
		return bytes.Clone(payload), true, nil
	case StartBlock:
		if uerr := fr.br.UnreadByte(); uerr != nil {
			return nil, false, uerr
		}
		return bytes.Clone(payload), true, nil
	}
	fr.discarded += int64(frameLen + 2)
	return nil, false, nil
}

func truncated(err error) error {
	if errors.Is(err, io.EOF) {
		return ErrTruncatedFrame
	}
	return fmt.Errorf("%w: %w", ErrTruncatedFrame, err)
}

// WriteFrame writes msg to w as one MLLP frame in a single Write call.
// It returns ErrInvalidMessage when msg contains a start or end block, since
// such a message would corrupt the framing for the receiver.
func WriteFrame(w io.Writer, msg []byte) error {
	if err := checkMessage(msg); err != nil {
		return err
	}
	_, err := w.Write(appendFrame(make([]byte, 0, len(msg)+3), msg))
	return err
}

// appendFrame appends msg framed to dst; callers reuse dst across messages.
func appendFrame(dst, msg []byte) []byte {
	dst = append(dst, StartBlock)
	dst = append(dst, msg...)
	return append(dst, EndBlock, CarriageReturn)
}

func checkMessage(msg []byte) error {
	if bytes.IndexByte(msg, StartBlock) >= 0 || bytes.IndexByte(msg, EndBlock) >= 0 {
		return ErrInvalidMessage
	}
	return nil
}
