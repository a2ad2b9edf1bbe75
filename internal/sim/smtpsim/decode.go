package smtpsim

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
)

// mimeWordDecoder decodes RFC 2047 encoded words in headers (a Spanish subject arrives so).
type mimeWordDecoder struct{ mime.WordDecoder }

func (d *mimeWordDecoder) decode(s string) string {
	out, err := d.DecodeHeader(s)
	if err != nil {
		return s
	}
	return out
}

// decodeBody undoes the transfer encoding of a single-part body so the view shows the text.
func decodeBody(cte string, body []byte) string {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		if b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err == nil {
			return string(b)
		}
	case "base64":
		if b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(bytes.ReplaceAll(body, []byte("\r\n"), nil)))); err == nil {
			return string(b)
		}
	}
	return string(body)
}
