// Package contract holds contract tests: the engine's vendor clients run against conformance
// peers written by the vendors themselves (see DESIGN.md), such as Stripe's stripe-mock, which
// validates every request against Stripe's OpenAPI spec. Build the peers with the scripts in
// tools/ (the Makefile does this before tests).
package contract
