#!/usr/bin/env bash
# Symbolizes kernel crash logs: for every "at 0x..." address in the input (the return-address
# backtrace of a PANIC or kernel fault report), prints the address, the function containing it
# and, when the image has line information, the source line.
# Usage: tools/crash/decode.sh [kernel.elf] < kernel.log      (default: build/kernel/compat.elf)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ELF="${1:-$ROOT/build/kernel/compat.elf}"
[ -f "$ELF" ] || { echo "decode: $ELF not found (build it with tools/build-kernel.sh)" >&2; exit 2; }
command -v addr2line >/dev/null || { echo "decode: addr2line not found (install binutils)" >&2; exit 2; }

mapfile -t addrs < <(grep -oE 'at 0x[0-9a-fA-F]+' | sed 's/^at //')
[ ${#addrs[@]} -gt 0 ] || { echo "decode: no 'at 0x...' addresses in the input" >&2; exit 1; }

# addr2line -a -f prints three lines per address: the address, the function, file:line.
addr2line -a -f -C -e "$ELF" "${addrs[@]}" | paste - - - |
  while IFS=$'\t' read -r addr func where; do
    if [ "$where" = "??:0" ] || [ "$where" = "??:?" ]; then where=""; else where="  ($where)"; fi
    printf '%s  %s%s\n' "$addr" "$func" "$where"
  done
