package fhir

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
)

// maxStatusAttempts bounds the read-merge-write loop of UpdateStatus under contention.
const maxStatusAttempts = 5

// statusCodes are the R4 status value sets of the resources whose status the engine sets;
// a typo fails here instead of corrupting the EHR record.
var statusCodes = map[string][]string{
	"Appointment": {"proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow",
		"entered-in-error", "checked-in", "waitlist"},
	"Encounter": {"planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled",
		"entered-in-error", "unknown"},
	"DiagnosticReport": {"registered", "partial", "preliminary", "final", "amended", "corrected",
		"appended", "cancelled", "entered-in-error", "unknown"},
	"Observation": {"registered", "preliminary", "final", "amended", "corrected", "cancelled",
		"entered-in-error", "unknown"},
	"MedicationRequest": {"active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped",
		"draft", "unknown"},
}

// validStatus reports whether status belongs to resourceType's value set; types outside
// statusCodes are not checked.
func validStatus(resourceType, status string) bool {
	codes, known := statusCodes[resourceType]
	if !known {
		return status != ""
	}
	for _, c := range codes {
		if c == status {
			return true
		}
	}
	return false
}

// UpdateStatus sets the resource's status and keeps every other field as the server has
// it, including fields this package does not model. The write is conditional on the
// version just read (If-Match); when another writer got in between (412) it reads again
// and re-applies the change, up to five attempts. A resource already in the status is
// returned unchanged without a write, so a retried call is idempotent.
func (c *Client) UpdateStatus(ctx context.Context, resourceType, id, status string) (*Resource, error) {
	if err := checkTarget(resourceType, id, true); err != nil {
		return nil, err
	}
	if !validStatus(resourceType, status) {
		return nil, invalidArg("%s status is not in the R4 value set", resourceType)
	}
	var last *Error
	for attempt := 0; attempt < maxStatusAttempts; attempt++ {
		cur, err := c.Read(ctx, resourceType, id)
		if err != nil {
			return nil, err
		}
		body, changed, err := withStatus(cur.Raw, status)
		if err != nil {
			return nil, malformed("update", resourceType, http.StatusOK)
		}
		if !changed {
			return cur, nil
		}
		if cur.ETag == "" {
			// Without a version the write would be unconditional and could overwrite a
			// concurrent change; refuse rather than lose an update.
			return nil, invalidArg("%s has no version to update against", resourceType)
		}
		updated, err := c.Update(ctx, resourceType, id, body, cur.ETag)
		if err == nil {
			return updated, nil
		}
		if !errors.As(err, &last) || last.Status != http.StatusPreconditionFailed {
			return nil, err
		}
	}
	// Losing the race five times is contention, not a bad request: a later attempt (the
	// caller's retry policy) will likely win, so the exhausted error is retryable.
	exhausted := *last
	exhausted.Retryable = true
	return nil, &exhausted
}

// withStatus sets "status" in a raw resource. It decodes into a map with UseNumber so that
// unknown fields survive and decimals keep their exact text (7.10 stays 7.10).
func withStatus(raw json.RawMessage, status string) (json.RawMessage, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, false, err
	}
	if cur, _ := m["status"].(string); cur == status {
		return nil, false, nil
	}
	m["status"] = status
	out, err := json.Marshal(m)
	return out, true, err
}
