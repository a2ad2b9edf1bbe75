package lis

import (
	"github.com/careflow/engine/codecs/hl7"
)

// encodeOrder states the laboratory's character set (Activities.Charset, LIS_CHARSET) in MSH-18
// and encodes the message in it; an empty Charset is UTF-8.
func (a *Activities) encodeOrder(msg *hl7.Message) ([]byte, error) {
	cs, ok := hl7.LookupCharset(a.Charset)
	if !ok {
		cs, _ = hl7.LookupCharset(hl7.CharsetUTF8)
	}
	if cs.Name == "" {
		cs, _ = hl7.LookupCharset(hl7.CharsetUTF8)
	}
	if err := msg.Set("MSH-18", cs.Name); err != nil {
		return nil, err
	}
	raw, err := msg.Encode()
	if err != nil {
		return nil, err
	}
	return cs.Encode(raw)
}

// decodeAck reads the laboratory's ACK in whatever character set its MSH-18 names.
func decodeAck(raw []byte) []byte {
	if d, err := hl7.DecodeCharset(raw); err == nil {
		return d.Message
	}
	return raw
}
