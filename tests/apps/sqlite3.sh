#!/usr/bin/env bash
# sqlite3 (Debian's, dynamically linked) natively vs `bin/ops run`: each case feeds an SQL script on
# stdin to `sqlite3 DB`; natively DB is a fresh file in an empty temporary directory, in the
# guest it is /tmp/t.db, created inside the guest. stdout must be byte-identical and the exit status equal.
# Ends with "sqlite3: N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
SQLITE=$(command -v sqlite3 || true)
[ -n "$SQLITE" ] || { echo "FAIL sqlite3/installed: sqlite3 not installed (tools/setup.sh)"; echo "sqlite3: 0 passed, 1 failed"; exit 1; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0

# case NAME [SQLITE-OPTIONS...] <<SQL: runs both, compares.
case_() {
  local name=$1; shift
  cat > "$TMP/$name.sql"
  rm -rf "$TMP/native"; mkdir "$TMP/native"
  # Natively in an empty directory: relative names (.open other.db) then mean the same as in the
  # guest, whose working directory is /.
  (cd "$TMP/native" && timeout 30 "$SQLITE" "$@" "$TMP/native/t.db" < "$TMP/$name.sql" > "$TMP/native.out" 2> "$TMP/native.err"); local nrc=$?
  timeout 120 ${RUNNER:-bin/ops run} "$SQLITE" "$@" /tmp/t.db < "$TMP/$name.sql" > "$TMP/uk.out" 2> "$TMP/uk.err"; local urc=$?
  if [ $nrc -ne $urc ]; then
    echo "FAIL sqlite3/$name: exit status native $nrc, unikernel $urc"; tail -5 "$TMP/uk.err" | sed 's/^/    /'; fail=$((fail+1))
  elif ! cmp -s "$TMP/native.out" "$TMP/uk.out"; then
    echo "FAIL sqlite3/$name: stdout differs"; diff "$TMP/native.out" "$TMP/uk.out" | head -8 | sed 's/^/    /'; fail=$((fail+1))
  elif [ ! -s "$TMP/native.out" ]; then
    echo "FAIL sqlite3/$name: no output natively (broken case)"; fail=$((fail+1))
  else
    echo "PASS sqlite3/$name"; pass=$((pass+1))
  fi
}

case_ create-fill-query <<'SQL'
CREATE TABLE numbers(n INTEGER PRIMARY KEY, square INTEGER, label TEXT);
WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < 400)
INSERT INTO numbers SELECT x, x * x, printf('n%04d', x) FROM seq;
SELECT count(*), sum(n), sum(square), min(label), max(label) FROM numbers;
SELECT n % 7 AS r, count(*), sum(n), group_concat(n, ',') FILTER (WHERE n < 50) FROM numbers GROUP BY r ORDER BY r;
SELECT label, square FROM numbers WHERE n BETWEEN 195 AND 205 ORDER BY square DESC;
SELECT upper(label) || '-' || length(label), substr(label, 2), replace(label, '0', '_') FROM numbers WHERE n % 97 = 0;
SQL

case_ transactions-index <<'SQL'
CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v REAL);
BEGIN;
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 299)
INSERT INTO t(k, v) SELECT 'key' || (i * 37 % 300), i / 4.0 FROM s;
COMMIT;
CREATE INDEX tk ON t(k);
BEGIN; DELETE FROM t WHERE id % 3 = 0; ROLLBACK;
BEGIN; UPDATE t SET v = v * 2 WHERE id % 5 = 0; DELETE FROM t WHERE id % 10 = 1; COMMIT;
SELECT count(*), round(sum(v), 3), round(avg(v), 6) FROM t;
SELECT k, v FROM t WHERE k BETWEEN 'key10' AND 'key12' ORDER BY k, id LIMIT 12;
EXPLAIN QUERY PLAN SELECT * FROM t WHERE k = 'key42';
PRAGMA integrity_check;
SQL

case_ wal-and-reopen <<'SQL'
PRAGMA journal_mode=WAL;
CREATE TABLE log(ts INTEGER, msg TEXT);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 250)
INSERT INTO log SELECT i, 'message ' || i FROM s;
PRAGMA wal_checkpoint(TRUNCATE);
SELECT count(*), max(ts), min(msg) FROM log;
PRAGMA journal_mode;
.open second.db
CREATE TABLE other(x);
INSERT INTO other VALUES (1), (2), (3);
.open third.db
CREATE TABLE t(y);
.open second.db
SELECT sum(x) FROM other;
SQL

case_ joins-and-windows <<'SQL'
CREATE TABLE dept(id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE emp(id INTEGER PRIMARY KEY, dept INTEGER REFERENCES dept(id), salary INTEGER);
INSERT INTO dept VALUES (1, 'eng'), (2, 'ops'), (3, 'sales');
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 200)
INSERT INTO emp SELECT i, 1 + i % 3, 1000 + (i * 7919) % 5000 FROM s;
SELECT d.name, count(*), sum(e.salary), max(e.salary) FROM emp e JOIN dept d ON d.id = e.dept GROUP BY d.name ORDER BY d.name;
SELECT id, salary, rank() OVER (PARTITION BY dept ORDER BY salary DESC) AS r FROM emp WHERE id <= 20 ORDER BY dept, r, id;
SELECT json_object('dept', name, 'n', (SELECT count(*) FROM emp WHERE dept = dept.id)) FROM dept;
SQL

case_ output-modes -header -csv <<'SQL'
CREATE TABLE p(name TEXT, qty INTEGER, price REAL);
INSERT INTO p VALUES ('apple', 3, 0.5), ('pear, green', 10, 0.25), ('fig "dried"', 1, 2.75);
SELECT * FROM p ORDER BY name;
.mode box
SELECT name, qty * price AS total FROM p ORDER BY total;
.mode json
SELECT * FROM p WHERE qty > 1;
SQL

case_ error-bail -bail <<'SQL'
CREATE TABLE ok(x);
INSERT INTO ok VALUES (42);
SELECT x FROM ok;
SELECT * FROM no_such_table;
SELECT 'not reached';
SQL

echo "sqlite3: $pass passed, $fail failed"
[ $fail -eq 0 ]
