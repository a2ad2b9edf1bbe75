package twilio

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"

	twclient "github.com/twilio/twilio-go/client"
)

// maxErrorBody bounds how much of an error response is kept in memory.
const maxErrorBody = 64 << 10

// rebasedClient is the SDK's own client with one change: requests go to
// base instead of api.twilio.com. Wrapping BaseClient.SendRequest, the
// SDK's seam for custom transports, keeps the SDK's request building
// (form encoding, basic auth, User-Agent, error decoding) intact.
type rebasedClient struct {
	*twclient.Client
	base *url.URL
}

// SendRequest moves rawURL onto the configured base URL and sends it.
func (r *rebasedClient) SendRequest(method, rawURL string, data url.Values,
	headers map[string]interface{}, body ...byte) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	u.Scheme, u.Host, u.User = r.base.Scheme, r.base.Host, nil
	u.Path, u.RawPath = r.base.Path+u.Path, ""
	return r.Client.SendRequest(method, u.String(), data, headers, body...)
}

// exchange records what the server answered during one API call, so that
// classify can tell an HTTP failure the SDK could not decode from a
// network failure.
type exchange struct {
	status int
}

// callTransport sends one call's requests under the caller's context.
type callTransport struct {
	ctx  context.Context
	next http.RoundTripper
	ex   *exchange
}

// RoundTrip sends r with the call's context and records the status. The
// SDK builds requests with context.Background and nothing else to merge,
// so replacing the context loses no deadline.
func (t *callTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(r.WithContext(t.ctx))
	if err != nil {
		return nil, err
	}
	t.ex.status = resp.StatusCode
	if resp.StatusCode >= http.StatusBadRequest {
		// The SDK decodes error bodies but never closes them; reading the
		// body here and closing it returns the connection to the pool.
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
	}
	return resp, nil
}
