#!/usr/bin/env bash
# Builds the bootable kernel image: C# -> IL (dotnet build) -> native object (ILC) -> ELF (ld).
# Output: build/kernel/compat.elf (+ compat.map, the ILC symbol map).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/build/kernel"
ILC_VERSION=10.0.12
mkdir -p "$OUT"

ILC="$HOME/.nuget/packages/runtime.linux-x64.microsoft.dotnet.ilcompiler/$ILC_VERSION/tools/ilc"
if [ ! -x "$ILC" ]; then
  echo "build-kernel: fetching ILCompiler $ILC_VERSION from NuGet" >&2
  dotnet restore "$ROOT/tools/ilc/IlcPackage.csproj" >/dev/null
fi

rm -f "$OUT/il/Compat.Kernel.dll"
if ! dotnet build "$ROOT/kernel/Kernel.csproj" -c Release -nologo -v:q -o "$OUT/il" > "$OUT/csc.log" 2>&1; then
  grep -E "error|warning" "$OUT/csc.log" | sort -u >&2 || cat "$OUT/csc.log" >&2
  echo "build-kernel: C# build failed" >&2
  exit 1
fi

"$ILC" "$OUT/il/Compat.Kernel.dll" -o "$OUT/kernel.o" --systemmodule:Compat.Kernel \
  --targetos:linux --targetarch:x64 -O --instruction-set:x86-64 --nativelib \
  --map:"$OUT/compat.map" -g

# The vDSO programs get mapped (AT_SYSINFO_EHDR), embedded into the kernel image by boot.asm.
gcc -O2 -fPIC -shared -nostdlib -fno-stack-protector -fno-asynchronous-unwind-tables -mno-red-zone \
  -Wl,-soname=linux-vdso.so.1 -Wl,--hash-style=both -Wl,--version-script="$ROOT/kernel/vdso/vdso.map" \
  -Wl,-T,"$ROOT/kernel/vdso/vdso.lds" -Wl,--build-id=none -o "$OUT/vdso.so" "$ROOT/kernel/vdso/vdso.c"

nasm -f elf64 -i "$OUT/" -o "$OUT/boot.o" "$ROOT/kernel/boot/boot.asm"
ld -static -nostdlib -z max-page-size=0x1000 --no-dynamic-linker -T "$ROOT/kernel/boot/linker.ld" \
  -o "$OUT/compat.elf" "$OUT/boot.o" "$OUT/kernel.o"
echo "build-kernel: $OUT/compat.elf ($(stat -c %s "$OUT/compat.elf") bytes)"
