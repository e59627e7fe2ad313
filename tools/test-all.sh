#!/usr/bin/env bash
# The whole test suite (what .ci/run runs): host xunit tests, boot tests (ops doctor: the kernel
# boots under QEMU and passes its self-test), compat-tests (native vs unikernel, 4 builds each),
# busybox applets and file scripts, Debian's sqlite3, lua5.4 and python3, concurrent processes
# (pipelines, tar, multiprocessing, Go, node), real Go and node programs, ops error handling. Ends with one line: "N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
LOGS="$ROOT/build/test-logs"; mkdir -p "$LOGS"
PASS=0; FAIL=0; SUMMARY=()
START=$(date +%s)

tools/setup.sh || { echo "test-all: setup failed"; echo "0 passed, 1 failed"; exit 1; }

# suite NAME COMMAND...: runs it, counts the "N passed, M failed" line it prints (else 1 case by exit status).
suite() {
  local name=$1; shift
  local t0=$(date +%s)
  echo "=== $name: $*"
  "$@" 2>&1 | tee "$LOGS/$name.log"
  local rc=${PIPESTATUS[0]}
  local line p f
  line=$(grep -aE '[0-9]+ passed, [0-9]+ failed' "$LOGS/$name.log" | tail -1)
  if [ -n "$line" ]; then
    p=$(sed -E 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
    f=$(sed -E 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed.*/\3/' <<<"$line")
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
  elif [ "$rc" -eq 0 ]; then p=1; f=0; else p=0; f=1; fi
  PASS=$((PASS + p)); FAIL=$((FAIL + f))
  SUMMARY+=("$(printf '%-10s %4d passed %4d failed  %4ds' "$name" "$p" "$f" $(( $(date +%s) - t0 )))")
}

host_tests() {
  dotnet test "$ROOT/tests/Compat.Tests" -nologo -v:q 2>&1 | tee "$LOGS/host.raw"
  local rc=${PIPESTATUS[0]}
  local line=$(grep -E 'Passed!|Failed!' "$LOGS/host.raw" | tail -1)
  local p=$(grep -oE 'Passed: +[0-9]+' <<<"$line" | grep -oE '[0-9]+')
  local f=$(grep -oE 'Failed: +[0-9]+' <<<"$line" | grep -oE '[0-9]+')
  echo "host: ${p:-0} passed, ${f:-1} failed"
  return $rc
}

suite build tools/build-kernel.sh
suite host host_tests
suite doctor bin/ops doctor
suite compat bash -c "make -C compat-tests -j2 >/dev/null && compat-tests/run.sh"
suite busybox tests/apps/busybox.sh
suite bbfiles tests/apps/busybox-files.sh
suite sqlite3 tests/apps/sqlite3.sh
suite lua tests/apps/lua.sh
suite python tests/apps/python.sh
suite procs tests/apps/procs.sh
suite go tests/apps/go-programs.sh
suite leaks tests/apps/leaks.sh
suite jobctl tests/apps/jobctl.sh
suite strace tests/apps/strace.sh
suite gdb tests/apps/gdb.sh
suite programs tests/apps/programs.sh
suite node tests/apps/node-programs.sh
suite net tests/apps/net.sh
suite fuzz tests/apps/fuzz.sh
suite ops tests/ops/errors.sh

echo
echo "=== summary ($(( $(date +%s) - START ))s)"
for s in "${SUMMARY[@]}"; do echo "  $s"; done
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
