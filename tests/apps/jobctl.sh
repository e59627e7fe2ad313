#!/usr/bin/env bash
# Terminal job control on the console, compared with Linux: tests/apps/src/jobctl.c runs on a
# pseudo-terminal that script(1) provides, natively and through `bin/ops run` (ops hands the guest
# a terminal console when its own stdin is one), and the two transcripts must match from the
# program's first line on (carriage returns and ops' terminal escapes dropped). The commands are
# exec'd: script(1) runs them with $SHELL -c, and a shell that forks (dash) would keep the
# session to itself.
# Usage: tests/apps/jobctl.sh. Ends with "jobctl: N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0
command -v script >/dev/null || { echo "jobctl: script(1) not found (util-linux)"; echo "jobctl: 0 passed, 1 failed"; exit 1; }
gcc -static -O1 -Wall -o "$TMP/jobctl" tests/apps/src/jobctl.c || { echo "jobctl: 0 passed, 1 failed"; exit 1; }
bin/ops run "$TMP/jobctl" < /dev/null > /dev/null 2>&1     # builds ops and the kernel outside the transcript

# clean FILE: the transcript from the program's marker line on, without CRs and escape sequences
clean() { tr -d '\r' < "$1" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1b[=>]//g' | sed -n '/^=== jobctl$/,$p' | grep -av '^ops: \|^compat: '; }

script -qec "exec $TMP/jobctl" /dev/null < /dev/null > "$TMP/native.raw" 2>&1
script -qec "exec timeout 120 bin/ops run $TMP/jobctl" /dev/null < /dev/null > "$TMP/ops.raw" 2>&1
clean "$TMP/native.raw" > "$TMP/native"
clean "$TMP/ops.raw" > "$TMP/ops"
if ! grep -q '^session leader: yes' "$TMP/native"; then
  echo "FAIL jobctl/native: the native run did not get a terminal"; sed 's/^/    /' "$TMP/native" | head; fail=$((fail+1))
elif diff -u --label native --label ops "$TMP/native" "$TMP/ops" > "$TMP/diff"; then
  echo "PASS jobctl ($(wc -l < "$TMP/native") lines as on Linux)"; pass=$((pass+1))
else
  echo "FAIL jobctl: the transcripts differ"; sed 's/^/    /' "$TMP/diff" | head -40; fail=$((fail+1))
fi
echo "jobctl: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
