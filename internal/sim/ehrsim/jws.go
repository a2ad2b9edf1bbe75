package ehrsim

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
)

// Signature algorithms SMART Backend Services requires servers to support.
const (
	AlgRS384 = "RS384" // RSASSA-PKCS1-v1_5 with SHA-384
	AlgES384 = "ES384" // ECDSA on P-384 with SHA-384, signature r||s
)

// es384SigLen is the JWS encoding of an ES384 signature: r and s, each
// left-padded to the 48-byte size of the P-384 group order (RFC 7518 3.4).
const es384SigLen = 2 * 48

// clientKey is one registered verification key.
type clientKey struct {
	kid string           // "" matches any kid header
	key crypto.PublicKey // *rsa.PublicKey or *ecdsa.PublicKey on P-384
}

// newClientKey checks that key can verify RS384 or ES384 signatures.
func newClientKey(kid string, key crypto.PublicKey) (clientKey, error) {
	switch k := key.(type) {
	case *rsa.PublicKey:
		// SMART and NIST both set 2048 bits as the floor for RSA.
		if k == nil || k.N == nil || k.N.BitLen() < 2048 {
			return clientKey{}, errors.New("ehrsim: RSA client keys need at least 2048 bits")
		}
	case *ecdsa.PublicKey:
		if k == nil || k.Curve != elliptic.P384() {
			return clientKey{}, errors.New("ehrsim: EC client keys must be on P-384 (ES384)")
		}
	default:
		return clientKey{}, fmt.Errorf("ehrsim: unsupported client key type %T", key)
	}
	return clientKey{kid: kid, key: key}, nil
}

// algFits reports whether a key can verify signatures of alg.
func (ck clientKey) algFits(alg string) bool {
	switch ck.key.(type) {
	case *rsa.PublicKey:
		return alg == AlgRS384
	case *ecdsa.PublicKey:
		return alg == AlgES384
	}
	return false
}

// jwk is the subset of RFC 7517 / 7518 members used for RSA and EC keys.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Crv string `json:"crv"`
	N   string `json:"n"`
	E   string `json:"e"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// parseJWKS returns the signature keys of a JWKS ({"keys": [...]}).
func parseJWKS(b []byte) ([]clientKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("ehrsim: JWKS: %w", err)
	}
	var out []clientKey
	for i, k := range set.Keys {
		// A key published for encryption or for another algorithm is
		// legitimately present in a JWKS but never verifies our assertions.
		if k.Use == "enc" || (k.Alg != "" && k.Alg != AlgRS384 && k.Alg != AlgES384) {
			continue
		}
		pub, err := k.publicKey()
		if err != nil {
			return nil, fmt.Errorf("ehrsim: JWKS key %d: %w", i, err)
		}
		if pub == nil {
			continue
		}
		ck, err := newClientKey(k.Kid, pub)
		if err != nil {
			return nil, err
		}
		out = append(out, ck)
	}
	if len(out) == 0 {
		return nil, errors.New("ehrsim: JWKS has no RS384 or ES384 signature key")
	}
	return out, nil
}

// publicKey decodes an RSA or P-384 EC key; other key types yield nil.
func (k jwk) publicKey() (crypto.PublicKey, error) {
	switch k.Kty {
	case "RSA":
		n, err := b64uInt(k.N)
		if err != nil {
			return nil, fmt.Errorf("n: %w", err)
		}
		e, err := b64uInt(k.E)
		if err != nil {
			return nil, fmt.Errorf("e: %w", err)
		}
		if !e.IsInt64() || e.Int64() < 3 || e.Int64() > math.MaxInt32 {
			return nil, errors.New("e out of range")
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
	case "EC":
		if k.Crv != "P-384" {
			return nil, nil
		}
		x, err1 := base64.RawURLEncoding.DecodeString(k.X)
		y, err2 := base64.RawURLEncoding.DecodeString(k.Y)
		if err := errors.Join(err1, err2); err != nil || len(x) != 48 || len(y) != 48 {
			return nil, errors.New("x and y must be 48-byte base64url values")
		}
		// ParseUncompressedPublicKey rejects points off the curve.
		point := append(append([]byte{4}, x...), y...)
		return ecdsa.ParseUncompressedPublicKey(elliptic.P384(), point)
	}
	return nil, nil
}

// b64uInt decodes an unpadded base64url big-endian unsigned integer.
func b64uInt(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, errors.New("not a base64url integer")
	}
	return new(big.Int).SetBytes(b), nil
}

// jwsHeader is the protected header of a compact JWS.
type jwsHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// assertionClaims are the JWT claims SMART requires in a client assertion.
type assertionClaims struct {
	Iss string      `json:"iss"`
	Sub string      `json:"sub"`
	Aud audience    `json:"aud"`
	Exp numericDate `json:"exp"`
	Jti string      `json:"jti"`
}

// audience is the JWT "aud" claim: one string or an array of strings.
type audience []string

// UnmarshalJSON accepts both forms RFC 7519 4.1.3 allows.
func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("aud must be a string or an array of strings")
	}
	*a = many
	return nil
}

// has reports whether the audience names u.
func (a audience) has(u string) bool {
	for _, v := range a {
		if v == u {
			return true
		}
	}
	return false
}

// numericDate is a JWT NumericDate: seconds since the epoch, possibly
// fractional. The zero value means the claim was absent.
type numericDate struct{ time.Time }

// UnmarshalJSON reads a JSON number of seconds.
func (d *numericDate) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("dates must be numbers of seconds")
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || f <= 0 || f > 1e11 {
		return errors.New("date out of range")
	}
	sec, frac := math.Modf(f)
	d.Time = time.Unix(int64(sec), int64(frac*1e9))
	return nil
}

// errBadJWS covers every way a compact JWS can be malformed; callers learn
// no more than that, as real authorization servers tell them.
var errBadJWS = errors.New("client_assertion is not a well-formed JWS")

// errBadSignature means no registered key verifies the signature.
var errBadSignature = errors.New("client_assertion signature does not verify with the client's registered keys")

// parseJWS splits a compact JWS and decodes its header and claims without
// verifying anything, so the caller can find the client's keys by iss.
func parseJWS(token string) (jwsHeader, assertionClaims, []byte, []byte, error) {
	var h jwsHeader
	var c assertionClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return h, c, nil, nil, errBadJWS
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if errors.Join(err1, err2, err3) != nil {
		return h, c, nil, nil, errBadJWS
	}
	if json.Unmarshal(hb, &h) != nil || h.Alg == "" {
		return h, c, nil, nil, errBadJWS
	}
	dec := json.NewDecoder(bytes.NewReader(cb))
	if dec.Decode(&c) != nil {
		return h, c, nil, nil, errBadJWS
	}
	signingInput := []byte(parts[0] + "." + parts[1])
	return h, c, signingInput, sig, nil
}

// verifySignature checks sig over input with the first key that fits the
// header's alg and kid. Only RS384 and ES384 are accepted: "none" and the
// HMAC family would let anyone who knows a public key forge assertions.
func verifySignature(h jwsHeader, input, sig []byte, keys []clientKey) error {
	if h.Alg != AlgRS384 && h.Alg != AlgES384 {
		return fmt.Errorf("client_assertion alg %q is not supported (use RS384 or ES384)", h.Alg)
	}
	digest := sha512.Sum384(input)
	for _, k := range keys {
		if !k.algFits(h.Alg) || (k.kid != "" && h.Kid != "" && k.kid != h.Kid) {
			continue
		}
		switch pub := k.key.(type) {
		case *rsa.PublicKey:
			if rsa.VerifyPKCS1v15(pub, crypto.SHA384, digest[:], sig) == nil {
				return nil
			}
		case *ecdsa.PublicKey:
			// JWS carries r||s, not the ASN.1 form crypto/ecdsa emits.
			if len(sig) != es384SigLen {
				continue
			}
			r := new(big.Int).SetBytes(sig[:48])
			s := new(big.Int).SetBytes(sig[48:])
			if ecdsa.Verify(pub, digest[:], r, s) {
				return nil
			}
		}
	}
	return errBadSignature
}
