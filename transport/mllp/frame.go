package mllp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
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
}

// NewFrameReader returns a FrameReader on r that rejects messages longer than
// maxBytes; maxBytes <= 0 means DefaultMaxMessageBytes.
func NewFrameReader(r io.Reader, maxBytes int) *FrameReader {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxMessageBytes
	}
	return &FrameReader{br: bufio.NewReaderSize(r, readBufferSize), max: maxBytes}
}

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
			fr.discarded += int64(len(chunk) - 1)
			return nil
		case errors.Is(err, bufio.ErrBufferFull):
			fr.discarded += int64(len(chunk))
		default:
			// EOF or a read error between frames: nothing partial is lost.
			fr.discarded += int64(len(chunk))
			return err
		}
	}
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
			return nil, false, truncated(rerr)
		}
	}
}

// finishFrame checks the byte after the end block; frameLen counts the
// payload and the end block, for the discard tally of a malformed frame.
func (fr *FrameReader) finishFrame(payload []byte, frameLen int) ([]byte, bool, error) {
	b, err := fr.br.ReadByte()
	if err != nil {
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
