package ehrsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// criterion is one search parameter's test on a stored resource.
type criterion func(data map[string]any) bool

// refParams maps reference search parameters to the element paths they
// search and the resource type a bare id refers to ("" means any).
var refParams = map[string]struct {
	paths  []string
	target string
}{
	"patient":     {[]string{"patient", "subject", "beneficiary", "participant.actor"}, "Patient"},
	"subject":     {[]string{"subject"}, ""},
	"beneficiary": {[]string{"beneficiary"}, ""},
	"actor":       {[]string{"participant.actor"}, ""},
	"encounter":   {[]string{"encounter"}, "Encounter"},
	"based-on":    {[]string{"basedOn"}, ""},
	"payor":       {[]string{"payor"}, ""},
	"subscriber":  {[]string{"subscriber"}, ""},
}

// ignoredParams are result parameters that change nothing in a JSON-only
// simulator.
var ignoredParams = map[string]bool{"_format": true, "_pretty": true}

// match is one search hit.
type match struct {
	id  string
	rec *record
}

// search serves GET [base]/{type}?params with a searchset Bundle.
// Unsupported parameters are refused (400) rather than ignored, so a
// client bug that would return every resource shows up at once.
func (s *Sim) search(w http.ResponseWriter, r *http.Request, c *fhirCall) {
	q := r.URL.Query()
	count := -1
	sortBy := ""
	var includes []include
	criteriaQ := url.Values{}
	for name, vals := range q {
		switch {
		case name == "_count":
			n, err := strconv.Atoi(vals[len(vals)-1])
			if err != nil || n < 0 {
				writeOutcome(w, http.StatusBadRequest, codeInvalid, "_count must be a non-negative integer")
				return
			}
			count = n
		case name == "_include":
			for _, v := range vals {
				inc, err := parseInclude(c.typ, v)
				if err != nil {
					writeOutcome(w, http.StatusBadRequest, codeNotSupported, err.Error())
					return
				}
				includes = append(includes, inc)
			}
		case name == "_sort":
			// Only _lastUpdated (oldest first) and -_lastUpdated; the default order is by id.
			switch v := vals[len(vals)-1]; v {
			case "_lastUpdated", "-_lastUpdated":
				sortBy = v
			default:
				writeOutcome(w, http.StatusBadRequest, codeNotSupported, "_sort supports _lastUpdated and -_lastUpdated only")
				return
			}
		case ignoredParams[name]:
		default:
			criteriaQ[name] = vals
		}
	}
	crit, err := parseCriteria(c.typ, criteriaQ)
	if err != nil {
		writeOutcome(w, http.StatusBadRequest, codeNotSupported, err.Error())
		return
	}

	s.mu.Lock()
	found := s.matchAll(c.typ, crit)
	if sortBy != "" {
		slices.SortStableFunc(found, func(a, b match) int {
			if sortBy[0] == '-' {
				a, b = b, a
			}
			return lastUpdatedOf(a).Compare(lastUpdatedOf(b))
		})
	}
	total := len(found)
	if count >= 0 && count < len(found) {
		found = found[:count]
	}
	b := &bundle{ResourceType: "Bundle", ID: newID(), Type: "searchset", Total: total}
	base := fhirBase(r)
	self := base + "/" + c.typ
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	b.Meta.LastUpdated = s.now().UTC().Format("2006-01-02T15:04:05.000Z07:00")
	b.Link = []bundleLink{{Relation: "self", URL: self}}
	seen := map[string]bool{}
	for _, m := range found {
		key := c.typ + "/" + m.id
		seen[key] = true
		b.Entry = append(b.Entry, bundleEntry{FullURL: base + "/" + key,
			Resource: m.rec.current().body, Search: entrySearch{Mode: "match"}})
	}
	for _, m := range found {
		for _, in := range includes {
			for _, ref := range refsAt(m.rec.current().data, in.paths) {
				typ, id, ok := splitRef(ref)
				// The token must allow reading what is included, as a real server
				// leaves out what the client may not see.
				if !ok || seen[typ+"/"+id] || (in.target != "" && typ != in.target) || !c.tok.permits(typ, permRead) {
					continue
				}
				if inc := s.lookup(typ, id); inc != nil {
					seen[typ+"/"+id] = true
					b.Entry = append(b.Entry, bundleEntry{FullURL: base + "/" + typ + "/" + id,
						Resource: inc.current().body, Search: entrySearch{Mode: "include"}})
				}
			}
		}
	}
	s.counts.Searches++
	s.counts.SearchesByType[c.typ]++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, fhirContentType, b)
}

// bundle is a searchset Bundle; entries embed stored bodies verbatim.
type bundle struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		LastUpdated string `json:"lastUpdated"`
	} `json:"meta"`
	Type  string        `json:"type"`
	Total int           `json:"total"`
	Link  []bundleLink  `json:"link"`
	Entry []bundleEntry `json:"entry,omitempty"`
}

type bundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

type bundleEntry struct {
	FullURL  string          `json:"fullUrl"`
	Resource json.RawMessage `json:"resource"`
	Search   entrySearch     `json:"search"`
}

type entrySearch struct {
	Mode string `json:"mode"`
}

// parseCriteria turns search parameters into tests. Repeated parameters
// must all match (AND); comma-separated values within one are OR.
func parseCriteria(typ string, q url.Values) ([]criterion, error) {
	var out []criterion
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, raw := range q[name] {
			alts := strings.Split(raw, ",")
			var c criterion
			switch name {
			case "_lastUpdated":
				if len(alts) > 1 {
					return nil, fmt.Errorf("_lastUpdated takes one value; repeat the parameter for a range")
				}
				lc, err := lastUpdatedCriterion(raw)
				if err != nil {
					return nil, err
				}
				c = lc
			case "_id":
				c = func(d map[string]any) bool { return slices.Contains(alts, str(d["id"])) }
			case "identifier":
				c = func(d map[string]any) bool { return anyAlt(alts, d, matchIdentifier) }
			case "status":
				c = func(d map[string]any) bool {
					return anyAlt(alts, d, func(d map[string]any, v string) bool {
						_, code, found := strings.Cut(v, "|")
						if !found {
							code = v
						}
						return str(d["status"]) == code
					})
				}
			default:
				rp, ok := refParams[name]
				if !ok {
					return nil, fmt.Errorf("search parameter %q is not supported for %s", name, typ)
				}
				c = func(d map[string]any) bool {
					return anyAlt(alts, d, func(d map[string]any, v string) bool {
						return matchRef(d, rp.paths, rp.target, v)
					})
				}
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// anyAlt reports whether test holds for any alternative value.
func anyAlt(alts []string, d map[string]any, test func(map[string]any, string) bool) bool {
	for _, a := range alts {
		if test(d, a) {
			return true
		}
	}
	return false
}

// matchIdentifier applies FHIR token search to the identifier element:
// "system|value", "|value" (no system), "system|" (any value) or "value".
func matchIdentifier(d map[string]any, v string) bool {
	sys, val, hasSys := strings.Cut(v, "|")
	if !hasSys {
		sys, val = "", v
	}
	for _, x := range valuesAt(d, "identifier") {
		id, _ := x.(map[string]any)
		if id == nil {
			continue
		}
		is, iv := str(id["system"]), str(id["value"])
		switch {
		case !hasSys && iv == val:
			return true
		case hasSys && sys == "" && is == "" && iv == val:
			return true
		case hasSys && sys != "" && is == sys && (val == "" || iv == val):
			return true
		}
	}
	return false
}

// matchRef reports whether a Reference at one of paths points at v: a bare
// id (of type target, or any type), "Type/id" or an absolute URL.
func matchRef(d map[string]any, paths []string, target, v string) bool {
	wantType, wantID, ok := splitRef(v)
	if !ok {
		wantType, wantID = target, v
	}
	for _, ref := range refsAt(d, paths) {
		t, id, ok := splitRef(ref)
		if ok && id == wantID && (wantType == "" || t == wantType) {
			return true
		}
	}
	return false
}

// refsAt returns the reference strings of the Reference elements at paths.
func refsAt(d map[string]any, paths []string) []string {
	var out []string
	for _, p := range paths {
		for _, x := range valuesAt(d, p) {
			if m, ok := x.(map[string]any); ok {
				if ref := str(m["reference"]); ref != "" {
					out = append(out, ref)
				}
			}
		}
	}
	return out
}

// splitRef splits "Type/id", ".../Type/id" or ".../Type/id/_history/n".
func splitRef(ref string) (typ, id string, ok bool) {
	parts := strings.Split(ref, "/")
	if n := len(parts); n >= 4 && parts[n-2] == "_history" {
		parts = parts[:n-2]
	}
	n := len(parts)
	if n < 2 || !validType(parts[n-2]) || !validID(parts[n-1]) {
		return "", "", false
	}
	return parts[n-2], parts[n-1], true
}

// valuesAt collects the values at a dotted element path, flattening arrays
// at every step.
func valuesAt(d any, path string) []any {
	cur := []any{d}
	for _, step := range strings.Split(path, ".") {
		var next []any
		for _, x := range cur {
			m, ok := x.(map[string]any)
			if !ok {
				continue
			}
			switch v := m[step].(type) {
			case nil:
			case []any:
				next = append(next, v...)
			default:
				next = append(next, v)
			}
		}
		cur = next
	}
	return cur
}

// include is one _include: the element paths of a reference search parameter and the
// resource type it includes ("" for any).
type include struct {
	paths  []string
	target string
}

// parseInclude resolves an _include value "Type:param" or "Type:param:TargetType". A
// parameter that targets one type (patient) includes only that type, as FHIR's
// Appointment:patient includes the Patient participant and not the practitioners.
func parseInclude(typ, v string) (include, error) {
	parts := strings.Split(v, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] != typ {
		return include{}, fmt.Errorf("_include must be %s:<reference parameter>", typ)
	}
	rp, ok := refParams[parts[1]]
	if !ok {
		return include{}, fmt.Errorf("_include parameter %q is not supported", parts[1])
	}
	in := include{paths: rp.paths, target: rp.target}
	if len(parts) == 3 {
		if !validType(parts[2]) || (in.target != "" && parts[2] != in.target) {
			return include{}, fmt.Errorf("_include target type %q does not fit %s", parts[2], parts[1])
		}
		in.target = parts[2]
	}
	return in, nil
}

// matchAll returns the resources of typ passing every criterion, ordered
// by id for stable answers. Callers hold s.mu.
func (s *Sim) matchAll(typ string, crit []criterion) []match {
	var out []match
	for id, rec := range s.store[typ] {
		d := rec.current().data
		ok := true
		for _, c := range crit {
			if !c(d) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, match{id: id, rec: rec})
		}
	}
	slices.SortFunc(out, func(a, b match) int { return strings.Compare(a.id, b.id) })
	return out
}

// str returns v if it is a string, else "".
func str(v any) string {
	s, _ := v.(string)
	return s
}

// readBody reads a bounded request body.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
}
