// Package ehrsimtest holds what tests of the EHR simulator and of its
// clients share.
package ehrsimtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"sync"
)

// Keys are generated once per test binary: RSA generation is the slowest
// step of a suite.
var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
)

// Keys returns an RSA 2048 key for RS384 and a P-384 key for ES384, the
// two kinds of SMART client key the simulator accepts, the same for every
// caller in one test binary.
func Keys() (*rsa.PrivateKey, *ecdsa.PrivateKey) {
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ecKey, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
			panic(err)
		}
	})
	return rsaKey, ecKey
}
