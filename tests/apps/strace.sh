#!/usr/bin/env bash
# Debian's strace (dynamically linked, ptrace-based) natively vs `bin/ops run`, tracing busybox:
# what it prints (stderr, with pids normalised) and the traced program's output and exit status
# must be identical. Covers syscall stops, argument decoding through PEEKDATA/process_vm_readv,
# fault injection (a skipped syscall and a result written back), signal-delivery stops, -f
# (fork/clone/exec events, several tracees), and strace exiting like the program it traced.
# Ends with "strace: N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
. "$ROOT/tests/apps/compare.sh"
STRACE=$(command -v strace || true)
[ -n "$STRACE" ] || { echo "FAIL strace/installed: strace not installed (tools/setup.sh)"; echo "strace: 0 passed, 1 failed"; exit 1; }
BB=/bin/busybox
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0

# Pids differ between the runs; the kernel log and ops' own lines are not the program's.
normalise() { sed -E -e '/^(ops|compat): /d' -e 's/^\[pid +[0-9]+\] //' -e 's/si_pid=[0-9]+/si_pid=N/g'; }

# case NAME STRACE-ARGS... : runs strace natively and in the unikernel, compares stdout + trace.
case_() {
  local name=$1; shift
  ( timeout 30 "$STRACE" "$@" > "$TMP/n.out" 2> "$TMP/n.err" < /dev/null ) 2>/dev/null; local nrc=$?   # no "User defined signal" notice from bash
  timeout 120 ${RUNNER:-bin/ops run} --file "$BB" "$STRACE" "$@" > "$TMP/u.out" 2> "$TMP/uk.err" < /dev/null; local urc=$?
  { cat "$TMP/n.out"; echo "--- trace"; normalise < "$TMP/n.err"; } > "$TMP/native.out"
  { cat "$TMP/u.out"; echo "--- trace"; normalise < "$TMP/uk.err"; } > "$TMP/uk.out"
  compare strace "$name" "$nrc" "$urc"
}

case_ write -qq -e trace=write,exit_group "$BB" echo hi
case_ inject-retval -qq -e trace=getpid -e inject=getpid:retval=42 "$BB" sh -c 'echo $$'
case_ inject-error -qq -e trace=chdir -e inject=chdir:error=ENOENT "$BB" sh -c 'cd /tmp || echo cd failed'
case_ signal -qq -e trace=none "$BB" sh -c 'kill -USR1 $$'
case_ follow-forks -f -qq -e trace=exit_group -e signal=none "$BB" sh -c "$BB true; $BB false; echo \$?"
case_ paths -qq -e trace=openat,chdir,mkdir,rmdir -e signal=none "$BB" sh -c 'cd /tmp && mkdir strace-dir && rmdir strace-dir && cat /strace-test-no-such-file'

echo "strace: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
