#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the test suite and prints its URL.
#   eval "$(scripts/pg-test-server.sh)"   → exports WORKBENCH_TEST_PG, PG_TEST_DIR; defines stop_postgres
# Installs PostgreSQL from Debian if the machine has none. The cluster runs as the
# postgres user in a temporary directory; stop it with stop_postgres.
set -euo pipefail
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
BIN="$(find_bin)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "==> installing PostgreSQL" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
  BIN="$(find_bin)"
fi
PORT="${PG_TEST_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
DIR="$(mktemp -d /tmp/workbench-pg.XXXXXX)"
chown postgres:postgres "$DIR"
runuser -u postgres -- "$BIN/initdb" -D "$DIR/data" -A trust -U postgres --no-sync -E UTF8 >/dev/null
runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
echo "export WORKBENCH_TEST_PG=postgres://postgres@127.0.0.1:$PORT/postgres"
echo "export PG_TEST_DIR=$DIR/data PG_TEST_BIN=$BIN"
echo "stop_postgres() { runuser -u postgres -- \"$BIN/pg_ctl\" -D \"$DIR/data\" -m immediate stop >/dev/null 2>&1 || true; }"
