#!/usr/bin/env bash
# Servers in the unikernel answering clients on the host through QEMU user networking (`ops run
# -p`, forwarded ports on 127.0.0.1 only), each compared with the same server run natively and
# the same clients: nginx (master_process off, and a master with 2 workers: GET, HEAD, a 10 MiB
# file's sha256, keep-alive, 404), redis-server with redis-cli (SET/GET/INCR/LPUSH/EXPIRE,
# pipelining) and a short redis-benchmark, memcached, Python's http.server (on its default [::],
# a dual-stack AF_INET6 socket), a Go net/http
# server, a UDP echo round trip, and a name from /etc/hosts. nginx again on q35 (`--machine q35`:
# virtio-net-pci with MSI-X, then with INTx).
# Ends with "net: N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
. "$ROOT/tests/apps/compare.sh"
TMP=$(mktemp -d)
W=/tmp/compat-net-test
UKPID=""; NATPID=""
cleanup() {
  [ -n "$UKPID" ] && kill "$UKPID" 2>/dev/null
  [ -n "$NATPID" ] && kill "$NATPID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$TMP" "$W"
}
trap cleanup EXIT
pass=0; fail=0
rm -rf "$W"; mkdir -p "$W/www" "$W/tmp"
echo "hello from nginx" > "$W/www/index.html"
head -c 10485760 /dev/urandom > "$W/www/big.bin"

# uk_start NAME WAIT-FOR OPS-ARGS...: boots a server; WAIT-FOR is "tcp:HOSTPORT" (ops says it
# listens) or "out:TEXT" (the program printed TEXT). Returns 1 (and counts a failure) on timeout.
uk_start() {
  local name=$1 wait=$2; shift 2
  : > "$TMP/uk.server.out"; : > "$TMP/uk.server.err"
  bin/ops run --timeout 600 "$@" > "$TMP/uk.server.out" 2> "$TMP/uk.server.err" < /dev/null &
  UKPID=$!
  for _ in $(seq 1 600); do
    case $wait in
      tcp:*) grep -q "listening on http://localhost:${wait#tcp:}" "$TMP/uk.server.err" && return 0 ;;
      out:*) grep -q "${wait#out:}" "$TMP/uk.server.out" && return 0 ;;
    esac
    kill -0 $UKPID 2>/dev/null || break
    sleep 0.2
  done
  echo "FAIL net/$name: the server did not come up in the unikernel"; tail -15 "$TMP/uk.server.err" | sed 's/^/    /'
  fail=$((fail+1)); uk_stop; return 1
}
uk_stop() { [ -n "$UKPID" ] && { kill -TERM "$UKPID" 2>/dev/null; wait "$UKPID" 2>/dev/null; }; UKPID=""; }

# native_start WAIT-FOR COMMAND...: the same server on the host (WAIT-FOR: tcp:PORT or out:TEXT).
native_start() {
  local wait=$1; shift
  : > "$TMP/nat.server.out"
  "$@" > "$TMP/nat.server.out" 2> "$TMP/nat.server.err" < /dev/null &
  NATPID=$!
  for _ in $(seq 1 300); do
    case $wait in
      tcp:*) (exec 3<>"/dev/tcp/127.0.0.1/${wait#tcp:}") 2>/dev/null && return 0 ;;
      out:*) grep -q "${wait#out:}" "$TMP/nat.server.out" && return 0 ;;
    esac
    sleep 0.1
  done
  return 1
}
native_stop() { [ -n "$NATPID" ] && { kill -TERM "$NATPID" 2>/dev/null; wait "$NATPID" 2>/dev/null; }; NATPID=""; }

# case NAME CLIENT-FUNCTION: the client against the native server (port $NPORT) and the unikernel one ($UPORT).
check() {
  local name=$1 client=$2
  $client "$NPORT" > "$TMP/native.out" 2>&1; local nrc=$?
  $client "$UPORT" > "$TMP/uk.out" 2>&1; local urc=$?
  cp "$TMP/uk.server.err" "$TMP/uk.err"
  compare net "$name" $nrc $urc
}

# ---- nginx ----
nginx_conf() { sed -e "s|@MASTER@|$1|; s|@PORT@|$2|; s|@PREFIX@|$W|g" tests/apps/net/nginx.conf > "$W/nginx-$1-$2.conf"; }
nginx_get() { curl -s -m 20 "http://127.0.0.1:$1/index.html"; }
nginx_head() { curl -s -m 20 -I "http://127.0.0.1:$1/index.html" | tr -d '\r' | grep -E '^(HTTP|Content-Length|Content-Type|Accept-Ranges)'; }
nginx_big() { curl -s -m 120 "http://127.0.0.1:$1/big.bin" | sha256sum; }
nginx_keepalive() { curl -sv -m 20 "http://127.0.0.1:$1/index.html" "http://127.0.0.1:$1/index.html" 2>&1 | grep -cE 'Re-using existing connection|Reusing existing'; }
nginx_404() { curl -s -m 20 -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$1/nosuch"; }

for master in off on; do
  NPORT=28080; UPORT=18080
  nginx_conf $master 28080; nginx_conf $master 8080
  native_start tcp:28080 /usr/sbin/nginx -e stderr -p "$W" -c "$W/nginx-$master-28080.conf"
  if uk_start nginx-master-$master tcp:18080 -p 18080:8080 --dir "$W" -- /usr/sbin/nginx -e stderr -p "$W" -c "$W/nginx-$master-8080.conf"; then
    check nginx-master-$master-get nginx_get
    check nginx-master-$master-head nginx_head
    check nginx-master-$master-10mib nginx_big
    check nginx-master-$master-keepalive nginx_keepalive
    check nginx-master-$master-404 nginx_404
    uk_stop
  fi
  native_stop
done

# ---- the same kernel on q35: virtio-net-pci (modern) with MSI-X, then with INTx (pci.nomsix) ----
for irq in msi-x intx; do
  NPORT=28080; UPORT=18080
  nginx_conf off 28080; nginx_conf off 8080
  extra=(); [ $irq = intx ] && extra=(--kernel-arg pci.nomsix)
  native_start tcp:28080 /usr/sbin/nginx -e stderr -p "$W" -c "$W/nginx-off-28080.conf"
  if uk_start q35-$irq tcp:18080 --machine q35 -v "${extra[@]}" -p 18080:8080 --dir "$W" -- /usr/sbin/nginx -e stderr -p "$W" -c "$W/nginx-off-8080.conf"; then
    check q35-$irq-get nginx_get
    check q35-$irq-10mib nginx_big
    check q35-$irq-keepalive nginx_keepalive
    # -v shows the kernel log: the device was found on PCI and interrupts came the way asked for.
    if grep -qE "virtio-net at pci [0-9a-f]{2}:[0-9a-f]{2}\.[0-7] \(registers 0x[0-9a-f]+\), $irq," "$TMP/uk.server.err"; then echo "PASS net/q35-$irq-device"; pass=$((pass+1))
    else echo "FAIL net/q35-$irq-device: no 'virtio-net at pci ..., $irq' in the kernel log"; grep -E "virtio|pci" "$TMP/uk.server.err" | head -5 | sed 's/^/    /'; fail=$((fail+1)); fi
    uk_stop
  fi
  native_stop
done

# ---- redis ----
redis_cmds() {
  local c="redis-cli -p $1"
  $c SET greeting hello; $c GET greeting; $c INCR counter; $c INCRBY counter 41; $c LPUSH list a b c; $c LRANGE list 0 -1
  $c EXPIRE greeting 100; $c TTL greeting; $c DBSIZE
  printf 'SET p1 1\r\nINCR p1\r\nGET p1\r\nPING\r\n' | $c --pipe | tail -1
}
redis_bench() { redis-benchmark -p "$1" -n 2000 -c 5 -t set,get -q 2>&1 | tr '\r' '\n' | grep -oE '^(SET|GET):' | sort -u; }
NPORT=26379; UPORT=16379
native_start tcp:26379 redis-server --port 26379 --bind 127.0.0.1 --save '' --appendonly no --daemonize no
if uk_start redis tcp:16379 -p 16379:6379 -- /usr/bin/redis-server --port 6379 --bind 0.0.0.0 --protected-mode no --save '' --appendonly no --daemonize no; then
  check redis-cli redis_cmds
  check redis-benchmark redis_bench
  uk_stop
fi
native_stop

# ---- memcached ----
mc_client() {
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'set k 0 0 5\r\nhello\r\nget k\r\nincr n 1\r\nset n 0 0 1\r\n7\r\nincr n 5\r\ndelete k\r\nget k\r\nquit\r\n' >&3
  timeout 10 cat <&3 | tr -d '\r'
  exec 3<&-
}
NPORT=21211; UPORT=11211
native_start tcp:21211 memcached -u root -l 127.0.0.1 -p 21211 -U 0 -t 1
if uk_start memcached tcp:11211 -p 11211:11211 -- /usr/bin/memcached -u root -l 0.0.0.0 -p 11211 -U 0 -t 1; then
  check memcached mc_client
  uk_stop
fi
native_stop

# ---- Python http.server ----
py_get() { curl -s -m 30 "http://127.0.0.1:$1/index.html"; curl -s -m 30 -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$1/nosuch"; }
NPORT=28000; UPORT=18000
native_start tcp:28000 python3 -m http.server 28000 --bind 127.0.0.1 --directory "$W/www"
if uk_start python-http-server tcp:18000 -p 18000:8000 --python --dir "$W/www" -- /usr/bin/python3 -m http.server 8000 --directory "$W/www"; then   # binds [::], dual-stack
  check python-http-server py_get
  uk_stop
fi
native_stop

# ---- Go net/http ----
if command -v go >/dev/null; then
  mkdir -p "$TMP/go"; cp tests/apps/net/server.go "$TMP/go/main.go"
  (cd "$TMP/go" && go mod init netserver >/dev/null 2>&1 && CGO_ENABLED=0 GOFLAGS=-mod=mod GOCACHE="$TMP/gocache" go build -o "$TMP/goserver" . ) > "$TMP/go.log" 2>&1 || { echo "go build failed:"; tail -5 "$TMP/go.log"; }
  go_get() { curl -s -m 30 "http://127.0.0.1:$1/hello"; curl -s -m 30 "http://127.0.0.1:$1/sum?n=1000"; }
  NPORT=28081; UPORT=18081
  native_start tcp:28081 "$TMP/goserver" 28081
  if uk_start go-net-http tcp:18081 -p 18081:8081 -- "$TMP/goserver" 8081; then
    check go-net-http go_get
    uk_stop
  fi
  native_stop
else
  echo "FAIL net/go-net-http: go is not installed (tools/setup.sh installs golang-go)"; fail=$((fail+1))
fi

# ---- UDP echo ----
udp_client() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(10)
for m in (b"one", b"two" * 100, b"quit"):
    s.sendto(m, ("127.0.0.1", int(sys.argv[1])))
    data = s.recvfrom(2048)[0]
    print(len(data), data[:20].decode())
PY
}
NPORT=25353; UPORT=15353
native_start out:ready python3 -u tests/apps/net/udpecho.py 25353
if uk_start udp-echo out:ready --udp-port 15353:5353 --python --file tests/apps/net/udpecho.py:/udpecho.py -- /usr/bin/python3 -u /udpecho.py 5353; then
  check udp-echo udp_client
  uk_stop
fi
native_stop

# ---- a name from /etc/hosts ----
run_hosts() {
  local script='import socket; print(socket.getaddrinfo("localhost", 80, socket.AF_INET, socket.SOCK_STREAM)[0][4]); print(socket.gethostbyname("localhost"))'
  timeout 60 python3 -c "$script" > "$TMP/native.out" 2> "$TMP/native.err"; local nrc=$?
  timeout 200 bin/ops run --timeout 180 --python -- /usr/bin/python3 -c "$script" > "$TMP/uk.out" 2> "$TMP/uk.err" < /dev/null; local urc=$?
  compare net etc-hosts $nrc $urc
}
run_hosts

echo "net: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
