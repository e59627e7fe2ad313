#!/usr/bin/env bash
# ops' own behaviour: program validation (exit 2 with a clear message), exit-status propagation,
# stdin streaming (also over PCI on q35), environment, --timeout, --trace, the root image format, shared library
# resolution (needs gcc), --file/--dir, config files, the minimal /etc, --missing-files,
# symbolization, --profile, signals forwarded to the program, python3 and perl with their libraries (also when packed with
# --file or named by a packed script's #! line), terminfo for ncurses programs, ops --help, the KVM notice, the launcher.
# Ends with "ops: N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
OPS="$ROOT/bin/ops"
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
expect summary-time 0 '^compat: summary time: wall [0-9]+ ms: user [0-9]+, syscalls [0-9]+' -- $OPS run --syscall-summary "$BB" true
# Signals to ops reach the program: SIGTERM the program alone (its trap runs, its status is ops'),
# SIGHUP its process group (no handler: 128+1); ^C typed on a terminal is the line discipline's
# SIGINT to the foreground group (script(1) gives ops a pseudo-terminal).
signal_case() {   # NAME SIGNAL WANT-STATUS WANT-STDOUT-REGEX -- COMMAND...
  local name=$1 sig=$2 want=$3 re=$4; shift 5
  rm -f "$TMP/sig.out"
  "$@" >"$TMP/sig.out" 2>"$TMP/sig.err" </dev/null & local p=$!
  for _ in $(seq 1 300); do grep -q ready "$TMP/sig.out" 2>/dev/null && break; sleep 0.1; done
  kill -"$sig" $p; wait $p; local rc=$?
  if [ "$rc" -ne "$want" ]; then bad "$name" "exit status $rc, want $want ($(head -c 300 "$TMP/sig.err"))"
  elif ! grep -qE -- "$re" "$TMP/sig.out"; then bad "$name" "stdout lacks /$re/: $(head -c 300 "$TMP/sig.out")"
  else ok "$name"; fi
}
signal_case signal-term-trap TERM 3 '^got TERM$' -- $OPS run "$BB" sh -c 'trap "echo got TERM; exit 3" TERM; echo ready; while :; do sleep 0.1; done'
signal_case signal-hup-default HUP 129 '^ready$' -- $OPS run "$BB" sh -c 'echo ready; sleep 100'
if command -v script >/dev/null; then
  ( for _ in $(seq 1 300); do grep -qa '^ready' "$TMP/tty.log" 2>/dev/null && break; sleep 0.1; done; printf '\003'; sleep 5 ) |
    timeout 60 script -qfec "$OPS run $BB sh -c 'trap \"echo got INT; exit 5\" INT; echo ready; while :; do sleep 0.1; done'" "$TMP/tty.log" >/dev/null 2>&1
  rc=$?
  if [ $rc -eq 5 ] && grep -qa 'got INT' "$TMP/tty.log"; then ok signal-tty-ctrl-c; else bad signal-tty-ctrl-c "exit status $rc: $(tr -d '\r' < "$TMP/tty.log" | tail -c 300)"; fi
else bad signal-tty-ctrl-c "script(1) missing (util-linux)"; fi
# --profile: NMI samples of a busy shell loop; the report names user mode and kernel functions.
$OPS run --profile "$BB" sh -c 'i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done' >"$TMP/out" 2>"$TMP/err" </dev/null
if grep -qE '^profile: [0-9]+ samples at 1000 Hz' "$TMP/err" && grep -qE '^ *[0-9.]+% +[1-9][0-9]* +\(user mode\)$' "$TMP/err" &&
   grep -qE '^ *[0-9.]+% +[1-9][0-9]* +[A-Za-z_]' "$TMP/err"; then ok profile; else bad profile "$(head -c 400 "$TMP/err")"; fi
# --profile names user functions too: a forked child (its own address space) spins in a named
# function of a dynamically linked program; libc's time shows under its own name.
if command -v gcc >/dev/null; then
  cat > "$TMP/spin.c" <<'C'
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
volatile unsigned long sink;
__attribute__((noinline)) void spin_in_child(void) { for (unsigned long i = 0; i < 60000000UL; i++) sink += i * i; }
__attribute__((noinline)) void copy_in_parent(void) { static char a[1 << 16], b[1 << 16]; for (int i = 0; i < 3000; i++) { memcpy(a, b, sizeof a); sink += a[i]; } }
int main(void) { pid_t p = fork(); if (p == 0) { spin_in_child(); _exit(0); } copy_in_parent(); waitpid(p, 0, 0); return 0; }
C
  gcc -O1 -o "$TMP/spin" "$TMP/spin.c"
  $OPS run --profile "$TMP/spin" >"$TMP/out" 2>"$TMP/err" </dev/null
  if grep -qE '^ *[0-9.]+% +[1-9][0-9]* +\[spin\] spin_in_child$' "$TMP/err" && grep -qE '^user mode by object: spin [0-9.]+%' "$TMP/err" &&
     grep -qE '\[libc\.so\.6\] ' "$TMP/err"; then ok profile-user-functions; else bad profile-user-functions "$(head -c 600 "$TMP/err")"; fi
else bad profile-user-functions "gcc missing"; fi
# dmesg reads the kernel log (syslog(2)), stamped as printk's, without the entropy seed.
expect dmesg 0 '^\[ *[0-9]+\.[0-9]{6}\] compat: kernel entry' -- $OPS run "$BB" sh -c 'dmesg >&2'
if grep -q 'entropy=(hidden)' "$TMP/err" && ! grep -qE 'entropy=[0-9a-f]{16}' "$TMP/err"; then ok dmesg-hides-seed; else bad dmesg-hides-seed "$(grep -o 'entropy=[^ ]*' "$TMP/err" | head -1)"; fi
# reboot(2) as an init's shutdown: the machine powers off with status 0 (a later exit never runs).
expect reboot 0 '' -- $OPS run "$BB" sh -c 'reboot -f; exit 3'

# A fault: exit 128+SIGSEGV, the report names the signal, the function (from the program's
# symbol table) and the faulting instruction (disassembled with Iced).
if command -v gcc >/dev/null; then
  printf 'int main(void) { *(volatile int *)16 = 1; return 0; }\n' > "$TMP/crash.c"
  gcc -O1 -o "$TMP/crash" "$TMP/crash.c"
  expect fault-signal 139 'killed by signal 11 \(SIGSEGV\)' -- $OPS run "$TMP/crash"
  expect fault-function 139 'in function main(\+0x[0-9a-f]+)? of ' -- $OPS run "$TMP/crash"
  expect fault-instruction 139 'faulting instruction: mov dword ptr \[10h\],1' -- $OPS run "$TMP/crash"
  expect fault-address 139 'no mapping at this address, write, user mode' -- $OPS run "$TMP/crash"
  # Running out of guest memory ends the program as Linux's OOM killer would (SIGKILL), saying why.
  printf '#include <stdlib.h>\n#include <string.h>\nint main(void) { for (;;) { char *p = malloc(16 << 20); if (!p) return 1; memset(p, 1, 16 << 20); } }\n' > "$TMP/oom.c"
  gcc -O1 -o "$TMP/oom" "$TMP/oom.c"
  expect out-of-memory 137 'compat: out of memory: .*give more with ops run -m' -- $OPS run -m 96M "$TMP/oom"
fi

# Program arguments that look like ops options belong to the program.
out=$($OPS run "$BB" echo -v --trace -e x 2>&1)
[ "$out" = "-v --trace -e x" ] && ok program-args || bad program-args "got '$out'"

# argv[0] is the program as named; stdin (not a terminal) streams in and ends with EOF.
out=$(printf 'one\ntwo\nthree\n' | $OPS run "$BB" wc -l 2>&1)
[ "$(echo $out)" = "3" ] && ok stdin-pipe || bad stdin-pipe "got '$out'"

out=$($OPS run -e FOO=bar -e HOME=/root "$BB" env 2>&1 </dev/null)
if grep -qx 'FOO=bar' <<<"$out" && grep -qx 'HOME=/root' <<<"$out" && grep -qx 'PATH=/bin:/usr/bin' <<<"$out" && grep -qx 'TERM=xterm' <<<"$out"
then ok environment; else bad environment "got: $(tr '\n' ' ' <<<"$out")"; fi

# The root image: cpio newc with the program at its real host path, the /.compat files and the
# minimal /etc; a static program needs no library.
BB_REAL=$(readlink -f "$BB")
$OPS run --keep "$BB" true 2>"$TMP/keep" </dev/null
dir=$(sed -n 's/^ops: kept \(.*\) (root.cpio.*/\1/p' "$TMP/keep")
if [ -n "$dir" ] && [ -f "$dir/root.cpio" ]; then
  list=$(cpio -it <"$dir/root.cpio" 2>/dev/null | grep -v '^usr$\|^usr/bin$\|^bin$' | sort | tr '\n' ' ')
  want=".compat .compat/argv .compat/envp .compat/exe etc etc/group etc/host.conf etc/hostname etc/hosts etc/nsswitch.conf etc/passwd etc/resolv.conf root tmp ${BB_REAL#/} "
  exe=$(cd "$dir" && cpio -i --to-stdout .compat/exe <root.cpio 2>/dev/null)
  if [ "$list" = "$want" ] && [ "$exe" = "$BB_REAL" ]; then ok root-image; else bad root-image "cpio lists: $list; exe '$exe'"; fi
  rm -rf "$dir"
else bad root-image "--keep did not report a directory: $(cat "$TMP/keep")"; fi

# Shared libraries: ops finds DT_NEEDED libraries as ld.so does (RPATH, LD_LIBRARY_PATH, RUNPATH,
# default directories; $ORIGIN), packs them, and refuses to boot (status 2) when one is missing.
if command -v gcc >/dev/null; then
  L="$TMP/libs"; mkdir -p "$L/lib" "$L/bin" "$L/chain/lib"
  printf 'const char *greet(void) { return "hello from libgreet"; }\n' > "$L/greet.c"
  printf '#include <stdio.h>\nconst char *greet(void);\nint main(void) { puts(greet()); return 0; }\n' > "$L/main.c"
  gcc -shared -fPIC -Wl,-soname,libgreet.so.1 -o "$L/lib/libgreet.so.1.0" "$L/greet.c" && ln -s libgreet.so.1.0 "$L/lib/libgreet.so.1"
  gcc -o "$L/bin/plain" "$L/main.c" -L"$L/lib" -l:libgreet.so.1
  gcc -o "$L/bin/runpath" "$L/main.c" -L"$L/lib" -l:libgreet.so.1 -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'
  gcc -o "$L/bin/rpath" "$L/main.c" -L"$L/lib" -l:libgreet.so.1 -Wl,--disable-new-dtags,-rpath,'${ORIGIN}/../lib'
  ln -s bin/runpath "$L/via-link"
  # run NAME COMMAND...: the program must print the greeting and exit 0, natively and in the guest.
  run_same() {
    local name=$1; shift
    local native; native=$("${@: -1}" 2>&1)
    out=$("$@" 2>&1 </dev/null); rc=$?
    if [ $rc -eq 0 ] && [ "$out" = "hello from libgreet" ]; then ok "$name"; else bad "$name" "status $rc, output '$out' (native: '$native')"; fi
  }
  expect lib-missing 2 "plain: library libgreet.so.1 not found \(needed by .*/bin/plain; searched: .*/lib/x86_64-linux-gnu" -- $OPS run "$L/bin/plain"
  out=$(LD_LIBRARY_PATH="$L/lib" "$L/bin/plain")
  got=$($OPS run -e LD_LIBRARY_PATH="$L/lib" "$L/bin/plain" 2>&1 </dev/null)
  [ "$got" = "$out" ] && [ "$got" = "hello from libgreet" ] && ok lib-ld-library-path || bad lib-ld-library-path "got '$got'"
  got=$(LD_LIBRARY_PATH="$L/lib" $OPS run -e LD_LIBRARY_PATH "$L/bin/plain" 2>&1 </dev/null)
  [ "$got" = "hello from libgreet" ] && ok lib-ld-library-path-from-host || bad lib-ld-library-path-from-host "got '$got'"
  run_same lib-runpath-origin $OPS run "$L/bin/runpath"
  run_same lib-rpath-origin $OPS run "$L/bin/rpath"
  run_same lib-origin-through-symlink $OPS run "$L/via-link"
  expect lib-allow-missing 127 'error while loading shared libraries: libgreet.so.1' -- $OPS run --allow-missing "$L/bin/plain"

  # DT_RPATH is inherited by the libraries a program loads; DT_RUNPATH is not (ld.so semantics).
  printf 'const char *b(void) { return "b"; }\n' > "$L/b.c"
  printf 'const char *b(void);\nconst char *a(void) { return b(); }\n' > "$L/a.c"
  printf '#include <stdio.h>\nconst char *a(void);\nint main(void) { printf("a says %%s\\n", a()); return 0; }\n' > "$L/chain.c"
  gcc -shared -fPIC -Wl,-soname,libb.so.1 -o "$L/chain/lib/libb.so.1" "$L/b.c"
  gcc -shared -fPIC -Wl,-soname,liba.so.1 -o "$L/chain/lib/liba.so.1" "$L/a.c" -L"$L/chain/lib" -l:libb.so.1
  gcc -o "$L/chain/rpath" "$L/chain.c" -L"$L/chain/lib" -l:liba.so.1 -Wl,-rpath-link,"$L/chain/lib",--disable-new-dtags,-rpath,'$ORIGIN/lib'
  gcc -o "$L/chain/runpath" "$L/chain.c" -L"$L/chain/lib" -l:liba.so.1 -Wl,-rpath-link,"$L/chain/lib",--enable-new-dtags,-rpath,'$ORIGIN/lib'
  native=$("$L/chain/rpath" 2>&1); got=$($OPS run "$L/chain/rpath" 2>&1 </dev/null)
  [ "$got" = "a says b" ] && [ "$got" = "$native" ] && ok lib-rpath-inherited || bad lib-rpath-inherited "got '$got', native '$native'"
  "$L/chain/runpath" >/dev/null 2>&1; nrc=$?
  expect lib-runpath-not-inherited 2 'library libb.so.1 not found \(needed by .*/chain/lib/liba.so.1' -- $OPS run "$L/chain/runpath"
  [ $nrc -eq 127 ] && ok lib-runpath-native-agrees || bad lib-runpath-native-agrees "native status $nrc, want 127"

  # A dynamically linked Debian program: the interpreter is packed with its symlink chain.
  $OPS run --keep /bin/true 2>"$TMP/keep" </dev/null; rc=$?
  dir=$(sed -n 's/^ops: kept \(.*\) (root.cpio.*/\1/p' "$TMP/keep")
  list=$(cpio -itv <"$dir/root.cpio" 2>/dev/null)
  interp=$(readelf -l /bin/true | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
  real=$(readlink -f "$interp"); first=${interp#/}; first=${first%%/*}
  names=$(sed 's/ -> .*//; s/.* //' <<<"$list")
  if [ $rc -eq 0 ] && grep -qx "${real#/}" <<<"$names" && grep -q "^-.* ${real#/}$" <<<"$list" && grep -qx "$first" <<<"$names" \
     && grep -q 'libc.so.6$' <<<"$names"
  then ok lib-interpreter-chain; else bad lib-interpreter-chain "status $rc, interpreter $interp ($real), image: $(grep -E 'ld-linux|lib64|libc' <<<"$list" | tr -s ' ' | tr '\n' ';')"; fi
  rm -rf "$dir"

  # A dynamically linked executable packed with --file (for a static parent to execve) gets its
  # interpreter and libraries too.
  out=$($OPS run --file /usr/bin/echo "$BB" sh -c '/usr/bin/echo child ok' 2>&1 </dev/null)
  [ "$out" = "child ok" ] && ok lib-packed-executable || bad lib-packed-executable "got '$out'"
else bad libraries "gcc not installed"; fi

# User files: --file/--dir (modes, symlinks and FIFOs kept), same path by default, a
# relative source under /; a config file in Nanos' format; the minimal /etc.
F="$TMP/files"; mkdir -p "$F/site/sub" "$F/plugins"
echo hello > "$F/site/index.html"; ln -s index.html "$F/site/link.html"; echo deep > "$F/site/sub/d.txt"; chmod 600 "$F/site/sub/d.txt"
mkfifo "$F/site/fifo"; echo data > "$F/data.txt"; echo p1 > "$F/plugins/a.conf"; echo p2 > "$F/plugins/b.conf"; echo no > "$F/plugins/c.txt"
out=$(cd "$F" && $OPS run --file data.txt --file "$F/data.txt:/srv/d.txt" --file "$F/plugins/a.conf:/opt/" --dir site:/var/www --dir "$F/site" \
      "$BB" sh -c 'cat /data.txt /srv/d.txt /opt/a.conf /var/www/link.html '"$F"'/site/sub/d.txt; readlink /var/www/link.html; stat -c %a /var/www/sub/d.txt; ls /var/www' 2>&1 </dev/null)
want=$(printf 'data\ndata\np1\nhello\ndeep\nindex.html\n600\nfifo\nindex.html\nlink.html\nsub')
[ "$out" = "$want" ] && ok files-and-dirs || bad files-and-dirs "got: $(tr '\n' ' ' <<<"$out")"
# A FIFO in a --dir stays a FIFO; a socket is left out with a notice (a program binds its own).
python3 -c "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$F/site/sock"
out=$($OPS run --dir "$F/site" "$BB" sh -c 'test -p '"$F"'/site/fifo && echo fifo is a fifo; test -e '"$F"'/site/sock || echo no sock' 2>"$TMP/err" </dev/null)
if [ "$out" = $'fifo is a fifo\nno sock' ] && grep -q "site/sock is a socket; left out" "$TMP/err"; then ok dir-fifo-socket
else bad dir-fifo-socket "got: $(tr '\n' ' ' <<<"$out") ($(head -c 200 "$TMP/err"))"; fi
rm -f "$F/site/sock"
# Symbolic links in a --dir that lead out of it resolve in the guest as on the host: ops packs
# what they point at (files, directories, links inside those, recursively) where the guest looks
# for it, up to a limit; a link to a directory holding the tree is left alone.
X="$TMP/links"; mkdir -p "$X/tree" "$X/ext/sub" "$X/ext2" "$X/ext3"
echo A > "$X/ext/a.txt"; echo B > "$X/ext/sub/b.txt"; echo C > "$X/ext2/c.txt"; echo D > "$X/ext3/d.txt"; chmod 640 "$X/ext/a.txt"
ln -s "$X/ext" "$X/tree/abs"; ln -s ../ext2/c.txt "$X/tree/rel"; ln -s "$X/ext3/d.txt" "$X/ext/sub/nested"
ln -s "$X/missing" "$X/tree/dangling"; ln -s .. "$X/tree/up"
cmd="/usr/bin/ls -l --time-style=+ $X/tree $X/tree/abs/ $X/tree/abs/sub; /usr/bin/cat $X/tree/abs/a.txt $X/tree/abs/sub/b.txt $X/tree/rel $X/tree/abs/sub/nested; /usr/bin/ls $X/tree/up; test -e $X/tree/dangling || echo dangling"
native=$("$BB" sh -c "$cmd" 2>&1)
got=$($OPS run --dir "$X/tree" --file /usr/bin/ls --file /usr/bin/cat "$BB" sh -c "$cmd" 2>"$TMP/err" </dev/null)
[ "$got" = "$native" ] && ok dir-links-out || bad dir-links-out "got: $(diff <(echo "$native") <(echo "$got") | head -8 | tr '\n' ' ') ($(tail -c 200 "$TMP/err"))"
# Moved elsewhere (--dir SRC:DEST): an absolute link's target stays at its host path, a relative one climbing out lands where the guest resolves it.
out=$($OPS run --dir "$X/tree:/t" "$BB" sh -c 'cat /t/abs/a.txt /t/rel /t/abs/sub/nested; readlink /t/rel' 2>&1 </dev/null)
[ "$out" = $'A\nC\nD\n../ext2/c.txt' ] && ok dir-links-out-moved || bad dir-links-out-moved "got: $(tr '\n' ' ' <<<"$out")"
mkdir -p "$X/big" "$X/tree2"; truncate -s 70M "$X/big/huge"; echo small > "$X/big/small"; ln -s "$X/big" "$X/tree2/big"
expect dir-links-out-limit 1 "warning: not packing what the link $X/tree2/big -> $X/big leads to: it holds more than the 64 MiB left of the 64 MiB ops packs for links out of packed directories" -- \
  $OPS run --dir "$X/tree2" "$BB" cat "$X/tree2/big/small"
expect file-missing 2 '--file nosuch: no such file' -- $OPS run --file nosuch "$BB" true
expect file-is-dir 2 'is a directory \(use --dir\)' -- $OPS run --file "$F/site" "$BB" true
expect dir-is-file 2 'is a file \(use --file\)' -- $OPS run --dir "$F/data.txt" "$BB" true
expect file-relative-dest 2 'DEST must be an absolute guest path' -- $OPS run --file "$F/data.txt:x" "$BB" true

cat > "$F/config.json" <<'JSON'
{
  // Nanos ops field names; comments and trailing commas are accepted
  "Args": ["-c", "cat /data.txt /site/index.html /etc/plugins/a.conf; ls /etc/plugins; echo $GREETING $NUM; grep -c MemTotal:.*5239 /proc/meminfo"],
  "Env": {"GREETING": "hi", "NUM": 5},
  "Files": ["data.txt"],
  "Dirs": ["site"],
  "MapDirs": {"plugins/*.conf": "/etc/plugins"},
  "RunConfig": {"Ports": ["28123:80"], "Memory": "512M", "CPUs": 2, "Bogus": 1},
  "Whatever": true,
}
JSON
(cd "$F" && $OPS run -c config.json "$BB" sh >"$TMP/out" 2>"$TMP/err" </dev/null); rc=$?
want=$(printf 'data\nhello\np1\na.conf\nb.conf\nhi 5\n1')
if [ $rc -eq 0 ] && [ "$(cat "$TMP/out")" = "$want" ] && grep -q "unknown field 'Whatever' ignored" "$TMP/err" \
   && grep -q "unknown field 'RunConfig.Bogus' ignored" "$TMP/err" && grep -q 'CPUs 2 ignored' "$TMP/err"
then ok config; else bad config "status $rc, out: $(tr '\n' ' ' <"$TMP/out"), err: $(tr '\n' ' ' <"$TMP/err")"; fi
printf '{"Program": "%s", "Args": ["echo", "from", "config"]}' "$BB" > "$F/program.json"
out=$($OPS run -c "$F/program.json" 2>&1 </dev/null)
[ "$out" = "from config" ] && ok config-program || bad config-program "got '$out'"
echo '{"Args": "not an array"}' > "$F/bad.json"
expect config-bad-type 2 'Args must be an array of strings' -- $OPS run -c "$F/bad.json" "$BB" true
echo '{"Args": [' > "$F/bad2.json"
expect config-bad-json 2 'bad2.json: not valid JSON' -- $OPS run -c "$F/bad2.json" "$BB" true
printf '{"RunConfig": {"Machine": "q35"}}' > "$F/q35.json"
expect config-machine 0 'virtio-console at pci ' -- $OPS run -v -c "$F/q35.json" "$BB" true
printf '{"RunConfig": {"Machine": "pc"}}' > "$F/pc.json"
expect config-bad-machine 2 'RunConfig.Machine must be "microvm" or "q35"' -- $OPS run -c "$F/pc.json" "$BB" true
expect port-bad 2 "--port: 'http' is not a port" -- $OPS run -p http "$BB" true
expect port-range 2 "--port: '70000' is not a port" -- $OPS run -p 70000 "$BB" true
expect port-no-net 2 '--no-net: no ports can be forwarded' -- $OPS run --no-net -p 8080 "$BB" true

out=$($OPS run "$BB" sh -c 'head -1 /etc/passwd; grep -E "^(nobody|daemon):" /etc/passwd; head -1 /etc/group; grep ^nogroup: /etc/group; cat /etc/hostname; grep -c localhost /etc/hosts; cat /etc/resolv.conf; test -d /root && test -d /tmp && echo dirs' 2>&1 </dev/null)
want=$(printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nroot:x:0:\nnogroup:x:65534:\ncompat\n2\nnameserver 10.0.2.3\ndirs')
[ "$out" = "$want" ] && ok etc-defaults || bad etc-defaults "got: $(tr '\n' ' ' <<<"$out")"
# The host's service accounts (ids below 1000) the defaults lack come along; people's accounts do not.
svc=$(awk -F: '$3 >= 100 && $3 < 1000 && $1 != "_apt" && $1 != "nobody" {print $1; exit}' /etc/passwd)
human=$(awk -F: '$3 >= 1000 && $3 < 65534 {print $1; exit}' /etc/passwd)
out=$($OPS run "$BB" cat /etc/passwd 2>&1 </dev/null)
if { [ -z "$svc" ] || grep -q "^$svc:" <<<"$out"; } && { [ -z "$human" ] || ! grep -q "^$human:" <<<"$out"; }; then ok etc-host-service-users
else bad etc-host-service-users "service user '$svc' missing or human '$human' present"; fi
echo 'me:x:1000:1000::/home/me:/bin/sh' > "$F/passwd"
out=$($OPS run --file "$F/passwd:/etc/passwd" "$BB" cat /etc/passwd 2>&1 </dev/null)
[ "$out" = "me:x:1000:1000::/home/me:/bin/sh" ] && ok etc-user-wins || bad etc-user-wins "got '$out'"

# --missing-files: failed opens as "ops: missing file: PATH" plus a hint; ld.so's probes are not listed.
$OPS run --missing-files "$BB" cat /no/such/file >/dev/null 2>"$TMP/err" </dev/null
grep -qx 'ops: missing file: /no/such/file' "$TMP/err" && grep -q '^ops: hint: .*--file' "$TMP/err" \
  && ok missing-files || bad missing-files "stderr: $(tr '\n' ' ' <"$TMP/err")"
$OPS run --missing-files /bin/true >/dev/null 2>"$TMP/err" </dev/null
! grep -q 'missing file' "$TMP/err" && ok missing-files-no-probes || bad missing-files-no-probes "stderr: $(tr '\n' ' ' <"$TMP/err")"

# -v: the image summary line.
expect image-summary 0 '^ops: image: [0-9]+ files, [0-9.]+ MiB \(libraries: [1-9][0-9]*\), built in [0-9]+ ms$' -- $OPS run -v /bin/true

# Symbolization of kernel backtrace addresses (ops symbolize and tools/crash/decode.sh).
fn=$(nm -n build/kernel/compat.elf | awk '$2 == "T" && $3 ~ /Panic__Fail$/ { print $1; exit }')
if [ -n "$fn" ]; then
  addr=$(printf '0x%016x' $((0x$fn + 4)))
  out=$(printf '  at %s\n' "$addr" | $OPS symbolize)
  [[ "$out" == *"<"*"Panic__Fail+0x4>" ]] && ok symbolize || bad symbolize "got '$out'"
  out=$(printf '  at %s\n' "$addr" | tools/crash/decode.sh)
  [[ "$out" == *Panic__Fail* ]] && ok decode.sh || bad decode.sh "got '$out'"
else bad symbolize "no Panic.Fail symbol in the kernel image"; fi

# On a terminal: the program sees a tty and reads what is typed (driven through a pty).
if out=$(timeout 150 python3 tests/ops/interactive.py "$OPS" "$BB" 2>&1); then ok tty-interactive
else bad tty-interactive "$(tail -c 300 <<<"$out")"; fi

# The virtio console: stdin streams in as the program reads it (ops never reads it whole), output
# leaves through virtio-serial ports, end of input is the host closing the stdin port.
# A program that does not read stdin consumes none of it: the loop's input is left to the loop.
out=$(printf 'a\nb\nc\n' | while read -r x; do $OPS run "$BB" echo "$x"; done 2>&1)
[ "$out" = $'a\nb\nc' ] && ok stdin-loop || bad stdin-loop "got '$out'"
# An endless pipe: the program ends, so does ops (and yes gets SIGPIPE).
out=$(yes | timeout 120 $OPS run "$BB" head -c 10 | wc -c)
[ "$(echo $out)" = "10" ] && ok stdin-endless || bad stdin-endless "got '$out' bytes"
# 5 MiB through cat, byte for byte.
head -c 5242880 /dev/urandom >"$TMP/in5m"
want=$(sha256sum <"$TMP/in5m")
got=$(cat "$TMP/in5m" | timeout 300 $OPS run "$BB" cat | sha256sum)
[ "$got" = "$want" ] && ok stdin-5mib || bad stdin-5mib "sha256 $got, want $want"
# 10 MiB of program output, byte for byte and fast (the old polled UART took ~15 s for this).
head -c 10485760 /dev/urandom >"$TMP/out10m"
want=$(sha256sum <"$TMP/out10m")
start=$(date +%s%N)
got=$(timeout 300 $OPS run --file "$TMP/out10m:/big" "$BB" cat /big </dev/null | sha256sum)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$got" != "$want" ]; then bad stdout-10mib "sha256 $got, want $want"
elif [ "$ms" -gt 8000 ]; then bad stdout-10mib "took $ms ms (want < 8000)"
else ok "stdout-10mib ($ms ms)"; fi
# End of input as wc sees it: a pipe that ends, a pipe that pauses before it ends, /dev/null.
out=$(printf 'hello' | $OPS run "$BB" wc -c 2>&1)
[ "$(echo $out)" = "5" ] && ok stdin-eof || bad stdin-eof "got '$out'"
out=$( (printf abc; sleep 1; printf de) | $OPS run "$BB" wc -c 2>&1)
[ "$(echo $out)" = "5" ] && ok stdin-eof-late || bad stdin-eof-late "got '$out'"
out=$($OPS run "$BB" wc -c </dev/null 2>&1)
[ "$(echo $out)" = "0" ] && ok stdin-eof-null || bad stdin-eof-null "got '$out'"
# stdout and stderr into one file keep the program's order; apart they stay apart.
out=$($OPS run "$BB" sh -c 'echo o1; echo e1 >&2; echo o2; echo e2 >&2' </dev/null 2>&1 | tr '\n' ' ')
[ "$out" = "o1 e1 o2 e2 " ] && ok stdout-stderr-order || bad stdout-stderr-order "got '$out'"
$OPS run "$BB" sh -c 'echo out; echo err >&2' </dev/null >"$TMP/o" 2>"$TMP/e"
[ "$(cat "$TMP/o")" = "out" ] && [ "$(cat "$TMP/e")" = "err" ] && ok stdout-stderr-apart \
  || bad stdout-stderr-apart "stdout '$(cat "$TMP/o")', stderr '$(cat "$TMP/e")'"

# The same console over PCI (--machine q35: virtio-serial-pci, modern only), with MSI-X and with
# INTx (pci.nomsix): stdin streamed and ended, stdout and stderr apart, the exit status.
head -c 1048576 /dev/urandom >"$TMP/in1m"
want=$(sha256sum <"$TMP/in1m")
for irq in msi-x intx; do
  extra=(); [ $irq = intx ] && extra=(--kernel-arg pci.nomsix)
  got=$(timeout 300 $OPS run --machine q35 "${extra[@]}" "$BB" cat <"$TMP/in1m" | sha256sum)
  [ "$got" = "$want" ] && ok q35-$irq-stdin-1mib || bad q35-$irq-stdin-1mib "sha256 $got, want $want"
  $OPS run --machine q35 -v "${extra[@]}" "$BB" sh -c 'read a; read b; echo "out $a$b"; echo err >&2; exit 7' \
    >"$TMP/o" 2>"$TMP/e" < <(printf 'x\ny\n')
  rc=$?
  if [ $rc -eq 7 ] && [ "$(cat "$TMP/o")" = "out xy" ] && grep -qx err "$TMP/e" \
    && grep -qE "virtio-console at pci [0-9a-f]{2}:[0-9a-f]{2}\.[0-7] \(registers 0x[0-9a-f]+\), $irq, multiport: stdin 1 stdout 2 stderr 3" "$TMP/e"
  then ok q35-$irq-console
  else bad q35-$irq-console "status $rc, stdout '$(cat "$TMP/o")', stderr: $(grep -vE '^(compat|ops):' "$TMP/e" | head -3; grep -E 'virtio|pci' "$TMP/e" | head -3)"; fi
done
out=$(printf 'hello' | $OPS run --machine q35 "$BB" wc -c 2>&1)
[ "$(echo $out)" = "5" ] && ok q35-stdin-eof || bad q35-stdin-eof "got '$out'"
expect q35-exit-42 42 '' -- $OPS run --machine q35 "$BB" sh -c 'exit 42'
expect bad-machine 2 "--machine: expected microvm or q35, not 'pc'" -- $OPS run --machine pc "$BB" true

# A reader that goes away ends the program as SIGPIPE would natively (status 141), not a hang.
out=$(timeout 120 $OPS run "$BB" yes </dev/null | head -2 | tr '\n' ' '; echo "status ${PIPESTATUS[0]}")
[ "$out" = "y y status 141" ] && ok stdout-reader-gone || bad stdout-reader-gone "got '$out'"

# Interpreters: python3 gets its standard library and perl its @INC directories without being
# asked (the output matches a native run); --no-python leaves the library out.
same_as_native() {  # NAME PROGRAM ARGS...
  local name=$1; shift
  local native got rc
  native=$("$@" 2>&1 </dev/null)
  got=$(timeout 180 $OPS run "$@" 2>"$TMP/err" </dev/null); rc=$?
  if [ $rc -eq 0 ] && [ "$got" = "$native" ]; then ok "$name"
  else bad "$name" "status $rc, got '$got', native '$native' ($(tail -c 300 "$TMP/err"))"; fi
}
same_with() {  # NAME OPS-OPTIONS... -- PROGRAM ARGS...: as same_as_native, with options for ops run
  local name=$1 opts=(); shift
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done; shift
  local native got rc
  native=$("$@" 2>&1 </dev/null)
  got=$(timeout 180 $OPS run "${opts[@]}" "$@" 2>"$TMP/err" </dev/null); rc=$?
  if [ $rc -eq 0 ] && [ "$got" = "$native" ]; then ok "$name"
  else bad "$name" "status $rc, got '$got', native '$native' ($(tail -c 300 "$TMP/err"))"; fi
}
if [ -x /usr/bin/python3 ]; then
  same_as_native python-auto /usr/bin/python3 -c 'import json; print(json.dumps([1]))'
  expect python-off 1 'No module named|Fatal Python error' -- $OPS run --no-python /usr/bin/python3 -c 'import json'
  expect python-contradiction 2 '--python and --no-python' -- $OPS run --python --no-python /usr/bin/python3 -c 1
  printf '#!/usr/bin/python3\nimport json; print(json.dumps({"a": [1]}))\n' > "$TMP/j.py"; chmod +x "$TMP/j.py"
  same_with python-shebang --file "$TMP/j.py" -- "$BB" sh -c "$TMP/j.py"
fi
if [ -x /usr/bin/perl ]; then
  same_as_native perl-posix /usr/bin/perl -e 'use POSIX; print floor(2.5), "\n"'
  same_as_native perl-data-dumper /usr/bin/perl -MData::Dumper -e 'print Dumper([1])'
  printf 'use strict; use List::Util qw(sum); use Storable qw(dclone);\nprint sum(1..10), " ", dclone([3])->[0], " $0\\n";\n' > "$TMP/xs.pl"
  same_as_native perl-script-xs /usr/bin/perl "$TMP/xs.pl"
  expect perl-summary 0 '^ops: image: .*perl @INC .*/usr/share/perl/5[.0-9]*: [0-9]+ files' -- $OPS run -v /usr/bin/perl -e 1
  # perl among the packed files (a program that runs perl), or named by a packed script's #! line
  # (directly or through env), brings its @INC too; --no-perl leaves it out.
  same_with perl-packed-file --file /usr/bin/perl -- "$BB" sh -c 'perl -MPOSIX -e "print floor(2.5), qq{\n}"'
  printf '#!/usr/bin/perl\nuse Data::Dumper; $Data::Dumper::Indent = 0; print Dumper([1, 2]), "\\n";\n' > "$TMP/dump.pl"
  printf '#!/usr/bin/env perl\nuse List::Util qw(max); print max(3, 9, 4), "\\n";\n' > "$TMP/max.pl"
  chmod +x "$TMP/dump.pl" "$TMP/max.pl"
  same_with perl-shebang --file "$TMP/dump.pl" --file "$TMP/max.pl" -- "$BB" sh -c "$TMP/dump.pl; $TMP/max.pl"
  expect perl-packed-no-perl 2 "Can't locate POSIX.pm" -- $OPS run --no-perl --file /usr/bin/perl "$BB" sh -c 'perl -MPOSIX -e 1 || exit 2'
fi

# tclsh, zsh and gawk bring the directories they read, asked of the host interpreter: Tcl's
# library (init.tcl: tclsh does not start without it; bundled http), zsh's modules and function
# directories ($module_path, $fpath without completions), gawk's AWKPATH and extensions; run as the
# program, or packed (a script's #! line).
if [ -x /usr/bin/tclsh ]; then
  printf 'package require http\nputs "[file tail [info library]] [http::formatQuery a 1] [format %%05.1f 3.14159]"\n' > "$TMP/t.tcl"
  same_with tclsh-library --file "$TMP/t.tcl" -- /usr/bin/tclsh "$TMP/t.tcl"
  expect tclsh-summary 0 '^ops: image: .*tclsh /usr/share/tcltk/tcl8[.0-9]*: [0-9]+ files' -- $OPS run -v --file "$TMP/t.tcl" /usr/bin/tclsh "$TMP/t.tcl"
fi
if [ -x /usr/bin/zsh ]; then
  same_as_native zsh-modules /usr/bin/zsh -fc 'zmodload zsh/mathfunc; print $(( sqrt(16) )); autoload -Uz is-at-least; is-at-least 5.0 && print functions'
  printf '#!/usr/bin/zsh -f\nzmodload zsh/datetime && print ${+EPOCHSECONDS}\n' > "$TMP/d.zsh"; chmod +x "$TMP/d.zsh"
  same_with zsh-shebang --file "$TMP/d.zsh" -- "$BB" sh -c "$TMP/d.zsh"
fi
if [ -x /usr/bin/gawk ]; then
  same_as_native gawk-extensions /usr/bin/gawk -l ordchr -i join 'BEGIN { split("a b", w); print ord("A"), chr(66), join(w, 1, 2) }'
fi

# Programs linking glibc get the C.UTF-8 locale, and the locales the guest's environment names.
if [ -x /usr/bin/locale ] && [ -d /usr/lib/locale/C.utf8 ]; then
  got=$($OPS run -e LC_ALL=C.UTF-8 /usr/bin/locale charmap 2>"$TMP/err" </dev/null)
  [ "$got" = "UTF-8" ] && ok locale-c-utf8 || bad locale-c-utf8 "got '$got' ($(tail -c 300 "$TMP/err"))"
fi

# Programs linking ncurses' libtinfo get terminfo entries for the guest's TERM (xterm unless -e
# TERM=...) and xterm, linux, vt100, dumb; top exits 1 without them.
if [ -x /usr/bin/tput ]; then
  same_as_native terminfo-tput /usr/bin/tput -T linux longname
  native=$(TERM=screen /usr/bin/tput longname 2>&1); got=$($OPS run -e TERM=screen /usr/bin/tput longname 2>&1 </dev/null)
  [ -n "$native" ] && [ "$got" = "$native" ] && ok terminfo-term || bad terminfo-term "got '$got', native '$native'"
fi
if [ -x /usr/bin/top ]; then
  out=$($OPS run /usr/bin/top -b -n 1 2>"$TMP/err" </dev/null); rc=$?
  [ $rc -eq 0 ] && grep -qE '^ +PID USER ' <<<"$out" && ok terminfo-top || bad terminfo-top "status $rc: $(head -c 300 <<<"$out") $(tail -c 200 "$TMP/err")"
fi

# ops --help names the common run options, not only ops run --help.
out=$($OPS --help 2>&1)
if grep -q -- '-p, --port' <<<"$out" && grep -q -- '--net' <<<"$out" && grep -q -- '--python' <<<"$out" \
   && grep -q -- '-m, --memory' <<<"$out" && grep -q -- '-v, --verbose' <<<"$out"
then ok help-run-options; else bad help-run-options "ops --help: $(head -c 400 <<<"$out")"; fi

# The KVM fallback notice (when this host's KVM cannot run the kernel) is said once, by ops, before
# the program: a fresh probe says it at most once, a cached answer not again.
rm -f build/ops/accel.json
n1=$($OPS run /bin/true 2>&1 </dev/null | grep -c 'KVM'); n2=$($OPS run /bin/true 2>&1 </dev/null | grep -c 'KVM')
[ "$n1" -le 1 ] && [ "$n2" -eq 0 ] && ok kvm-notice-once || bad kvm-notice-once "KVM lines: $n1 on the probing run, $n2 after"

# Layout: the CLI's source is ops/, its launcher bin/ops; the launcher works through a link from
# another directory (as /usr/local/bin/ops does) and tools/setup.sh makes that link to bin/ops.
mkdir -p "$TMP/path"; ln -s "$ROOT/bin/ops" "$TMP/path/ops"
out=$(cd / && PATH="$TMP/path:$PATH" ops run "$BB" echo through-link </dev/null 2>/dev/null)
if [ -f ops/Ops.csproj ] && [ -x bin/ops ] && [ "$out" = "through-link" ] && grep -q 'ln -sf "$ROOT/bin/ops" /usr/local/bin/ops' tools/setup.sh
then ok launcher-layout; else bad launcher-layout "ops/Ops.csproj, bin/ops, link run '$out', setup's link"; fi

# tools/setup.sh links /usr/local/bin/ops to this checkout's launcher: `ops` works from anywhere.
if [ "$(readlink -f /usr/local/bin/ops 2>/dev/null)" = "$(readlink -f "$OPS")" ]; then
  out=$(cd / && ops run "$BB" echo on-path </dev/null 2>/dev/null)
  [ "$out" = "on-path" ] && ok ops-on-path || bad ops-on-path "got '$out'"
else
  echo "SKIP ops-on-path: /usr/local/bin/ops leads to $(readlink /usr/local/bin/ops 2>/dev/null || echo nothing), not $OPS (tools/setup.sh links it to the checkout it runs in)"
fi

# A non-blocking read of an open but empty stdin pipe is EAGAIN, as natively (it blocked).
mkfifo "$TMP/stdin-fifo"; exec 8<>"$TMP/stdin-fifo"    # a writer that never writes
out=$(timeout 120 $OPS run --python /usr/bin/python3 -c 'import os, fcntl
fcntl.fcntl(0, fcntl.F_SETFL, os.O_NONBLOCK)
try:
    os.read(0, 1); print("data")
except BlockingIOError:
    print("EAGAIN")' 2>&1 < "$TMP/stdin-fifo")
exec 8>&-
[ "$out" = "EAGAIN" ] && ok stdin-nonblocking || bad stdin-nonblocking "got '$out'"

# Networking options: --net tap needs --ip; addresses are checked; with root, a guest on a tap
# device inside a private network namespace answers HTTP at its --ip (traffic stays in the namespace).
expect net-bad-mode 2 "--net: expected user or tap:NAME" -- $OPS run --net bridge "$BB" true
expect net-tap-needs-ip 2 '--net tap: give the guest an address with --ip' -- $OPS run --net tap:t0 "$BB" true
expect net-bad-ip 2 "--ip: '10.0.2' is not an IPv4 address" -- $OPS run --net tap:t0 --ip 10.0.2 "$BB" true
expect net-tap-no-ports 2 '--net tap: ports need no forwarding' -- $OPS run --net tap:t0 --ip 10.0.0.2/24 -p 80 "$BB" true
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && ip netns add "compat-ops-$$" 2>/dev/null; then
  NSX="compat-ops-$$"
  ip netns exec "$NSX" ip tuntap add dev tap0 mode tap && ip netns exec "$NSX" ip addr add 192.168.78.1/24 dev tap0 &&
    ip netns exec "$NSX" ip link set tap0 up
  mkdir -p "$F/www"; echo "over tap" > "$F/www/index.html"
  ip netns exec "$NSX" $OPS run --timeout 60 --net tap:tap0 --ip 192.168.78.2/24 --dir "$F/www:/www" "$BB" httpd -f -p 8080 -h /www \
    >/dev/null 2>"$TMP/tap.err" </dev/null & tpid=$!
  got=""
  for _ in $(seq 1 150); do got=$(ip netns exec "$NSX" curl -s -m 2 http://192.168.78.2:8080/index.html) && [ -n "$got" ] && break; sleep 0.2; done
  kill -TERM $tpid 2>/dev/null; wait $tpid 2>/dev/null
  ip netns del "$NSX"
  [ "$got" = "over tap" ] && ok net-tap-http || bad net-tap-http "got '$got' ($(tail -3 "$TMP/tap.err" | tr '\n' ' '))"
fi

echo "ops: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
