#!/bin/sh
# chromium.sh installs Debian's chromium for the real-browser test of the Web UI
# (tests/e2e/browser_test.go drives it headless over the DevTools protocol). Nothing is
# downloaded outside the distribution's packages; an existing /usr/bin/chromium is kept.
set -eu

if [ -x /usr/bin/chromium ]; then
	echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "chromium.sh: /usr/bin/chromium is missing and installing it needs root (apt-get install chromium)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
echo "installed $(/usr/bin/chromium --version)"
