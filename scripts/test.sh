#!/usr/bin/env bash
# Set up and run everything CI checks: lint, format, types, import contracts, the whole test
# suite on SQLite and PostgreSQL, and the browser tests in Debian's Chromium.
# LIVEGUARD_REQUIRE_SERVICES=1 turns "PostgreSQL/Chromium missing → skip" into a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev || exit 1

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium (and a CJK font for screenshots) for the browser tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei) >/dev/null ||
      echo "warning: could not install chromium; browser tests will skip (or fail in CI)" >&2
  else
    echo "warning: /usr/bin/chromium missing and cannot apt-get install it; browser tests skip" >&2
  fi
fi

status=0
step() {
  echo "== $*"
  "$@" || status=1
}
step .venv/bin/ruff check .
step .venv/bin/ruff format --check .
step .venv/bin/mypy
step .venv/bin/lint-imports

echo "== pytest"
.venv/bin/pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
  rc=1
fi
[ "$rc" -ne 0 ] && status=1
exit "$status"
