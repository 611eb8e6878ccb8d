#!/usr/bin/env bash
# Run a command with a PostgreSQL for the tests: the one at 127.0.0.1:5432 if it answers,
# else a private throw-away cluster from Debian's postgresql package (initdb + pg_ctl on a free
# loopback port in a temporary folder), stopped and deleted when the command ends.
#   scripts/with-test-postgres.sh pytest -q ...
# The command gets WORKBENCH_TEST_PG (the admin URL tests/conftest.py reads).
# WORKBENCH_TEST_PG_PORT forces the throw-away cluster's port (and skips the 5432 probe).
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }

answers() {  # host port
  if command -v pg_isready >/dev/null 2>&1; then pg_isready -q -h "$1" -p "$2" -t 3; else
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; fi
}

if [ -z "${WORKBENCH_TEST_PG_PORT:-}" ] && [ -z "${WORKBENCH_TEST_PG:-}" ] && answers 127.0.0.1 5432; then
  exec "$@"
fi
if [ -n "${WORKBENCH_TEST_PG:-}" ]; then exec "$@"; fi  # the caller chose a server

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "no PostgreSQL at 127.0.0.1:5432 and no Debian postgresql package to start one" \
       "(apt-get install postgresql): the PostgreSQL tests will skip and say why" >&2
  if [ "${CI:-}" = "true" ]; then echo "CI=true: failing instead" >&2; exit 1; fi
  exec "$@"
fi

port=${WORKBENCH_TEST_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
dir=$(mktemp -d "${TMPDIR:-/tmp}/workbench-pg.XXXXXX")
# initdb refuses to run as root: run the cluster as the postgres user then
as=()
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; as=(runuser -u postgres --); fi

stop() {
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT INT TERM

"${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
"${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres test
echo "no PostgreSQL at 127.0.0.1:5432: started a throw-away cluster on 127.0.0.1:$port ($dir)"
export WORKBENCH_TEST_PG="postgresql://postgres@127.0.0.1:$port/test"
set +e
"$@"
code=$?
set -e
exit $code
