#!/usr/bin/env bash
# Fuzzes Mailflow's parsers with afl-fuzz (Debian package afl++) through SharpFuzz (fuzz/README.md).
#
#   fuzz/run.sh [SECONDS] [TARGET...]     default: 60 s for each of every target
#
# Publishes fuzz/Mailflow.Fuzz into a fresh folder, instruments Mailflow.Server, Mailflow.Shared and
# MimeKit there with the sharpfuzz tool (dotnet-tools.json), then runs afl-fuzz on each target for
# SECONDS, starting from fuzz/corpus/<target>/. Findings land in $FUZZ_OUT (default fuzz/out, ignored
# by git). Exit code 1 when any target found a crash or a hang; each one is listed with the command
# that replays it. test.sh runs a smoke run of a few seconds per target, with FUZZ_NO_BUILD=1: it has
# built Admin.sln (Mailflow.Fuzz included) in Release already, and the tests running beside the smoke
# run read that build, so the publish copies it instead of building over it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
seconds="${1:-60}"
shift || true
all_targets=(smtp-command data bdat address header-summary)
targets=("${@:-${all_targets[@]}}")
out="${FUZZ_OUT:-$root/fuzz/out}"

command -v afl-fuzz >/dev/null || { echo "fuzz/run.sh: afl-fuzz is missing: apt-get install afl++"; exit 2; }

# A fresh publish each run: sharpfuzz rewrites the assemblies in place and must see them uninstrumented.
rm -rf "$out/bin"
no_build=()
[ -n "${FUZZ_NO_BUILD:-}" ] && no_build=(--no-build)
dotnet publish fuzz/Mailflow.Fuzz/Mailflow.Fuzz.csproj -c Release "${no_build[@]}" -o "$out/bin" -nologo -v q >"$out.publish.log" 2>&1 \
  || { echo "fuzz/run.sh: publish failed, see $out.publish.log"; exit 2; }
dotnet tool restore >/dev/null
for assembly in Mailflow.Server.dll Mailflow.Shared.dll MimeKit.dll; do
  dotnet tool run sharpfuzz "$out/bin/$assembly" >/dev/null
done

# .NET is not an AFL-instrumented binary (SharpFuzz reports coverage itself); no CPU governor or core
# pattern to tune on a shared machine; no curses screen.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1

status=0
for target in "${targets[@]}"; do
  findings="$out/findings/$target"
  rm -rf "$findings"
  mkdir -p "$findings"
  # -t: a .NET start-up on a loaded machine is slow; -m none: the runtime reserves much virtual memory.
  timeout $((seconds + 120)) afl-fuzz -V "$seconds" -t 10000 -m none -i "fuzz/corpus/$target" -o "$findings" \
    -- dotnet "$out/bin/Mailflow.Fuzz.dll" "$target" >"$findings.log" 2>&1 || true
  stats="$findings/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    echo "   $target: afl-fuzz did not run; end of $findings.log:"
    tail -n 20 "$findings.log" | sed 's/^/     /'
    status=1
    continue
  fi
  execs=$(awk -F' *: *' '$1 == "execs_done" {print $2}' "$stats")
  paths=$(awk -F' *: *' '$1 == "corpus_count" {print $2}' "$stats")
  crashes=$(find "$findings/default/crashes" "$findings/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
  printf '   %-16s %8s runs, %5s inputs in the queue, %d crashes or hangs\n' "$target" "$execs" "$paths" "$crashes"
  if [ "$crashes" -gt 0 ]; then
    status=1
    find "$findings/default/crashes" "$findings/default/hangs" -type f -name 'id:*' | head -n 5 | while read -r input; do
      # Replay with the uninstrumented build: the instrumented one needs afl-fuzz's shared memory.
      echo "     replay: dotnet build fuzz/Mailflow.Fuzz -c Release && dotnet fuzz/Mailflow.Fuzz/bin/Release/net10.0/Mailflow.Fuzz.dll $target --replay '$input'"
    done
  fi
done
exit "$status"
