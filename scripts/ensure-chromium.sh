#!/usr/bin/env bash
# `npm test` runs this first: the watcher and HTML-report tests drive Debian's Chromium
# (playwright-core never downloads a browser). Installs it where we may, else says how.
set -eu
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests (apt-get)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "The browser tests need Chromium at /usr/bin/chromium: run 'sudo apt-get install chromium' (Debian) and try again." >&2
exit 1
