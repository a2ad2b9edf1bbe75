package pharmacy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/careflow/engine/codecs/ncpdp"
)

// ContentType is the media type of every request and answer.
const ContentType = "application/xml"

// defaultTimeout bounds one exchange when no client is injected; the
// activity's StartToCloseTimeout is the real bound.
const defaultTimeout = 30 * time.Second

// Config configures a Client.
type Config struct {
	// BaseURL is where messages are POSTed (PHARMACY_BASE_URL).
	BaseURL string
	// HTTPClient sends the requests; nil means a client with a 30 s
	// timeout. It is copied, never modified.
	HTTPClient *http.Client
	// TLSConfig, when set, is the TLS configuration of the connection,
	// normally with Certificates for mutual TLS and RootCAs of the
	// network. It needs HTTPClient's Transport to be nil or an
	// *http.Transport, which is cloned.
	TLSConfig *tls.Config
}

// Sender is what activities need of a Client, so tests can fake it.
type Sender interface {
	Send(ctx context.Context, msg *ncpdp.Message) (*ncpdp.Message, error)
}

var _ Sender = (*Client)(nil)

// Client sends SCRIPT messages to the network; it is safe for concurrent use.
type Client struct {
	url  string
	http *http.Client
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("pharmacy: BaseURL is required")
	}
	if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		return nil, errors.New("pharmacy: BaseURL must be an http or https URL")
	}
	hc := &http.Client{Timeout: defaultTimeout}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	if cfg.TLSConfig != nil {
		var tr *http.Transport
		switch t := hc.Transport.(type) {
		case nil:
			tr = http.DefaultTransport.(*http.Transport).Clone()
		case *http.Transport:
			tr = t.Clone()
		default:
			return nil, errors.New("pharmacy: TLSConfig needs an *http.Transport")
		}
		tr.TLSClientConfig = cfg.TLSConfig.Clone()
		hc.Transport = tr
	}
	return &Client{url: cfg.BaseURL, http: hc}, nil
}

// MessageID derives a MessageID (32 hex digits, within SCRIPT's 35) from
// parts such as a workflow ID and a step name, so a resend of the same
// step carries the same MessageID and the network deduplicates it.
func MessageID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		// The length prefix keeps ("ab","c") and ("a","bc") apart.
		var n [8]byte
		for i, l := 0, len(p); i < 8; i, l = i+1, l>>8 {
			n[i] = byte(l)
		}
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// maxAnswer bounds the answer read; SCRIPT answers are a few kilobytes.
const maxAnswer = ncpdp.MaxMessageSize

// Send encodes msg, POSTs it and returns the network's answer: a Status,
// Verify or other body whose RelatesToMessageID is msg's MessageID. An
// Error answer is returned as a *RejectedError; other failures as
// *TransientError or *PermanentError (see the package documentation).
// Resending after a *TransientError must reuse msg unchanged.
func (c *Client) Send(ctx context.Context, msg *ncpdp.Message) (*ncpdp.Message, error) {
	body, err := ncpdp.Encode(msg)
	if err != nil {
		return nil, &PermanentError{Reason: "message does not encode", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, &PermanentError{Reason: "cannot build request", Err: err}
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("Accept", ContentType)
	resp, err := c.http.Do(req)
	if err != nil {
		// Timeouts, refused connections and TLS failures alike: the
		// message may or may not have arrived, and the same MessageID
		// makes a resend safe.
		return nil, &TransientError{Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, &TransientError{Err: err}
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, &TransientError{StatusCode: resp.StatusCode}
	case resp.StatusCode >= 400 && !isXML(resp.Header.Get("Content-Type")):
		return nil, &PermanentError{Reason: "network refused the request", StatusCode: resp.StatusCode}
	case resp.StatusCode < 400 && resp.StatusCode >= 300:
		return nil, &PermanentError{Reason: "unexpected redirect", StatusCode: resp.StatusCode}
	}
	// 2xx, or a 4xx carrying an XML answer (some networks send Error
	// bodies with 400): read it as SCRIPT.
	return c.answer(msg, data, resp.StatusCode)
}

// answer decodes and matches the network's answer to msg.
func (c *Client) answer(msg *ncpdp.Message, data []byte, status int) (*ncpdp.Message, error) {
	if len(data) > maxAnswer {
		return nil, &PermanentError{Reason: "answer exceeds 1 MiB", StatusCode: status}
	}
	ans, err := ncpdp.Decode(data)
	if err != nil {
		return nil, &PermanentError{Reason: "malformed answer", StatusCode: status, Err: err}
	}
	if ans.Header.RelatesToMessageID != msg.Header.MessageID {
		return nil, &PermanentError{Reason: "answer relates to another message", StatusCode: status}
	}
	switch ans.Type() {
	case ncpdp.TypeError:
		e := ans.Body.Error
		return nil, &RejectedError{Code: e.Code, DescriptionCode: e.DescriptionCode, Description: e.Description, MessageID: ans.Header.MessageID}
	case ncpdp.TypeStatus, ncpdp.TypeVerify:
	default:
		// Responses to requests (CancelRxResponse ...) arrive later at the
		// webhook, never as the synchronous answer.
		return nil, &PermanentError{Reason: "unexpected answer type " + string(ans.Type()), StatusCode: status}
	}
	if status >= 400 {
		return nil, &PermanentError{Reason: "network refused the request", StatusCode: status}
	}
	return ans, nil
}

// isXML reports whether a Content-Type is application/xml or text/xml.
func isXML(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/xml" || mt == "text/xml")
}
