#!/usr/bin/env bash
# Runs the random-syscall fuzzer (tools/fuzz/sysfuzz.c) in the unikernel, one boot per seed.
#
#   tools/fuzz/run.sh [SEEDS] [COUNT]          seeds 1-10, 2000 calls each by default
#   tools/fuzz/run.sh 1-50 5000                 a range; also "7", "3,9,12", "1-5,40", "7:300" (seed 7, 300 calls)
#   tools/fuzz/run.sh --regressions [COUNT]     replays tools/fuzz/regressions.txt (each seed with its own count)
#   tools/fuzz/run.sh --regressions 1-6 2000    both
#   tools/fuzz/run.sh --minimize SEED [COUNT]   bisects the smallest COUNT (default 2000) that still fails
#
# A seed fails when the exit status is not 0 (124: the guest hung past the timeout), the output
# lacks "sysfuzz: seed S: N calls done", or the kernel log shows a PANIC or an unexpected kernel
# fault. "sysfuzz: anomaly:" lines (a register changed by a syscall, an access that should have
# faulted and did not) are shown but do not fail a seed unless STRICT=1.
# Environment: TIMEOUT (guest seconds, default 120), STRICT, SYSFUZZ_SKIP (known kernel bugs the
# fuzzer steps around, e.g. "munmap-past-end"; see sysfuzz.c), NATIVE=1 (also run natively first:
# a seed that fails natively is the fuzzer's fault, not the kernel's), RUNNER (default bin/ops run).
# Logs: build/fuzz/logs/seed-S.{out,err}. Ends with the line "N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
OUT="$ROOT/build/fuzz"; LOGS="$OUT/logs"; mkdir -p "$LOGS"
TIMEOUT=${TIMEOUT:-120}
RUNNER=${RUNNER:-bin/ops run}

regress=0; args=(); MINIMIZE=""
for a in "$@"; do
  case "$a" in
    --regressions) regress=1 ;;
    --minimize) MINIMIZE=next ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$a") ;;
  esac
done
[ "$MINIMIZE" = next ] && { MINIMIZE=${args[0]:-}; [[ "$MINIMIZE" =~ ^[0-9]+$ ]] || { echo "usage: run.sh --minimize SEED [COUNT]"; exit 2; }; }
if [ $regress -eq 1 ] && [ ${#args[@]} -eq 1 ] && [[ "${args[0]}" =~ ^[0-9]+$ ]]; then
  SEEDS=""; COUNT=${args[0]}                 # --regressions COUNT: the default count for entries without one
else
  SEEDS=${args[0]-}; COUNT=${args[1]:-2000}
  [ -z "$SEEDS" ] && [ $regress -eq 0 ] && SEEDS=1-10
fi

gcc -static -O1 -o "$OUT/sysfuzz" "$ROOT/tools/fuzz/sysfuzz.c" || { echo "fuzz: building sysfuzz failed"; echo "0 passed, 1 failed"; exit 1; }

# The work list: "SEED COUNT" lines.
list=()
IFS=',' read -ra items <<<"$SEEDS"
for it in "${items[@]}"; do
  [ -z "$it" ] && continue
  c=$COUNT
  if [[ "$it" == *:* ]]; then c=${it#*:}; it=${it%%:*}; fi
  if [[ "$it" =~ ^([0-9]+)-([0-9]+)$ ]]; then
    for ((s = BASH_REMATCH[1]; s <= BASH_REMATCH[2]; s++)); do list+=("$s $c"); done
  elif [[ "$it" =~ ^[0-9]+$ ]]; then list+=("$it $c")
  else echo "fuzz: bad seed item '$it' (want N, A-B or N:COUNT)"; exit 2; fi
done
if [ $regress -eq 1 ]; then
  # "SEED [COUNT] [skip=NAME,...]  # comment": skip= replays it with that SYSFUZZ_SKIP (the call
  # sequence depends on it: a skipped call changes what follows).
  while read -r line; do
    line=${line%%#*}
    read -r s c _ <<<"$line"
    [[ "${s:-}" =~ ^[0-9]+$ ]] || continue
    [[ "${c:-}" =~ ^[0-9]+$ ]] || c=$COUNT
    sk=$(grep -oE 'skip=[^ ]+' <<<"$line" | head -1); sk=${sk#skip=}
    list+=("$s $c ${sk:--}")
  done < "$ROOT/tools/fuzz/regressions.txt"
fi

# Kernel log lines that mean the kernel itself went wrong (the expected, extable-recovered faults
# of EFAULT copies print "=== kernel fault (expected, ...)" and do not match).
BAD='PANIC|=== kernel fault:|kernel stack overflow|unexpected interrupt vector'

# run_one SEED COUNT: one boot; sets $rc, $secs, $why (empty: passed) and $anomalies.
run_one() {
  local seed=$1 count=$2 skipl=${3:--} t0
  [ "$skipl" = - ] && skipl=${SYSFUZZ_SKIP:-}
  t0=$(date +%s.%N)
  $RUNNER -v --timeout "$TIMEOUT" ${skipl:+-e SYSFUZZ_SKIP="$skipl"} "$OUT/sysfuzz" "$seed" "$count" </dev/null > "$LOGS/seed-$seed.out" 2> "$LOGS/seed-$seed.err"
  rc=$?
  secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
  if grep -aq 'kernel build failed' "$LOGS/seed-$seed.err"; then   # not the seed's fault: judge nothing
    grep -aE 'error|build-kernel' "$LOGS/seed-$seed.err" | head -5 >&2
    echo "fuzz: ops could not build the kernel; no seed judged"; echo "0 passed, 1 failed"; exit 1
  fi
  why=()
  [ $rc -eq 124 ] && why+=("hung (no exit within ${TIMEOUT}s)")
  [ $rc -ne 0 ] && [ $rc -ne 124 ] && why+=("exit status $rc")
  grep -q "^sysfuzz: seed $seed: $count calls done$" "$LOGS/seed-$seed.out" || why+=("no final line")
  grep -aqE "$BAD" "$LOGS/seed-$seed.err" && why+=("kernel: $(grep -aoE "$BAD" "$LOGS/seed-$seed.err" | head -1)")
  anomalies=$(grep -a '^sysfuzz: anomaly:' "$LOGS/seed-$seed.out")
  [ -n "$anomalies" ] && [ "${STRICT:-0}" = 1 ] && why+=("anomalies")
  [ ${#why[@]} -eq 0 ]
}
# excerpt SEED: the interesting part of the kernel log of a failed run.
excerpt() {
  local err="$LOGS/seed-$1.err"
  if grep -aqE "$BAD" "$err"; then       # the report and the panic with its backtrace
    grep -aE -A14 "$BAD" "$err" | grep -avE '^(ops:|compat: trace)' | head -30
  elif grep -aq '=== user fault' "$err"; then   # the program died of a fault: the report
    grep -a -A13 '=== user fault' "$err" | grep -avE '^R(AX|DX|BP|9 |12|15)=' | head -8
  else grep -avE '^(ops:|compat: unimplemented)' "$err" | tail -6; fi
}

if [ -n "$MINIMIZE" ]; then
  # Smallest COUNT that still fails: the call sequence of COUNT n is a prefix of that of any
  # larger COUNT (children aside), so bisect; then replay the smallest twice to see it is stable.
  seed=$MINIMIZE; hi=${args[1]:-$COUNT}
  if run_one "$seed" "$hi"; then echo "seed $seed passes with $hi calls: nothing to minimize"; exit 0; fi
  lo=0
  while [ $((hi - lo)) -gt 1 ]; do
    mid=$(((lo + hi) / 2))
    if run_one "$seed" "$mid"; then lo=$mid; else hi=$mid; fi
    echo "  $mid calls: $([ ${#why[@]} -eq 0 ] && echo passes || (IFS=';'; echo "fails (${why[*]})"))"
  done
  fails=0; for i in 1 2 3; do run_one "$seed" "$hi" || { fails=$((fails + 1)); keep=("${why[@]}"); cp "$LOGS/seed-$seed.err" "$LOGS/seed-$seed.err.fail"; }; done
  [ $fails -gt 0 ] && cp "$LOGS/seed-$seed.err.fail" "$LOGS/seed-$seed.err"
  (IFS=';'; echo "seed $seed: smallest failing COUNT $hi (failed in $fails of 3 replays): ${keep[*]-}")
  echo "reproduce: tools/fuzz/run.sh $seed:$hi   (natively: build/fuzz/sysfuzz $seed $hi -v)"
  excerpt "$seed" | sed 's/^/    /'
  exit 0
fi

pass=0; fail=0
for job in "${list[@]}"; do
  read -r seed count skipl <<<"$job"
  name="seed $seed ($count calls$([ "${skipl:--}" != - ] && echo ", skip=$skipl"))"
  if [ "${NATIVE:-0}" = 1 ]; then
    sk=${skipl:--}; [ "$sk" = - ] && sk=${SYSFUZZ_SKIP:-}
    SYSFUZZ_SKIP="$sk" timeout 60 "$OUT/sysfuzz" "$seed" "$count" > "$LOGS/seed-$seed.native" 2>&1 </dev/null
    nrc=$?
    if [ $nrc -ne 0 ] || ! grep -q "^sysfuzz: seed $seed: $count calls done$" "$LOGS/seed-$seed.native"; then
      echo "FAIL $name: fails natively too (status $nrc): a fuzzer bug"; fail=$((fail + 1)); continue
    fi
  fi
  if run_one "$seed" "$count" "${skipl:--}"; then
    echo "PASS $name in ${secs}s: $(grep -a 'faults caught' "$LOGS/seed-$seed.out")"
    pass=$((pass + 1))
  else
    (IFS=';'; echo "FAIL $name after ${secs}s: ${why[*]}  (logs: build/fuzz/logs/seed-$seed.*)")
    excerpt "$seed" | sed 's/^/    /'
    fail=$((fail + 1))
  fi
  [ -n "$anomalies" ] && sed 's/^/    /' <<<"$anomalies"
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
