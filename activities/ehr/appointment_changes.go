package ehr

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/careflow/engine/internal/audit"
)

// ListAppointmentChangesName is the registered name of ListEHRAppointmentChanges.
const ListAppointmentChangesName = "ListEHRAppointmentChanges"

// DefaultChangesLimit bounds one ListEHRAppointmentChanges answer when Limit is 0.
const DefaultChangesLimit = 200

// ListChangesInput asks for the Appointments whose meta.lastUpdated is at or after Since,
// oldest first, at most Limit of them.
type ListChangesInput struct {
	Since time.Time `json:"since"`
	Limit int       `json:"limit,omitempty"`
}

// AppointmentChange is one changed Appointment: enough to classify the change (echo, stale)
// without its content, which the entity workflow reads itself.
type AppointmentChange struct {
	ID        string    `json:"id"`
	Version   string    `json:"version"`
	UpdatedAt time.Time `json:"updatedAt"`
	Marked    bool      `json:"marked"`
}

// ListChangesResult is one slice of the EHR's change feed. More says the slice was full:
// ask again from the last UpdatedAt (the overlap costs nothing, workflows ignore versions
// they merged).
type ListChangesResult struct {
	Changes []AppointmentChange `json:"changes"`
	More    bool                `json:"more,omitempty"`
	// Unusable counts Appointments that did not decode (left out; a read would fail too).
	Unusable int `json:"unusable,omitempty"`
}

// ListEHRAppointmentChanges searches Appointment?_lastUpdated=ge<since>&_sort=_lastUpdated
// (FHIR R4 date search). The client follows the server's next links, so a paging server
// gives everything; the answer is cut at Limit oldest-first, which keeps it small and the
// caller's watermark exact.
func (a *AppointmentSync) ListEHRAppointmentChanges(ctx context.Context, in ListChangesInput) (ListChangesResult, error) {
	if err := a.Limit.Take(ctx); err != nil {
		return ListChangesResult{}, err
	}
	limit := in.Limit
	if limit <= 0 {
		limit = DefaultChangesLimit
	}
	q := url.Values{
		"_lastUpdated": {"ge" + in.Since.UTC().Format(time.RFC3339Nano)},
		"_sort":        {"_lastUpdated"},
		"_count":       {strconv.Itoa(limit)},
	}
	ex := audit.Begin(ctx, a.Records, a.Now, "fhir.list-appointment-changes", "ehr", "Appointment")
	found, err := a.FHIR.Search(ctx, "Appointment", q)
	ex.Finish(outcomeOf(err))
	if err != nil {
		return ListChangesResult{}, classify(err)
	}
	out := ListChangesResult{Changes: []AppointmentChange{}, More: len(found) >= limit}
	for _, r := range found {
		if len(out.Changes) == limit {
			break
		}
		s, err := SyncFromRaw(r.Raw)
		if err != nil {
			out.Unusable++
			continue
		}
		if s.Version == "" {
			s.Version = r.VersionID
		}
		out.Changes = append(out.Changes, AppointmentChange{ID: s.ID, Version: s.Version, UpdatedAt: s.UpdatedAt, Marked: s.Marked})
	}
	return out, nil
}
