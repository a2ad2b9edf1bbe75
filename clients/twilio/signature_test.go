package twilio_test

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"

	"github.com/careflow/engine/clients/twilio"
	"github.com/stretchr/testify/assert"
	twclient "github.com/twilio/twilio-go/client"
)

const docsURL = "https://mycompany.com/myapp.php?foo=1&bar=2"

// docsForm is the parameter set of Twilio's webhook-security example with
// the caller number given.
func docsForm(caller string) url.Values {
	return url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {caller},
		"Digits":  {"1234"},
		"From":    {caller},
		"To":      {"+18005551212"},
	}
}

// TestSignDocumentedExamples checks the two published variants of Twilio's
// worked example (auth token "12345"). The docs have shown the caller as
// +14158675310 and as +12349013030; each has its own signature.
func TestSignDocumentedExamples(t *testing.T) {
	cases := []struct{ caller, want string }{
		{"+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc="},
		{"+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="},
	}
	for _, tc := range cases {
		t.Run(tc.caller, func(t *testing.T) {
			form := docsForm(tc.caller)
			assert.Equal(t, tc.want, twilio.Sign("12345", docsURL, form))
			assert.True(t, twilio.ValidateSignature("12345", docsURL, form, tc.want))
		})
	}
}

func TestValidateSignatureRejectsTampering(t *testing.T) {
	form := docsForm("+14158675310")
	sig := "GvWf1cFY/Q7PnoempGyD5oXAezc="

	tampered := docsForm("+14158675310")
	tampered.Set("Digits", "9999")
	assert.False(t, twilio.ValidateSignature("12345", docsURL, tampered, sig), "changed value")

	extra := docsForm("+14158675310")
	extra.Set("Body", "hello")
	assert.False(t, twilio.ValidateSignature("12345", docsURL, extra, sig), "added parameter")

	assert.False(t, twilio.ValidateSignature("12345", strings.Replace(docsURL, "bar=2", "bar=3", 1), form, sig), "changed query")
	assert.False(t, twilio.ValidateSignature("12345", strings.Replace(docsURL, "https", "http", 1), form, sig), "changed scheme")
	assert.False(t, twilio.ValidateSignature("54321", docsURL, form, sig), "other token")
	assert.False(t, twilio.ValidateSignature("12345", docsURL, form, sig[:len(sig)-1]), "truncated signature")
	assert.False(t, twilio.ValidateSignature("12345", docsURL, form, ""), "no signature")
	assert.False(t, twilio.ValidateSignature("", docsURL, form, twilio.Sign("", docsURL, form)), "empty token")
}

func TestValidateSignatureDefaultPorts(t *testing.T) {
	form := url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"delivered"}}
	plain := "https://example.org/webhooks/twilio"
	withPort := "https://example.org:443/webhooks/twilio"

	// Twilio signs with or without the default port; both must verify.
	assert.True(t, twilio.ValidateSignature("tok", withPort, form, twilio.Sign("tok", plain, form)))
	assert.True(t, twilio.ValidateSignature("tok", plain, form, twilio.Sign("tok", withPort, form)))
	assert.True(t, twilio.ValidateSignature("tok", "http://[::1]/x", form, twilio.Sign("tok", "http://[::1]:80/x", form)))

	// Any other port is part of what was signed.
	loop := "http://127.0.0.1:8080/webhooks/twilio"
	assert.False(t, twilio.ValidateSignature("tok", "http://127.0.0.1:8081/webhooks/twilio", form, twilio.Sign("tok", loop, form)))
	assert.False(t, twilio.ValidateSignature("tok", "http://127.0.0.1/webhooks/twilio", form, twilio.Sign("tok", loop, form)))
}

func TestSignRepeatedParametersIgnoreValueOrder(t *testing.T) {
	a := url.Values{"MediaUrl": {"https://b.example/2", "https://a.example/1"}, "To": {"+15551230000"}}
	b := url.Values{"To": {"+15551230000"}, "MediaUrl": {"https://a.example/1", "https://b.example/2"}}
	assert.Equal(t, twilio.Sign("tok", docsURL, a), twilio.Sign("tok", docsURL, b))
	c := url.Values{"MediaUrl": {"https://a.example/1"}, "To": {"+15551230000"}}
	assert.NotEqual(t, twilio.Sign("tok", docsURL, a), twilio.Sign("tok", docsURL, c))
}

// TestSignAgreesWithSDKValidator checks Sign against twilio-go's own
// RequestValidator, an independent implementation, on random forms.
func TestSignAgreesWithSDKValidator(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcXYZ019+ &=%é€\n")
	word := func() string {
		r := make([]rune, 1+rng.IntN(12))
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(r)
	}
	for i := range 200 {
		form := url.Values{}
		params := map[string]string{}
		for range rng.IntN(6) {
			k, v := word(), word()
			form.Set(k, v)
			params[k] = v
		}
		target := "https://hooks.example.com/p/" + url.PathEscape(word()) + "?q=" + url.QueryEscape(word())
		token := word()
		sig := twilio.Sign(token, target, form)
		v := twclient.NewRequestValidator(token)
		if !v.Validate(target, params, sig) {
			t.Fatalf("case %d: SDK rejects our signature for %q %v", i, target, params)
		}
	}
}
