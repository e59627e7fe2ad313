#!/usr/bin/env bash
# Runs the random-syscall fuzzer (tools/fuzz/sysfuzz.c) in the unikernel, one boot per seed.
#
#   tools/fuzz/run.sh [SEEDS] [COUNT]          seeds 1-10, 2000 calls each by default
#   tools/fuzz/run.sh 1-50 5000                 a range; also "7", "3,9,12", "1-5,40", "7:300" (seed 7, 300 calls)
#   tools/fuzz/run.sh --regressions [COUNT]     replays tools/fuzz/regressions.txt (each seed with its own count)
#   tools/fuzz/run.sh --regressions 1-6 2000    both
#
# A seed fails when the exit status is not 0 (124: the guest hung past the timeout), the output
# lacks "sysfuzz: seed S: N calls done", or the kernel log shows a PANIC or an unexpected kernel
# fault. "sysfuzz: anomaly:" lines (a register changed by a syscall, an access that should have
# faulted and did not) are shown but do not fail a seed unless STRICT=1.
# Environment: TIMEOUT (guest seconds, default 120), STRICT, NATIVE=1 (also run natively first:
# a seed that fails natively is the fuzzer's fault, not the kernel's), RUNNER (default ./ops run).
# Logs: build/fuzz/logs/seed-S.{out,err}. Ends with the line "N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
OUT="$ROOT/build/fuzz"; LOGS="$OUT/logs"; mkdir -p "$LOGS"
TIMEOUT=${TIMEOUT:-120}
RUNNER=${RUNNER:-./ops run}

regress=0; args=()
for a in "$@"; do
  case "$a" in
    --regressions) regress=1 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$a") ;;
  esac
done
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
  while read -r s c _; do
    [[ "$s" =~ ^[0-9]+$ ]] || continue         # comments and blank lines
    [[ "${c:-}" =~ ^[0-9]+$ ]] || c=$COUNT
    list+=("$s $c")
  done < "$ROOT/tools/fuzz/regressions.txt"
fi

# Kernel log lines that mean the kernel itself went wrong (the expected, extable-recovered faults
# of EFAULT copies print "=== kernel fault (expected, ...)" and do not match).
BAD='PANIC|=== kernel fault:|kernel stack overflow|unexpected interrupt vector'

pass=0; fail=0
for job in "${list[@]}"; do
  read -r seed count <<<"$job"
  name="seed $seed ($count calls)"
  if [ "${NATIVE:-0}" = 1 ]; then
    timeout 60 "$OUT/sysfuzz" "$seed" "$count" > "$LOGS/seed-$seed.native" 2>&1 </dev/null
    nrc=$?
    if [ $nrc -ne 0 ] || ! grep -q "^sysfuzz: seed $seed: $count calls done$" "$LOGS/seed-$seed.native"; then
      echo "FAIL $name: fails natively too (status $nrc): a fuzzer bug"; fail=$((fail + 1)); continue
    fi
  fi
  t0=$(date +%s.%N)
  $RUNNER -v --timeout "$TIMEOUT" "$OUT/sysfuzz" "$seed" "$count" </dev/null > "$LOGS/seed-$seed.out" 2> "$LOGS/seed-$seed.err"
  rc=$?
  secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
  why=()
  [ $rc -eq 124 ] && why+=("hung (no exit within ${TIMEOUT}s)")
  [ $rc -ne 0 ] && [ $rc -ne 124 ] && why+=("exit status $rc")
  grep -q "^sysfuzz: seed $seed: $count calls done$" "$LOGS/seed-$seed.out" || why+=("no final line")
  grep -aqE "$BAD" "$LOGS/seed-$seed.err" && why+=("kernel: $(grep -aoE "$BAD" "$LOGS/seed-$seed.err" | head -1)")
  anomalies=$(grep -a '^sysfuzz: anomaly:' "$LOGS/seed-$seed.out")
  [ -n "$anomalies" ] && [ "${STRICT:-0}" = 1 ] && why+=("anomalies")
  if [ ${#why[@]} -eq 0 ]; then
    echo "PASS $name in ${secs}s: $(grep -a 'faults caught' "$LOGS/seed-$seed.out")"
    pass=$((pass + 1))
  else
    (IFS=';'; echo "FAIL $name after ${secs}s: ${why[*]}  (logs: build/fuzz/logs/seed-$seed.*)")
    # The interesting part of the kernel log: the report and the panic with its backtrace.
    grep -aE -A14 "$BAD" "$LOGS/seed-$seed.err" | grep -avE '^(ops:|compat: trace)' | head -30 | sed 's/^/    /'
    [ $rc -ne 0 ] && ! grep -aqE "$BAD" "$LOGS/seed-$seed.err" && grep -av '^ops:' "$LOGS/seed-$seed.err" | tail -8 | sed 's/^/    /'
    fail=$((fail + 1))
  fi
  [ -n "$anomalies" ] && sed 's/^/    /' <<<"$anomalies"
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
