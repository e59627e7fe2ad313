#!/usr/bin/env bash
# Real Node.js programs, native vs `bin/ops run` (stdout byte for byte, exit status): one boot runs
# tests/apps/node-programs.js, whose sections cover fs (sync, callback, promises, streams, watch),
# http/fetch, net, dgram, child_process (spawn, exec, execFileSync, spawnSync, fork), worker_threads
# with Atomics, timers, crypto, zlib, dns, os, stdin to EOF and signals; it ends with process.exit(4).
# Ends with "node: N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
. "$ROOT/tests/apps/compare.sh"
NODE=$(command -v node || true)
[ -n "$NODE" ] || { echo "FAIL node/installed: node not installed (tools/setup.sh installs nodejs)"; echo "node: 0 passed, 1 failed"; exit 1; }
NODE=$(readlink -f "$NODE")
TMP=$(mktemp -d); trap 'rm -rf "$TMP" /tmp/compat-node' EXIT
pass=0; fail=0
SCRIPT="$ROOT/tests/apps/node-programs.js"
WORK=/tmp/compat-node/work
head -c 300000 "$NODE" > "$TMP/stdin"     # a binary stdin read to EOF

# run NAME SECTION...: the script natively, then in the unikernel (fork needs -m 1G: a second node).
run() {
  local name=$1; shift
  rm -rf /tmp/compat-node
  (cd / && timeout 60 env -i PATH=/bin:/usr/bin HOME=/ "$NODE" "$SCRIPT" "$WORK" "$@" > "$TMP/native.out" 2> "$TMP/native.err" < "$TMP/stdin"); local nrc=$?
  rm -rf /tmp/compat-node
  local f opts=()
  for f in /bin/sh /bin/cat /bin/echo /bin/false /usr/bin/tr /usr/bin/wc /usr/bin/sleep; do opts+=(--file "$f"); done
  timeout 200 bin/ops run --timeout 170 -m 1G --file "$SCRIPT" "${opts[@]}" "$NODE" "$SCRIPT" "$WORK" "$@" > "$TMP/uk.out" 2> "$TMP/uk.err" < "$TMP/stdin"; local urc=$?
  compare node "$name" $nrc $urc
}

run programs
echo "node: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
