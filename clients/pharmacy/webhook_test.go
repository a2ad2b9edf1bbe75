package pharmacy_test

import (
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/careflow/engine/clients/pharmacy"
	"github.com/careflow/engine/codecs/ncpdp"
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

func TestParseWebhook(t *testing.T) {
	secret := []byte("whsec-test")
	now := time.Now()
	read := func(name string) []byte {
		b, err := os.ReadFile("../../codecs/ncpdp/testdata/" + name)
		require.NoError(t, err)
		return b
	}
	signed := func(body []byte, at time.Time) http.Header {
		req, _ := http.NewRequest(http.MethodPost, "http://x/webhooks/pharmacy", nil)
		pharmacy.SignRequest(req, secret, body, at)
		return req.Header
	}
	for _, name := range []string{"rxfill_partial.xml", "rxchange_request.xml", "cancelrx_response_denied.xml", "rxrenewal_request.xml"} {
		body := read(name)
		m, err := pharmacy.ParseWebhook(secret, signed(body, now), body, now)
		require.NoError(t, err, name)
		require.True(t, pharmacy.WebhookTypes[m.Type()])
	}
	body := read("rxfill_dispensed.xml")
	_, err := pharmacy.ParseWebhook(secret, signed(body, now.Add(-10*time.Minute)), body, now)
	require.ErrorIs(t, err, pharmacy.ErrTimestampExpired)

	body = read("newrx.xml")
	_, err = pharmacy.ParseWebhook(secret, signed(body, now), body, now)
	require.ErrorIs(t, err, pharmacy.ErrUnexpectedWebhookType)

	body = []byte("<Message><Header>")
	_, err = pharmacy.ParseWebhook(secret, signed(body, now), body, now)
	var de *ncpdp.DecodeError
	require.ErrorAs(t, err, &de)
}
