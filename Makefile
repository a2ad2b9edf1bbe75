# careflow: two commands matter, `make run` and `make test`; each does its own set-up.
SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/.bin
export TEMPORAL_BIN := $(BIN)/temporal
export STRIPE_MOCK_BIN := $(BIN)/stripe-mock
WORKFLOWCHECK_VERSION := v0.6.0

.PHONY: run run-postgres test chaos deps temporal temporal-pg chromium stripe-mock npm-peers vet lint workflowcheck bench clean

## run: the Temporal dev server (with Web UI), worker, API and vendor simulators, in the foreground.
run: deps temporal
	$(GO) run ./cmd/careflow run

## run-postgres: `run` on the production shape of Temporal: the server on PostgreSQL (SQL
## visibility) and the Web UI server, built from Go modules (temporal-pg/), schema set up first.
run-postgres: deps temporal-pg
	bash temporal-pg/setup.sh
	DATA_DIR="$${DATA_DIR:-.data/postgres}" $(GO) run ./cmd/careflow run -temporal postgres

## test: every test (unit, activity, contract, end-to-end, replay) after building what they need;
## CAREFLOW_E2E_POSTGRES turns on the end-to-end and browser tests on the PostgreSQL topology.
test: deps temporal temporal-pg chromium stripe-mock npm-peers vet workflowcheck
	CAREFLOW_E2E_POSTGRES=1 $(GO) test -race -count=1 -timeout 25m ./...

## chaos: kill -9 the worker, the API and the Temporal server (on PostgreSQL) under load, then
## check the simulators for duplicate side effects and lost messages; minutes long, not in `test`.
## CAREFLOW_CHAOS_N sets the processes in flight (default 200).
chaos: deps temporal-pg
	CAREFLOW_CHAOS=1 $(GO) test -count=1 -timeout 45m -v -run TestChaos ./tests/chaos

deps:
	$(GO) mod download

## temporal: build the pinned Temporal CLI dev server into .bin/ (skipped when already built).
temporal:
	bash temporal-dev/build.sh

## temporal-pg: build the pinned Temporal server, SQL tool and Web UI server into .bin/ (skipped when built).
temporal-pg:
	bash temporal-pg/build.sh

## chromium: Debian's chromium for the real-browser test (skipped when installed).
chromium:
	bash tools/chromium.sh

## stripe-mock: build the official stripe-mock into .bin/ for the Stripe contract test.
stripe-mock:
	bash tools/stripe-mock.sh

## npm-peers: conformance peers from npm (FHIR definitions, HL7/MLLP peers, X12 parser), from the lock file.
npm-peers:
	@if [ tests/npm/node_modules/.package-lock.json -nt tests/npm/package-lock.json ]; then echo "npm peers up to date"; \
	else cd tests/npm && npm ci --no-audit --no-fund --loglevel=error; fi

vet:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null; git ls-files --others --exclude-standard '*.go' 2>/dev/null)); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi

lint: vet workflowcheck

## workflowcheck: Temporal's static determinism check over workflow code.
workflowcheck:
	$(GO) run go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION) ./workflows/...

## bench: codec micro-benchmarks, then the load generator against a self-contained engine.
bench: deps temporal temporal-pg npm-peers
	$(GO) test -run '^$$' -bench . -benchmem ./internal/... ./codecs/... ./clients/... ./transport/...
	HL7_COMPARE=1 $(GO) test -count=1 -run TestCompareNodeParsers -v ./codecs/hl7 | grep -v '^=== RUN'
	$(GO) run ./cmd/careflow loadgen -standalone -n 40 -c 8 -checkins 40 -appointments 100 -mllp 200 -mllp-conns 8,32,128
	$(GO) run ./cmd/careflow loadgen -standalone -n 10 -c 4 -checkins 0 -appointments 0 -baseline=false -mllp 200 -mllp-conns 8,32,128 -mllp-orders 512
	$(GO) run ./cmd/careflow loadgen -standalone -temporal dev-file -n 40 -c 8 -checkins 40 -appointments 0 -mllp 200 -mllp-conns 8,32,128
	$(GO) run ./cmd/careflow loadgen -standalone -temporal postgres -n 40 -c 8 -checkins 40 -mllp 200 -mllp-conns 8,32,128

clean:
	rm -rf $(BIN)
