#!/usr/bin/env bash
# ops' own behaviour: program validation (exit 2 with a clear message), exit-status propagation,
# stdin packing, environment, --timeout, --trace, the root image format, symbolization.
# Ends with "ops: N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
OPS=./ops
BB=$(command -v busybox || echo /bin/busybox)
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0

ok()   { pass=$((pass + 1)); echo "PASS ops/$1"; }
bad()  { fail=$((fail + 1)); echo "FAIL ops/$1: $2"; }

# expect NAME STATUS STDERR-REGEX -- COMMAND...: exit status and a stderr line matching the regex.
expect() {
  local name=$1 want=$2 re=$3; shift 4
  "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
  local rc=$?
  if [ "$rc" -ne "$want" ]; then bad "$name" "exit status $rc, want $want ($(head -c 300 "$TMP/err"))"
  elif [ -n "$re" ] && ! grep -qE -- "$re" "$TMP/err"; then bad "$name" "stderr lacks /$re/: $(head -c 300 "$TMP/err")"
  else ok "$name"; fi
}

# A minimal ELF header: class, data, type, machine.
elf_header() {  # FILE CLASS DATA TYPE MACHINE
  python3 - "$@" <<'PY'
import struct, sys
path, cls, data, typ, mach = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
hdr = b'\x7fELF' + bytes([cls, data, 1]) + bytes(9) + struct.pack('<HHI', typ, mach, 1) + bytes(64 - 24)
open(path, 'wb').write(hdr)
PY
}

expect missing-file 2 'nosuch: no such file' -- $OPS run ./nosuch
expect directory 2 'is a directory' -- $OPS run /tmp
printf '#!/bin/sh\necho hi\n' >"$TMP/script.sh"; chmod +x "$TMP/script.sh"
expect script 2 'not an x86-64 ELF executable \(a script' -- $OPS run "$TMP/script.sh"
expect text-file 2 'not an x86-64 ELF executable \(no ELF magic\)' -- $OPS run README.md
elf_header "$TMP/elf32" 1 1 2 3
expect elf-32bit 2 'not an x86-64 ELF executable \(ELF class 32-bit\)' -- $OPS run "$TMP/elf32"
elf_header "$TMP/arm64" 2 1 2 183
expect elf-aarch64 2 'not an x86-64 ELF executable \(machine AArch64\)' -- $OPS run "$TMP/arm64"
elf_header "$TMP/obj" 2 1 1 62
expect elf-object 2 'ELF type REL' -- $OPS run "$TMP/obj"
elf_header "$TMP/be" 2 2 2 62
expect elf-big-endian 2 'big-endian' -- $OPS run "$TMP/be"
expect no-program 2 'PROGRAM is required' -- $OPS run
expect unknown-option 2 "unknown option '--bogus'" -- $OPS run --bogus "$BB" true
expect bad-accel 2 '--accel: expected kvm, tcg or auto' -- $OPS run --accel nope "$BB" true
expect bad-memory 2 '--memory: expected a size' -- $OPS run -m lots "$BB" true

expect exit-0 0 '' -- $OPS run "$BB" true
expect exit-1 1 '' -- $OPS run "$BB" false
expect exit-42 42 '' -- $OPS run "$BB" sh -c 'exit 42'
expect timeout 124 'timed out after 1 s' -- $OPS run --timeout 1 "$BB" sleep 10
expect trace 0 '^exit_group\(0\)' -- $OPS run --trace "$BB" true
expect syscall-summary 0 '^compat: summary .* total' -- $OPS run --syscall-summary "$BB" true

# Program arguments that look like ops options belong to the program.
out=$($OPS run "$BB" echo -v --trace -e x 2>&1)
[ "$out" = "-v --trace -e x" ] && ok program-args || bad program-args "got '$out'"

# argv[0] is the program as named; stdin (not a terminal) is packed and ends with EOF.
out=$(printf 'one\ntwo\nthree\n' | $OPS run "$BB" wc -l 2>&1)
[ "$(echo $out)" = "3" ] && ok stdin-packed || bad stdin-packed "got '$out'"

out=$($OPS run -e FOO=bar -e HOME=/root "$BB" env 2>&1 </dev/null)
if grep -qx 'FOO=bar' <<<"$out" && grep -qx 'HOME=/root' <<<"$out" && grep -qx 'PATH=/bin:/usr/bin' <<<"$out" && grep -qx 'TERM=xterm' <<<"$out"
then ok environment; else bad environment "got: $(tr '\n' ' ' <<<"$out")"; fi

# The root image: cpio newc with the program under /app and the /.compat files.
$OPS run --keep "$BB" true 2>"$TMP/keep" </dev/null
dir=$(sed -n 's/^ops: kept \(.*\) (root.cpio.*/\1/p' "$TMP/keep")
if [ -n "$dir" ] && [ -f "$dir/root.cpio" ]; then
  list=$(cpio -it <"$dir/root.cpio" 2>/dev/null | sort | tr '\n' ' ')
  [ "$list" = ".compat .compat/argv .compat/envp .compat/exe .compat/stdin app app/busybox " ] \
    && ok root-image || bad root-image "cpio lists: $list"
  rm -rf "$dir"
else bad root-image "--keep did not report a directory: $(cat "$TMP/keep")"; fi

# Symbolization of kernel backtrace addresses (ops symbolize and tools/crash/decode.sh).
fn=$(nm -n build/kernel/compat.elf | awk '$2 == "T" && $3 ~ /Panic__Fail$/ { print $1; exit }')
if [ -n "$fn" ]; then
  addr=$(printf '0x%016x' $((0x$fn + 4)))
  out=$(printf '  at %s\n' "$addr" | $OPS symbolize)
  [[ "$out" == *"<"*"Panic__Fail+0x4>" ]] && ok symbolize || bad symbolize "got '$out'"
  out=$(printf '  at %s\n' "$addr" | tools/crash/decode.sh)
  [[ "$out" == *Panic__Fail* ]] && ok decode.sh || bad decode.sh "got '$out'"
else bad symbolize "no Panic.Fail symbol in the kernel image"; fi

echo "ops: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
