package notifications

import (
	"github.com/careflow/engine/internal/audit"
	"github.com/careflow/engine/workflows/opsattr"
)

// ops is what the notification publishes for operators: a patient who could not be notified
// on any channel may need a call from staff. The vendor follows the channel in use.
func (w *impl) ops() opsattr.Values {
	vendor := "twilio"
	if w.state.Channel == audit.ChannelEmail {
		vendor = "smtp"
	}
	return opsattr.Values{Status: w.state.Status, Vendor: vendor,
		NeedsAttention: w.state.Status == StatusNotNotified}
}
