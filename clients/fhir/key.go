package fhir

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
)

// minRSABits is the smallest RSA key accepted; SMART and NIST both require 2048 bits.
const minRSABits = 2048

// LoadPrivateKey reads a PEM private key: PKCS#1 ("RSA PRIVATE KEY"), SEC 1
// ("EC PRIVATE KEY") or PKCS#8 ("PRIVATE KEY"). The key must suit SMART Backend Services:
// RSA of at least 2048 bits (RS384) or ECDSA P-384 (ES384).
func LoadPrivateKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fhir: read private key: %w", err)
	}
	return ParsePrivateKey(data)
}

// ParsePrivateKey parses the first PEM private key in data; see LoadPrivateKey.
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("fhir: no PEM private key found")
		}
		var key any
		var err error
		switch block.Type {
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		default:
			// Skip certificates and EC PARAMETERS blocks that often precede the key.
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("fhir: parse %s: %w", block.Type, err)
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("fhir: %T is not a signing key", key)
		}
		if _, err := algorithmFor(signer.Public()); err != nil {
			return nil, err
		}
		return signer, nil
	}
}

// algorithmFor picks the JWS algorithm SMART Backend Services allows for a public key.
func algorithmFor(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return "", fmt.Errorf("fhir: RSA key has %d bits, need at least %d", k.N.BitLen(), minRSABits)
		}
		return "RS384", nil
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P384() {
			return "", fmt.Errorf("fhir: ECDSA key on %s, SMART ES384 needs P-384", k.Curve.Params().Name)
		}
		return "ES384", nil
	default:
		return "", fmt.Errorf("fhir: %T keys are not supported (need RSA or ECDSA P-384)", pub)
	}
}

// JWK is a public JSON Web Key (RFC 7517) as an EHR's client registration or JWKS URL
// expects it.
type JWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	// RSA members.
	N string `json:"n,omitempty"`
	E string `json:"e,omitempty"`
	// EC members.
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

// PublicJWK returns the public half of key as a JWK with kid (the RFC 7638 thumbprint
// when kid is empty), ready to register with an EHR or publish in a JWKS.
func PublicJWK(key crypto.Signer, kid string) (JWK, error) {
	pub := key.Public()
	alg, err := algorithmFor(pub)
	if err != nil {
		return JWK{}, err
	}
	var j JWK
	switch k := pub.(type) {
	case *rsa.PublicKey:
		j = JWK{Kty: "RSA", N: b64(k.N.Bytes()), E: b64(big.NewInt(int64(k.E)).Bytes())}
	case *ecdsa.PublicKey:
		ecdh, err := k.ECDH()
		if err != nil {
			return JWK{}, fmt.Errorf("fhir: EC public key: %w", err)
		}
		// The uncompressed point is 0x04 || X || Y with both coordinates 48 bytes long.
		pt := ecdh.Bytes()
		j = JWK{Kty: "EC", Crv: "P-384", X: b64(pt[1:49]), Y: b64(pt[49:])}
	}
	if kid == "" {
		kid = thumbprint(j)
	}
	j.Kid, j.Use, j.Alg = kid, "sig", alg
	return j, nil
}

// thumbprint is the RFC 7638 JWK thumbprint: SHA-256 over the required members in
// lexicographic order, base64url without padding.
func thumbprint(j JWK) string {
	var canonical []byte
	if j.Kty == "RSA" {
		canonical, _ = json.Marshal(struct {
			E   string `json:"e"`
			Kty string `json:"kty"`
			N   string `json:"n"`
		}{j.E, j.Kty, j.N})
	} else {
		canonical, _ = json.Marshal(struct {
			Crv string `json:"crv"`
			Kty string `json:"kty"`
			X   string `json:"x"`
			Y   string `json:"y"`
		}{j.Crv, j.Kty, j.X, j.Y})
	}
	sum := sha256.Sum256(canonical)
	return b64(sum[:])
}

// b64 is base64url without padding, the encoding of JOSE.
func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
