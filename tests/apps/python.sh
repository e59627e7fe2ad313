#!/usr/bin/env bash
# python3 (Debian's /usr/bin/python3, dynamically linked) natively vs `bin/ops run --python`: each
# case is a script at a host path that --python packs (with the standard library). Scripts
# print only deterministic values. stdout must be byte-identical and the exit status equal.
# Ends with "python: N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "FAIL python/installed: $PY not installed (tools/setup.sh)"; echo "python: 0 passed, 1 failed"; exit 1; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0

# case NAME [ARGS...] <<PY: the script on stdin. The environment is the guest's default, natively too.
case_() {
  local name=$1; shift
  local script="$TMP/case-$name.py"     # not importable: cannot shadow a module
  cat > "$script"
  rm -rf /tmp/compat-py-test
  timeout 60 env -i PATH=/bin:/usr/bin HOME=/ TERM=xterm "$PY" "$script" "$@" > "$TMP/native.out" 2> "$TMP/native.err" < /dev/null; local nrc=$?
  rm -rf /tmp/compat-py-test
  timeout 180 ${RUNNER:-bin/ops run} --python "$PY" "$script" "$@" > "$TMP/uk.out" 2> "$TMP/uk.err" < /dev/null; local urc=$?
  if [ $nrc -ne $urc ]; then
    echo "FAIL python/$name: exit status native $nrc, unikernel $urc"; tail -n 5 "$TMP/native.err" "$TMP/uk.err" | sed 's/^/    /'; fail=$((fail+1))
  elif ! cmp -s "$TMP/native.out" "$TMP/uk.out"; then
    echo "FAIL python/$name: stdout differs"; diff "$TMP/native.out" "$TMP/uk.out" | head -8 | sed 's/^/    /'; fail=$((fail+1))
  else
    echo "PASS python/$name"; pass=$((pass+1))
  fi
}

case_ json <<'PY'
import json
data = {"name": "compat", "values": [1, 2.5, None, True], "nested": {"k": "ü€", "list": list(range(5))}}
text = json.dumps(data, sort_keys=True)
print(text)
print(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True))
back = json.loads(text)
print(back == data, type(back["values"][1]).__name__, back["nested"]["k"])
try:
    json.loads("{bad json}")
except json.JSONDecodeError as e:
    print("error at", e.pos, e.msg)
PY

case_ re <<'PY'
import re
text = "2024-01-15 error: disk full; 2024-02-03 warning: cpu hot; 2024-03-30 error: fan stopped"
for m in re.finditer(r"(\d{4})-(\d\d)-(\d\d) (\w+): ([^;]+)", text):
    print(m.group(4), m.group(1), int(m.group(2)), m.group(5).upper())
print(re.sub(r"(\w+)@(\w+)\.com", r"\2 at \1", "mail bob@example.com or ann@test.com"))
print(re.split(r"[,;]\s*", "a, b;c,  d"), re.fullmatch(r"[a-f0-9]+", "deadbeef") is not None)
pattern = re.compile(r"(?P<key>\w+)=(?P<value>[^&]*)")
print({m["key"]: m["value"] for m in pattern.finditer("a=1&b=two&empty=")})
PY

case_ hashlib <<'PY'
import hashlib, hmac, zlib, base64
data = b"The quick brown fox jumps over the lazy dog"
for name in ("md5", "sha1", "sha256", "sha512", "sha3_256", "blake2b"):
    print(name, hashlib.new(name, data).hexdigest())
h = hashlib.sha256()
for i in range(1000):
    h.update(str(i).encode())
print(h.hexdigest())
print(hmac.new(b"key", data, "sha256").hexdigest())
print(zlib.crc32(data), base64.b64encode(zlib.compress(data * 10, 9)).decode()[:40])
PY

case_ datetime <<'PY'
import datetime as dt
d = dt.date(2024, 2, 28)
print(d + dt.timedelta(days=1), d + dt.timedelta(days=2), d.isoweekday(), d.strftime("%A %d %B %Y"))
t = dt.datetime(2023, 12, 31, 23, 59, 30, tzinfo=dt.timezone.utc)
print(t + dt.timedelta(seconds=45), t.isoformat(), t.timestamp())
print(dt.datetime.fromisoformat("2021-06-01T12:30:00+02:00").astimezone(dt.timezone.utc))
print(dt.datetime.fromtimestamp(0, dt.timezone.utc), (dt.date(2025, 1, 1) - dt.date(2000, 1, 1)).days)
print(dt.datetime.strptime("03/04/21 10:11", "%d/%m/%y %H:%M"))
PY

case_ files <<'PY'
import os, shutil
base = "/tmp/compat-py-test"
os.makedirs(base + "/sub/deeper")
with open(base + "/text.txt", "w", encoding="utf-8") as f:
    for i in range(50):
        f.write(f"line {i:02d} {'é' * (i % 4)}\n")
with open(base + "/data.bin", "wb") as f:
    f.write(bytes(range(256)) * 40)
with open(base + "/text.txt", encoding="utf-8") as f:
    lines = f.readlines()
print(len(lines), lines[3].rstrip(), sum(len(l) for l in lines))
with open(base + "/data.bin", "rb") as f:
    f.seek(1000)
    chunk = f.read(8)
print(list(chunk), os.path.getsize(base + "/data.bin"))
shutil.copy(base + "/text.txt", base + "/sub/copy.txt")
os.rename(base + "/sub/copy.txt", base + "/sub/deeper/moved.txt")
for root, dirs, files in sorted(os.walk(base)):
    print(os.path.relpath(root, base), sorted(dirs), sorted(files))
print(os.path.exists(base + "/sub/copy.txt"), os.stat(base + "/sub/deeper/moved.txt").st_size)
shutil.rmtree(base)
print(os.path.exists(base))
PY

case_ threads <<'PY'
import threading, queue
q = queue.Queue()
def worker(n):
    q.put((n, sum(i * i for i in range(n))))
threads = [threading.Thread(target=worker, args=(k * 1000,)) for k in range(1, 5)]
for t in threads: t.start()
for t in threads: t.join()
print(sorted(q.get() for _ in range(4)))
ev = threading.Event()
timer = threading.Timer(0.05, ev.set)
timer.start()
print("event set:", ev.wait(5))
lock = threading.Lock()
counter = [0]
def inc():
    for _ in range(2000):
        with lock:
            counter[0] += 1
ts = [threading.Thread(target=inc) for _ in range(3)]
for t in ts: t.start()
for t in ts: t.join()
print("counter", counter[0], "threads left", threading.active_count())
PY

case_ stdlib-mix 1 2 3 <<'PY'
import sys, collections, itertools, fractions, decimal, statistics, textwrap, struct
print(sys.argv[1:], sys.version_info[:2] >= (3, 8))
c = collections.Counter("mississippi")
print(sorted(c.items()), c.most_common(2))
print(list(itertools.islice(itertools.permutations("abc"), 4)), list(itertools.accumulate(range(6))))
print(fractions.Fraction(3, 4) + fractions.Fraction(1, 6), decimal.Decimal("1.10") * 3)
print(statistics.mean([1, 2, 3, 4]), statistics.median([5, 1, 3]), round(statistics.pstdev([2, 4, 4, 4, 5, 5, 7, 9]), 3))
print(textwrap.fill("the quick brown fox jumps over the lazy dog " * 3, 30))
print(struct.pack("<HIq", 1, 2, -3).hex(), sorted({3: "c", 1: "a", 2: "b"}.items(), reverse=True))
print(f"{12345.678:,.2f} {255:#06x} {'x':^7}|", sum(i * i for i in range(1000)))
sys.exit(5)
PY

case_ pty <<'PY'
# pty.fork: the child's stdio is a pseudo-terminal; canonical input with an erase, echo on the
# master, raw mode (^C is data), end of the session when the child exits (EIO on the master).
import os, pty, sys, termios, tty

def drain(fd, token=None):
    data = b""
    while token is None or token not in data:
        try:
            chunk = os.read(fd, 1024)
        except OSError:                      # EIO: no slave left
            break
        if not chunk:
            break
        data += chunk
    return data

pid, fd = pty.fork()
if pid == 0:
    print("child tty", os.isatty(0), os.isatty(1), os.ttyname(0).startswith("/dev/pts/"), os.getsid(0) == os.getpid())
    print("prompt> ", end="", flush=True)
    line = sys.stdin.readline()
    print("got", repr(line))
    print("icanon", bool(termios.tcgetattr(0)[3] & termios.ICANON), flush=True)
    tty.setraw(0)
    os.write(1, b"raw ready\n")
    c = os.read(0, 3)
    os.write(1, b"raw got " + repr(c).encode() + b"\n")
    os._exit(7)
out = drain(fd, b"prompt> ")
os.write(fd, b"hellx\x7fo world\n")
out += drain(fd, b"raw ready\n")
os.write(fd, b"a\x03b")
out += drain(fd)
_, status = os.waitpid(pid, 0)
for line in out.split(b"\n"):
    print(repr(line))
print("exit", os.waitstatus_to_exitcode(status))
PY

echo "python: $pass passed, $fail failed"
[ $fail -eq 0 ]
