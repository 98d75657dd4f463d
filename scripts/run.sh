#!/usr/bin/env bash
# Set LiveGuard up on its embedded defaults (SQLite under ./var, in-process bus, local files),
# load the demo data (演示数据) and serve the console and API on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/liveguard db upgrade
.venv/bin/liveguard demo seed
echo "LiveGuard: http://127.0.0.1:8000/console  (API docs: http://127.0.0.1:8000/api/docs)"
if [ "${LIVEGUARD_DEMO_LIVE:-1}" != "0" ]; then
  # A 【演示】 live session replayed into the demo room for a few minutes (实时审核 → 直播间监看);
  # LIVEGUARD_DEMO_LIVE=0 skips it. It ends by itself; its output goes to var/demo-live.log.
  mkdir -p var
  (sleep 5 && .venv/bin/liveguard demo live --rate 1 --loops 10 >var/demo-live.log 2>&1) &
  echo "演示直播回放中：以 compliance@demo.liveguard.cn 登录，打开 实时审核 → 【演示】山野鲜食直播间"
fi
exec .venv/bin/liveguard serve --host 127.0.0.1 --port 8000
