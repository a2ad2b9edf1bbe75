#!/usr/bin/env bash
# build.sh builds the pinned Temporal CLI (dev server + Web UI) into <repo>/.bin/temporal.
#
# It is idempotent: a stamp file (.bin/temporal.version) records the version that
# was built, and the script does nothing when the stamp matches VERSION and the
# binary exists. Set FORCE=1 to rebuild anyway. BIN_DIR builds elsewhere, and
# SYMBOLS=1 keeps the symbols the release strips (tools/profile-server.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${here}/.." && pwd)"
bin_dir="${BIN_DIR:-${repo}/.bin}"
binary="${bin_dir}/temporal"
stamp="${bin_dir}/temporal.version"
module="github.com/temporalio/cli/cmd/temporal"

version="$(tr -d '[:space:]' < "${here}/VERSION")"
if [[ -z "${version}" ]]; then
  echo "temporal-dev: ${here}/VERSION is empty" >&2
  exit 1
fi

if [[ "${FORCE:-0}" != "1" && -x "${binary}" && -f "${stamp}" \
      && "$(tr -d '[:space:]' < "${stamp}")" == "${version}" ]]; then
  echo "temporal-dev: ${binary} is already ${version}, nothing to do"
  exit 0
fi

mkdir -p "${bin_dir}"
start="$(date +%s)"
# "go install pkg@version" ignores the repo's go.mod and builds the CLI with its
# own module graph (its go.sum pins every dependency), exactly as its release does.
# The stamp is removed first and written last, so an interrupted build is never
# mistaken for a finished one.
rm -f "${stamp}"
# Flags follow the CLI's own .goreleaser.yml: static, stripped, and stamped
# with its version so `temporal --version` does not say 0.0.0-DEV.
strip="-s -w "
[[ "${SYMBOLS:-0}" == "1" ]] && strip=""
(cd "${here}" && CGO_ENABLED=0 GOBIN="${bin_dir}" go install \
  -ldflags "${strip}-X github.com/temporalio/cli/temporalcli.Version=${version#v}" \
  "${module}@${version}")
printf '%s\n' "${version}" > "${stamp}"
echo "temporal-dev: built ${binary} ${version} in $(( $(date +%s) - start ))s"
