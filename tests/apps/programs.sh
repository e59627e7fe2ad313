#!/usr/bin/env bash
# Common programs and shell features, native vs `bin/ops run` (stdout byte for byte, exit status):
# bash process substitution and /dev/stdin in a pipeline (reopening a pipe through /proc/self/fd),
# a FIFO whose reader and writer both block in open, script(1) (SIGCHLD through a signalfd while
# blocked), chrt and taskset, cp of a 1 GiB sparse file (st_blocks, SEEK_DATA/SEEK_HOLE), git
# (init, commit, branch, merge, clone), make -j4 building C with gcc (cc1, as, ld), openssl and gawk,
# openssl with only --dir /usr/lib/ssl (its links into /etc/ssl followed).
# Ends with "programs: N passed, M failed" (a case whose host tool is missing counts as skipped).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
. "$ROOT/tests/apps/compare.sh"
TMP=$(mktemp -d); trap 'rm -rf "$TMP" /tmp/compat-programs' EXIT
pass=0; fail=0; skip=0

# run NAME TOOLS -- COMMAND...: TOOLS (space-separated paths, files or directories) are packed.
run() {
  local name=$1 tools=$2; shift 3
  local opts=() t
  for t in $tools; do
    if [ ! -e "$t" ]; then echo "SKIP programs/$name: $t not installed (tools/setup.sh installs it)"; skip=$((skip+1)); return; fi
    if [ -d "$t" ]; then opts+=(--dir "$t"); else opts+=(--file "$t"); fi
  done
  rm -rf /tmp/compat-programs; mkdir -p /tmp/compat-programs
  (cd / && timeout 60 env -i PATH=/bin:/usr/bin HOME=/tmp/compat-programs TERM=xterm "$@" > "$TMP/native.out" 2> "$TMP/native.err" < /dev/null); local nrc=$?
  rm -rf /tmp/compat-programs; mkdir -p /tmp/compat-programs
  timeout 150 bin/ops run --timeout 120 -e HOME=/tmp/compat-programs --dir /tmp/compat-programs "${opts[@]}" "$@" > "$TMP/uk.out" 2> "$TMP/uk.err" < /dev/null; local urc=$?
  compare programs "$name" $nrc $urc
}

B=/usr/bin
run shell-fd-fifo-sched "$B/cat $B/seq $B/diff $B/mkfifo $B/sleep $B/chrt $B/taskset $B/true $B/sed $B/truncate $B/cp $B/du $B/cut $B/stat $B/dd $B/cmp" -- /bin/bash -c '
cd /tmp/compat-programs
echo x | cat /dev/stdin; echo y | cat /proc/self/fd/0; cat <(echo z); echo w > >(cat); wait
diff <(seq 1 5) <(seq 1 6); echo diff=$?
mkfifo f; echo to-fifo > f & cat f; wait
{ sleep 0.2; echo late > f; } & cat < f; wait
chrt -f 10 true; echo chrt=$?; chrt -r 5 chrt -p 0 | sed "s/pid [0-9]*/pid P/"
taskset -p $$ > /dev/null; echo taskset=$?
truncate -s 1G sparse; cp sparse copy; du -k copy | cut -f1; stat -c %s copy
printf x | dd of=holey bs=1 seek=10M status=none; cp holey h2; cmp holey h2 && echo same'

run script-signalfd "$B/script $B/tty $B/cut /bin/sh" -- $B/script -qc 'tty | cut -c1-9; echo in-script; exit 3' /dev/null

G=/usr/lib/git-core
run git-workflow "$B/git $G /usr/share/git-core $B/seq $B/wc /bin/sh" -- /bin/bash -c '
set -e; export GIT_AUTHOR_DATE=2020-01-01T00:00:00Z GIT_COMMITTER_DATE=2020-01-01T00:00:00Z
export GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@b GIT_COMMITTER_NAME=a GIT_COMMITTER_EMAIL=a@b
cd /tmp/compat-programs && git init -q -b main r && cd r && git config core.pager cat
seq 1 100 > a; echo hi > b; git add . && git commit -qm first
git checkout -qb feature; seq 1 50 > a; git commit -qam second
git checkout -q main; echo more >> b; git commit -qam third
git merge -q --no-edit feature -m merged; git log --oneline --graph; git diff HEAD~2 --stat
git status --short; git rev-parse HEAD; git clone -q . ../c && git -C ../c log --oneline | wc -l'

GCC=/usr/lib/gcc/x86_64-linux-gnu/12 L=/usr/lib/x86_64-linux-gnu
mkdir -p "$TMP/mk"
for x in a b c d; do echo "int f_$x(void) { return '$x'; }" > "$TMP/mk/$x.c"; done
printf 'int printf(const char *, ...);\nint f_a(void), f_b(void), f_c(void), f_d(void);\nint main(void) { printf("%%d\\n", f_a() + f_b() + f_c() + f_d()); return 0; }\n' > "$TMP/mk/main.c"
printf 'prog: a.o b.o c.o d.o main.o\n\tgcc -o $@ $^\n%%.o: %%.c\n\tgcc -O1 -c $< -o $@\n' > "$TMP/mk/Makefile"
run make-gcc "$B/make $B/gcc $B/cp $GCC/cc1 $GCC/collect2 $GCC/crtbeginS.o $GCC/crtendS.o $GCC/libgcc.a $GCC/libgcc_s.so $GCC/liblto_plugin.so $GCC/include /usr/include/stdc-predef.h $B/as $B/ld $B/x86_64-linux-gnu-as $B/x86_64-linux-gnu-ld $B/x86_64-linux-gnu-ld.bfd $L/crti.o $L/crtn.o $L/Scrt1.o $L/libc.so $L/libc_nonshared.a $L/libc.so.6 $L/libgcc_s.so.1 $L/ld-linux-x86-64.so.2 /usr/lib64/ld-linux-x86-64.so.2 /bin/sh $TMP/mk" -- \
    /bin/bash -c "cp -r $TMP/mk /tmp/compat-programs/mk && cd /tmp/compat-programs/mk && make -s -j4 && ./prog && make -s -j4; echo again=\$?"

run openssl-gawk "$B/openssl /usr/lib/ssl /etc/ssl $B/gawk $B/seq $B/sort $B/md5sum $B/sed /bin/sh" -- /bin/bash -c '
cd /tmp/compat-programs && seq 1 10000 > in
openssl dgst -sha256 in | sed "s/.*= //"
openssl enc -aes-256-cbc -pbkdf2 -pass pass:k -nosalt -in in -out e && openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:k -nosalt -in e | md5sum
seq 1 100000 | gawk "{ s += \$1 } END { print s }"
gawk "BEGIN { c = \"sort -n\"; print 3 |& c; print 1 |& c; close(c, \"to\"); while ((c |& getline l) > 0) print \"co\", l }"'

# --dir /usr/lib/ssl alone: its links into /etc/ssl (cert.pem, certs/, openssl.cnf) and the
# certificates' links into /usr/share/ca-certificates are followed and packed.
run openssl-ssl-links "$B/openssl /usr/lib/ssl $B/md5sum $B/ls $B/wc" -- /bin/bash -c '
openssl x509 -in /usr/lib/ssl/cert.pem -noout -subject
openssl verify -CApath /usr/lib/ssl/certs /usr/lib/ssl/certs/ISRG_Root_X1.pem
md5sum < /usr/lib/ssl/openssl.cnf; ls /usr/lib/ssl/certs/ | wc -l'

echo "programs: $pass passed, $fail failed${skip:+, $skip skipped}"
[ "$fail" -eq 0 ]
