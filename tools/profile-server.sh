#!/usr/bin/env bash
# profile-server.sh answers "where does the Temporal server's CPU go" for the engine's load:
# it builds the pinned dev server again with its symbols (the one in .bin/ is stripped, as
# the CLI's release is), runs one standalone load under `perf record` (which follows the load
# generator's children, so the dev server and the engine are both sampled) and prints the
# server's CPU by area, as shares of the server's own samples. Needs Linux perf; not part of
# `make test` or `make bench`. LOADGEN_ARGS replaces the default load; the perf data and the
# full reports stay in $OUT.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${OUT:-$(mktemp -d)}"
command -v perf >/dev/null || { echo "profile-server: perf is not installed" >&2; exit 1; }

# The pinned CLI as temporal-dev/build.sh builds it, with its symbols, so perf can name frames.
BIN_DIR="${out}" SYMBOLS=1 FORCE=1 bash "${repo}/temporal-dev/build.sh"
(cd "${repo}" && go build -o "${out}/careflow" ./cmd/careflow)

read -r -a args <<<"${LOADGEN_ARGS:--n 300 -c 8 -checkins 600 -appointments 0 -mllp 1000 -mllp-conns 32}"
cd "${repo}"
TEMPORAL_BIN="${out}/temporal" APPOINTMENT_CALLS_PER_SECOND="${APPOINTMENT_CALLS_PER_SECOND:-1000}" \
  perf record -g -F 299 -o "${out}/perf.data" -- "${out}/careflow" loadgen -standalone "${args[@]}" \
  >"${out}/loadgen.txt" 2>&1
echo "load: ${out}/loadgen.txt"

# Inclusive shares (a frame and everything it calls) and flat shares (the frame itself), of
# the server process only.
perf report -i "${out}/perf.data" --comm temporal --children --sort symbol --stdio -g none \
  2>/dev/null | grep -v '^#' | awk 'NF >= 4 {print $1, $2, $4, $3}' >"${out}/server-symbols.txt"
perf report -i "${out}/perf.data" --sort comm --stdio -g none 2>/dev/null | grep -v '^#' \
  | awk 'NF >= 3 {print $1, $3}' >"${out}/processes.txt"

total="$(awk '$2 == "temporal" {sub("%", "", $1); print $1}' "${out}/processes.txt")"
echo "server: ${total}% of all samples (processes: ${out}/processes.txt)"
inclusive() { # label, symbol regexp: the largest inclusive share of a matching frame
  awk -v t="${total}" -v re="$2" -v label="$1" '
    $3 ~ re { sub("%", "", $1); if ($1 + 0 > m) m = $1 + 0 }
    END { printf "  %-62s %5.1f%%\n", label, 100 * m / t }' "${out}/server-symbols.txt"
}
flat() { # label, symbol regexp[, kind]: the summed flat share of matching frames
  awk -v t="${total}" -v re="$2" -v kind="${3:-}" -v label="$1" '
    $3 ~ re && (kind == "" || $4 == kind) { sub("%", "", $2); s += $2 }
    END { printf "  %-62s %5.1f%%\n", label, 100 * s / t }' "${out}/server-symbols.txt"
}
echo "inclusive, share of the server's CPU:"
inclusive "gRPC handlers (every frontend, history, matching call)" '^google.golang.org/grpc.[(][*]Server[)].handleStream$'
inclusive "history: workflow task completed" 'RespondWorkflowTaskCompleted_Handler$'
inclusive "history: workflow task started" 'RecordWorkflowTaskStarted_Handler$'
inclusive "history: persisting a mutable state (UpdateWorkflowExecution)" '^go.temporal.io/server/service/history/workflow.[(][*]ContextImpl[)].UpdateWorkflowExecutionWithNew$'
inclusive "visibility queue (records for the Web UI's lists)" '^go.temporal.io/server/service/history.[(][*]visibilityQueueTaskExecutor[)].Execute$'
inclusive "  of it: search-attribute upserts" 'visibilityQueueTaskExecutor[)].processUpsertExecution$'
inclusive "transfer queue" '^go.temporal.io/server/service/history.[(][*]transferQueueActiveTaskExecutor[)].Execute$'
inclusive "timer queue" '^go.temporal.io/server/service/history.[(][*]timerQueueActiveTaskExecutor[)].Execute$'
inclusive "SQLite: parsing statements (sqlite3_prepare)" '^modernc.org/sqlite/lib._sqlite3Prepare$'
inclusive "SQLite: running statements (sqlite3_step)" '^modernc.org/sqlite/lib._sqlite3Step$'
inclusive "Go GC: background marking" '^runtime.gcBgMarkWorker$'
inclusive "Go runtime: goroutine stack growth" '^runtime.morestack.abi0$'
echo "flat, share of the server's CPU:"
flat "SQLite (modernc sqlite, libc, memory)" '^modernc.org/'
flat "Go runtime (allocation, GC, scheduler, maps)" '^(runtime[.]|internal/runtime|aeshashbody|memeqbody|indexbytebody)'
flat "protobuf" '^google.golang.org/protobuf/'
flat "gRPC" '^google.golang.org/grpc'
flat "metrics (tally, Prometheus)" '^github.com/(uber-go/tally|prometheus)/'
flat "Temporal server code" '^go.temporal.io/'
flat "kernel (system calls, loopback TCP)" '.' '[k]'
echo "symbols: ${out}/server-symbols.txt"
