#!/usr/bin/env bash
# Start the central server on the demo store and open the workbench logged in as agent1.
# Usage: scripts/run-demo.sh DB_URL PORT DEMO_DIR
set -euo pipefail
db="$1"; port="$2"; dir="$3"
venv="$(dirname "$0")/../.venv/bin"
log="$dir/server.log"

# the SMS gateway: a local Kannel with its fake SMS centre (skipped if Kannel is not installed)
eval "$("$venv/python" -m server_stub.sms.kannel_local start --dir "$dir/kannel" --callback "http://127.0.0.1:$port")"
"$venv/workbench-server" serve --db "$db" --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; "$venv/python" -m server_stub.sms.kannel_local stop --dir "$dir/kannel"' EXIT INT TERM
for _ in $(seq 1 100); do
  if "$venv/python" - "$port" <<'PY' 2>/dev/null; then break; fi
import sys, httpx
httpx.get(f"http://127.0.0.1:{sys.argv[1]}/api/v1/health", timeout=1).raise_for_status()
PY
  kill -0 $server 2>/dev/null || { echo "the server did not start; see $log"; cat "$log"; exit 1; }
  sleep 0.2
done
echo "server: http://127.0.0.1:$port (log: $log)"
echo "demo accounts (password 'demo'): agent1 agent2 agent9 reception1 lead1 admin"
number=$("$venv/python" - "$db" <<'PY'
import sys
from sqlalchemy import create_engine, text
e = create_engine(sys.argv[1])
with e.connect() as c:
    row = c.execute(text("select phone from customers where team_id='T01' and plan_fee=96 and not do_not_call order by id limit 1")).first()
print(row[0] if row else "")
PY
)
[ -n "$number" ] && echo "from a second terminal, pop a customer:  .venv/bin/workbench call $number"
export WORKBENCH_DATA_DIR="$(cd "$dir" && pwd)/desktop"
export WORKBENCH_CONFIG_DIR="$WORKBENCH_DATA_DIR"
set +e
echo demo | "$venv/workbench" --user agent1 --password-stdin --server "http://127.0.0.1:$port"
code=$?
if [ $code -eq 2 ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "to see the demo on this headless machine: xvfb-run -a make demo   (or: make screenshots)"
fi
exit $code
