#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the tests (Debian's postgresql package; installed if
# missing). Prints the SQLAlchemy URL to use as DATAVIGIL_TEST_PG_URL on its last line.
set -euo pipefail
PORT=${DATAVIGIL_PG_PORT:-55432}
if ! ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1; then
  echo "installing postgresql (apt-get)" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
DATA=${DATAVIGIL_PG_DATA:-/tmp/datavigil-pg-$PORT}
run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
if ! run "$PGBIN/pg_ctl -D $DATA status" > /dev/null 2>&1; then
  rm -rf "$DATA"; mkdir -p "$DATA"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
  run "$PGBIN/initdb -D $DATA -A trust -U postgres" > /dev/null
  run "$PGBIN/pg_ctl -D $DATA -l $DATA/server.log -w -o \"-p $PORT -k /tmp -c listen_addresses=127.0.0.1\" start" >&2
fi
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
