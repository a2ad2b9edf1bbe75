package pms_test

import (
	"strings"
	"testing"

	"github.com/careflow/engine/clients/pms"
	"github.com/stretchr/testify/assert"
)

func TestSignVerify(t *testing.T) {
	secret := []byte("s3cret")
	body := []byte(`{"eventId":"evt_1"}`)
	sig := pms.Sign(secret, body)
	assert.Len(t, sig, 64)
	assert.True(t, pms.Verify(secret, body, sig))
	assert.True(t, pms.Verify(secret, body, strings.ToUpper(sig)), "hex case does not matter")
	assert.False(t, pms.Verify(secret, []byte(`{"eventId":"evt_2"}`), sig), "tampered body")
	assert.False(t, pms.Verify([]byte("other"), body, sig), "wrong secret")
	assert.False(t, pms.Verify(secret, body, ""), "missing signature")
	assert.False(t, pms.Verify(secret, body, "zz"+sig[2:]), "not hex")
	assert.False(t, pms.Verify(nil, body, pms.Sign(nil, body)), "an empty secret verifies nothing")
}

func TestNewNeedsClientAndURL(t *testing.T) {
	_, err := pms.New("http://127.0.0.1:1", nil)
	assert.Error(t, err, "http.DefaultClient is never used implicitly")
	_, err = pms.New("not a url", nil)
	assert.Error(t, err)
}

func TestValidate(t *testing.T) {
	assert.True(t, pms.ValidStatus("checked-in"))
	assert.False(t, pms.ValidStatus("arrived"))
	err := pms.Appointment{PatientID: "p", ProviderID: "d", Duration: 15, Status: "booked"}.Validate()
	assert.Error(t, err)
}

func FuzzVerify(f *testing.F) {
	f.Add([]byte("secret"), []byte(`{"eventId":"evt_1"}`), "00")
	f.Fuzz(func(t *testing.T, secret, body []byte, sig string) {
		ok := pms.Verify(secret, body, sig)
		if len(secret) > 0 && !pms.Verify(secret, body, pms.Sign(secret, body)) {
			t.Fatal("a body's own signature does not verify")
		}
		if ok && !strings.EqualFold(strings.TrimSpace(sig), pms.Sign(secret, body)) {
			t.Fatal("a signature other than the body's verified")
		}
	})
}
