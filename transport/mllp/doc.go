// Package mllp implements the Minimal Lower Layer Protocol (MLLP) that carries
// HL7 v2 messages over TCP: framing, a listener and a client.
//
// A frame is the start block 0x0B, the message bytes, then the end block
// 0x1C 0x0D. The package treats messages as opaque bytes; parsing HL7 and
// building acknowledgments belong to the caller (the HL7 codec and the engine).
//
// # The durability contract
//
// The Server hands every complete frame to a Handler and writes nothing on the
// connection until the Handler returns. The Handler returns the full ACK
// message to send back, and it must make the message durable (for the engine:
// Temporal has accepted the signal or start) BEFORE it returns a commit or
// application accept (CA/AA). When it cannot store the message (for example
// Temporal is unreachable) it returns nil: the Server then sends no ACK at all,
// the sender times out and resends, and no message is ever acknowledged
// without being stored. Bad messages get AE/AR from the Handler, and the
// connection stays usable.
//
// The Client sends one message at a time per connection and waits for its
// ACK. It never resends on its own: on a broken connection or a missing ACK it
// closes the connection and returns an error, so the caller (a Temporal
// activity) decides to retry, and the next Send dials anew.
//
// Nothing in this package logs or returns message content, because HL7
// messages carry PHI; logs name the peer address and byte counts only.
package mllp
