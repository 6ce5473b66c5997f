#!/usr/bin/env bash
# What one relayed message costs the PostgreSQL store: transactions, rows written and WAL bytes per
# message (docs/scale.md). Counts, not timings, so a busy machine does not skew them.
#
#   bench/store-writes.sh [MESSAGES]      default 1000 messages of ~5 KB, after 200 warm-up messages
#
# Starts a throwaway PostgreSQL cluster (initdb + pg_ctl under /tmp, durability defaults), a Python SMTP
# sink, and the Release server (dotnet build first) relaying relay.test to the sink; sends with Python's
# smtplib (4 connections); reads pg_stat_database and the WAL position before and after; stops everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
messages="${1:-1000}"
server_dll="src/Server/bin/Release/net10.0/Mailflow.Server.dll"
[ -f "$server_dll" ] || { echo "build first: dotnet build src/Server -c Release"; exit 2; }
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
work="$(mktemp -d /tmp/mailflow-store-writes-XXXXXX)"
chmod 755 "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pg_port=$(free_port) sink_port=$(free_port) smtp_port=$(free_port)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  runuser -u postgres -- "$bin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/pg" && chown postgres "$work/pg"
runuser -u postgres -- "$bin/initdb" -D "$work/pg" -U postgres -A trust -E UTF8 --no-locale >/dev/null
runuser -u postgres -- "$bin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null
psql() { "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -At "$@"; }
psql -c "CREATE DATABASE mailflow" >/dev/null

# The sink: accepts every message, counts them in a file.
cat >"$work/sink.py" <<'PY'
import asyncio, sys
count = 0
async def session(reader, writer):
    global count
    writer.write(b"220 sink ESMTP\r\n")
    data = False
    while line := await reader.readline():
        if data:
            if line == b".\r\n":
                data = False; count += 1
                open(sys.argv[2], "w").write(str(count))
                writer.write(b"250 2.0.0 ok\r\n")
            continue
        verb = line[:4].upper()
        if verb == b"EHLO": writer.write(b"250-sink\r\n250-8BITMIME\r\n250 PIPELINING\r\n")
        elif verb == b"DATA": data = True; writer.write(b"354 go\r\n")
        elif verb == b"QUIT": writer.write(b"221 bye\r\n"); await writer.drain(); break
        else: writer.write(b"250 ok\r\n")
        await writer.drain()
    writer.close()
async def main():
    server = await asyncio.start_server(session, "127.0.0.1", int(sys.argv[1]))
    async with server: await server.serve_forever()
asyncio.run(main())
PY
python3 "$work/sink.py" "$sink_port" "$work/delivered" & pids+=($!)

sed "s/127.0.0.1:2602/127.0.0.1:$sink_port/" bench/relay-config.json >"$work/relay-config.json"
Database__Provider=Postgres ConnectionStrings__Mailflow="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=mailflow" \
Mailflow__DataDirectory="$work/data" Mailflow__DefaultDomain=bench.test Mailflow__ConfigFile="$work/relay-config.json" \
Mailflow__Seed__BindAddress=127.0.0.1 Mailflow__Seed__DefaultFrontendPort="$smtp_port" \
Mailflow__Seed__ClientFrontendPort="$(free_port)" Mailflow__Seed__ImplicitTlsPort="$(free_port)" \
Mailflow__Admin__InitialPassword=Store-Writes-1 Urls="http://127.0.0.1:$(free_port)" DOTNET_ENVIRONMENT=Production \
  dotnet "$server_dll" >"$work/server.log" 2>&1 & pids+=($!)
for _ in $(seq 120); do (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null && break; sleep 1; done

send() { # COUNT PREFIX
  python3 - "$smtp_port" "$1" "$2" <<'PY'
import smtplib, sys, threading
port, count, prefix = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
body = ("x" * 76 + "\r\n") * 64
def worker(k):
    with smtplib.SMTP("127.0.0.1", port) as s:
        for n in range(k, count, 4):
            s.sendmail("bench@bench.test", [f"user{n % 7}@relay.test"], f"Subject: {prefix} {n}\r\nMessage-ID: <{prefix}-{n}@bench.test>\r\n\r\n{body}")
threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
[t.start() for t in threads]; [t.join() for t in threads]
PY
}
wait_delivered() { for _ in $(seq 300); do local n; n=$(cat "$work/delivered" 2>/dev/null || true); [ "${n:-0}" -ge "$1" ] && return; sleep 1; done; echo "only $(cat "$work/delivered") of $1 delivered"; exit 1; }
stats() { psql -d mailflow -F' ' -c "SELECT xact_commit, tup_inserted, tup_updated, tup_deleted, pg_current_wal_lsn() - '0/0'::pg_lsn FROM pg_stat_database WHERE datname = 'mailflow'"; }

send 200 warmup && wait_delivered 200 && sleep 3
read -r x0 i0 u0 d0 w0 < <(stats)
start=$SECONDS
send "$messages" measured && wait_delivered $((200 + messages)) && sleep 3
sleep 1 # pg_stat counters are flushed at most once a second
read -r x1 i1 u1 d1 w1 < <(stats)
python3 - "$messages" "$((SECONDS - start))" "$x0" "$x1" "$i0" "$i1" "$u0" "$u1" "$d0" "$d1" "$w0" "$w1" <<'PY'
import sys
m, secs, *v = sys.argv[1:]; m = int(m); v = [float(x) for x in v]
x, i, u, d, w = (v[1]-v[0], v[3]-v[2], v[5]-v[4], v[7]-v[6], v[9]-v[8])
print(f"{m} relayed messages of ~5 KB in {secs} s (includes background work of that time: heartbeats, polls)")
print(f"per message: {x/m:.2f} transactions, {i/m:.1f} rows inserted, {u/m:.1f} updated, {d/m:.1f} deleted, {w/m/1024:.1f} KiB of WAL")
PY
