#!/usr/bin/env bash
# Set LiveGuard up on its embedded defaults (SQLite under ./var, in-process bus, local files),
# load the demo data (演示数据) and serve the console and API on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/liveguard db upgrade
.venv/bin/liveguard demo seed
echo "LiveGuard: http://127.0.0.1:8000/console  (API docs: http://127.0.0.1:8000/api/docs)"
exec .venv/bin/liveguard serve --host 127.0.0.1 --port 8000
