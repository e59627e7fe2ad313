#!/usr/bin/env bash
# Programs whose processes and threads run side by side, native vs `bin/ops run` (stdout byte for
# byte, exit status): bash and busybox sh pipelines over 1 MiB, GNU tar czf/cJf round trips (tar
# runs gzip/xz through /bin/sh), Python multiprocessing.Pool(4), a Go program (goroutines,
# channels, time.Sleep, timers, built with CGO_ENABLED=0) and node with a setTimeout chain; and a
# 6 GiB guest touching 4.6 GiB (RAM above 4 GiB).
# Ends with "procs: N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
. "$ROOT/tests/apps/compare.sh"
TMP=$(mktemp -d); trap 'rm -rf "$TMP" /tmp/compat-procs-test' EXIT
pass=0; fail=0
BB=/bin/busybox

# run NAME TIMEOUT OPS_OPTIONS... -- COMMAND...: the command natively, then in the unikernel.
run() {
  local name=$1 limit=$2; shift 2
  local opts=()
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  rm -rf /tmp/compat-procs-test/out; mkdir -p /tmp/compat-procs-test/out
  timeout 120 env -i PATH=/bin:/usr/bin HOME=/ TERM=xterm "$@" > "$TMP/native.out" 2> "$TMP/native.err" < /dev/null; local nrc=$?
  rm -rf /tmp/compat-procs-test/out; mkdir -p /tmp/compat-procs-test/out
  timeout $((limit + 30)) bin/ops run --timeout "$limit" "${opts[@]}" "$@" > "$TMP/uk.out" 2> "$TMP/uk.err" < /dev/null; local urc=$?
  compare procs "$name" $nrc $urc
}

run bash-pipeline-1m 120 --file $BB -- /bin/bash -c "$BB yes abcdefghijklmnopq | $BB head -c 3000000 | $BB wc -c; $BB seq 1 200000 | $BB sort -n | $BB tail -1"
run busybox-sh-pipeline-1m 120 -- $BB sh -c "$BB yes | $BB head -c 2000000 | $BB md5sum; $BB seq 1 100000 | $BB sort -rn | $BB head -2"
run busybox-sh-pipeline-100m 240 -- $BB sh -c "$BB yes | $BB head -c 100M | $BB wc -c"

# A tree of files to archive (deterministic contents).
mkdir -p /tmp/compat-procs-test/data
for i in $(seq 1 40); do $BB seq $((i * 1000)) $((i * 1000 + 3000)) > /tmp/compat-procs-test/data/f$i.txt; done
TAR_SCRIPT="cd /tmp/compat-procs-test && $BB mkdir -p out && tar czf out/a.tgz data && tar tzf out/a.tgz | $BB sort | $BB md5sum && \
mkdir out/z && tar xzf out/a.tgz -C out/z && $BB diff -r out/z/data data && echo gz-same && \
tar cJf out/a.txz data && mkdir out/x && tar xJf out/a.txz -C out/x && $BB diff -r out/x/data data && echo xz-same"
run tar-czf-cJf 240 --file /bin/sh --file /usr/bin/tar --file /usr/bin/gzip --file /usr/bin/xz --file /usr/bin/mkdir --file $BB \
    --dir /tmp/compat-procs-test/data -- /bin/bash -c "$TAR_SCRIPT"

cat > /tmp/compat-procs-test/mp.py <<'PY'
import multiprocessing as mp, os
def sq(x): return x * x
def who(_): return os.getpid() != MAIN
MAIN = os.getpid()
if __name__ == "__main__":
    with mp.Pool(4) as p:
        print(sum(p.map(sq, range(2000))))
        print(all(p.map(who, range(8))))
        print(p.apply(sq, (12,)))
    q = mp.Queue()
    pr = mp.Process(target=q.put, args=("from a child",))
    pr.start(); print(q.get()); pr.join(); print("exitcode", pr.exitcode)
PY
run python-multiprocessing 180 --python -- /usr/bin/python3 /tmp/compat-procs-test/mp.py

if command -v go >/dev/null; then
  mkdir -p "$TMP/go"
  cp tests/apps/procs-go.go "$TMP/go/main.go"
  printf 'module procsgo\ngo 1.19\n' > "$TMP/go/go.mod"
  if (cd "$TMP/go" && CGO_ENABLED=0 GOFLAGS=-mod=mod GOCACHE="$TMP/gocache" go build -o procs-go . ) > "$TMP/go.log" 2>&1; then
    run go-goroutines-timers 120 -- "$TMP/go/procs-go"
  else
    echo "FAIL procs/go-goroutines-timers: go build failed"; sed 's/^/    /' "$TMP/go.log" | tail -5; fail=$((fail+1))
  fi
else
  echo "FAIL procs/go-goroutines-timers: go is not installed (tools/setup.sh installs golang-go)"; fail=$((fail+1))
fi

NODE=$(command -v node || command -v nodejs || true)
if [ -n "$NODE" ]; then
  run node-settimeout 180 -m 1G -- "$NODE" -e '
let n = 0;
function done() {
  console.log("chain done", n);
  const t0 = Date.now();
  setTimeout(() => { const d = Date.now() - t0; console.log("200 ms timer on time:", d >= 200 && d < 350); }, 200);
}
function step() { n++; if (n < 10) setTimeout(step, 15); else done(); }
setTimeout(step, 5);
Promise.resolve(7).then(v => console.log("promise", v));
console.log("sum", [1, 2, 3, 4].reduce((a, b) => a + b));'
else
  echo "FAIL procs/node-settimeout: node is not installed (tools/setup.sh installs nodejs)"; fail=$((fail+1))
fi

# RAM above 4 GiB: a 6 GiB guest touches 4.6 GiB.
if gcc -static -O1 -o "$TMP/bigmem" tests/apps/src/bigmem.c; then
  run memory-above-4g 240 -m 6G -- "$TMP/bigmem" 4600
else
  echo "FAIL procs/memory-above-4g: cannot build tests/apps/src/bigmem.c"; fail=$((fail+1))
fi

# Fork bombs (unikernel only: on Linux root ignores RLIMIT_NPROC): bounded by RLIMIT_NPROC, and with
# the limit lifted in a 48 MiB guest; forks fail with EAGAIN/ENOMEM and the kernel stays up.
want="forks refused with EAGAIN/ENOMEM: yes; other errors: 0; children reaped: yes"
if gcc -static -O1 -o "$TMP/forkbomb" tests/apps/src/forkbomb.c && gcc -static -O1 -DNPROC=100000 -o "$TMP/forkbomb-mem" tests/apps/src/forkbomb.c; then
  for v in "forkbomb-nproc:256M:forkbomb" "forkbomb-memory:48M:forkbomb-mem"; do
    IFS=: read -r name mem bin <<<"$v"
    got=$(timeout 180 bin/ops run -m "$mem" --timeout 120 "$TMP/$bin" 2>"$TMP/uk.err" </dev/null); rc=$?
    if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then echo "PASS procs/$name"; pass=$((pass+1))
    else echo "FAIL procs/$name: status $rc, got '$got'"; tail -3 "$TMP/uk.err" | sed 's/^/    /'; fail=$((fail+1)); fi
  done
else
  echo "FAIL procs/forkbomb: cannot build tests/apps/src/forkbomb.c"; fail=$((fail+1))
fi

echo "procs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
