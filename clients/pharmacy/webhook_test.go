package pharmacy_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/careflow/engine/clients/pharmacy"
	"github.com/stretchr/testify/require"
)

func TestVerifyWebhook(t *testing.T) {
	secret := []byte("whsec-test")
	body := []byte("<Message/>")
	now := time.Unix(1_800_000_000, 0)
	signed := func(at time.Time) http.Header {
		req, _ := http.NewRequest(http.MethodPost, "http://x/webhooks/pharmacy", nil)
		pharmacy.SignRequest(req, secret, body, at)
		return req.Header
	}
	require.NoError(t, pharmacy.VerifyWebhook(secret, signed(now), body, now))
	require.NoError(t, pharmacy.VerifyWebhook(secret, signed(now.Add(-4*time.Minute)), body, now))

	require.ErrorIs(t, pharmacy.VerifyWebhook(secret, signed(now.Add(-6*time.Minute)), body, now), pharmacy.ErrTimestampExpired)
	require.ErrorIs(t, pharmacy.VerifyWebhook(secret, signed(now.Add(6*time.Minute)), body, now), pharmacy.ErrTimestampExpired)
	require.ErrorIs(t, pharmacy.VerifyWebhook([]byte("other"), signed(now), body, now), pharmacy.ErrSignatureMismatch)
	require.ErrorIs(t, pharmacy.VerifyWebhook(secret, signed(now), []byte("<Message />"), now), pharmacy.ErrSignatureMismatch)
	require.ErrorIs(t, pharmacy.VerifyWebhook(secret, http.Header{}, body, now), pharmacy.ErrSignatureMissing)

	// A refreshed timestamp on a replayed body does not verify: the
	// timestamp is inside the MAC.
	h := signed(now.Add(-time.Hour))
	h.Set(pharmacy.TimestampHeader, strconv.FormatInt(now.Unix(), 10))
	require.ErrorIs(t, pharmacy.VerifyWebhook(secret, h, body, now), pharmacy.ErrSignatureMismatch)

	h = signed(now)
	h.Set(pharmacy.TimestampHeader, "yesterday")
	require.ErrorIs(t, pharmacy.VerifyWebhook(secret, h, body, now), pharmacy.ErrTimestampInvalid)
}
