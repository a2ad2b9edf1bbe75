package payloadcodec_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/careflow/engine/internal/payloadcodec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKeysOrderAndEncodings(t *testing.T) {
	key := make([]byte, payloadcodec.KeySize)
	_, _ = rand.Read(key)
	spec := " k2:" + base64.RawURLEncoding.EncodeToString(key) +
		", k1:" + base64.StdEncoding.EncodeToString(key) +
		",k0:" + base64.URLEncoding.EncodeToString(key)
	k, err := payloadcodec.ParseKeys(spec)
	require.NoError(t, err)
	assert.Equal(t, "k2", k.ActiveID())
	assert.Equal(t, []string{"k2", "k1", "k0"}, k.IDs())
}

func TestParseKeysErrorsHideKeyMaterial(t *testing.T) {
	short := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	good := newSpec("good")
	goodKey := strings.SplitN(good, ":", 2)[1]
	cases := map[string]struct {
		spec string
		want string
	}{
		"empty":         {"", "empty entry"},
		"no colon":      {"justakey", "missing ':'"},
		"bad base64":    {"k1:%%%secret%%%", "not valid base64"},
		"short key":     {"k1:" + short, "16 bytes, want 32"},
		"empty id":      {":" + goodKey, "empty key id"},
		"bad id":        {"k 1:" + goodKey, "key id may only hold"},
		"duplicate id":  {good + "," + good, "duplicate key id"},
		"reversed pair": {goodKey + ":k1", "key 1"},
		"trailing":      {good + ",", "key 2: empty entry"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := payloadcodec.ParseKeys(tc.spec)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			for _, secret := range []string{goodKey, short, "secret", goodKey[:12]} {
				assert.NotContains(t, err.Error(), secret)
			}
		})
	}
}

func TestDerivedKeysAreSeparateFromPayloadKeys(t *testing.T) {
	k, err := payloadcodec.ParseKeys("a:" + base64.StdEncoding.EncodeToString(make([]byte, 32)) + ",b:" +
		base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	keys, active := k.DerivedKeys(payloadcodec.PurposeAudit)
	if active != "a" || len(keys) != 2 || len(keys["a"]) != 32 {
		t.Fatalf("got active %q and %d keys", active, len(keys))
	}
	if bytes.Equal(keys["a"], make([]byte, 32)) || bytes.Equal(keys["a"], keys["b"]) {
		t.Fatal("derived keys must differ from the payload keys and from each other")
	}
	again, _ := k.DerivedKeys(payloadcodec.PurposeAudit)
	if !bytes.Equal(again["b"], keys["b"]) {
		t.Fatal("derivation must be deterministic")
	}
}
