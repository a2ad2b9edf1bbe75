package metrics

import "strings"

// metricName joins prefix and name and maps them onto the classic Prometheus
// name rules ([a-zA-Z_][a-zA-Z0-9_]*). Colons are replaced too because they
// are reserved for recording rules.
func metricName(prefix, name string) string {
	if prefix != "" && !strings.HasSuffix(prefix, "_") {
		prefix += "_"
	}
	return sanitize(prefix + name)
}

// labelName maps a tag key onto the label name rules; the "__" prefix is
// reserved by Prometheus, so such keys gain a "tag" prefix.
func labelName(key string) string {
	n := sanitize(key)
	if strings.HasPrefix(n, "__") {
		n = "tag" + n
	}
	return n
}

// sanitize replaces every character outside [a-zA-Z0-9_] with '_' and
// prefixes a leading digit; the empty string stays empty.
func sanitize(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s) + 1)
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			if i == 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
