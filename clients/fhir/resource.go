package fhir

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Resource is a FHIR resource as the server returned it: identity, version and the raw JSON
// (every field, including those the typed models do not know).
type Resource struct {
	Type      string
	ID        string
	VersionID string
	// ETag is the weak entity tag, W/"<versionId>", used for If-Match.
	ETag string
	// Created is true when a write made a new resource (201 Created), false when a
	// conditional create matched an existing one, and for reads and searches.
	Created bool
	Raw     json.RawMessage
}

// Decode unmarshals the resource into T (one of the package's models, or any struct or map).
// For the package's models it refuses a resource of another type.
func Decode[T any](r *Resource) (T, error) {
	var v T
	if r == nil || len(r.Raw) == 0 {
		return v, invalidArg("decode of an empty resource")
	}
	if t, ok := any(v).(interface{ fhirType() string }); ok && r.Type != t.fhirType() {
		return v, invalidArg("decode %s into %s", r.Type, t.fhirType())
	}
	if err := json.Unmarshal(r.Raw, &v); err != nil {
		// json errors name offsets and Go types, never values, so they are PHI-free.
		return v, fmt.Errorf("fhir: decode %s: %w", r.Type, err)
	}
	return v, nil
}

// resourceHeader is the identity part of any resource.
type resourceHeader struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		VersionID string `json:"versionId"`
	} `json:"meta"`
}

// newResource reads the identity of a raw resource and reconciles the version with etag.
func newResource(raw []byte, etag string) (*Resource, error) {
	var h resourceHeader
	if err := json.Unmarshal(raw, &h); err != nil || h.ResourceType == "" {
		return nil, fmt.Errorf("fhir: response is not a FHIR resource")
	}
	r := &Resource{Type: h.ResourceType, ID: h.ID, VersionID: h.Meta.VersionID, Raw: json.RawMessage(raw)}
	r.setVersion(etag)
	return r, nil
}

// setVersion fills VersionID and ETag from each other, so either one from the server is
// enough for a conditional update.
func (r *Resource) setVersion(etag string) {
	if etag != "" {
		r.ETag = etag
		if r.VersionID == "" {
			r.VersionID = versionFromETag(etag)
		}
	}
	if r.ETag == "" && r.VersionID != "" {
		r.ETag = weakETag(r.VersionID)
	}
}

// weakETag renders a versionId as the FHIR weak ETag W/"<versionId>".
func weakETag(versionID string) string { return `W/"` + versionID + `"` }

// versionFromETag extracts the versionId from W/"3" or "3".
func versionFromETag(etag string) string {
	return strings.Trim(strings.TrimPrefix(strings.TrimSpace(etag), "W/"), `"`)
}

var (
	// idPattern and typePattern guard URL paths: an id is [A-Za-z0-9\-\.]{1,64} in FHIR R4,
	// so nothing a caller passes can add path segments or a query.
	idPattern   = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)
	typePattern = regexp.MustCompile(`^[A-Z][A-Za-z]{1,63}$`)
)

func validID(id string) bool    { return idPattern.MatchString(id) }
func validType(typ string) bool { return typePattern.MatchString(typ) }

// checkTarget validates a resource type and, when non-empty, an id.
func checkTarget(resourceType, id string, needID bool) error {
	if !validType(resourceType) {
		return invalidArg("resource type is not a FHIR type name")
	}
	if needID && !validID(id) {
		return invalidArg("%s id is not a FHIR id", resourceType)
	}
	return nil
}
