package notify_test

import (
	"testing"

	"github.com/careflow/engine/activities/notify"
	"github.com/careflow/engine/internal/wftest"
)

// TestNamesAreRegistered checks every exported activity name resolves to a method a worker registers.
func TestNamesAreRegistered(t *testing.T) {
	wftest.RequireRegistered(t, &notify.Activities{}, notify.ResolveRecipientName, notify.ReserveSlotName)
}
