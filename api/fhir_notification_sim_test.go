package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/careflow/engine/api"
	"github.com/careflow/engine/internal/sim/ehrsim"
	"github.com/careflow/engine/workflows/appointments"
)

// TestSimulatorNotificationsParse: the EHR simulator's subscription notifications, in each
// shape (Medplum resource, Backport id-only and full-resource Bundles), carry a valid
// X-Signature and parse into the change signals the engine expects, with event numbers.
func TestSimulatorNotificationsParse(t *testing.T) {
	secret := []byte("sim-secret")
	var mu sync.Mutex
	var got []appointments.ChangeSignal
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get(api.FHIRSignatureHeader) != api.SignFHIRNotification(secret, body) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		cs, err := api.ParseFHIRNotification(body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, cs...)
		mu.Unlock()
	}))
	t.Cleanup(recv.Close)
	srv, err := ehrsim.Start(ehrsim.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	require.NoError(t, srv.Sim.Seed(ehrsim.DefaultSeed()...))
	srv.Sim.Subscribe(ehrsim.Subscription{URL: recv.URL, Secret: secret, ID: "appts",
		Shapes: []string{ehrsim.ShapeResource, ehrsim.ShapeIDOnly, ehrsim.ShapeFullResource}})
	for _, note := range []string{"one", "two", "three"} {
		r, ok := srv.Sim.Resource("Appointment", "appt-1001")
		require.True(t, ok)
		r["comment"] = note
		b, err := json.Marshal(r)
		require.NoError(t, err)
		require.NoError(t, srv.Sim.Put("Appointment", "appt-1001", b))
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		mu.Lock()
		defer mu.Unlock()
		assert.Len(c, got, 3)
	}, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, "fhir:appt-1001/_history/2", got[0].EventID, "Medplum shape: the resource's version")
	assert.Equal(t, "2", got[0].Version)
	assert.Equal(t, "fhir-event:Subscription/appts#1", got[1].EventID, "Backport: event numbers")
	assert.Empty(t, got[1].Version, "id-only: the workflow reads the resource")
	assert.Equal(t, "fhir-event:Subscription/appts#2", got[2].EventID)
	assert.Equal(t, "4", got[2].Version, "full-resource Bundle carries the version")
	for _, c := range got {
		assert.Equal(t, appointments.SourceEHR, c.Source)
		assert.Equal(t, "appt-1001", c.ID)
	}
	sent, stats := srv.Sim.Notifications()
	assert.Len(t, sent, 3)
	assert.Equal(t, 3, stats.Delivered)
	assert.Zero(t, stats.Failed)

	// A change while the subscription is ended is never notified (a lost webhook); the
	// next one after it is.
	srv.Sim.Subscribe(ehrsim.Subscription{})
	edit := func(note string) {
		r, _ := srv.Sim.Resource("Appointment", "appt-1001")
		r["comment"] = note
		b, err := json.Marshal(r)
		require.NoError(t, err)
		require.NoError(t, srv.Sim.Put("Appointment", "appt-1001", b))
	}
	edit("lost")
	srv.Sim.Subscribe(ehrsim.Subscription{URL: recv.URL, Secret: secret})
	edit("seen")
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		mu.Lock()
		defer mu.Unlock()
		assert.Len(c, got, 4)
	}, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, "6", got[3].Version, "version 5 was changed while unsubscribed")
}
