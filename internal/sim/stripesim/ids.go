package stripesim

import (
	"crypto/rand"
	"fmt"
)

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomAlnum returns n characters drawn uniformly from [0-9A-Za-z] using
// crypto/rand, so ids cannot be guessed or collide across simulator runs.
func randomAlnum(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			// crypto/rand.Read never fails on supported platforms; a failure
			// means the process cannot produce safe ids at all.
			panic(fmt.Sprintf("stripesim: crypto/rand: %v", err))
		}
		for _, b := range buf {
			// Rejection sampling above 4*62 keeps the distribution uniform.
			if b >= 248 {
				continue
			}
			out = append(out, alnum[b%62])
			if len(out) == n {
				break
			}
		}
	}
	return string(out)
}

// newID returns a Stripe-style object id such as "pi_" followed by 24
// alphanumeric characters.
func newID(prefix string) string {
	return prefix + "_" + randomAlnum(24)
}

// newRequestID returns a Stripe-style request id ("req_" and 14 characters).
func newRequestID() string {
	return "req_" + randomAlnum(14)
}
