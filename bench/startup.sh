#!/usr/bin/env bash
# Start-up cost of one server binary: wall time from launch until /readyz answers, and the server's CPU
# (utime + stime) at that moment, on a fresh SQLite data directory (first start: migrations, seed, key
# material). CPU is the figure to compare on a busy machine; wall time moves with the load.
#
#   bench/startup.sh DLL [RUNS]     e.g. compare the Release build with a ReadyToRun publish:
#   dotnet publish src/Server -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o /tmp/mailflow-r2r
#   bench/startup.sh /tmp/mailflow-r2r/Mailflow.Server.dll 3; bench/startup.sh src/Server/bin/Release/net10.0/Mailflow.Server.dll 3
set -euo pipefail
dll=$(realpath "$1") runs=${2:-3}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
tck=$(getconf CLK_TCK)
for _ in $(seq 1 "$runs"); do
  data=$(mktemp -d) http=$(free_port)
  start=$(date +%s%N)
  env Urls="http://127.0.0.1:$http" Mailflow__DataDirectory="$data" Mailflow__Seed__BindAddress=127.0.0.1 \
    Mailflow__Seed__DefaultFrontendPort="$(free_port)" Mailflow__Seed__ClientFrontendPort="$(free_port)" \
    Mailflow__Seed__ImplicitTlsPort="$(free_port)" Mailflow__Admin__InitialPassword=Startup-Bench-Password-1 \
    dotnet "$dll" >"$data/server.log" 2>&1 &
  pid=$!
  ready=0
  for _ in $(seq 1 1200); do
    if curl -sf -o /dev/null "http://127.0.0.1:$http/readyz"; then ready=1; break; fi
    sleep 0.1
  done
  end=$(date +%s%N)
  read -r utime stime < <(awk '{print $14, $15}' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  [ "$ready" = 1 ] || { echo "not ready after 120 s; see the log:"; tail -20 "$data/server.log"; rm -rf "$data"; exit 1; }
  echo "ready_ms=$(( (end - start) / 1000000 )) server_cpu_ms=$(( (utime + stime) * 1000 / tck ))"
  rm -rf "$data"
done
