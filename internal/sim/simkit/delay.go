package simkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// ParseDelay reads a fault's raw "delay" member: a Go duration string
// ("250ms") or integer nanoseconds, Go's default encoding of
// time.Duration. An absent or null member is zero. Errors start with
// prefix, the simulator's name, as its other errors do.
func ParseDelay(prefix string, raw json.RawMessage) (time.Duration, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("%s: fault delay: %w", prefix, err)
		}
		return d, nil
	}
	var ns int64
	if err := json.Unmarshal(raw, &ns); err != nil {
		return 0, fmt.Errorf("%s: fault delay must be a duration string or nanoseconds", prefix)
	}
	return time.Duration(ns), nil
}

// UnmarshalStrict decodes the JSON value b into v and fails on fields v
// does not have. A type's UnmarshalJSON needs it because a Decoder's
// DisallowUnknownFields does not reach into custom unmarshalers.
func UnmarshalStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// Sleep waits d unless ctx or life (the simulator's own context) ends
// first; it reports whether the full delay elapsed. A d <= 0 returns true
// at once.
func Sleep(ctx, life context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-life.Done():
		return false
	}
}

// MarshalWithDelay encodes plain, a method-less copy of a simulator's Fault type whose Delay
// field is tagged `json:"delay"`, writing the delay d as a Go duration string ("250ms")
// instead of nanoseconds, so GET /_sim/faults reads as it was posted.
func MarshalWithDelay(plain any, d time.Duration) ([]byte, error) {
	b, err := json.Marshal(plain)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m["delay"], err = json.Marshal(d.String()); err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

// UnmarshalWithDelay decodes b into *plain, a method-less copy of a Fault type, reading its
// "delay" member with ParseDelay into *d (a duration string or nanoseconds). *plain is replaced
// as a whole, as json.Unmarshal into a fresh value would, and d may point into it. strict
// rejects unknown members: a misspelt targeting field would otherwise turn a targeted fault
// into one hitting every request.
func UnmarshalWithDelay[P any](prefix string, b []byte, plain *P, d *time.Duration, strict bool) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	raw := m["delay"]
	delete(m, "delay")
	rest, err := json.Marshal(m)
	if err != nil {
		return err
	}
	var fresh P
	if strict {
		err = UnmarshalStrict(rest, &fresh)
	} else {
		err = json.Unmarshal(rest, &fresh)
	}
	if err != nil {
		return err
	}
	delay, err := ParseDelay(prefix, raw)
	if err != nil {
		return err
	}
	*plain = fresh
	*d = delay
	return nil
}
