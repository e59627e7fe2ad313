#!/usr/bin/env bash
# compat-tests/run.sh [--native-only] [--runner CMD] [filter]
#
# Runs every case of cases.txt for every built variant, natively and through
# the runner (default: "bin/ops run", run from the repository root as
#   bin/ops run -e KEY=VALUE ... <binary> <args...>),
# and compares stdout (byte for byte) and exit status.
# With --native-only, only runs natively (twice, to catch non-deterministic
# output) and checks the exit status against cases.txt.
# filter: an extended regular expression matched against "<variant>/<name>".
set -u

usage() {
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

NATIVE_ONLY=0
RUNNER="bin/ops run"
FILTER=""
while [ $# -gt 0 ]; do
    case "$1" in
    --native-only) NATIVE_ONLY=1 ;;
    --runner)
        [ $# -ge 2 ] || usage
        RUNNER="$2"
        shift
        ;;
    --runner=*) RUNNER="${1#--runner=}" ;;
    -h | --help) usage ;;
    -*) echo "run.sh: unknown option $1" >&2; usage ;;
    *)
        [ -z "$FILTER" ] || usage
        FILTER="$1"
        ;;
    esac
    shift
done

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
cd "$ROOT" || exit 2

BUILD=build/compat-tests
RESULTS=$BUILD/results
VARIANTS=(glibc-static musl-static static-pie glibc-dynamic)
NATIVE_TIMEOUT=10
RUNNER_TIMEOUT=60
read -r -a RUNNER_CMD <<<"$RUNNER"

ulimit -c 0 2>/dev/null # the segfault test must not leave core files

# The program's own stderr from a runner's: drops ops' lines ("ops: ...") and the kernel's fault
# report ("=== user fault...", register lines, "compat: ..."), which a native run has no twin of.
program_stderr() {
    grep -avE '^(ops: |compat: |=== |R[0-9A-Z]{1,2} ?=|page fault: |  at )' "$1" || true
}

# ---- read cases.txt ----
C_NAME=() C_STATUS=() C_ENV=() C_ARGS=() C_LINE=()
declare -A NCASES=()
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    case "$line" in '#'* | '') continue ;; esac
    read -r -a w <<<"$line"
    [ ${#w[@]} -eq 0 ] && continue
    if [ ${#w[@]} -lt 3 ] || [ "${w[2]}" != "--" ]; then
        echo "run.sh: cases.txt:$lineno: expected '<name> <status|any> -- ...'" >&2
        exit 2
    fi
    name=${w[0]} st=${w[1]}
    if ! [[ $st =~ ^([0-9]+|any)$ ]]; then
        echo "run.sh: cases.txt:$lineno: bad status '$st'" >&2
        exit 2
    fi
    envs=() args=()
    i=3
    while [ $i -lt ${#w[@]} ] && [[ ${w[$i]} =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
        envs+=("${w[$i]}")
        i=$((i + 1))
    done
    while [ $i -lt ${#w[@]} ]; do
        args+=("${w[$i]}")
        i=$((i + 1))
    done
    C_NAME+=("$name")
    C_STATUS+=("$st")
    # arrays of arrays do not exist in bash: store NUL-free, newline-joined
    C_ENV+=("$(printf '%s\n' "${envs[@]+"${envs[@]}"}")")
    C_ARGS+=("$(printf '%s\n' "${args[@]+"${args[@]}"}")")
    C_LINE+=("$lineno")
    NCASES[$name]=$((${NCASES[$name]:-0} + 1))
done <"$HERE/cases.txt"

passed=0
failed=0

pass() {
    echo "PASS $1"
    passed=$((passed + 1))
}

fail() {
    echo "FAIL $1: $2"
    [ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/    /'
    failed=$((failed + 1))
}

# run_native OUTPREFIX BIN -> sets STATUS
run_native() {
    local pfx=$1 bin=$2
    { timeout -k 2 $NATIVE_TIMEOUT env -i "${CASE_ENV[@]+"${CASE_ENV[@]}"}" "$bin" \
        "${CASE_ARGS[@]+"${CASE_ARGS[@]}"}" </dev/null >"$pfx.out" 2>"$pfx.err"; } 2>/dev/null
    STATUS=$?
}

# run_runner OUTPREFIX BIN -> sets STATUS
run_runner() {
    local pfx=$1 bin=$2 e
    local eflags=()
    for e in "${CASE_ENV[@]+"${CASE_ENV[@]}"}"; do
        eflags+=(-e "$e")
    done
    { timeout -k 5 $RUNNER_TIMEOUT "${RUNNER_CMD[@]}" "${eflags[@]+"${eflags[@]}"}" "$bin" \
        "${CASE_ARGS[@]+"${CASE_ARGS[@]}"}" </dev/null >"$pfx.out" 2>"$pfx.err"; } 2>/dev/null
    STATUS=$?
}

short_diff() {
    diff -u --label native --label runner "$1" "$2" | sed -n '3,14p'
}

describe_status() {
    case "$1" in
    124) echo "124 (timed out)" ;;
    137) echo "137 (killed after time-out)" ;;
    *) echo "$1" ;;
    esac
}

ran=0
declare -A SEEN=()
for variant in "${VARIANTS[@]}"; do
    mkdir -p "$RESULTS/$variant"
    declare -A IDX=()
    for ((c = 0; c < ${#C_NAME[@]}; c++)); do
        name=${C_NAME[$c]}
        IDX[$name]=$((${IDX[$name]:-0} + 1))
        label="$variant/$name"
        [ "${NCASES[$name]}" -gt 1 ] && label="$label#${IDX[$name]}"
        if [ -n "$FILTER" ] && ! [[ "$variant/$name" =~ $FILTER ]]; then
            continue
        fi
        SEEN[$name]=1
        bin="$BUILD/$variant/$name"
        if [ "$variant" = musl-static ] && [ -f "$HERE/src/$name.cc" ]; then
            continue # C++ is not built for musl
        fi
        ran=$((ran + 1))
        if [ ! -x "$bin" ]; then
            fail "$label" "binary $bin not built (run: make -C compat-tests)"
            continue
        fi
        CASE_ENV=() CASE_ARGS=()
        [ -n "${C_ENV[$c]}" ] && mapfile -t CASE_ENV <<<"${C_ENV[$c]}"
        [ -n "${C_ARGS[$c]}" ] && mapfile -t CASE_ARGS <<<"${C_ARGS[$c]}"
        expect=${C_STATUS[$c]}
        pfx="$RESULTS/$variant/${label#*/}"
        pfx=${pfx//#/.}

        run_native "$pfx.native" "$bin"
        nstatus=$STATUS
        reasons=()
        details=""
        if [ "$expect" != any ] && [ "$nstatus" != "$expect" ]; then
            reasons+=("native exit status $(describe_status "$nstatus"), expected $expect")
            details=$(grep -m 5 '^FAIL' "$pfx.native.out")
        fi

        if [ $NATIVE_ONLY = 1 ]; then
            run_native "$pfx.native2" "$bin"
            if ! cmp -s "$pfx.native.out" "$pfx.native2.out"; then
                reasons+=("stdout differs between two native runs (non-deterministic test)")
                details="$details${details:+$'\n'}$(short_diff "$pfx.native.out" "$pfx.native2.out")"
            elif [ "$STATUS" != "$nstatus" ]; then
                reasons+=("exit status differs between two native runs")
            fi
        else
            run_runner "$pfx.runner" "$bin"
            rstatus=$STATUS
            if [ "$rstatus" != "$nstatus" ]; then
                reasons+=("exit status $(describe_status "$rstatus") under the runner, $nstatus natively")
            fi
            if ! cmp -s "$pfx.native.out" "$pfx.runner.out"; then
                reasons+=("stdout differs")
                details="$details${details:+$'\n'}$(short_diff "$pfx.native.out" "$pfx.runner.out")"
            fi
            # stderr too, without what ops and the kernel add to it (ops' notices, the fault report
            # of a program killed by a signal): those lines are not the program's.
            program_stderr "$pfx.runner.err" > "$pfx.runner.err.program"
            if ! cmp -s "$pfx.native.err" "$pfx.runner.err.program"; then
                reasons+=("stderr differs")
                details="$details${details:+$'\n'}$(short_diff "$pfx.native.err" "$pfx.runner.err.program")"
            fi
            if [ ${#reasons[@]} -gt 0 ] && [ -s "$pfx.runner.err" ]; then
                details="$details${details:+$'\n'}runner stderr (last lines):"$'\n'"$(tail -n 3 "$pfx.runner.err")"
            fi
        fi

        if [ ${#reasons[@]} -eq 0 ]; then
            pass "$label"
        else
            msg=$(printf '%s; ' "${reasons[@]}")
            fail "$label" "${msg%; }" "$details"
        fi
    done
    unset IDX
done

# every test source must have at least one case
for src in "$HERE"/src/*.c "$HERE"/src/*.cc; do
    [ -e "$src" ] || continue
    name=$(basename "$src")
    name=${name%.*}
    [ -n "${NCASES[$name]:-}" ] && continue
    if [ -z "$FILTER" ] || [[ "any/$name" =~ $FILTER ]] || [[ "$name" =~ $FILTER ]]; then
        fail "cases.txt/$name" "src/$(basename "$src") has no line in cases.txt"
    fi
done

if [ $ran -eq 0 ] && [ $failed -eq 0 ]; then
    echo "run.sh: no case matched filter '$FILTER'" >&2
fi
echo "compat-tests: $passed passed, $failed failed"
[ $failed -eq 0 ] && [ $ran -gt 0 ]
