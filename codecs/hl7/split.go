package hl7

import "strings"

// nth returns the n-th (1-based) sep-separated piece of s, or "" when s has
// fewer pieces. It does not allocate. A plain loop beats IndexByte here:
// components are a few bytes long and the call overhead dominates.
func nth(s string, sep byte, n int) string {
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] != sep {
			continue
		}
		if n == 1 {
			return s[start:i]
		}
		n--
		start = i + 1
	}
	if n == 1 {
		return s[start:]
	}
	return ""
}

// pieces counts the sep-separated pieces of s; an empty s has none.
func pieces(s string, sep byte) int {
	if s == "" {
		return 0
	}
	return strings.Count(s, string(sep)) + 1
}

// setNth returns s with its n-th (1-based) sep-separated piece replaced by v,
// adding empty pieces as needed. Writing "" past the end changes nothing, so
// clearing an absent element never leaves trailing separators.
func setNth(s string, sep byte, n int, v string) string {
	have := pieces(s, sep)
	if n > have {
		if v == "" {
			return s
		}
		var b strings.Builder
		b.Grow(len(s) + n - have + len(v))
		b.WriteString(s)
		for i := max(have, 1); i < n; i++ {
			b.WriteByte(sep)
		}
		b.WriteString(v)
		return b.String()
	}
	// Find the byte range of piece n and splice v in.
	start := 0
	for i := 1; i < n; i++ {
		start += strings.IndexByte(s[start:], sep) + 1
	}
	end := len(s)
	if j := strings.IndexByte(s[start:], sep); j >= 0 {
		end = start + j
	}
	return s[:start] + v + s[end:]
}

// splitReps returns the repetitions of a field in wire form; an empty field
// has none.
func splitReps(raw string, d *Delims) []string {
	if raw == "" {
		return nil
	}
	return strings.Split(raw, string(d.Repetition))
}

// text returns the unescaped text of component c, subcomponent sc of one
// repetition in wire form.
func (d *Delims) text(rep string, c, sc int) string {
	return d.UnescapeText(nth(nth(rep, d.Component, c), d.Subcomponent, sc))
}

// comp returns the unescaped text of component c (subcomponent 1) of rep.
func (d *Delims) comp(rep string, c int) string {
	return d.text(rep, c, 1)
}
