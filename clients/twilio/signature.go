package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"
)

// SignatureHeader is the header that carries Twilio's webhook signature.
const SignatureHeader = "X-Twilio-Signature"

// Sign returns the X-Twilio-Signature Twilio sends with a form POST of form
// to fullURL: base64 of HMAC-SHA1, keyed by the auth token, over fullURL
// followed by every parameter name and value, sorted by name. A repeated
// name contributes each distinct value in sorted order, as Twilio's Python
// and Node libraries compute it.
func Sign(authToken, fullURL string, form url.Values) string {
	mac := hmac.New(sha1.New, []byte(authToken))
	_, _ = io.WriteString(mac, fullURL)
	for _, k := range slices.Sorted(maps.Keys(form)) {
		vals := slices.Clone(form[k])
		slices.Sort(vals)
		for _, v := range slices.Compact(vals) {
			_, _ = io.WriteString(mac, k)
			_, _ = io.WriteString(mac, v)
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ValidateSignature reports whether signature is Twilio's signature of a
// form POST to fullURL, the URL exactly as configured at Twilio (scheme,
// host, path and query). Like Twilio's SDKs it also accepts the URL with
// the scheme's default port added or removed, because Twilio signs
// "https://host/..." and "https://host:443/..." inconsistently; any other
// port must match. The comparison takes constant time.
func ValidateSignature(authToken, fullURL string, form url.Values, signature string) bool {
	if authToken == "" || signature == "" {
		return false
	}
	for _, u := range urlVariants(fullURL) {
		if hmac.Equal([]byte(Sign(authToken, u, form)), []byte(signature)) {
			return true
		}
	}
	return false
}

// urlVariants returns fullURL and, for http(s), its form with the default
// port toggled.
func urlVariants(fullURL string) []string {
	out := []string{fullURL}
	u, err := url.Parse(fullURL)
	if err != nil || u.Host == "" {
		return out
	}
	def := map[string]string{"http": "80", "https": "443"}[u.Scheme]
	if def == "" {
		return out
	}
	switch u.Port() {
	case "":
		u.Host = net.JoinHostPort(u.Hostname(), def)
	case def:
		// Hostname drops an IPv6 literal's brackets; the URL needs them.
		u.Host = u.Hostname()
		if strings.Contains(u.Host, ":") {
			u.Host = "[" + u.Host + "]"
		}
	default:
		return out
	}
	return append(out, u.String())
}
