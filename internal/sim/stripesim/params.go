package stripesim

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Stripe's documented metadata limits.
const (
	maxMetadataKeys     = 50
	maxMetadataKeyLen   = 40
	maxMetadataValueLen = 500
)

// formString returns the last value of a parameter (stripe-go may send the
// same key twice when both Params and the typed struct set it).
func formString(form url.Values, name string) (string, bool) {
	vs, ok := form[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// formInt parses an integer parameter the way Stripe validates it.
func formInt(form url.Values, name string, required bool) (int64, bool, *apiError) {
	raw, ok := formString(form, name)
	if !ok {
		if required {
			return 0, false, newInvalid("parameter_missing", name, "Missing required param: "+name+".")
		}
		return 0, false, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, true, newInvalid("parameter_invalid_integer", name, "Invalid integer: "+raw)
	}
	return n, true, nil
}

// formBool parses a boolean parameter; Stripe accepts only "true"/"false".
func formBool(form url.Values, name string) (bool, *apiError) {
	raw, ok := formString(form, name)
	if !ok {
		return false, nil
	}
	switch raw {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, newInvalid("parameter_invalid_boolean", name, "Invalid boolean: "+raw)
}

// formEnum checks a string parameter against the values Stripe allows.
func formEnum(form url.Values, name string, allowed ...string) (string, *apiError) {
	raw, ok := formString(form, name)
	if !ok || raw == "" {
		return "", nil
	}
	for _, a := range allowed {
		if raw == a {
			return raw, nil
		}
	}
	return "", newInvalid("", name, fmt.Sprintf("Invalid %s: must be one of %s", name,
		strings.Join(allowed, ", ")))
}

// formMetadata collects metadata[key]=value pairs. An empty value is kept
// as "" so updates can delete the key, as Stripe does.
func formMetadata(form url.Values) (map[string]string, *apiError) {
	md := map[string]string{}
	for k := range form {
		if !strings.HasPrefix(k, "metadata[") || !strings.HasSuffix(k, "]") {
			continue
		}
		key := k[len("metadata[") : len(k)-1]
		val, _ := formString(form, k)
		if len(key) > maxMetadataKeyLen {
			return nil, newInvalid("", "metadata", fmt.Sprintf(
				"Metadata keys can have up to %d characters.", maxMetadataKeyLen))
		}
		if len(val) > maxMetadataValueLen {
			return nil, newInvalid("", "metadata", fmt.Sprintf(
				"Metadata values can have up to %d characters.", maxMetadataValueLen))
		}
		md[key] = val
	}
	if len(md) > maxMetadataKeys {
		return nil, newInvalid("", "metadata", fmt.Sprintf(
			"You can have up to %d metadata keys.", maxMetadataKeys))
	}
	return md, nil
}

// mergeMetadata applies an update: empty values delete keys.
func mergeMetadata(dst, update map[string]string) {
	for k, v := range update {
		if v == "" {
			delete(dst, k)
			continue
		}
		dst[k] = v
	}
}

// cleanMetadata drops empty values from creation metadata.
func cleanMetadata(md map[string]string) map[string]string {
	out := make(map[string]string, len(md))
	mergeMetadata(out, md)
	return out
}

// formExpands reports whether expand[] (in any index form) names field.
func formExpands(form url.Values, field string) bool {
	for k, vs := range form {
		if k != "expand" && !strings.HasPrefix(k, "expand[") {
			continue
		}
		for _, v := range vs {
			if v == field {
				return true
			}
		}
	}
	return false
}

// formList collects a list parameter sent as name[0], name[1] or name[].
func formList(form url.Values, name string) []string {
	var out []string
	for k, vs := range form {
		if strings.HasPrefix(k, name+"[") {
			out = append(out, vs...)
		}
	}
	return out
}

// currencies are the lowercase ISO 4217 codes the simulator accepts; Stripe
// supports more, but these cover every account the engine is tested with.
var currencies = map[string]bool{
	"usd": true, "eur": true, "gbp": true, "cad": true, "aud": true, "nzd": true, "jpy": true,
	"chf": true, "sek": true, "nok": true, "dkk": true, "pln": true, "czk": true, "huf": true,
	"mxn": true, "brl": true, "inr": true, "sgd": true, "hkd": true, "krw": true, "zar": true,
	"aed": true, "ils": true, "try": true, "php": true, "thb": true, "myr": true, "idr": true,
}

// zeroDecimal currencies have no minor unit, so amounts are whole units.
var zeroDecimal = map[string]bool{"jpy": true, "krw": true}

// formatAmount renders an amount in minor units for error messages.
func formatAmount(amount int64, currency string) string {
	if zeroDecimal[currency] {
		return fmt.Sprintf("%d %s", amount, strings.ToUpper(currency))
	}
	if currency == "usd" {
		return fmt.Sprintf("$%d.%02d", amount/100, amount%100)
	}
	return fmt.Sprintf("%d.%02d %s", amount/100, amount%100, strings.ToUpper(currency))
}
