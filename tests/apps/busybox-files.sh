#!/usr/bin/env bash
# busybox-static file applets (ls -l, cat, wc, find, grep, sort, sha256sum, cp, mv, rm, mkdir,
# ln, touch, stat, diff, tar): each case is a `busybox sh -c` script that builds a small tree in
# /tmp and works on it. It runs natively and in the unikernel (where sh's children are forked
# processes); stdout must be byte-identical and the exit status equal.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
. "$ROOT/tests/apps/compare.sh"
BB=$(command -v busybox || echo /bin/busybox)
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0

SETUP='set -e; rm -rf /tmp/bbt; mkdir -p /tmp/bbt/sub/deeper; cd /tmp/bbt
echo hello world > a.txt; printf "pear\napple\nfig\n" > b.txt; seq 1 200 > sub/n.txt; echo deep > sub/deeper/d.txt
touch -d "2024-01-02 03:04:05" a.txt b.txt sub/n.txt sub/deeper/d.txt sub/deeper sub'
CLEANUP='cd /; rm -rf /tmp/bbt'

CASES=(
  "ls-l|ls -l a.txt b.txt sub; ls -ln sub/deeper"
  "cat-wc|cat a.txt b.txt; wc a.txt; wc -l sub/n.txt; cat sub/n.txt | wc -c"
  "find|find . | sort; find . -type f -name '*.txt' | sort; find sub -type d | sort"
  "grep|grep -r deep . ; grep -c 1 sub/n.txt; grep -n apple b.txt; grep -v e b.txt; grep -q nothing a.txt || echo not-found"
  "sort|sort b.txt; sort -rn sub/n.txt | head -3; sort -r b.txt | uniq"
  "sums|sha256sum a.txt sub/n.txt; md5sum b.txt"
  "cp-mv-rm|cp a.txt c.txt; cp -r sub sub2; mv c.txt sub2/c.txt; ls sub2; diff -r sub sub2 || echo differs; rm -r sub2; ls; rm a.txt; ls"
  "mkdir-rmdir|mkdir x; mkdir -p y/z/w; ls -d x y/z/w; rmdir x; rmdir y/z/w y/z y; ls; mkdir sub 2>/dev/null || echo mkdir-failed"
  "ln-stat|ln -s a.txt link; ln a.txt hard; readlink link; stat -c '%s %h %F' a.txt hard; stat -c '%F' link; cat link"
  "tar|tar cf /tmp/t.tar sub; mkdir out; cd out; tar xf /tmp/t.tar; find . | sort; cat sub/deeper/d.txt; rm /tmp/t.tar"
  "errors|cat missing.txt; echo status=\$?; rm missing 2>&1; ls missing 2>&1; exit 3"
)

for c in "${CASES[@]}"; do
  name=${c%%|*}; body=${c#*|}
  script="$SETUP
$body
$CLEANUP"
  timeout 20 "$BB" sh -c "$script" > "$TMP/native.out" 2>/dev/null </dev/null; nrc=$?
  timeout 120 ${RUNNER:-bin/ops run} "$BB" sh -c "$script" > "$TMP/uk.out" 2> "$TMP/uk.err" </dev/null; urc=$?
  compare busybox-files "$name" "$nrc" "$urc"
done
echo "busybox-files: $pass passed, $fail failed"
[ $fail -eq 0 ]
