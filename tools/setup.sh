#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian machine (idempotent).
# Packages: QEMU (x86 system emulator), nasm + binutils (boot stub, linking), gcc/g++/musl-tools
# (compat-tests), busybox-static, sqlite3, lua5.4, tar/gzip/xz, golang-go, nodejs, nginx, redis,
# memcached, curl, wrk, strace, gdb, git, openssl, gawk (test subjects and benchmarks).
# NuGet: the ILCompiler package.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PKGS=(qemu-system-x86 nasm binutils gcc g++ make musl-tools busybox-static python3 cpio sqlite3 lua5.4
      tar gzip xz-utils golang-go nodejs nginx redis-server redis-tools memcached curl wrk strace gdb git openssl gawk)
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
command -v dotnet >/dev/null || { echo "setup: the .NET 10 SDK is required (dotnet not on PATH)" >&2; exit 1; }
dotnet restore "$ROOT/tools/ilc/IlcPackage.csproj" -v:q >&2
# `ops` on the PATH: a link to the launcher at the top of this checkout (it finds the repo through the link).
if [ "$(readlink -f /usr/local/bin/ops 2>/dev/null)" != "$ROOT/bin/ops" ]; then
  $SUDO ln -sf "$ROOT/bin/ops" /usr/local/bin/ops 2>/dev/null && echo "setup: /usr/local/bin/ops -> $ROOT/bin/ops" >&2 ||
    echo "setup: could not link /usr/local/bin/ops (use $ROOT/bin/ops)" >&2
fi
echo "setup: ok" >&2
