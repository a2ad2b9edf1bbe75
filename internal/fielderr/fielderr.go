// Package fielderr holds the one error type the process contracts return for an invalid request
// field, so that the API maps every process's validation errors the same way.
package fielderr

// Error names an invalid field and the rule it breaks; Reason never echoes the field's value,
// so it is safe to return to callers.
type Error struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e *Error) Error() string { return e.Field + ": " + e.Reason }

// InvalidField returns the field and the reason; the API reads validation errors through this
// method, whichever process raised them.
func (e *Error) InvalidField() (field, reason string) { return e.Field, e.Reason }
