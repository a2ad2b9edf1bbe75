package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// Tokens are the API's bearer tokens with their scopes. A scope is "<resource>.read",
// "<resource>.write", another single name such as "codec", or "*" for everything.
// ".write" does not imply ".read": a token that only starts payments cannot read them back.
type Tokens struct {
	list []token
}

type token struct {
	name string
	// digest is SHA-256 of the secret, so every comparison takes the same time whatever the
	// presented secret's length.
	digest [sha256.Size]byte
	scopes map[string]bool
}

var (
	tokenNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	scopePattern     = regexp.MustCompile(`^(\*|[a-z][a-z0-9_-]*(\.[a-z]+)?)$`)
)

// ParseTokens reads the API_TOKENS spec "name:secret:scope+scope,...". The secret may contain
// ':' (the first and last colons delimit it) but not ','. An empty spec yields no tokens.
// Errors name the entry by position and token name, never by secret.
func ParseTokens(spec string) (*Tokens, error) {
	t := &Tokens{}
	names := map[string]bool{}
	secrets := map[[sha256.Size]byte]bool{}
	for i, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		first, last := strings.Index(entry, ":"), strings.LastIndex(entry, ":")
		if first < 0 || first == last {
			return nil, fmt.Errorf("api: API_TOKENS entry %d: want name:secret:scopes", i+1)
		}
		name, secret, scopeList := entry[:first], entry[first+1:last], entry[last+1:]
		if !tokenNamePattern.MatchString(name) {
			return nil, fmt.Errorf("api: API_TOKENS entry %d: name must be 1-64 letters, digits, '.', '_' or '-'", i+1)
		}
		if secret == "" {
			return nil, fmt.Errorf("api: API_TOKENS token %q: empty secret", name)
		}
		if names[name] {
			return nil, fmt.Errorf("api: API_TOKENS token %q: duplicate name", name)
		}
		digest := sha256.Sum256([]byte(secret))
		if secrets[digest] {
			return nil, fmt.Errorf("api: API_TOKENS token %q: secret already used by another token", name)
		}
		scopes := map[string]bool{}
		for _, sc := range strings.Split(scopeList, "+") {
			if !scopePattern.MatchString(sc) {
				return nil, fmt.Errorf("api: API_TOKENS token %q: invalid scope %q", name, sc)
			}
			scopes[sc] = true
		}
		names[name], secrets[digest] = true, true
		t.list = append(t.list, token{name: name, digest: digest, scopes: scopes})
	}
	return t, nil
}

// Len reports how many tokens are configured.
func (t *Tokens) Len() int {
	if t == nil {
		return 0
	}
	return len(t.list)
}

// authenticate returns the token whose secret matches. It compares against every token, so the
// time taken does not reveal which one (or whether any) matched.
func (t *Tokens) authenticate(secret string) (token, bool) {
	var found token
	ok := false
	if t == nil {
		return found, false
	}
	digest := sha256.Sum256([]byte(secret))
	for _, tk := range t.list {
		if subtle.ConstantTimeCompare(digest[:], tk.digest[:]) == 1 {
			found, ok = tk, true
		}
	}
	return found, ok
}

// allows reports whether the token carries scope (or "*").
func (tk token) allows(scope string) bool { return tk.scopes["*"] || tk.scopes[scope] }

// bearer extracts the token from an Authorization header; the scheme is case-insensitive.
func bearer(r *http.Request) (string, bool) {
	scheme, value, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	value = strings.TrimSpace(value)
	return value, value != ""
}

// checkBearer authenticates r and checks scope; on failure it writes the 401 or 403 problem and
// returns false. On success the token name becomes the request's actor.
func (s *server) checkBearer(w http.ResponseWriter, r *http.Request, scope string) bool {
	secret, ok := bearer(r)
	var tk token
	if ok {
		tk, ok = s.d.Tokens.authenticate(secret)
	}
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="careflow"`)
		s.problem(w, r, Problem{Status: http.StatusUnauthorized, Detail: "a valid bearer token is required"})
		return false
	}
	infoFrom(r.Context()).actor = tk.name
	if !tk.allows(scope) {
		s.problem(w, r, Problem{Status: http.StatusForbidden, Detail: "the token lacks scope " + scope})
		return false
	}
	return true
}

// requireScope wraps h with bearer authentication for scope.
func (s *server) requireScope(scope string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.checkBearer(w, r, scope) {
			h(w, r)
		}
	})
}

// codecAuth lets CORS preflight through (browsers send it without credentials) and otherwise
// asks Deps.CodecAuthorize, or requires a bearer token with scope "codec".
func (s *server) codecAuth(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodOptions:
		case s.d.CodecAuthorize != nil:
			if !s.d.CodecAuthorize(r) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="careflow"`)
				s.problem(w, r, Problem{Status: http.StatusUnauthorized, Detail: "not authorized for the codec"})
				return
			}
			infoFrom(r.Context()).actor = "codec"
		default:
			if !s.checkBearer(w, r, codecScope) {
				return
			}
		}
		h(w, r)
	})
}

// Allows reports whether r carries a bearer token with scope (or "*"). It lets custom
// authorizers such as Deps.CodecAuthorize fall back to token authentication.
func (t *Tokens) Allows(r *http.Request, scope string) bool {
	secret, ok := bearer(r)
	if !ok {
		return false
	}
	tk, ok := t.authenticate(secret)
	return ok && tk.allows(scope)
}
