package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
)

// decodeError is a request body the API refuses; it becomes a problem without any decoder text,
// because decoder messages quote parts of the input.
type decodeError struct {
	status int
	detail string
	param  *InvalidParam
}

func (e *decodeError) Error() string { return e.detail }

// fieldNamePattern decides whether an unknown field's name is plain enough to quote back.
var fieldNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// decodeStrict reads exactly one JSON value into v: at most maxBody bytes, no unknown fields,
// nothing after the value. allowEmpty accepts an empty body as v's zero value.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any, allowEmpty bool) *decodeError {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &decodeError{status: http.StatusUnsupportedMediaType, detail: "the body must be application/json"}
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) && allowEmpty {
		return nil
	}
	if err == nil {
		// A second value, even whitespace-separated, means the client sent something else.
		var extra json.RawMessage
		err2 := dec.Decode(&extra)
		if errors.Is(err2, io.EOF) {
			return nil
		}
		var maxErr *http.MaxBytesError
		if errors.As(err2, &maxErr) {
			return classifyDecode(err2)
		}
		return &decodeError{status: http.StatusBadRequest, detail: "the body must hold exactly one JSON value"}
	}
	return classifyDecode(err)
}

// classifyDecode turns a decoder error into a problem detail the API wrote itself.
func classifyDecode(err error) *decodeError {
	var maxErr *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		return &decodeError{status: http.StatusRequestEntityTooLarge, detail: "the body exceeds 1 MiB"}
	case errors.As(err, &typeErr) && typeErr.Field != "":
		// Field is the path in our own struct, so it is safe to name; the value is not quoted.
		return &decodeError{status: http.StatusBadRequest, detail: "a field has the wrong JSON type",
			param: &InvalidParam{Name: typeErr.Field, Reason: "must be a JSON " + jsonKind(typeErr.Type.Kind().String())}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		p := &InvalidParam{Name: "(unknown)", Reason: "is not a known field"}
		if fieldNamePattern.MatchString(name) {
			p.Name = name
		}
		return &decodeError{status: http.StatusBadRequest, detail: "the body has an unknown field", param: p}
	case errors.Is(err, io.EOF):
		return &decodeError{status: http.StatusBadRequest, detail: "the body is empty"}
	default:
		return &decodeError{status: http.StatusBadRequest, detail: "the body is not valid JSON"}
	}
}

// jsonKind names the JSON type a Go kind decodes from.
func jsonKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "string":
		return "string"
	case kind == "bool":
		return "boolean"
	case kind == "slice", kind == "array":
		return "array"
	default:
		return "object"
	}
}

// decodeProblem writes the problem for a decodeError.
func (s *server) decodeProblem(w http.ResponseWriter, r *http.Request, de *decodeError) {
	p := Problem{Status: de.status, Detail: de.detail}
	if de.status == http.StatusBadRequest {
		p.Type = ProblemMalformedJSON
	}
	if de.param != nil {
		p.InvalidParams = []InvalidParam{*de.param}
	}
	s.problem(w, r, p)
}
