#!/usr/bin/env bash
# busybox-static applets that need no files or processes: native output vs `bin/ops run`.
# Each case: stdout must be byte-identical and the exit status equal.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
. "$ROOT/tests/apps/compare.sh"
BB=$(command -v busybox || echo /bin/busybox)
[ -x "$BB" ] || { echo "busybox: busybox-static not installed"; echo "busybox: 0 passed, 1 failed"; exit 1; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0

# name | stdin text (printf format) | applet and arguments
CASES=(
  "echo||echo hello world"
  "echo-n||echo -n no newline"
  "seq||seq 1 12"
  "seq-step||seq 10 -3 -5"
  "expr-add||expr 3 + 4"
  "expr-mul||expr 7 * 6"
  "expr-len||expr length compatibility"
  "expr-false||expr 0 + 0"
  "expr-div0||expr 1 / 0"
  "printf||printf %s-%05d-%x\n abc 42 255"
  "sha256sum|abc|sha256sum"
  "sha256sum-long|the quick brown fox jumps over the lazy dog\n%.0s|sha256sum"
  "md5sum|hello\n|md5sum"
  "wc|one two\nthree\n|wc"
  "tr|Hello World\n|tr a-z A-Z"
  "sort|pear\napple\nfig\n|sort"
  "sort-n|10\n9\n100\n|sort -n"
  "uniq|a\na\nb\nb\nb\nc\n|uniq -c"
  "head|1\n2\n3\n4\n|head -n 2"
  "tail|1\n2\n3\n4\n|tail -n 1"
  "cut|a:b:c\nd:e:f\n|cut -d: -f2"
  "rev|stressed\n|rev"
  "tac|1\n2\n3\n|tac"
  "base64|binary\001\002\n|base64"
  "od|AB\n|od -An -tx1"
  "factor||factor 360 97 1001"
  "basename||basename /usr/lib/libc.so .so"
  "dirname||dirname /usr/lib/libc.so"
  "true||true"
  "false||false"
  "test||test 3 -gt 2"
  "fold|abcdefghij\n|fold -w 3"
  'awk|3 4\n5 6\n|awk {print($1*$2)}'
  "sed|hello world\n|sed s/world/unikernel/"
)

for c in "${CASES[@]}"; do
  IFS='|' read -r name input cmd <<<"$c"
  printf "$input" > "$TMP/in" 2>/dev/null || printf '%s' "$input" > "$TMP/in"
  read -ra argv <<<"$cmd"
  timeout 10 "$BB" "${argv[@]}" < "$TMP/in" > "$TMP/native.out" 2>/dev/null; nrc=$?
  timeout 120 ${RUNNER:-bin/ops run} "$BB" "${argv[@]}" < "$TMP/in" > "$TMP/uk.out" 2> "$TMP/uk.err"; urc=$?
  compare busybox "$name" "$nrc" "$urc"
done
echo "busybox: $pass passed, $fail failed"
[ $fail -eq 0 ]
