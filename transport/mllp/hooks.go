package mllp

import "time"

// Hooks are optional callbacks for metrics; nil fields are skipped. They run
// on the connection's goroutine and must be fast and safe for concurrent use.
// None of them receives message content.
type Hooks struct {
	// ConnOpened runs when a connection is accepted.
	ConnOpened func(peer string)
	// ConnClosed runs when a connection ends, whatever the reason.
	ConnClosed func(peer string)
	// ConnRejected runs when a connection is refused because MaxConns are open.
	ConnRejected func(peer string)
	// MessageHandled runs after each message: its size, how long the Handler
	// took, and whether an ACK was written.
	MessageHandled func(peer string, size int, took time.Duration, acked bool)
	// BytesDiscarded runs when bytes outside frames (or in dropped frames) were skipped.
	BytesDiscarded func(peer string, n int64)
	// Refused runs for every connection or frame the server refuses, with one
	// of the Refused* reasons.
	Refused func(peer, reason string)
}

func (h *Hooks) refused(peer, reason string) {
	if h.Refused != nil {
		h.Refused(peer, reason)
	}
}

func (h *Hooks) connOpened(peer string) {
	if h.ConnOpened != nil {
		h.ConnOpened(peer)
	}
}

func (h *Hooks) connClosed(peer string) {
	if h.ConnClosed != nil {
		h.ConnClosed(peer)
	}
}

func (h *Hooks) connRejected(peer string) {
	if h.ConnRejected != nil {
		h.ConnRejected(peer)
	}
}

func (h *Hooks) messageHandled(peer string, size int, took time.Duration, acked bool) {
	if h.MessageHandled != nil {
		h.MessageHandled(peer, size, took, acked)
	}
}

func (h *Hooks) bytesDiscarded(peer string, n int64) {
	if h.BytesDiscarded != nil {
		h.BytesDiscarded(peer, n)
	}
}
