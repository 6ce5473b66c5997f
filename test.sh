#!/usr/bin/env bash
# The one test command. Installs the system packages the tests need when they are missing
# (PostgreSQL server binaries for the throwaway test cluster, Chromium for the browser tests,
# swaks with Perl's TLS module for the command-line SMTP submission test, python3-dkim as the
# independent DKIM verifier of the signing tests, Rspamd and clamd for the anti-spam and
# anti-malware tests, which start their own throwaway instances on loopback),
# builds Admin.sln once in Release, runs every test project in it, and ends with one line:
#     N passed, M failed[, K skipped]
# Exit code 0 only when the build succeeded, at least one test ran, no test failed and no test
# assembly crashed. Per-assembly logs and TRX files land in test-artifacts/.
#
# Environment:
#   MAILFLOW_TEST_PARALLEL  test assemblies (and the fuzz smoke run) running at once (default 2)
#   MAILFLOW_TEST_PG        use this PostgreSQL server (connection string, CREATEDB role) instead of a throwaway cluster
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$PWD"
artifacts="$root/test-artifacts"
parallel="${MAILFLOW_TEST_PARALLEL:-2}"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# On CI, no MSBuild worker nodes stay behind waiting for a next build that never comes.
[ -n "${CI:-}" ] && export MSBUILDDISABLENODEREUSE=1

started=$SECONDS
passed=0 failed=0 skipped=0 broken=()

finish() {
  local line="$passed passed, $failed failed"
  [ "$skipped" -gt 0 ] && line+=", $skipped skipped"
  local total=$((passed + failed + skipped)) status=0
  if [ "${#broken[@]}" -gt 0 ]; then
    echo "Did not complete: ${broken[*]}"
    status=1
  fi
  if [ "$total" -eq 0 ]; then
    echo "No tests ran."
    status=1
  fi
  [ "$failed" -gt 0 ] && status=1
  echo "Took $((SECONDS - started)) s; logs in test-artifacts/."
  echo "$line"
  exit "$status"
}

# --- 1. System packages -------------------------------------------------------------------------
missing=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/swaks ] || missing+=(swaks)
[ -x /usr/bin/dkimverify ] || missing+=(python3-dkim)
perl -MNet::SSLeay -e1 2>/dev/null || missing+=(libnet-ssleay-perl)
[ -x /usr/bin/rspamd ] || missing+=(rspamd)
[ -x /usr/sbin/clamd ] || missing+=(clamav-daemon)
[ -x /usr/bin/afl-fuzz ] || missing+=(afl++)
[ -x /usr/lib/dovecot/lmtp ] || missing+=(dovecot-lmtpd)
[ -x /usr/lib/dovecot/imap ] || missing+=(dovecot-imapd)
[ -x /usr/sbin/postfix ] || missing+=(postfix)
if [ "${#missing[@]}" -gt 0 ]; then
  # Postfix without a configuration: it neither asks questions nor takes port 25 (the tests run private instances).
  install="echo postfix postfix/main_mailer_type select No configuration | debconf-set-selections && apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=300 ${missing[*]}"
  echo "== installing ${missing[*]} (needed by the tests)"
  if [ "$(id -u)" -eq 0 ]; then
    sh -c "$install" || { echo "test.sh: package installation failed: $install"; exit 1; }
  elif command -v sudo >/dev/null 2>&1 && sudo sh -c "$install"; then
    :
  else
    echo "test.sh: the tests need ${missing[*]}, and installing needs root. Run:"
    echo "  sudo sh -c '$install'"
    exit 1
  fi
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || { echo "test.sh: still no /usr/lib/postgresql/*/bin/initdb after installing postgresql"; exit 1; }
  [ -x /usr/bin/chromium ] || { echo "test.sh: still no /usr/bin/chromium after installing chromium"; exit 1; }
  [ -x /usr/bin/swaks ] || { echo "test.sh: still no /usr/bin/swaks after installing swaks"; exit 1; }
  [ -x /usr/bin/dkimverify ] || { echo "test.sh: still no /usr/bin/dkimverify after installing python3-dkim"; exit 1; }
fi

rm -rf "$artifacts"
mkdir -p "$artifacts"

# --- 2. Build once -----------------------------------------------------------------------------
echo "== build Admin.sln (Release)"
if ! dotnet build Admin.sln -c Release -nologo -v q -flp:"logfile=$artifacts/build.log;verbosity=minimal"; then
  echo "Build failed; see test-artifacts/build.log."
  broken+=(build)
  finish
fi
echo "   built in $((SECONDS - started)) s"

# --- 3. Test projects: every tests/*/*.Tests.csproj, each of which must be in the solution ------
mapfile -t in_solution < <(dotnet sln Admin.sln list | grep -E '^tests/[^/]+/[^/]+\.Tests\.csproj$' | sort)
for candidate in tests/*/*.Tests.csproj; do
  [ -e "$candidate" ] || continue
  if ! printf '%s\n' "${in_solution[@]}" | grep -qxF "$candidate"; then
    echo "test.sh: $candidate is not in Admin.sln, so it is neither built nor run. Add it: dotnet sln Admin.sln add $candidate"
    broken+=("$candidate")
  fi
done
projects=("${in_solution[@]}")

run_tests() {
  local project=$1 name
  name="$(basename "$project" .csproj)"
  local begun=$SECONDS
  # blame-hang: a hung test fails its assembly after 10 minutes instead of stalling the run.
  dotnet test "$project" -c Release --no-build -nologo \
    --results-directory "$artifacts/$name" \
    --logger "trx;LogFileName=$name.trx" \
    --blame-hang-timeout 10min --blame-hang-dump-type none \
    >"$artifacts/$name.log" 2>&1
  echo "$?" >"$artifacts/$name.exitcode"
  echo "$((SECONDS - begun))" >"$artifacts/$name.seconds"
}

# The longest assemblies start first (longest first, as full runs measured them; an assembly not listed
# follows in name order), so the short ones fill the other slot around them instead of a long one
# running alone at the end. The browser tests are one of them: their timeouts are generous (20-90 s per
# step) and they share the machine with one other assembly like every assembly does. The fuzz smoke run
# (section 5) takes a slot among them too: a fixed eight seconds of afl-fuzz per target, it costs the
# run its own minute once instead of a minute more at the end.
longest_first=(Mailflow.Integration.Tests Mailflow.Cluster.Tests Mailflow.E2E.Tests Mailflow.Api.Tests Mailflow.Server.Tests Mailflow.Delivery.Tests Mailflow.Shared.Tests)
ordered=()
for name in "${longest_first[@]}"; do
  for project in "${projects[@]}"; do [ "$(basename "$project" .csproj)" = "$name" ] && ordered+=("$project"); done
done
for project in "${projects[@]}"; do
  printf '%s\n' "${ordered[@]}" | grep -qxF "$project" || ordered+=("$project")
done
projects=("${ordered[@]}")

# The fuzzing smoke run (fuzz/README.md): a few seconds of afl-fuzz per parser target, each a test.
run_fuzz() {
  local begun=$SECONDS
  FUZZ_OUT="$artifacts/fuzz" FUZZ_NO_BUILD=1 fuzz/run.sh 8 >"$artifacts/fuzz.log" 2>&1
  echo "$?" >"$artifacts/fuzz.exitcode"
  echo "$((SECONDS - begun))" >"$artifacts/fuzz.seconds"
  rm -rf "$artifacts/fuzz/bin"
}

echo "== test (${#projects[@]} assemblies and the fuzz smoke run, up to $parallel at once)"
# The smoke run goes after the three longest assemblies: it is about as long as a middling assembly.
jobs_in_order=("${projects[@]:0:3}" fuzz "${projects[@]:3}")
for job in "${jobs_in_order[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n; done
  if [ "$job" = fuzz ]; then run_fuzz & else run_tests "$job" & fi
done
wait

# --- 4. Results: the VSTest summary line of each assembly -----------------------------------------
#   "Failed!  - Failed:     1, Passed:     6, Skipped:     0, Total:     7, Duration: 2 s - X.dll (net10.0)"
for project in "${projects[@]}"; do
  name="$(basename "$project" .csproj)"
  log="$artifacts/$name.log"
  read -r p f s lines < <(awk '
    /^(Passed|Failed)! +- / {
      n++
      for (i = 1; i <= NF; i++) {
        if ($i == "Passed:") p += $(i + 1)
        if ($i == "Failed:") f += $(i + 1)
        if ($i == "Skipped:") s += $(i + 1)
      }
    }
    END { printf "%d %d %d %d\n", p, f, s, n }' "$log")
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  exitcode="$(cat "$artifacts/$name.exitcode")"
  printf '   %-32s %4d passed, %d failed, %d skipped  (%s s)\n' "$name" "$p" "$f" "$s" "$(cat "$artifacts/$name.seconds")"
  if [ "$f" -gt 0 ]; then
    # The failing tests with their messages, as VSTest printed them.
    awk '/^(Passed|Failed)! +- / {exit} /^ +Failed / {show = 1} show' "$log" | head -n 80 | sed 's/^/     /'
  fi
  if [ "$lines" -eq 0 ] || { [ "$exitcode" -ne 0 ] && [ "$f" -eq 0 ]; }; then
    echo "   $name did not complete (exit code $exitcode); end of test-artifacts/$name.log:"
    tail -n 30 "$log" | sed 's/^/     /'
    broken+=("$name")
  fi
done


# --- 5. The fuzzing smoke run's result: each target counts as one test ------------------------------
echo "== fuzz smoke run (fuzz/run.sh 8, $(cat "$artifacts/fuzz.seconds") s)"
fuzz_status="$(cat "$artifacts/fuzz.exitcode")"
while read -r target runs _ _ _ _ _ _ crashes _; do
  if [ "$crashes" = "0" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done < <(grep -E '^   [a-z-]+ +[0-9]+ runs,' "$artifacts/fuzz.log")
failed=$((failed + $(grep -cE '^   [a-z-]+: afl-fuzz did not run' "$artifacts/fuzz.log")))
sed 's/^/  /' "$artifacts/fuzz.log" | grep -E 'runs,|replay:|did not run' || true
if [ "$fuzz_status" -ne 0 ] && ! grep -qE 'runs,' "$artifacts/fuzz.log"; then
  echo "   the fuzz smoke run did not complete; end of test-artifacts/fuzz.log:"
  tail -n 20 "$artifacts/fuzz.log" | sed 's/^/     /'
  broken+=(fuzz)
fi

finish
