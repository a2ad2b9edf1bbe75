#!/bin/sh
# stripe-mock.sh builds Stripe's official API mock (github.com/stripe/stripe-mock) from Go modules
# into <repo>/.bin/stripe-mock. The contract tests in tests/contract run our Stripe client against
# it: stripe-mock validates every request against Stripe's OpenAPI spec.
#
# The version is pinned so every machine validates against the same spec; a stamp file next to
# the binary records it, and the build is skipped when the stamp already matches.
set -eu

STRIPE_MOCK_VERSION="${STRIPE_MOCK_VERSION:-v0.203.0}"

repo="$(cd "$(dirname "$0")/.." && pwd)"
bin="$repo/.bin"
stamp="$bin/stripe-mock.version"

if [ -x "$bin/stripe-mock" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$STRIPE_MOCK_VERSION" ]; then
	echo "stripe-mock $STRIPE_MOCK_VERSION already built at $bin/stripe-mock"
	exit 0
fi

mkdir -p "$bin"
# Build outside the repository so its go.mod and GOFLAGS (e.g. -mod=vendor) play no part;
# "go install module@version" resolves stripe-mock's own pinned dependencies.
cd "$bin"
GOBIN="$bin" GOFLAGS=-buildvcs=false go install \
	-ldflags "-X main.version=$STRIPE_MOCK_VERSION" \
	"github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION"
echo "$STRIPE_MOCK_VERSION" >"$stamp"
echo "built stripe-mock $STRIPE_MOCK_VERSION at $bin/stripe-mock"
