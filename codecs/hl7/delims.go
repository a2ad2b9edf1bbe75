package hl7

// Delims are a message's delimiters as declared in MSH-1 and MSH-2.
type Delims struct {
	// Field separates fields (MSH-1), normally '|'.
	Field byte
	// Component separates components, normally '^'.
	Component byte
	// Repetition separates repetitions of a field, normally '~'.
	Repetition byte
	// Escape starts and ends escape sequences, normally '\'.
	Escape byte
	// Subcomponent separates subcomponents, normally '&'.
	Subcomponent byte
	// Truncation is the optional fifth encoding character introduced in
	// v2.7 (normally '#'); 0 when MSH-2 has only four characters.
	Truncation byte
}

// DefaultDelims returns the standard delimiters |^~\& without a truncation character.
func DefaultDelims() Delims {
	return Delims{Field: '|', Component: '^', Repetition: '~', Escape: '\\', Subcomponent: '&'}
}

// EncodingCharacters returns the MSH-2 value: component, repetition, escape
// and subcomponent characters, then the truncation character when set.
func (d Delims) EncodingCharacters() string {
	b := []byte{d.Component, d.Repetition, d.Escape, d.Subcomponent}
	if d.Truncation != 0 {
		b = append(b, d.Truncation)
	}
	return string(b)
}

// Validate reports whether the delimiters can frame a message: printable
// ASCII punctuation, all different from each other.
func (d Delims) Validate() error {
	set := [...]byte{d.Field, d.Component, d.Repetition, d.Escape, d.Subcomponent, d.Truncation}
	n := len(set)
	if d.Truncation == 0 {
		n--
	}
	for i := 0; i < n; i++ {
		// The field separator is MSH-1, the others are MSH-2.
		field := 2
		if i == 0 {
			field = 1
		}
		if !validDelimiter(set[i]) {
			return &ParseError{Segment: 1, Field: field, Reason: "delimiter is not printable ASCII punctuation"}
		}
		for j := 0; j < i; j++ {
			if set[i] == set[j] {
				return &ParseError{Segment: 1, Field: field, Reason: "delimiters are not distinct"}
			}
		}
	}
	return nil
}

// validDelimiter accepts printable ASCII that is neither a letter, a digit
// nor a space: letters and digits would collide with segment names and
// ordinary values.
func validDelimiter(c byte) bool {
	switch {
	case c <= ' ' || c >= 0x7f:
		return false
	case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		return false
	}
	return true
}

// isDelim reports whether c has a structural meaning inside a field.
func (d *Delims) isDelim(c byte) bool {
	return c == d.Field || c == d.Component || c == d.Repetition || c == d.Escape || c == d.Subcomponent ||
		(d.Truncation != 0 && c == d.Truncation)
}

// delimsFromMSH reads MSH-1 and MSH-2 from the start of an MSH segment. It
// returns the delimiters and the index just past MSH-2.
func delimsFromMSH(seg string) (Delims, int, error) {
	if len(seg) < 8 {
		return Delims{}, 0, &ParseError{Segment: 1, Reason: "MSH segment too short for delimiters"}
	}
	d := Delims{Field: seg[3]}
	end := 4
	for end < len(seg) && seg[end] != d.Field {
		end++
	}
	enc := seg[4:end]
	// MSH-2 has four characters; v2.7 adds a fifth (truncation) which older
	// receivers are asked to tolerate, so both are accepted.
	switch len(enc) {
	case 5:
		// Validate skips a zero Truncation as "absent", so a NUL must be
		// refused here.
		if !validDelimiter(enc[4]) {
			return Delims{}, 0, &ParseError{Segment: 1, Field: 2, Reason: "delimiter is not printable ASCII punctuation"}
		}
		d.Truncation = enc[4]
		fallthrough
	case 4:
		d.Component, d.Repetition, d.Escape, d.Subcomponent = enc[0], enc[1], enc[2], enc[3]
	default:
		return Delims{}, 0, &ParseError{Segment: 1, Field: 2, Reason: "MSH-2 must have 4 or 5 encoding characters"}
	}
	if err := d.Validate(); err != nil {
		return Delims{}, 0, err
	}
	return d, end, nil
}
