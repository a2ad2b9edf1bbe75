package chsim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"
)

// Push headers, as the engine's /webhooks/clearinghouse reads them.
const (
	PushSignatureHeader   = "X-Clearinghouse-Signature"
	PushPayloadTypeHeader = "X-CORE-Payload-Type"
)

// SetPush makes the simulator push every results file of later submissions to url (the
// engine's /webhooks/clearinghouse), signed with the hex HMAC-SHA256 of the body under
// secret, instead of queueing it for retrieval. A file the engine does not accept (no
// answer, or not 2xx) is queued for retrieval instead. An empty url turns pushing off.
func (s *Sim) SetPush(url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batch.pushURL, s.batch.pushSecret = url, secret
}

// pushClient bounds one push; the engine answers after Temporal took its signals.
var pushClient = &http.Client{Timeout: 30 * time.Second}

// push delivers files in order in the background (the 999 before the 277CA before the 835).
// It runs with s.mu held and returns at once.
func (s *Sim) push(sender string, files []ResultsFile) {
	url, secret := s.batch.pushURL, s.batch.pushSecret
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for _, f := range files {
			if s.ctx.Err() == nil && deliver(url, secret, f) {
				s.count(func(st *Stats) { st.Pushes++ })
				continue
			}
			s.mu.Lock()
			s.batch.pending[sender] = append(s.batch.pending[sender], f)
			s.mu.Unlock()
		}
	}()
}

// deliver POSTs one file and reports whether the engine took it.
func deliver(url, secret string, f ResultsFile) bool {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(f.Payload))
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(f.Payload)
	req.Header.Set("Content-Type", "application/edi-x12")
	req.Header.Set(PushSignatureHeader, hex.EncodeToString(m.Sum(nil)))
	req.Header.Set(PushPayloadTypeHeader, f.PayloadType)
	resp, err := pushClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode/100 == 2
}
