#!/usr/bin/env bash
# build.sh builds the pinned Temporal server, its SQL schema tool and the Web UI
# server from their Go modules into <repo>/.bin/, each into its own directory
# because the server and the schema tool are both simply named after their role
# (server, sql) and the UI server's binary is named server too:
#
#   .bin/temporal-server/server   go.temporal.io/server/cmd/server
#   .bin/temporal-sql/sql         go.temporal.io/server/cmd/tools/sql
#   .bin/temporal-ui/server       github.com/temporalio/ui-server/v2/cmd/server (assets embedded)
#
# It is idempotent: each directory holds a stamp with the version that was
# built, and a binary whose stamp matches is not rebuilt. FORCE=1 rebuilds.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${here}/.." && pwd)"
bin_dir="${repo}/.bin"
# shellcheck source=versions.env
source "${here}/versions.env"

# build DIR BINARY MODULE@VERSION: go install into .bin/DIR unless already built.
build() {
  local dir="${bin_dir}/$1" binary="$2" pkg="$3" version="$4"
  local stamp="${dir}/${binary}.version"
  if [[ "${FORCE:-0}" != "1" && -x "${dir}/${binary}" && -f "${stamp}" \
        && "$(tr -d '[:space:]' < "${stamp}")" == "${version}" ]]; then
    echo "temporal-pg: ${dir}/${binary} is already ${version}, nothing to do"
    return 0
  fi
  mkdir -p "${dir}"
  local start
  start="$(date +%s)"
  # The stamp is removed first and written last, so an interrupted build is
  # never mistaken for a finished one. "go install pkg@version" ignores this
  # repo's go.mod and builds with the module's own go.sum, like its release.
  rm -f "${stamp}"
  (cd "${here}" && CGO_ENABLED=0 GOBIN="${dir}" go install -ldflags "-s -w" "${pkg}@${version}")
  printf '%s\n' "${version}" > "${stamp}"
  echo "temporal-pg: built ${dir}/${binary} ${version} in $(( $(date +%s) - start ))s"
}

only="${1:-all}"
if [[ "${only}" == "all" || "${only}" == "sql" ]]; then
  build temporal-sql sql go.temporal.io/server/cmd/tools/sql "${TEMPORAL_SERVER_VERSION}"
fi
if [[ "${only}" == "all" || "${only}" == "server" ]]; then
  build temporal-server server go.temporal.io/server/cmd/server "${TEMPORAL_SERVER_VERSION}"
fi
if [[ "${only}" == "all" || "${only}" == "ui" ]]; then
  build temporal-ui server github.com/temporalio/ui-server/v2/cmd/server "${TEMPORAL_UI_VERSION}"
fi
