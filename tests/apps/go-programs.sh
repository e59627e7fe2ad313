#!/usr/bin/env bash
# Real Go programs, native vs `bin/ops run` (stdout byte for byte, exit status): tests/apps/go-programs.go
# built with CGO_ENABLED=0 (static) runs every section (os/exec with pipes between commands,
# os/signal, asynchronous preemption, GC over hundreds of MiB, atomics and channels, file and
# directory work, pipes, TCP/UDP/unix sockets over loopback with deadlines, splice/sendfile through a
# proxy, tickers and contexts, ids and Setuid on every thread, faults turned into panics, SIGBUS past
# the end of a mapped file, CPU profiling); a panic in a goroutine (status 2, "panic:" on stderr) and
# os.Exit(3); and the same program built with CGO_ENABLED=1 (dynamically linked: glibc's resolver
# and getpwuid_r). Ends with "go-programs: N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
. "$ROOT/tests/apps/compare.sh"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0

if ! command -v go >/dev/null; then
  echo "FAIL go-programs/build: go is not installed (tools/setup.sh installs golang-go)"
  echo "go-programs: 0 passed, 1 failed"; exit 1
fi
mkdir -p "$TMP/src"
cp tests/apps/go-programs.go "$TMP/src/main.go"
printf 'module goprograms\ngo 1.19\n' > "$TMP/src/go.mod"
build() {  # build NAME CGO_ENABLED
  (cd "$TMP/src" && CGO_ENABLED=$2 GOFLAGS=-mod=mod GOCACHE="$TMP/gocache" go build -o "$TMP/$1" . ) > "$TMP/$1.log" 2>&1 && return 0
  echo "FAIL go-programs/$1: go build failed"; sed 's/^/    /' "$TMP/$1.log" | tail -5; fail=$((fail+1)); return 1
}

# Tools the program runs through os/exec.
TOOLS=(--file /bin/sh --file /bin/true --file /bin/cat --file /usr/bin/wc)

# run NAME OPS_OPTIONS... -- COMMAND...: natively, then in the unikernel; stderr's first line is
# compared too when the program panics (status 2).
run() {
  local name=$1; shift
  local opts=()
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  (cd / && timeout 120 env -i PATH=/bin:/usr/bin HOME=/ GO_PROGRAMS_TEST=set "$@" > "$TMP/native.out" 2> "$TMP/native.err" < /dev/null); local nrc=$?
  timeout 150 bin/ops run --timeout 120 -e GO_PROGRAMS_TEST=set "${TOOLS[@]}" "${opts[@]}" "$@" > "$TMP/uk.out" 2> "$TMP/uk.err" < /dev/null; local urc=$?
  if [ $nrc -eq 2 ] && [ $urc -eq 2 ]; then
    local nfirst ufirst
    nfirst=$(head -1 "$TMP/native.err"); ufirst=$(grep -v '^ops:' "$TMP/uk.err" | head -1)
    if [ "$nfirst" != "$ufirst" ] || ! grep -q '^goroutine [0-9]* \[running\]:' "$TMP/uk.err"; then
      echo "FAIL go-programs/$name: stderr native '$nfirst', unikernel '$ufirst' (or no goroutine trace)"; fail=$((fail+1)); return
    fi
  fi
  compare go-programs "$name" $nrc $urc
}

if build go-static 0; then
  run static-all -m 1G -- "$TMP/go-static"
  run panic-in-goroutine -- "$TMP/go-static" panic
  run os-exit-3 -- "$TMP/go-static" exit3
fi
# cgo: dynamically linked against glibc (ops packs its libraries); the sections that go through libc,
# and net2's TCP proxy (io.Copy between connections splices through a pipe: it hung now and then
# while splice dropped what a full socket refused).
if build go-cgo 1; then
  if file "$TMP/go-cgo" | grep -q 'dynamically linked'; then
    run cgo-dynamic -- "$TMP/go-cgo" exec signals net net2 process files faults ids mmap
  else
    echo "FAIL go-programs/cgo-dynamic: the cgo build is not dynamically linked"; fail=$((fail+1))
  fi
fi

echo "go-programs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
