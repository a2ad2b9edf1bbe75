package api

import (
	"errors"
	"net/http"
	"time"
)

// boundSeconds returns requested if it is positive and within limit, else limit in seconds:
// a request may ask for a shorter duration than the configured one, never a longer one.
func boundSeconds(requested int64, limit time.Duration) int64 {
	max := int64(limit / time.Second)
	if requested <= 0 || requested > max {
		return max
	}
	return requested
}

// orDefault returns d, or def when d is not configured.
func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// decodeValid decodes a start request's body into in and validates it, answering 400 (or the
// problem a problemError carries) and returning false when either fails.
func (s *server) decodeValid(w http.ResponseWriter, r *http.Request, in interface{ Validate() error }) bool {
	if de := decodeStrict(w, r, in, false); de != nil {
		s.decodeProblem(w, r, de)
		return false
	}
	if err := in.Validate(); err != nil {
		s.validationProblem(w, r, err, "")
		return false
	}
	return true
}

// validationProblem answers 400 naming the invalid field. FieldError reasons are written by the
// contract and never contain the submitted value. name overrides the field's name, for path
// parameters.
func (s *server) validationProblem(w http.ResponseWriter, r *http.Request, err error, name string) {
	var pe *problemError
	if errors.As(err, &pe) {
		s.problem(w, r, pe.p)
		return
	}
	p := Problem{Status: http.StatusBadRequest, Type: ProblemValidation, Detail: "the request is invalid"}
	// Every process's field error (internal/fielderr) names the field and a reason that
	// never echoes the value.
	var fe interface{ InvalidField() (string, string) }
	field, reason := "", ""
	if errors.As(err, &fe) {
		field, reason = fe.InvalidField()
	}
	if reason != "" {
		if name == "" {
			name = field
		}
		p.InvalidParams = []InvalidParam{{Name: name, Reason: reason}}
	}
	s.problem(w, r, p)
}

// problemError is a check's refusal that is not one invalid field and carries the problem to
// answer instead (a claim's failed 837P rules, 422). Its Detail is text the API wrote.
type problemError struct{ p Problem }

func (e *problemError) Error() string { return e.p.Detail }
