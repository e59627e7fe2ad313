#!/usr/bin/env bash
# The random-syscall fuzzer, bounded for the test suite: 6 fresh seeds x 2000 calls plus every seed
# in tools/fuzz/regressions.txt, one unikernel boot each (tools/fuzz/run.sh does the work and
# judges: exit status 0, the final line, no PANIC or unexpected kernel fault in the kernel log).
# A seed normally takes 1-5 s under TCG; the guest timeout keeps a hung seed to 30 s.
# Ends with "N passed, M failed". Environment: FUZZ_SEEDS (default 1-6), FUZZ_COUNT (2000).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
TIMEOUT=${TIMEOUT:-30} exec tools/fuzz/run.sh --regressions "${FUZZ_SEEDS:-1-6}" "${FUZZ_COUNT:-2000}"
