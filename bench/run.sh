#!/usr/bin/env bash
# bench/run.sh - reproducible acceptance benchmark of Mailflow on this machine.
#
#   bench/run.sh [--store sqlite|postgres|both] [--messages N] [--warmup N] [--size BYTES]
#                [--compare] [--relay] [--pairs N] [--no-build] [--server-bin DIR]
#
# For each store: builds Release (unless --no-build), starts Mailflow.Server on a fresh data
# directory (SQLite file; or PostgreSQL in a throwaway initdb cluster with fsync ON, as in
# stack-recipe §1), warms it up, runs mailflow-bench for 1 and 20 sessions x SIZE bytes and
# prints one line per run (msgs/s, p50/p99 ms, server peak RSS), plus the server CPU per message.
# With --compare, and when ../shared/bench exists and Postfix listens on 127.0.0.1:2601
# (../shared/bench/peers-setup.sh), it also runs compare.sh (Postfix vs Mailflow, alternating).
# With --relay, the server also gets bench/relay-config.json (relay.test routed through a send
# connector to the shared smtp-sink on 127.0.0.1:2602) and compare.sh --mode relay measures end-to-end
# delivered/s against Postfix (RELAY_MESSAGES per run, default 3000), right after a relay warm-up
# (RELAY_WARMUP, default 6000) on the fresh server, before the acceptance runs.
# Everything it starts is stopped on exit. All traffic stays on 127.0.0.1.
#
# Defaults: --store sqlite, --messages 10000 (20 sessions; the 1-session run sends a fifth),
# --warmup 20000 (tiered JIT settles only after some 10^4 messages), --size 5000, --pairs 4.
# --server-bin DIR runs the server from a published folder instead of the Release build output, e.g. a
# ReadyToRun publish for the cold-start figures (--warmup 0):
#   dotnet publish src/Server -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o /tmp/mailflow-r2r
#   bench/run.sh --no-build --warmup 0 --messages 20000 --server-bin /tmp/mailflow-r2r
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED_BENCH=${SHARED_BENCH:-$ROOT/../shared/bench}
STORE=sqlite MESSAGES=10000 WARMUP=20000 SIZE=5000 COMPARE=0 RELAY=0 PAIRS=4 BUILD=1 SERVER_BIN_OVERRIDE=
RELAY_MESSAGES=${RELAY_MESSAGES:-3000} RELAY_WARMUP=${RELAY_WARMUP:-6000}
while [ $# -gt 0 ]; do
  case $1 in
    --store) STORE=$2; shift 2 ;;
    --messages) MESSAGES=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --compare) COMPARE=1; shift ;;
    --relay) RELAY=1; shift ;;
    --pairs) PAIRS=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --server-bin) SERVER_BIN_OVERRIDE=$2; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case $STORE in sqlite) STORES=(sqlite) ;; postgres) STORES=(postgres) ;; both) STORES=(sqlite postgres) ;;
  *) echo "run.sh: --store sqlite|postgres|both" >&2; exit 2 ;; esac

log() { echo "[run.sh] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

SERVER_BIN=${SERVER_BIN_OVERRIDE:-$ROOT/src/Server/bin/Release/net10.0}
[ -f "$SERVER_BIN/Mailflow.Server.dll" ] || { echo "run.sh: no Mailflow.Server.dll in $SERVER_BIN" >&2; exit 2; }
BENCH=$ROOT/bench/Mailflow.Bench/bin/Release/net10.0/mailflow-bench
if [ "$BUILD" = 1 ]; then
  log "building Release"
  dotnet build "$ROOT/src/Server" -c Release -nologo -v q >/dev/null
  dotnet build "$ROOT/bench/Mailflow.Bench" -c Release -nologo -v q >/dev/null
fi
[ -x "$BENCH" ] || { echo "run.sh: $BENCH missing (build first)" >&2; exit 1; }

SERVER_PID= PG_DIR= DATA_DIR=
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID"
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -9 "$SERVER_PID"
  fi
  SERVER_PID=
  [ -n "$DATA_DIR" ] && rm -rf "$DATA_DIR"
  DATA_DIR=
}
stop_postgres() {
  if [ -n "$PG_DIR" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
  PG_DIR=
}
cleanup() { stop_server; stop_postgres; }
trap cleanup EXIT INT TERM

# A throwaway PostgreSQL cluster with the durability defaults (fsync on, synchronous_commit on).
start_postgres() {
  [ -n "$PGBIN" ] || { echo "run.sh: PostgreSQL not installed (apt-get install postgresql)" >&2; exit 1; }
  PG_PORT=$(free_port)
  PG_DIR=$(mktemp -d /tmp/mfbench-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DIR"
  chmod 700 "$PG_DIR"
  as_pg "$PGBIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  as_pg "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/pg.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null
  as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qAt \
    -c "CREATE ROLE mailflow LOGIN PASSWORD 'mailflow'" -c "CREATE DATABASE mailflow OWNER mailflow" >/dev/null
  log "postgres on 127.0.0.1:$PG_PORT (fsync=$(as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qAt -c 'SHOW fsync'))"
}

start_server() { # store
  DATA_DIR=$(mktemp -d /tmp/mfbench-data.XXXXXX)
  SMTP_PORT=$(free_port)
  local env=(
    Mailflow__DataDirectory="$DATA_DIR" Mailflow__DefaultDomain=bench.test
    Mailflow__Admin__InitialPassword='Correct-Horse-9' Mailflow__Seed__BindAddress=127.0.0.1
    Mailflow__Seed__DefaultFrontendPort="$SMTP_PORT" Mailflow__Seed__ClientFrontendPort="$(free_port)"
    Mailflow__Seed__ImplicitTlsPort="$(free_port)")
  [ "$RELAY" = 1 ] && env+=(Mailflow__ConfigFile="$ROOT/bench/relay-config.json")
  if [ "$1" = postgres ]; then
    env+=(Database__Provider=Postgres "ConnectionStrings__Mailflow=Host=127.0.0.1;Port=$PG_PORT;Database=mailflow;Username=mailflow;Password=mailflow")
  fi
  (cd "$SERVER_BIN" && exec env "${env[@]}" dotnet Mailflow.Server.dll --urls "http://127.0.0.1:$(free_port)") >"$DATA_DIR/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 240); do
    grep -q "Listening for SMTP on 127.0.0.1:$SMTP_PORT" "$DATA_DIR/server.log" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$DATA_DIR/server.log" >&2; echo "run.sh: server exited" >&2; exit 1; }
    sleep 0.25
  done
  grep -q "Listening for SMTP on 127.0.0.1:$SMTP_PORT" "$DATA_DIR/server.log" || { echo "run.sh: server did not listen within 60 s" >&2; exit 1; }
  log "mailflow ($1) pid $SERVER_PID smtp 127.0.0.1:$SMTP_PORT data $DATA_DIR"
}

bench() { # label sessions messages
  local c0 c1 line
  c0=$(cpu_ticks "$SERVER_PID")
  line=$("$BENCH" --port "$SMTP_PORT" --sessions "$2" --messages "$3" --size "$SIZE" --pid "$SERVER_PID" --label "$1")
  c1=$(cpu_ticks "$SERVER_PID")
  echo "$line srv_cpu_ms_per_msg=$(awk -v t=$((c1 - c0)) -v m="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t * 1000 / hz / m }')"
}

echo "# $(date -u +%FT%TZ) $(nproc) cpus, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for store in "${STORES[@]}"; do
  [ "$store" = postgres ] && start_postgres
  start_server "$store"
  # Relay first, on the fresh server: the acceptance runs below leave a backlog of local deliveries
  # that would otherwise sit in front of the relayed messages.
  if [ "$RELAY" = 1 ]; then
    if [ -x "$SHARED_BENCH/compare.sh" ] && (exec 3<>/dev/tcp/127.0.0.1/2601) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/2602) 2>/dev/null; then
      # load.sh first probes the port with a bare connect-and-close. On a fresh server that first
      # session is slow to notice the close (the JIT, the self-signed certificate made on first use),
      # so it still held one of the connector's 20 per-source slots when smtp-source opened its 20:
      # "421 4.7.0 Too many connections" at the banner. One complete session first avoids the race.
      "$BENCH" --port "$SMTP_PORT" --sessions 1 --messages 20 --size "$SIZE" --label prime >/dev/null
      log "relay warm-up: $RELAY_WARMUP messages through the sink"
      "$SHARED_BENCH/relay.sh" 127.0.0.1 "$SMTP_PORT" -s 20 -m "$RELAY_WARMUP" -l "$SIZE" -r 1 -L relay-warmup | grep '^e2e_' || true
      "$SHARED_BENCH/compare.sh" 127.0.0.1 "$SMTP_PORT" --mode relay --target-pid "$SERVER_PID" --pairs "$PAIRS" --warmup 0 \
        -- -s 20 -m "$RELAY_MESSAGES" -l "$SIZE" -r 1 | grep -E '^\[compare.sh\] pair|^e2e_|^compare '
    else
      log "skipping the relay comparison: needs $SHARED_BENCH, Postfix on :2601 and the sink on :2602 (run peers-setup.sh)"
    fi
  fi
  if [ "$WARMUP" -gt 0 ]; then
    log "warm-up: $WARMUP messages"
    "$BENCH" --port "$SMTP_PORT" --sessions 20 --messages "$WARMUP" --size "$SIZE" --label warmup >/dev/null
  else
    log "no warm-up: the runs below measure a cold server"
  fi
  bench "mailflow-$store-1s" 1 $((MESSAGES / 5))
  bench "mailflow-$store-20s" 20 "$MESSAGES"
  if [ "$COMPARE" = 1 ]; then
    if [ -x "$SHARED_BENCH/compare.sh" ] && (exec 3<>/dev/tcp/127.0.0.1/2601) 2>/dev/null; then
      # compare.sh's own warm-up sends to bench@bench.test, which Mailflow rejects (no such recipient);
      # both sides are warm already, so skip it and send to postmaster@bench.test, which both accept.
      "$SHARED_BENCH/compare.sh" 127.0.0.1 "$SMTP_PORT" --target-pid "$SERVER_PID" --pairs "$PAIRS" --warmup 0 \
        -- -s 20 -m 5000 -l "$SIZE" -r 1 -t postmaster@bench.test | grep -E '^\[compare.sh\] pair|^compare '
    else
      log "skipping compare.sh: needs $SHARED_BENCH/compare.sh and Postfix on 127.0.0.1:2601 (run peers-setup.sh)"
    fi
  fi
  stop_server
  [ "$store" = postgres ] && stop_postgres
done
