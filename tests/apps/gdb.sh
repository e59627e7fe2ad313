#!/usr/bin/env bash
# Debian's gdb natively vs `bin/ops run`, debugging a small static program built with -g: what gdb
# prints must be identical (pids and stack addresses normalised). Covers conditional breakpoints,
# backtraces, finish (a temporary breakpoint and the return value), software watchpoints (single
# steps), registers and disassembly, and a SIGSEGV caught with its backtrace: PTRACE_* requests,
# /proc/PID/mem and the tracee's registers as gdb reads them. Ends with "gdb: N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
. "$ROOT/tests/apps/compare.sh"
GDB=$(command -v gdb || true)
[ -n "$GDB" ] || { echo "FAIL gdb/installed: gdb not installed (tools/setup.sh)"; echo "gdb: 0 passed, 1 failed"; exit 1; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0
PROG=/tmp/compat-gdbdemo
gcc -g -O0 -static -o "$PROG" tests/apps/src/gdbdemo.c || { echo "FAIL gdb/build"; echo "gdb: 0 passed, 1 failed"; exit 1; }
cp tests/apps/src/gdbdemo.c "$TMP/gdbdemo.c"

normalise() { sed -E -e '/^(ops|compat): /d' -e 's/\(process [0-9]+\)/(process N)/' -e 's/argv=0x[0-9a-f]+/argv=ADDR/'; }

# case NAME ARGS...: gdb -batch with ARGS, natively and in the unikernel; stdout and stderr compared.
case_() {
  local name=$1; shift
  timeout 60 "$GDB" -nx -q -batch -ex 'set startup-with-shell off' "$@" > "$TMP/n.all" 2>&1 < /dev/null; local nrc=$?
  # ops packs what gdb needs itself (its data directory, libpython's standard library, iconv's
  # UTF-32 module, /bin/sh): only the program and its source are named here.
  timeout 300 ${RUNNER:-bin/ops run} --file "$PROG" --file "$ROOT/tests/apps/src/gdbdemo.c" \
    "$GDB" -nx -q -batch -ex 'set startup-with-shell off' "$@" > "$TMP/u.all" 2>&1 < /dev/null; local urc=$?
  normalise < "$TMP/n.all" > "$TMP/native.out"
  normalise < "$TMP/u.all" > "$TMP/uk.out"
  cp "$TMP/u.all" "$TMP/uk.err"
  compare gdb "$name" "$nrc" "$urc"
}

case_ breakpoint-finish -ex 'break fib if n == 2' -ex run -ex bt -ex finish -ex delete -ex continue "$PROG"
case_ watchpoint -ex 'break bump' -ex run -ex 'set can-use-hw-watchpoints 0' -ex 'watch counter' -ex continue -ex continue \
  -ex delete -ex 'info registers rip' -ex 'x/3i $pc' -ex 'print counter' -ex continue "$PROG"
case_ through-shell -ex 'set startup-with-shell on' -ex 'break bump' -ex run -ex 'print times' -ex continue "$PROG"
case_ crash -ex run -ex bt -ex 'print p' -ex 'info signals SIGSEGV' --args "$PROG" crash

echo "gdb: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
