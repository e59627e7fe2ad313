# Sourced by the app tests: judging one case from the native and unikernel runs.
# compare SUITE NAME NATIVE_STATUS UNIKERNEL_STATUS: compares $TMP/native.out with $TMP/uk.out
# (byte for byte) and the statuses; prints PASS/FAIL and counts into $pass / $fail.
compare() {
  local suite=$1 name=$2 nrc=$3 urc=$4
  if [ "$nrc" -ne "$urc" ]; then
    echo "FAIL $suite/$name: exit status native $nrc, unikernel $urc"; tail -5 "$TMP/uk.err" | sed 's/^/    /'; fail=$((fail+1))
  elif ! cmp -s "$TMP/native.out" "$TMP/uk.out"; then
    echo "FAIL $suite/$name: stdout differs"; diff "$TMP/native.out" "$TMP/uk.out" | head -8 | sed 's/^/    /'; fail=$((fail+1))
  else
    echo "PASS $suite/$name"; pass=$((pass+1))
  fi
}
