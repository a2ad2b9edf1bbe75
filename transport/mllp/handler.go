package mllp

import "context"

// Handler processes one inbound message and returns the full ACK message to
// send back, or nil to send no ACK.
//
// The Server writes nothing on the connection until HandleMLLP returns. An
// implementation must store the message durably BEFORE it returns a commit or
// accept ACK (CA/AA); it answers AE/AR with an ERR segment for a message it
// cannot accept, and returns nil when it cannot decide or store (for example
// Temporal unreachable), so the sender times out and resends. msg is owned by
// the Handler; peer is the remote address, for audit and logs. Messages from
// one connection arrive one at a time, in order; different connections run
// concurrently, so HandleMLLP must be safe for concurrent use. ctx is not
// cancelled when the peer disconnects (work that stores the message should
// finish; the resend is deduplicated upstream by MSH-10), only when the
// ListenAndServe context ends or Shutdown's deadline forces connections closed.
type Handler interface {
	HandleMLLP(ctx context.Context, msg []byte, peer string) (ack []byte)
}

// HandlerFunc adapts a function to the Handler interface.
type HandlerFunc func(ctx context.Context, msg []byte, peer string) []byte

// HandleMLLP calls f.
func (f HandlerFunc) HandleMLLP(ctx context.Context, msg []byte, peer string) []byte {
	return f(ctx, msg, peer)
}
