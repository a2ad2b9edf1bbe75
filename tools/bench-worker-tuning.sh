#!/usr/bin/env bash
# bench-worker-tuning.sh compares the WORKER_* tunings and the server's eager activity
# dispatch (on by default: internal/devserver.EagerActivityArgs) side by side: one standalone
# load per variant on the dev server, the variants alternated ROUNDS times, so a shared
# machine's drift spreads over all of them. It prints payments flows/s and the check-in
# verdict's p99 per run; the full output of each run goes to $OUT/<round>-<variant>.txt.
# VARIANTS picks some of: default autoscale sticky0 no-eager.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${ROUNDS:-3}"
out="${OUT:-$(mktemp -d)}"
bin="${out}/careflow"
args=(loadgen -standalone -n "${FLOWS:-60}" -c "${CONC:-16}" -checkins "${CHECKINS:-60}" -mllp 0 -appointments 0)

(cd "${repo}" && go build -o "${bin}" ./cmd/careflow)
read -r -a variants <<<"${VARIANTS:-default autoscale sticky0 no-eager}"
run() {
  case "$1" in
    default) "${bin}" "${args[@]}" ;;
    autoscale) WORKER_POLLERS=autoscale "${bin}" "${args[@]}" ;;
    sticky0) WORKER_STICKY_CACHE_SIZE=0 "${bin}" "${args[@]}" ;;
    no-eager) "${bin}" "${args[@]}" -dynamic-config system.enableActivityEagerExecution=false ;;
  esac
}
cd "${repo}"
for r in $(seq 1 "${rounds}"); do
  for v in "${variants[@]}"; do
    f="${out}/${r}-${v}.txt"
    run "${v}" >"${f}" 2>&1 || echo "round ${r} ${v}: failed (see ${f})"
    pay="$(awk '/^payment flow/ {print $7}' "${f}")"
    chk="$(awk '/^check-in verdict/ {print $8}' "${f}")"
    printf 'round %s %-10s payments %-9s check-in %s\n' "${r}" "${v}" "${pay}" "${chk}"
  done
done
echo "outputs in ${out}"
