package fhir

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
)

const (
	// fhirJSON is the FHIR R4 JSON media type for Accept and Content-Type.
	fhirJSON = "application/fhir+json"
	// maxResponseBody bounds a response read into memory; a searchset page of a few
	// hundred resources is far below it.
	maxResponseBody = 32 << 20
)

// request is one FHIR interaction; body is kept as bytes so a 401 retry can resend it.
type request struct {
	op           string
	resourceType string
	method       string
	url          string
	body         []byte
	header       http.Header
}

// response is a successful (2xx) FHIR response.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends req with a bearer token. On a 401 it drops that token, fetches a new one and
// sends the request once more: the token may have been revoked or expired early.
func (c *Client) do(ctx context.Context, req request) (*response, error) {
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, req, tok)
	var fe *Error
	if !errors.As(err, &fe) || fe.Status != http.StatusUnauthorized {
		return resp, err
	}
	c.tokens.Invalidate(tok)
	if tok, err = c.tokens.Token(ctx); err != nil {
		return nil, err
	}
	return c.send(ctx, req, tok)
}

// send performs one HTTP exchange and turns any non-2xx answer into an *Error.
func (c *Client) send(ctx context.Context, req request, token string) (*response, error) {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, req.url, body)
	if err != nil {
		return nil, invalidArg("%s request", req.op)
	}
	for k, v := range req.header {
		hreq.Header[k] = v
	}
	hreq.Header.Set("Accept", fhirJSON)
	hreq.Header.Set("Authorization", "Bearer "+token)
	if req.body != nil {
		hreq.Header.Set("Content-Type", fhirJSON)
	}
	hresp, err := c.http.Do(hreq)
	if err != nil {
		return nil, transportError(req.op, req.resourceType, err)
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, maxResponseBody+1))
	if err != nil {
		return nil, transportError(req.op, req.resourceType, err)
	}
	if len(data) > maxResponseBody {
		return nil, &Error{Op: req.op, ResourceType: req.resourceType, Status: hresp.StatusCode, Code: "too-large"}
	}
	if hresp.StatusCode/100 != 2 {
		return nil, responseError(req.op, req.resourceType, hresp, data, c.now())
	}
	return &response{status: hresp.StatusCode, header: hresp.Header, body: data}, nil
}

// resourceURL builds [base]/type[/id] with path escaping (ids are validated already).
func (c *Client) resourceURL(resourceType, id string, q url.Values) string {
	u := *c.base
	u.Path = c.base.Path + "/" + resourceType
	if id != "" {
		u.Path += "/" + id
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// malformed is the error for a 2xx response whose body is not the expected FHIR JSON. It
// is permanent: a server that answers success with garbage will not improve on retry, and
// a write it reports as done must not be repeated blindly.
func malformed(op, resourceType string, status int) error {
	return &Error{Op: op, ResourceType: resourceType, Status: status, Code: "malformed"}
}
