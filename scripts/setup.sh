#!/usr/bin/env bash
# Create .venv with Python ≥ 3.11 and install LiveGuard into it.
#   scripts/setup.sh          runtime dependencies
#   scripts/setup.sh dev      runtime + test/lint dependencies
# Re-running is cheap: it reinstalls only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

extra="${1:-}"
python=""
for candidate in python3.11 python3.12 python3.13 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 14) else 1)'; then
    python="$candidate"; break
  fi
done
if [ -z "$python" ]; then
  echo "error: LiveGuard needs Python 3.11–3.13 (python3.11 not found)" >&2
  exit 2
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi

target="."
[ "$extra" = "dev" ] && target=".[dev]"
stamp=".venv/.liveguard-installed-${extra:-runtime}"
digest=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e "$target"
  echo "$digest" > "$stamp"
fi
