package pms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds answers read from the PMS.
const maxBody = 4 << 20

// Client calls one PMS; it is safe for concurrent use.
type Client struct {
	base *url.URL
	hc   *http.Client
}

// New returns a client for the PMS at baseURL (PMS_BASE_URL) using hc,
// which the caller configures (timeouts, transport); hc must not be nil.
func New(baseURL string, hc *http.Client) (*Client, error) {
	if hc == nil {
		return nil, errors.New("pms: an *http.Client is required")
	}
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("pms: base URL must be an absolute http(s) URL")
	}
	return &Client{base: u, hc: hc}, nil
}

// ListOptions selects a page of changes.
type ListOptions struct {
	// UpdatedSince is the inclusive watermark; zero lists everything.
	UpdatedSince time.Time
	// Cursor continues from a previous Page.NextCursor.
	Cursor string
	// Limit bounds the page size; 0 lets the PMS choose.
	Limit int
}

// List returns one page of appointments changed since opts.UpdatedSince.
func (c *Client) List(ctx context.Context, opts ListOptions) (Page, error) {
	q := url.Values{}
	if !opts.UpdatedSince.IsZero() {
		q.Set("updatedSince", opts.UpdatedSince.UTC().Format(time.RFC3339Nano))
	}
	if opts.Cursor != "" {
		q.Set("cursor", opts.Cursor)
	}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	var p Page
	err := c.do(ctx, "list", http.MethodGet, "/appointments", q, nil, nil, http.StatusOK, &p)
	return p, err
}

// Get reads one appointment.
func (c *Client) Get(ctx context.Context, id string) (Appointment, error) {
	var a Appointment
	err := c.do(ctx, "get", http.MethodGet, "/appointments/"+url.PathEscape(id), nil, nil, nil, http.StatusOK, &a)
	return a, err
}

// Update writes a, conditional on a.Version (If-Match), marked with
// EngineWriter; it returns the stored appointment with its new version,
// or an Error of class ErrConflict when a.Version is stale.
func (c *Client) Update(ctx context.Context, a Appointment) (Appointment, error) {
	if a.AppointmentID == "" {
		return Appointment{}, &Error{Op: "update", Class: ErrPermanent, err: errors.New("appointmentId is required")}
	}
	if err := a.Validate(); err != nil {
		return Appointment{}, &Error{Op: "update", Class: ErrPermanent, err: err}
	}
	a.UpdatedBy = EngineWriter
	h := http.Header{"If-Match": {strconv.Itoa(a.Version)}}
	var out Appointment
	err := c.do(ctx, "update", http.MethodPut, "/appointments/"+url.PathEscape(a.AppointmentID), nil, h, a, http.StatusOK, &out)
	return out, err
}

// Create stores a new appointment marked with EngineWriter; the PMS
// assigns AppointmentID when a leaves it empty.
func (c *Client) Create(ctx context.Context, a Appointment) (Appointment, error) {
	if err := a.Validate(); err != nil {
		return Appointment{}, &Error{Op: "create", Class: ErrPermanent, err: err}
	}
	a.UpdatedBy = EngineWriter
	var out Appointment
	err := c.do(ctx, "create", http.MethodPost, "/appointments", nil, nil, a, http.StatusCreated, &out)
	return out, err
}

// do sends one request and decodes a want-status answer into out.
func (c *Client) do(ctx context.Context, op, method, path string, q url.Values, h http.Header, in any, want int, out any) error {
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return &Error{Op: op, Class: ErrPermanent, err: err}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return &Error{Op: op, Class: ErrPermanent, err: err}
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		// Network failures and timeouts may succeed later; url.Error text
		// names the URL, which holds only ids, never PHI.
		return &Error{Op: op, Class: ErrTransient, err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return &Error{Op: op, HTTPStatus: resp.StatusCode, Class: ErrTransient, err: err}
	}
	if resp.StatusCode != want {
		e := &Error{Op: op, HTTPStatus: resp.StatusCode, Class: classify(resp.StatusCode)}
		if e.Class == ErrConflict {
			var cur struct {
				CurrentVersion int `json:"currentVersion"`
			}
			if json.Unmarshal(raw, &cur) == nil {
				e.CurrentVersion = cur.CurrentVersion
			}
		}
		return e
	}
	if err := json.Unmarshal(raw, out); err != nil {
		// An unreadable success of a read is worth a retry, and a
		// conditional write retried after one meets a 412 and re-reads; a
		// create retried would store the appointment twice, so it is not.
		class := ErrTransient
		if method == http.MethodPost {
			class = ErrPermanent
		}
		return &Error{Op: op, HTTPStatus: resp.StatusCode, Class: class, err: fmt.Errorf("unreadable answer")}
	}
	return nil
}
