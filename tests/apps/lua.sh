#!/usr/bin/env bash
# lua5.4 (Debian's, dynamically linked) natively vs `bin/ops run`: each case is a script packed with
# --file at its host path, so both runs use the same command line. Scripts print only
# deterministic values (no os.time, no addresses). stdout must be byte-identical and the exit
# status equal. Ends with "lua: N passed, M failed".
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
. "$ROOT/tests/apps/compare.sh"
LUA=$(command -v lua5.4 || true)
[ -n "$LUA" ] || { echo "FAIL lua/installed: lua5.4 not installed (tools/setup.sh)"; echo "lua: 0 passed, 1 failed"; exit 1; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0

# case NAME [ARGS...] <<LUA: the script on stdin.
case_() {
  local name=$1; shift
  local script="$TMP/$name.lua"
  cat > "$script"
  rm -f /tmp/compat-lua-test.txt /tmp/compat-lua-renamed.txt
  timeout 30 "$LUA" "$script" "$@" > "$TMP/native.out" 2> "$TMP/native.err" < /dev/null; local nrc=$?
  rm -f /tmp/compat-lua-test.txt /tmp/compat-lua-renamed.txt
  timeout 120 ${RUNNER:-bin/ops run} --file "$script" "$LUA" "$script" "$@" > "$TMP/uk.out" 2> "$TMP/uk.err" < /dev/null; local urc=$?
  compare lua "$name" "$nrc" "$urc"
}

case_ strings <<'LUA'
local s = "The quick brown fox jumps over the lazy dog"
print(#s, s:upper(), s:lower():rep(2, "|"))
print(s:find("fox"), s:match("(%a+) dog"), (s:gsub("o", "0")))
for w in s:gmatch("%a+") do io.write(w:sub(1, 1)) end
print()
print(string.format("%5d|%-8s|%08.3f|%x|%q", 42, "left", math.pi, 255, 'a "quoted"\n string'))
print(("hello"):byte(1, -1))
print(string.char(72, 105), ("x"):rep(0) == "", s:reverse())
print(utf8.char(228, 8364, 0x1F600), utf8.len("häß€"))
LUA

case_ tables-sorting <<'LUA'
local t = {}
for i = 1, 200 do t[i] = (i * 7919) % 1000 end
table.sort(t)
print(t[1], t[100], t[200], #t)
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, ",", 1, 10))
local words = {"pear", "apple", "fig", "banana", "cherry", "date"}
table.sort(words, function(a, b) if #a ~= #b then return #a < #b end return a < b end)
print(table.concat(words, " "))
table.insert(words, 1, "kiwi"); table.remove(words, 3); table.insert(words, "lime")
print(table.concat(words, " "), #words, select("#", table.unpack(words)))
local counts = {}
for _, w in ipairs({"a", "b", "a", "c", "b", "a"}) do counts[w] = (counts[w] or 0) + 1 end
local keys = {}
for k in pairs(counts) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do io.write(k, "=", counts[k], " ") end
print()
print(table.move({1, 2, 3}, 1, 3, 2)[3], next({}), rawlen({1, 2}))
LUA

case_ file-io <<'LUA'
local path = "/tmp/compat-lua-test.txt"
local f = assert(io.open(path, "w"))
for i = 1, 100 do f:write(string.format("line %03d %s\n", i, ("*"):rep(i % 10))) end
f:close()
local n, total = 0, 0
for line in io.lines(path) do n = n + 1; total = total + #line end
print(n, total)
f = assert(io.open(path, "r"))
print(f:read("l"), f:read("n"), f:seek("cur"))
f:seek("set", 9)
print(f:read(5), f:seek("end"))
f:close()
f = assert(io.open(path, "a")); f:write("appended\n"); f:close()
f = assert(io.open(path, "rb")); local all = f:read("a"); f:close()
print(#all, all:sub(-9))
assert(os.rename(path, "/tmp/compat-lua-renamed.txt"))
print(io.open(path, "r"), select(2, io.open(path, "r")) ~= nil)
print(os.remove("/tmp/compat-lua-renamed.txt"), (os.remove("/tmp/compat-lua-renamed.txt")))
LUA

case_ numbers <<'LUA'
print(7 // 2, 7 % 3, -7 // 2, -7 % 3, 7 / 2, 2^10, 1e300 * 1e10, -(0/0) ~= -(0/0))
print(math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger)
print(math.tointeger(3.0), math.type(1), math.type(1.0), math.type("1"))
print(string.format("%.14g", math.sin(1)), math.floor(-3.5), math.ceil(-3.5), math.fmod(-7, 3))
print(string.pack("<i4", 100):byte(1, -1))
print(string.unpack("<d", string.pack("<d", 1.5)))
local acc = 0
for i = 1, 100000 do acc = (acc * 31 + i) % 1000000007 end
print(acc)
print(tostring(1/3), tonumber("0x1F"), tonumber("z", 36), tonumber("  12  "))
LUA

case_ functions-coroutines <<'LUA'
local function counter()
  local n = 0
  return function() n = n + 1; return n end
end
local c = counter(); c(); c()
print(c())
local gen = coroutine.wrap(function(a)
  for i = a, a + 3 do coroutine.yield(i * i) end
  return "done"
end)
print(gen(3), gen(), gen(), gen(), gen())
local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({x = a.x + b.x}, V) end
V.__tostring = function(v) return "V(" .. v.x .. ")" end
print(tostring(setmetatable({x = 2}, V) + setmetatable({x = 40}, V)))
local ok7, e7 = pcall(error, {code = 7})
print(ok7, type(e7), e7.code)
print(select(2, pcall(error, "boom", 0)))
local ok, err = pcall(function() local t = nil; return t.field end)
print(ok, (err:gsub("^.-:%d+: ", "")))
print(string.format("%s", select(2, xpcall(function() error("x") end, function(m) return "handled" end))))
LUA

case_ args-env-exit one "two words" <<'LUA'
print(#arg, arg[1], arg[2], arg[0] ~= nil)
print(os.getenv("HOME") ~= nil, os.getenv("NO_SUCH_VARIABLE_HERE"))
io.stderr:write("to stderr\n")
os.exit(3)
LUA

case_ uncaught-error <<'LUA'
print("before")
error("deliberate failure")
LUA

echo "lua: $pass passed, $fail failed"
[ $fail -eq 0 ]
