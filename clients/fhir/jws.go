package fhir

import (
	"crypto"
	"crypto/rand"
	"crypto/sha512"
	"encoding/asn1"
	"encoding/json"
	"fmt"
	"math/big"
	"time"
)

// assertionLifetime is how far in the future the client assertion expires. SMART allows at
// most five minutes; one minute less leaves room for the token server's clock running behind.
const assertionLifetime = 4 * time.Minute

// jwtSigner signs SMART Backend Services client assertions.
type jwtSigner struct {
	key crypto.Signer
	alg string // "RS384" or "ES384"
	kid string
}

// assertionClaims are the claims SMART Backend Services requires of a client assertion.
type assertionClaims struct {
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	Aud string `json:"aud"`
	Exp int64  `json:"exp"`
	Iat int64  `json:"iat"`
	Jti string `json:"jti"`
}

// assertion builds and signs a compact JWS for clientID addressed to tokenURL.
func (s *jwtSigner) assertion(clientID, tokenURL string, now time.Time) (string, error) {
	jti, err := randomID()
	if err != nil {
		return "", err
	}
	header, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
		Kid string `json:"kid"`
	}{s.alg, "JWT", s.kid})
	if err != nil {
		return "", err
	}
	claims, err := json.Marshal(assertionClaims{
		Iss: clientID, Sub: clientID, Aud: tokenURL,
		Exp: now.Add(assertionLifetime).Unix(), Iat: now.Unix(), Jti: jti,
	})
	if err != nil {
		return "", err
	}
	signingInput := b64(header) + "." + b64(claims)
	sig, err := s.sign([]byte(signingInput))
	if err != nil {
		return "", err
	}
	return signingInput + "." + b64(sig), nil
}

// sign produces the JWS signature. It goes through crypto.Signer so HSM- or KMS-backed keys
// work; for ECDSA the signer's ASN.1 output is converted to JWS's fixed-width r||s.
func (s *jwtSigner) sign(input []byte) ([]byte, error) {
	digest := sha512.Sum384(input)
	sig, err := s.key.Sign(rand.Reader, digest[:], crypto.SHA384)
	if err != nil {
		return nil, fmt.Errorf("fhir: sign client assertion: %w", err)
	}
	if s.alg != "ES384" {
		return sig, nil // RSA PKCS#1 v1.5 signatures are already in JWS form.
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("fhir: ECDSA signer returned a malformed signature")
	}
	const size = 48 // P-384 scalar size in bytes
	out := make([]byte, 2*size)
	if rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.BitLen() > 8*size || rs.S.BitLen() > 8*size {
		return nil, fmt.Errorf("fhir: ECDSA signature out of range")
	}
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}

// randomID returns 128 random bits, base64url-encoded, for the assertion's jti.
func randomID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("fhir: random jti: %w", err)
	}
	return b64(b[:]), nil
}
