package fhir

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// defaultMaxPages bounds how many searchset pages Search follows, so a server whose next
// links loop cannot keep an activity busy forever.
const defaultMaxPages = 50

// Read fetches resourceType/id. A missing or deleted resource is an error for which
// IsNotFound is true.
func (c *Client) Read(ctx context.Context, resourceType, id string) (*Resource, error) {
	if err := checkTarget(resourceType, id, true); err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, request{op: "read", resourceType: resourceType, method: http.MethodGet,
		url: c.resourceURL(resourceType, id, nil)})
	if err != nil {
		return nil, err
	}
	r, err := newResource(resp.body, resp.header.Get("ETag"))
	if err != nil || r.Type != resourceType {
		return nil, malformed("read", resourceType, resp.status)
	}
	return r, nil
}

// Search runs a type-level search and returns the matching resources of every page
// (entries with search mode "include" or "outcome" are left out).
func (c *Client) Search(ctx context.Context, resourceType string, q url.Values) ([]*Resource, error) {
	res, err := c.SearchIncluding(ctx, resourceType, q)
	return res.Matches, err
}

// SearchResult is what a search found: the matches, and the resources the server added to the
// searchset for _include (search mode "include").
type SearchResult struct {
	Matches  []*Resource
	Included []*Resource
}

// Include returns the included resource resourceType/id, nil when the server did not include
// it: servers MAY ignore _include, so a caller reads what it needs and is not here.
func (r SearchResult) Include(resourceType, id string) *Resource {
	for _, inc := range r.Included {
		if inc.Type == resourceType && inc.ID == id {
			return inc
		}
	}
	return nil
}

// SearchIncluding runs a type-level search like Search and also returns the resources the
// server included. An entry without a search mode is a match when it is of resourceType and an
// include otherwise (a searchset's matches are of the searched type); "outcome" entries are
// left out.
func (c *Client) SearchIncluding(ctx context.Context, resourceType string, q url.Values) (SearchResult, error) {
	var out SearchResult
	if err := checkTarget(resourceType, "", false); err != nil {
		return out, err
	}
	next := c.resourceURL(resourceType, "", q)
	for page := 0; next != ""; page++ {
		if page == c.maxPages {
			return SearchResult{}, &Error{Op: "search", ResourceType: resourceType, Code: "too-many-pages"}
		}
		resp, err := c.do(ctx, request{op: "search", resourceType: resourceType, method: http.MethodGet, url: next})
		if err != nil {
			return SearchResult{}, err
		}
		var b Bundle
		if err := json.Unmarshal(resp.body, &b); err != nil || b.ResourceType != "Bundle" || b.Type != "searchset" {
			return SearchResult{}, malformed("search", resourceType, resp.status)
		}
		for _, e := range b.Entry {
			mode := ""
			if e.Search != nil {
				mode = e.Search.Mode
			}
			if mode != "" && mode != "match" && mode != "include" {
				continue
			}
			etag := ""
			if e.Response != nil {
				etag = e.Response.Etag
			}
			r, err := newResource(e.Resource, etag)
			if err != nil {
				return SearchResult{}, malformed("search", resourceType, resp.status)
			}
			switch {
			case mode == "match" || (mode == "" && r.Type == resourceType):
				out.Matches = append(out.Matches, r)
			case r.Type != "OperationOutcome":
				out.Included = append(out.Included, r)
			}
		}
		if next, err = c.nextPage(resourceType, b); err != nil {
			return SearchResult{}, err
		}
	}
	return out, nil
}

// nextPage returns the Bundle's "next" link, or "" on the last page. The link must point at
// the FHIR server itself: following it sends the bearer token there.
func (c *Client) nextPage(resourceType string, b Bundle) (string, error) {
	for _, l := range b.Link {
		if l.Relation != "next" {
			continue
		}
		u, err := url.Parse(l.URL)
		if err != nil {
			return "", malformed("search", resourceType, 0)
		}
		if !u.IsAbs() {
			u = c.base.ResolveReference(u)
		}
		if u.Scheme != c.base.Scheme || u.Host != c.base.Host {
			return "", &Error{Op: "search", ResourceType: resourceType, Code: "foreign-next-link"}
		}
		return u.String(), nil
	}
	return "", nil
}

// Create POSTs a new resource. body is a model, a map, json.RawMessage or []byte. A
// non-empty ifNoneExist (a search query such as "identifier=urn:x|42") makes the create
// conditional: when a match exists the server returns it instead of creating a duplicate,
// which makes a retried create idempotent. Resource.Created tells the two apart.
func (c *Client) Create(ctx context.Context, resourceType string, body any, ifNoneExist string) (*Resource, error) {
	if err := checkTarget(resourceType, "", false); err != nil {
		return nil, err
	}
	data, err := marshalBody(resourceType, body)
	if err != nil {
		return nil, err
	}
	h := http.Header{"Prefer": {"return=representation"}}
	if ifNoneExist != "" {
		h.Set("If-None-Exist", strings.TrimPrefix(ifNoneExist, "?"))
	}
	resp, err := c.do(ctx, request{op: "create", resourceType: resourceType, method: http.MethodPost,
		url: c.resourceURL(resourceType, "", nil), body: data, header: h})
	if err != nil {
		return nil, err
	}
	r, err := writeResult("create", resourceType, "", resp)
	if err != nil {
		return nil, err
	}
	r.Created = resp.status == http.StatusCreated
	return r, nil
}

// Update PUTs body as the new content of resourceType/id. A non-empty ifMatch (an ETag
// such as W/"3") makes the update conditional: a server holding another version answers
// 412, and no concurrent change is overwritten.
func (c *Client) Update(ctx context.Context, resourceType, id string, body json.RawMessage, ifMatch string) (*Resource, error) {
	if err := checkTarget(resourceType, id, true); err != nil {
		return nil, err
	}
	data, err := marshalBody(resourceType, body)
	if err != nil {
		return nil, err
	}
	h := http.Header{"Prefer": {"return=representation"}}
	if ifMatch != "" {
		h.Set("If-Match", ifMatch)
	}
	resp, err := c.do(ctx, request{op: "update", resourceType: resourceType, method: http.MethodPut,
		url: c.resourceURL(resourceType, id, nil), body: data, header: h})
	if err != nil {
		return nil, err
	}
	r, err := writeResult("update", resourceType, id, resp)
	if err != nil {
		return nil, err
	}
	// Servers that allow update-as-create answer 201 for an id they did not have.
	r.Created = resp.status == http.StatusCreated
	return r, nil
}

// marshalBody encodes body and checks that it is a JSON object of resourceType, so a
// mix-up fails here as a permanent error instead of at the server.
func marshalBody(resourceType string, body any) ([]byte, error) {
	var data []byte
	switch b := body.(type) {
	case json.RawMessage:
		data = b
	case []byte:
		data = b
	default:
		var err error
		if data, err = json.Marshal(body); err != nil {
			return nil, invalidArg("%s body does not encode as JSON", resourceType)
		}
	}
	var h resourceHeader
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, invalidArg("%s body is not a JSON object", resourceType)
	}
	if h.ResourceType != resourceType {
		return nil, invalidArg("body resourceType %q, want %s", h.ResourceType, resourceType)
	}
	return data, nil
}

// writeResult reads the outcome of a create or update. Servers that ignore
// Prefer: return=representation send no body; then the Location and ETag headers give the
// identity and version (id is the known id of an update), and Raw stays empty.
func writeResult(op, resourceType, id string, resp *response) (*Resource, error) {
	etag := resp.header.Get("ETag")
	if len(strings.TrimSpace(string(resp.body))) > 0 {
		r, err := newResource(resp.body, etag)
		if err == nil && r.Type == resourceType {
			return r, nil
		}
		// An OperationOutcome body on success carries only warnings; fall back to headers.
		var h resourceHeader
		if json.Unmarshal(resp.body, &h) != nil || h.ResourceType != "OperationOutcome" {
			return nil, malformed(op, resourceType, resp.status)
		}
	}
	r := &Resource{Type: resourceType, ID: id}
	if loc := resp.header.Get("Location"); loc != "" {
		if typ, locID, ok := (Reference{Reference: loc}).Target(); ok && typ == resourceType {
			r.ID = locID
			if i := strings.Index(loc, "/_history/"); i >= 0 {
				r.VersionID = strings.Trim(loc[i+len("/_history/"):], "/")
			}
		}
	}
	if r.ID == "" {
		return nil, malformed(op, resourceType, resp.status)
	}
	r.setVersion(etag)
	return r, nil
}
