#!/usr/bin/env bash
# bench/queue-viewer.sh - queue viewer benchmark on SQLite and PostgreSQL.
#
#   bench/queue-viewer.sh [--messages 100000] [--repeat 7] [--store sqlite|postgres|both] [--no-build]
#
# Builds Release (unless --no-build), starts a throwaway PostgreSQL cluster (initdb + pg_ctl under
# /tmp, durability defaults, as run.sh does) and runs `mailflow-bench queue-viewer`, which seeds the
# messages into a fresh SQLite file and the PostgreSQL database and prints p50/max ms per viewer query.
# Everything it starts is stopped on exit. All traffic stays on 127.0.0.1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MESSAGES=100000 REPEAT=7 STORE=both BUILD=1
while [ $# -gt 0 ]; do
  case $1 in
    --messages) MESSAGES=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --store) STORE=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "queue-viewer.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case $STORE in sqlite|postgres|both) ;; *) echo "queue-viewer.sh: --store sqlite|postgres|both" >&2; exit 2 ;; esac

log() { echo "[queue-viewer.sh] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

BENCH=$ROOT/bench/Mailflow.Bench/bin/Release/net10.0/mailflow-bench
if [ "$BUILD" = 1 ]; then
  log "building Release"
  dotnet build "$ROOT/bench/Mailflow.Bench" -c Release -nologo -v q >/dev/null
fi
[ -x "$BENCH" ] || { echo "queue-viewer.sh: $BENCH missing (build first)" >&2; exit 1; }

PG_DIR=
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  if [ -n "$PG_DIR" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
trap cleanup EXIT INT TERM

ARGS=(queue-viewer --messages "$MESSAGES" --repeat "$REPEAT")
[ "$STORE" = postgres ] && ARGS+=(--no-sqlite)
if [ "$STORE" != sqlite ]; then
  [ -n "$PGBIN" ] || { echo "queue-viewer.sh: PostgreSQL not installed (apt-get install postgresql)" >&2; exit 1; }
  PG_PORT=$(free_port)
  PG_DIR=$(mktemp -d /tmp/mfbench-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DIR"
  chmod 700 "$PG_DIR"
  as_pg "$PGBIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/pg.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null
  # Like a production install: the application's role owns its database and is not a superuser.
  as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qAt \
    -c "CREATE ROLE mailflow LOGIN PASSWORD 'mailflow'" -c "CREATE DATABASE mailflow OWNER mailflow" >/dev/null
  log "postgres $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
  ARGS+=(--postgres "Host=127.0.0.1;Port=$PG_PORT;Database=mailflow;Username=mailflow;Password=mailflow")
fi

echo "# $(date -u +%FT%TZ) $(nproc) cpus, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BENCH" "${ARGS[@]}"
