package ehrsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// record is one resource's version history; the last version is current.
type record struct {
	versions []*version
}

// version is one stored version of a resource. Both fields are immutable
// once stored, so readers may use them after releasing Sim.mu.
type version struct {
	n       int
	updated time.Time
	body    []byte         // rendered FHIR JSON with id and meta set
	data    map[string]any // body parsed with json.Number, for search
}

// current returns the latest version.
func (rec *record) current() *version {
	return rec.versions[len(rec.versions)-1]
}

// etag is the weak entity tag FHIR servers derive from meta.versionId.
func (v *version) etag() string {
	return `W/"` + strconv.Itoa(v.n) + `"`
}

var (
	typePattern = regexp.MustCompile(`^[A-Z][A-Za-z]{1,63}$`)
	// idPattern is FHIR's id datatype.
	idPattern = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)
)

// validType reports whether s is shaped like a FHIR resource type name.
func validType(s string) bool { return typePattern.MatchString(s) }

// validID reports whether s is a legal FHIR logical id.
func validID(s string) bool { return idPattern.MatchString(s) }

// supportedTypes are the resource types the simulator serves; Put and Seed
// add any other type they are given.
var supportedTypes = []string{
	"Patient", "Coverage", "Organization", "Practitioner", "PractitionerRole", "Location",
	"Appointment", "Encounter", "DiagnosticReport", "Observation", "ServiceRequest",
	"Specimen", "MedicationRequest", "Medication", "Condition", "AllergyIntolerance", "MedicationDispense",
}

// normalize deep-copies v into plain JSON values (maps, slices, strings,
// json.Number, bools, nil), which keeps numbers such as 1.50 exactly as
// written and unknown elements untouched.
func normalize(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeObject(b)
}

// decodeObject parses one JSON object, refusing trailing data.
func decodeObject(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, errors.New("body is not a JSON object")
	}
	if m == nil {
		return nil, errors.New("body is not a JSON object")
	}
	if dec.More() {
		return nil, errors.New("body has data after the JSON object")
	}
	return m, nil
}

// renderResource encodes a resource with resourceType first, as FHIR's
// JSON examples do and streaming parsers prefer.
func renderResource(data map[string]any) ([]byte, error) {
	rest := make(map[string]any, len(data))
	for k, v := range data {
		if k != "resourceType" {
			rest[k] = v
		}
	}
	rt, err := json.Marshal(data["resourceType"])
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Narrative XHTML stays readable without \u003c escapes.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rest); err != nil {
		return nil, err
	}
	body := bytes.TrimRight(buf.Bytes(), "\n")
	out := make([]byte, 0, len(body)+len(rt)+16)
	out = append(out, `{"resourceType":`...)
	out = append(out, rt...)
	if len(body) > 2 {
		out = append(out, ',')
	}
	return append(out, body[1:]...), nil
}

// lookup returns the record of typ/id or nil. Callers hold s.mu.
func (s *Sim) lookup(typ, id string) *record {
	return s.store[typ][id]
}

// putVersion stores data as the next version of typ/id (version 1 of a new
// resource), setting id, meta.versionId and meta.lastUpdated and keeping
// every other element, including meta.profile and meta.tag. data must be
// a private copy. Callers hold s.mu.
func (s *Sim) putVersion(typ, id string, data map[string]any) (*version, error) {
	rec := s.lookup(typ, id)
	n := 1
	if rec != nil {
		n = rec.current().n + 1
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	// lastUpdated is rendered in milliseconds; a later version always
	// gets a strictly later one, even on a coarse or frozen clock.
	if rec != nil && !now.After(rec.current().updated) {
		now = rec.current().updated.Add(time.Millisecond)
	}
	meta, _ := data["meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	meta["versionId"] = strconv.Itoa(n)
	meta["lastUpdated"] = now.Format("2006-01-02T15:04:05.000Z07:00")
	data["meta"] = meta
	data["id"] = id
	data["resourceType"] = typ
	body, err := renderResource(data)
	if err != nil {
		return nil, fmt.Errorf("ehrsim: render %s/%s: %w", typ, id, err)
	}
	// Parsing the rendered body again gives search the exact stored form.
	parsed, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	v := &version{n: n, updated: now, body: body, data: parsed}
	if rec == nil {
		rec = &record{}
		if s.store[typ] == nil {
			s.store[typ] = map[string]*record{}
		}
		s.store[typ][id] = rec
	}
	rec.versions = append(rec.versions, v)
	return v, nil
}

// typeServed reports whether typ is a supported or seeded resource type.
// Callers hold s.mu.
func (s *Sim) typeServed(typ string) bool {
	if _, ok := s.store[typ]; ok {
		return true
	}
	for _, t := range supportedTypes {
		if t == typ {
			return true
		}
	}
	return false
}
