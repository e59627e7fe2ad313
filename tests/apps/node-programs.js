// What real Node.js programs do, in one run: fs (sync, callback and promises APIs, streams, watch),
// http (keep-alive, chunked, 1 MiB bodies), net and dgram over loopback, child_process (spawn with
// pipes, exec, execFileSync, spawnSync with input, fork with IPC and an uncaught exception),
// worker_threads (messages, SharedArrayBuffer + Atomics.wait/notify), timer ordering, crypto, zlib,
// dns, os, hrtime, stdin to EOF, signals, and process.exit(4).
// Run by tests/apps/node-programs.sh natively and in the unikernel; stdout must match byte for byte,
// so it prints no addresses, pids, times or sizes that depend on the machine.
// Usage: node node-programs.js WORKDIR [SECTION...] (stdin is read to EOF by the stdin section).
'use strict';
const fs = require('fs');
const fsp = require('fs/promises');
const path = require('path');
const crypto = require('crypto');
const { once } = require('events');

const DIR = process.argv[2] || '/tmp/node-programs';
const only = process.argv.slice(3);
const log = (...a) => console.log(...a);
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex').slice(0, 16);
const delay = (ms) => new Promise((r) => setTimeout(r, ms));
// A deterministic 1 MiB (or n-byte) buffer.
function pattern(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
  return b;
}

async function fsSection() {
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(path.join(DIR, 'a/b/c'), { recursive: true });
  log('mkdir -p again:', fs.mkdirSync(path.join(DIR, 'a/b/c'), { recursive: true }));
  fs.writeFileSync(path.join(DIR, 'a/one.txt'), 'one\n');
  fs.appendFileSync(path.join(DIR, 'a/one.txt'), 'more\n');
  log('readFileSync:', JSON.stringify(fs.readFileSync(path.join(DIR, 'a/one.txt'), 'utf8')));
  try { fs.mkdirSync(path.join(DIR, 'a')); } catch (e) { log('mkdir existing:', e.code); }
  try { fs.readFileSync(path.join(DIR, 'nope')); } catch (e) { log('read missing:', e.code); }
  try { fs.rmdirSync(path.join(DIR, 'a')); } catch (e) { log('rmdir non-empty:', e.code); }

  await new Promise((res, rej) => fs.writeFile(path.join(DIR, 'a/two.txt'), 'two', (e) => (e ? rej(e) : res())));
  const two = await new Promise((res, rej) => fs.readFile(path.join(DIR, 'a/two.txt'), 'utf8', (e, d) => (e ? rej(e) : res(d))));
  log('callback readFile:', two);

  await fsp.writeFile(path.join(DIR, 'a/b/three.txt'), 'three');
  await fsp.rename(path.join(DIR, 'a/b/three.txt'), path.join(DIR, 'a/b/c/3.txt'));
  log('promises readFile after rename:', await fsp.readFile(path.join(DIR, 'a/b/c/3.txt'), 'utf8'));
  const st = await fsp.stat(path.join(DIR, 'a/b/c/3.txt'));
  log('stat:', st.isFile(), st.isDirectory(), st.size, (st.mode & 0o777).toString(8), st.nlink);
  await fsp.chmod(path.join(DIR, 'a/b/c/3.txt'), 0o640);
  log('chmod:', ((await fsp.stat(path.join(DIR, 'a/b/c/3.txt'))).mode & 0o777).toString(8));
  const t = new Date('2020-01-02T03:04:05Z');
  await fsp.utimes(path.join(DIR, 'a/two.txt'), t, t);
  log('utimes:', (await fsp.stat(path.join(DIR, 'a/two.txt'))).mtime.toISOString());

  await fsp.symlink('one.txt', path.join(DIR, 'a/link'));
  log('readlink:', await fsp.readlink(path.join(DIR, 'a/link')));
  log('lstat symlink:', (await fsp.lstat(path.join(DIR, 'a/link'))).isSymbolicLink(),
    'stat follows:', (await fsp.stat(path.join(DIR, 'a/link'))).isFile());
  log('realpath:', path.relative(DIR, await fsp.realpath(path.join(DIR, 'a/b/../link'))));
  await fsp.link(path.join(DIR, 'a/two.txt'), path.join(DIR, 'a/two-hard'));
  log('hard link nlink:', (await fsp.stat(path.join(DIR, 'a/two.txt'))).nlink);

  const ents = await fsp.readdir(path.join(DIR, 'a'), { withFileTypes: true });
  log('readdir withFileTypes:', ents.map((d) => `${d.name}:${d.isDirectory() ? 'd' : d.isSymbolicLink() ? 'l' : d.isFile() ? 'f' : '?'}`).sort().join(' '));
  log('readdir recursive:', (await fsp.readdir(DIR, { recursive: true })).sort().join(' '));
  const dir = await fsp.opendir(path.join(DIR, 'a/b'));
  const names = [];
  for await (const d of dir) names.push(d.name);
  log('opendir:', names.sort().join(' '));

  const fh = await fsp.open(path.join(DIR, 'a/fh.bin'), 'w+');
  await fh.write(Buffer.from('hello world'), 0, 11, 0);
  const rb = Buffer.alloc(5);
  const { bytesRead } = await fh.read(rb, 0, 5, 6);
  log('filehandle pread:', bytesRead, rb.toString());
  await fh.truncate(4);
  await fh.sync();
  log('filehandle stat after truncate:', (await fh.stat()).size);
  await fh.close();

  const fd = fs.openSync(path.join(DIR, 'a/fd.bin'), fs.constants.O_CREAT | fs.constants.O_RDWR | fs.constants.O_EXCL, 0o600);
  fs.writeSync(fd, 'abcdef', 100);
  log('sparse write size:', fs.fstatSync(fd).size);
  fs.closeSync(fd);
  try { fs.openSync(path.join(DIR, 'a/fd.bin'), 'wx'); } catch (e) { log('O_EXCL:', e.code); }

  fs.copyFileSync(path.join(DIR, 'a/one.txt'), path.join(DIR, 'a/copy.txt'));
  log('copyFile:', fs.readFileSync(path.join(DIR, 'a/copy.txt'), 'utf8').length);
  await fsp.cp(path.join(DIR, 'a/b'), path.join(DIR, 'cp-b'), { recursive: true });
  log('cp -r:', fs.existsSync(path.join(DIR, 'cp-b/c/3.txt')));
  log('access:', await fsp.access(path.join(DIR, 'a/one.txt'), fs.constants.R_OK).then(() => 'ok'));
  const tmp = await fsp.mkdtemp(path.join(DIR, 'tmp-'));
  log('mkdtemp:', path.basename(tmp).length, fs.statSync(tmp).isDirectory());
  await fsp.rm(path.join(DIR, 'cp-b'), { recursive: true });
  log('rm -r:', fs.existsSync(path.join(DIR, 'cp-b')));
}

async function streamSection() {
  // 8 MiB written through a stream, piped through a Transform into a second file.
  const src = path.join(DIR, 'big.src');
  const ws = fs.createWriteStream(src);
  const chunk = pattern(1 << 20);
  for (let i = 0; i < 8; i++) if (!ws.write(chunk)) await once(ws, 'drain');
  ws.end();
  await once(ws, 'finish');
  const { pipeline, Transform } = require('stream');
  const h = crypto.createHash('sha256');
  await new Promise((res, rej) => pipeline(
    fs.createReadStream(src, { highWaterMark: 100000 }),
    new Transform({ transform(c, _e, cb) { h.update(c); cb(null, c); } }),
    fs.createWriteStream(path.join(DIR, 'big.dst')),
    (e) => (e ? rej(e) : res())));
  log('stream pipe 8 MiB:', fs.statSync(path.join(DIR, 'big.dst')).size, h.digest('hex').slice(0, 16),
    sha(fs.readFileSync(path.join(DIR, 'big.dst'))));
  // A ranged read stream.
  const parts = [];
  for await (const c of fs.createReadStream(src, { start: 1000, end: 1009 })) parts.push(c);
  log('ranged read:', Buffer.concat(parts).toString('hex'));
  fs.unlinkSync(src);
  fs.unlinkSync(path.join(DIR, 'big.dst'));
}

async function watchSection() {
  const wd = path.join(DIR, 'watched');
  fs.mkdirSync(wd);
  const seen = new Set();
  const w = fs.watch(wd, (ev, name) => seen.add(`${ev}:${name}`));
  await delay(50);
  fs.writeFileSync(path.join(wd, 'new.txt'), 'x');
  await delay(50);
  fs.appendFileSync(path.join(wd, 'new.txt'), 'y');
  await delay(50);
  fs.renameSync(path.join(wd, 'new.txt'), path.join(wd, 'renamed.txt'));
  fs.unlinkSync(path.join(wd, 'renamed.txt'));
  await delay(200);
  w.close();
  log('fs.watch events:', [...seen].sort().join(' '));
  // watchFile polls stat.
  const wf = path.join(DIR, 'polled.txt');
  fs.writeFileSync(wf, 'a');
  const changed = new Promise((res) => fs.watchFile(wf, { interval: 20 }, (cur, prev) => res([prev.size, cur.size])));
  await delay(100);
  fs.writeFileSync(wf, 'abc');
  log('fs.watchFile sizes:', (await changed).join('->'));
  fs.unwatchFile(wf);
}

async function httpSection() {
  const http = require('http');
  const big = pattern(1 << 20);
  const server = http.createServer(async (req, res) => {
    const body = [];
    for await (const c of req) body.push(c);
    const b = Buffer.concat(body);
    if (req.url === '/chunked') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 5; i++) { res.write(`chunk ${i}\n`); await delay(5); }
      res.end('end\n');
    } else if (req.url === '/big') {
      res.end(big);
    } else {
      res.setHeader('x-echo-len', b.length);
      res.end(`${req.method} ${req.url} ${sha(b)} ${req.headers['transfer-encoding'] || '-'}`);
    }
  });
  server.keepAliveTimeout = 5000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = server.address().port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const request = (opts, body) => new Promise((res, rej) => {
    const req = http.request({ host: '127.0.0.1', port, agent, ...opts }, async (r) => {
      const parts = [];
      for await (const c of r) parts.push(c);
      res({ r, body: Buffer.concat(parts), reused: req.reusedSocket });
    });
    req.on('error', rej);
    if (Array.isArray(body)) { for (const b of body) req.write(b); req.end(); } else req.end(body);
  });
  let x = await request({ path: '/hello' });
  log('http GET:', x.r.statusCode, x.body.toString(), 'reused', x.reused);
  x = await request({ path: '/chunked' });
  log('http chunked:', x.r.headers['transfer-encoding'], JSON.stringify(x.body.toString()), 'reused', x.reused);
  x = await request({ path: '/up', method: 'POST', headers: { 'content-length': big.length } }, big);
  log('http POST 1 MiB:', x.body.toString(), x.r.headers['x-echo-len'], 'reused', x.reused);
  x = await request({ path: '/up2', method: 'PUT' }, [big.subarray(0, 300000), big.subarray(300000)]);
  log('http PUT chunked 1 MiB:', x.body.toString(), x.r.headers['x-echo-len']);
  x = await request({ path: '/big' });
  log('http GET 1 MiB:', x.r.headers['content-length'], x.body.length, sha(x.body) === sha(big));
  // Concurrent requests on fresh connections (global agent).
  const many = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => new Promise((res) => {
    http.get({ host: '127.0.0.1', port, path: `/p${i}`, agent: false }, (r) => { let s = ''; r.on('data', (c) => (s += c)); r.on('end', () => res(s.split(' ')[1])); });
  })));
  log('http parallel:', many.join(' '));
  agent.destroy();
  server.close();
  await once(server, 'close');
  // fetch (undici) on the same kind of server.
  const s2 = http.createServer((req, res) => res.end(JSON.stringify({ m: req.method, u: req.url })));
  s2.listen(0, '127.0.0.1');
  await once(s2, 'listening');
  const j = await (await fetch(`http://127.0.0.1:${s2.address().port}/f?x=1`)).json();
  log('fetch:', j.m, j.u);
  s2.close();
}

async function netSection() {
  const net = require('net');
  const data = pattern(3 << 20);
  const server = net.createServer((s) => s.pipe(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const c = net.connect(server.address().port, '127.0.0.1');
  await once(c, 'connect');
  log('net connect:', c.remoteAddress, c.remoteFamily, c.localAddress);
  const got = [];
  c.on('data', (d) => got.push(d));
  c.write(data);
  c.end();
  await once(c, 'close');
  log('net echo 3 MiB:', Buffer.concat(got).length, sha(Buffer.concat(got)) === sha(data));
  server.close();
  // A refused connection and an IPv6 loopback one; a UNIX socket.
  const e = await new Promise((res) => net.connect(1, '127.0.0.1').on('error', (er) => res(er.code)));
  log('net refused:', e);
  const s6 = net.createServer((s) => s.end('v6 hello'));
  s6.listen(0, '::1');
  await once(s6, 'listening');
  let txt = '';
  const c6 = net.connect(s6.address().port, '::1');
  c6.on('data', (d) => (txt += d));
  await once(c6, 'end');
  log('net ::1:', txt, s6.address().family);
  s6.close();
  const sock = path.join(DIR, 'u.sock');
  const su = net.createServer((s) => s.end('unix hello'));
  su.listen(sock);
  await once(su, 'listening');
  txt = '';
  const cu = net.connect(sock);
  cu.on('data', (d) => (txt += d));
  await once(cu, 'end');
  log('net unix:', txt);
  su.close();
}

async function dgramSection() {
  const dgram = require('dgram');
  const a = dgram.createSocket('udp4');
  const b = dgram.createSocket('udp4');
  a.bind(0, '127.0.0.1');
  b.bind(0, '127.0.0.1');
  await Promise.all([once(a, 'listening'), once(b, 'listening')]);
  const got = [];
  const done = new Promise((res) => b.on('message', (m, r) => {
    got.push(m.toString());
    if (r.port === a.address().port) b.send(`ack ${m}`, r.port, r.address);
    if (got.length === 3) res();
  }));
  const acks = [];
  const acked = new Promise((res) => a.on('message', (m) => { acks.push(m.toString()); if (acks.length === 3) res(); }));
  for (const m of ['one', 'two', 'three']) a.send(m, b.address().port, '127.0.0.1');
  await done;
  await acked;
  log('dgram:', got.join(','), '|', acks.join(','));
  const big = pattern(60000);
  b.removeAllListeners('message');
  const bigGot = new Promise((res) => b.once('message', (m) => res(m)));
  a.send(big, b.address().port, '127.0.0.1');
  const m = await bigGot;
  log('dgram 60000 bytes:', m.length, sha(m) === sha(big));
  const six = dgram.createSocket('udp6');
  six.bind(0, '::1');
  await once(six, 'listening');
  const r6 = new Promise((res) => six.once('message', (mm, r) => res(`${mm} from ${r.family} ${r.address}`)));
  const c6 = dgram.createSocket('udp6');
  c6.send('v6', six.address().port, '::1');
  log('dgram udp6:', await r6);
  for (const s of [a, b, six, c6]) s.close();
}

async function childSection() {
  const cp = require('child_process');
  const p = cp.spawn('/bin/sh', ['-c', 'read x; echo "got $x"; echo to-stderr >&2; cat; exit 3'], { stdio: 'pipe' });
  let out = '', err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  p.stdin.write('line1\nrest of input\n');
  p.stdin.end('tail');
  const [code, sig] = await once(p, 'close');
  log('spawn sh:', JSON.stringify(out), JSON.stringify(err), code, sig);
  const ex = await new Promise((res) => cp.exec('echo hello | tr a-z A-Z; exit 2', (e, so, se) => res([e && e.code, so, se])));
  log('exec:', JSON.stringify(ex));
  log('execFileSync:', JSON.stringify(cp.execFileSync('/bin/echo', ['a', 'b'], { encoding: 'utf8' })));
  try { cp.execFileSync('/bin/false'); } catch (e) { log('execFileSync failing:', e.status); }
  const sr = cp.spawnSync('/bin/cat', [], { input: pattern(200000) });
  log('spawnSync input:', sr.status, sr.stdout.length, sha(sr.stdout) === sha(pattern(200000)));
  const sig2 = cp.spawnSync('/bin/sh', ['-c', 'kill -TERM $$']);
  log('spawnSync signalled:', sig2.status, sig2.signal);
  const miss = await new Promise((res) => cp.spawn(path.join(DIR, 'no-such-program')).on('error', (e) => res(e.code)));
  log('spawn missing:', miss);
  log('env passed:', cp.execSync('echo $NODE_TEST_VAR', { env: { NODE_TEST_VAR: 'v1', PATH: '/bin:/usr/bin' }, encoding: 'utf8' }).trim());
  log('cwd passed:', cp.execSync('pwd', { cwd: DIR, encoding: 'utf8' }).trim() === DIR);
  // A shell pipeline of 1 MiB through pipes on both sides.
  const pl = cp.spawn('/bin/sh', ['-c', 'cat | cat | wc -c']);
  let wc = '';
  pl.stdout.on('data', (d) => (wc += d));
  pl.stdin.end(pattern(1 << 20));
  await once(pl, 'close');
  log('pipeline wc:', wc.trim());
  // execPath under detached and a process group kill.
  const d = cp.spawn('/bin/sh', ['-c', 'sleep 30'], { detached: true, stdio: 'ignore' });
  await delay(100);
  process.kill(-d.pid, 'SIGKILL');
  log('detached group kill:', (await once(d, 'exit')).join(','));
}

async function forkSection() {
  // fork: IPC both ways, then the child dies of an uncaught exception (status 1).
  const cp = require('child_process');
  const script = path.join(DIR, 'child.js');
  fs.writeFileSync(script, `
process.on('message', (m) => {
  if (m === 'throw') { setImmediate(() => { throw new Error('boom'); }); return; }
  process.send({ echo: m, argv: process.argv.slice(2), connected: process.connected });
});
process.send('ready');
`);
  const c = cp.fork(script, ['arg1'], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
  let err = '';
  c.stderr.on('data', (d) => (err += d));
  const msgs = [];
  c.on('message', (m) => {
    msgs.push(JSON.stringify(m));
    if (m === 'ready') c.send({ n: 1 });
    else c.send('throw');
  });
  const [code, sig] = await once(c, 'exit');
  log('fork messages:', msgs.join(' '));
  log('fork uncaught exception:', code, sig, /Error: boom/.test(err));
  // A second node through spawnSync: process.exit's status.
  const r = cp.spawnSync(process.execPath, ['-e', 'process.exitCode = 9; console.log("child ran")'], { encoding: 'utf8' });
  log('spawnSync node:', r.status, r.stdout.trim());
}

async function workerSection() {
  const { Worker } = require('worker_threads');
  const sab = new SharedArrayBuffer(16);
  const ia = new Int32Array(sab);
  const w = new Worker(`
const { parentPort, workerData } = require('worker_threads');
const ia = new Int32Array(workerData.sab);
parentPort.on('message', (m) => {
  if (m === 'wait') {
    const r = Atomics.wait(ia, 0, 0, 10000);
    parentPort.postMessage('woke ' + r + ' ' + Atomics.load(ia, 0));
    Atomics.store(ia, 1, 42);
    Atomics.notify(ia, 1);
  } else if (m === 'bye') {
    process.exit(0);
  } else {
    let s = 0; for (let i = 0; i < m; i++) s += i;
    parentPort.postMessage(s);
  }
});`, { eval: true, workerData: { sab } });
  const next = () => once(w, 'message').then(([m]) => m);
  w.postMessage(1000);
  log('worker sum:', await next());
  w.postMessage('wait');
  await delay(100);
  Atomics.store(ia, 0, 7);
  log('notify woke:', Atomics.notify(ia, 0));
  log('worker:', await next());
  while (Atomics.load(ia, 1) !== 42) Atomics.wait(ia, 1, 0, 1000);
  log('main saw:', Atomics.load(ia, 1));
  w.postMessage('bye');
  log('worker exit:', (await once(w, 'exit'))[0]);
  // Several workers at once.
  const ws = [1, 2, 3, 4].map((i) => new Worker(`require('worker_threads').parentPort.postMessage(${i} * 10)`, { eval: true }));
  const vals = await Promise.all(ws.map((x) => once(x, 'message').then(([m]) => m)));
  log('4 workers:', vals.join(' '));
}

async function timersSection() {
  const order = [];
  await new Promise((res) => {
    fs.stat(__filename, () => {
      setTimeout(() => order.push('timeout'), 0);
      setImmediate(() => order.push('immediate'));
      process.nextTick(() => order.push('tick'));
      Promise.resolve().then(() => order.push('promise'));
      queueMicrotask(() => order.push('microtask'));
      order.push('sync');
      setTimeout(res, 30);
    });
  });
  log('order in I/O callback:', order.join(' '));
  const fired = [];
  await new Promise((res) => {
    for (const ms of [30, 10, 20, 0]) setTimeout(() => fired.push(ms), ms);
    setTimeout(res, 60);
  });
  log('timers by deadline:', fired.join(' '));
  let n = 0;
  await new Promise((res) => { const iv = setInterval(() => { if (++n === 5) { clearInterval(iv); res(); } }, 5); });
  log('interval ran:', n);
  const t0 = process.hrtime.bigint();
  await delay(100);
  const dt = Number(process.hrtime.bigint() - t0) / 1e6;
  log('100 ms timer waited >= 100 ms:', dt >= 99);
  const tp = require('timers/promises');
  log('timers/promises:', await tp.setTimeout(5, 'value'), await tp.setImmediate('imm'));
  const ac = new AbortController();
  const aborted = tp.setTimeout(10000, null, { signal: ac.signal }).catch((e) => e.name);
  ac.abort();
  log('aborted timer:', await aborted);
}

async function cryptoSection() {
  log('sha256 abc:', crypto.createHash('sha256').update('abc').digest('hex'));
  log('md5/sha1:', crypto.createHash('md5').update('x').digest('hex'), crypto.createHash('sha1').update('x').digest('base64'));
  log('hmac:', crypto.createHmac('sha256', 'key').update('data').digest('hex').slice(0, 32));
  log('randomBytes:', crypto.randomBytes(32).length, crypto.randomUUID().length, crypto.randomInt(5, 6));
  log('pbkdf2Sync:', crypto.pbkdf2Sync('password', 'salt', 1000, 32, 'sha256').toString('hex'));
  const pb = await new Promise((res) => crypto.pbkdf2('pw', 'salt', 500, 16, 'sha512', (e, k) => res(k.toString('hex'))));
  log('pbkdf2 (thread pool):', pb);
  log('scryptSync:', crypto.scryptSync('pw', 'salt', 16, { N: 1024 }).toString('hex'));
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sig = crypto.sign('sha256', Buffer.from('msg'), ec.privateKey);
  log('ec P-256 sign/verify:', crypto.verify('sha256', Buffer.from('msg'), ec.publicKey, sig));
  const ed = crypto.generateKeyPairSync('ed25519');
  log('ed25519 verify:', crypto.verify(null, Buffer.from('m'), ed.publicKey, crypto.sign(null, Buffer.from('m'), ed.privateKey)));
  const rsa = await new Promise((res) => crypto.generateKeyPair('rsa', { modulusLength: 1024 }, (e, pub, priv) => res({ pub, priv })));
  const enc = crypto.publicEncrypt(rsa.pub, Buffer.from('secret'));
  log('rsa 1024 round trip:', crypto.privateDecrypt(rsa.priv, enc).toString());
  const key = crypto.scryptSync('k', 's', 32), iv = Buffer.alloc(12, 1);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update('plaintext'), c.final()]);
  const tag = c.getAuthTag();
  const d = crypto.createDecipheriv('aes-256-gcm', key, iv);
  d.setAuthTag(tag);
  log('aes-256-gcm:', ct.toString('hex'), Buffer.concat([d.update(ct), d.final()]).toString());
  const wc = await crypto.webcrypto.subtle.digest('SHA-256', Buffer.from('abc'));
  log('webcrypto digest:', Buffer.from(wc).toString('hex').slice(0, 16));
}

async function zlibSection() {
  const zlib = require('zlib');
  const data = Buffer.concat([pattern(1 << 20), Buffer.from('x'.repeat(100000))]);
  const gz = zlib.gzipSync(data, { level: 6 });
  log('gzipSync:', gz.length, sha(gz), sha(zlib.gunzipSync(gz)) === sha(data));
  const gz2 = await new Promise((res) => zlib.gzip(data, (e, r) => res(r)));
  const back = await new Promise((res) => zlib.gunzip(gz2, (e, r) => res(r)));
  log('gzip async round trip:', back.length, sha(back) === sha(data));
  const br = zlib.brotliCompressSync(Buffer.from('hello '.repeat(1000)));
  log('brotli:', zlib.brotliDecompressSync(br).length);
  const { pipeline } = require('stream/promises');
  await pipeline(fs.createReadStream(__filename), zlib.createGzip(), fs.createWriteStream(path.join(DIR, 'self.gz')));
  const un = zlib.gunzipSync(fs.readFileSync(path.join(DIR, 'self.gz')));
  log('gzip stream of this script:', un.equals(fs.readFileSync(__filename)));
}

async function dnsOsSection() {
  const dns = require('dns');
  const os = require('os');
  const r = await new Promise((res) => dns.lookup('localhost', { family: 4 }, (e, a, f) => res([e && e.code, a, f])));
  log('dns.lookup localhost:', r.join(' '));
  log('dns.promises.lookup 127.0.0.1:', (await dns.promises.lookup('127.0.0.1')).address);
  const bad = await dns.promises.lookup('no-such-host.invalid').catch((e) => e.code);
  log('dns.lookup invalid:', bad);
  log('os.cpus > 0:', os.cpus().length > 0, 'model string:', typeof os.cpus()[0].model);
  log('os.totalmem > 0:', os.totalmem() > 0, 'freemem <= totalmem:', os.freemem() <= os.totalmem());
  const ni = os.networkInterfaces();
  log('os.networkInterfaces lo:', (ni.lo || []).map((a) => `${a.family} ${a.address} ${a.internal}`).sort().join(', '));
  log('os:', os.platform(), os.type(), os.arch(), os.endianness(), JSON.stringify(os.EOL), os.homedir());
  log('os.uptime > 0:', os.uptime() > 0, 'loadavg:', os.loadavg().length, 'tmpdir:', os.tmpdir());
  log('os.userInfo:', os.userInfo().uid, os.userInfo().username);
  log('os.release looks like Linux:', /^\d+\.\d+/.test(os.release()));
  log('availableParallelism > 0:', os.availableParallelism() > 0);
  log('process:', process.platform, process.arch, typeof process.pid, process.ppid > 0, process.getuid(), process.getgid(), process.cwd());
  const mu = process.memoryUsage();
  log('memoryUsage:', mu.rss > 0 && mu.heapUsed > 0, 'resourceUsage:', process.resourceUsage().maxRSS > 0);
  let prev = process.hrtime.bigint(), mono = true;
  for (let i = 0; i < 100000; i++) { const t = process.hrtime.bigint(); if (t < prev) mono = false; prev = t; }
  log('hrtime.bigint monotonic:', mono);
  const [s, ns] = process.hrtime();
  log('hrtime tuple:', Number.isInteger(s) && ns < 1e9);
  log('performance.now increases:', performance.now() < performance.now() + 1);
  process.umask(0o022);
  log('umask:', process.umask().toString(8));
  log('uv threadpool + fs.realpath native:', fs.realpathSync.native('/tmp/../tmp'));
}

async function stdinSection() {
  const parts = [];
  for await (const c of process.stdin) parts.push(c);
  const b = Buffer.concat(parts);
  log('stdin:', b.length, sha(b), JSON.stringify(b.subarray(0, 20).toString()));
}

async function signalSection() {
  const got = [];
  const keep = setTimeout(() => {}, 10000); // signal handles do not keep the loop alive
  const p = new Promise((res) => process.once('SIGUSR1', (s) => { got.push(s); res(); }));
  process.on('SIGUSR2', (s) => got.push(s));
  process.kill(process.pid, 'SIGUSR1');
  await p;
  process.kill(process.pid, 'SIGUSR2');
  await delay(50);
  log('signals handled:', got.join(' '));
  process.removeAllListeners('SIGUSR2');
  log('kill 0 (alive):', process.kill(process.pid, 0));
  let e;
  try { process.kill(999999, 'SIGTERM'); } catch (x) { e = x.code; }
  log('kill missing pid:', e);
  const sigs = [];
  const h = () => sigs.push('term');
  process.on('SIGTERM', h);
  process.kill(process.pid, 'SIGTERM');
  await delay(50);
  process.off('SIGTERM', h);
  log('SIGTERM handled:', sigs.join(' '));
  clearTimeout(keep);
}

async function clusterSection() {
  // cluster: the primary forks 2 workers that share one listening socket (passed over IPC).
  const script = path.join(DIR, 'cluster.js');
  fs.writeFileSync(script, `
const cluster = require('cluster'), http = require('http');
cluster.schedulingPolicy = cluster.SCHED_NONE;
if (cluster.isPrimary) {
  let listening = 0, seen = new Set(), exited = 0;
  for (let i = 0; i < 2; i++) cluster.fork();
  cluster.on('listening', async (w, addr) => {
    if (++listening < 2) return;
    for (let i = 0; i < 8; i++) {
      const body = await new Promise((res) => http.get({ host: '127.0.0.1', port: addr.port, agent: false }, (r) => { let s = ''; r.on('data', (c) => s += c); r.on('end', () => res(s)); }));
      seen.add(body.split(' ')[0]);
    }
    console.log('cluster answers from workers:', [...seen].every((x) => x === 'worker'), 'listening', listening);
    for (const id in cluster.workers) cluster.workers[id].kill();
  });
  cluster.on('exit', (w, code, sig) => { if (++exited === 2) console.log('cluster workers exited'); });
} else {
  http.createServer((q, r) => r.end('worker ' + cluster.worker.id)).listen(0, '127.0.0.1');
}`);
  const cp = require('child_process');
  const r = cp.spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 120000 });
  log(r.stdout.trim(), '| status', r.status, r.signal);
}

async function handleSection() {
  // A TCP socket handed to a forked child (SCM_RIGHTS); the child answers on it.
  const cp = require('child_process');
  const net = require('net');
  const script = path.join(DIR, 'handle.js');
  fs.writeFileSync(script, `
process.on('message', (m, sock) => { if (m === 'sock') { sock.end('from child ' + typeof sock.remotePort); process.disconnect(); } });
`);
  const child = cp.fork(script, { serialization: 'advanced' });
  const server = net.createServer({ pauseOnConnect: true }, (s) => child.send('sock', s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  let txt = '';
  const c = net.connect(server.address().port, '127.0.0.1');
  c.on('data', (d) => (txt += d));
  await once(c, 'end');
  log('socket passed to child:', txt);
  server.close();
  log('child exit:', (await once(child, 'exit')).join(','));
}

async function moreSection() {
  const cp = require('child_process');
  log('stdout isTTY:', !!process.stdout.isTTY, 'stdin isTTY:', !!process.stdin.isTTY);
  const r = cp.spawnSync(process.execPath, ['-e', 'Promise.reject(new Error("nope"))'], { encoding: 'utf8' });
  log('unhandled rejection status:', r.status, /nope/.test(r.stderr));
  const r2 = cp.spawnSync(process.execPath, ['-e', 'process.on("beforeExit", () => console.log("beforeExit")); process.on("exit", (c) => console.log("exit", c)); setTimeout(() => {}, 10)'], { encoding: 'utf8' });
  log('beforeExit/exit events:', JSON.stringify(r2.stdout), r2.status);
  const sl = cp.spawn('/usr/bin/sleep', ['30']);
  await delay(50);
  sl.kill('SIGTERM');
  log('killed child:', (await once(sl, 'exit')).join(','), sl.killed);
  const cu = process.cpuUsage();
  log('cpuUsage:', cu.user >= 0 && cu.system >= 0);
  const os = require('os');
  os.setPriority(0, 5);
  log('getPriority after setPriority:', os.getPriority(0));
  os.setPriority(0, 0);
  // net: a half-open connection and back-pressure (the reader pauses).
  const net = require('net');
  const data = pattern(2 << 20);
  let paused = 0;
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    const got = [];
    s.on('data', (d) => { got.push(d); if (paused++ === 0) { s.pause(); setTimeout(() => s.resume(), 100); } });
    s.on('end', () => s.end(`server got ${Buffer.concat(got).length} ${sha(Buffer.concat(got)) === sha(data)}`));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const c = net.connect({ port: server.address().port, host: '127.0.0.1', allowHalfOpen: true });
  c.setNoDelay(true);
  c.setKeepAlive(true, 1000);
  let reply = '';
  c.on('data', (d) => (reply += d));
  const flushed = c.write(data);
  c.end();
  await once(c, 'end');
  log('half-open reply:', reply, 'write buffered:', !flushed);
  server.close();
  // fs.promises.watch as an async iterator.
  const wd = path.join(DIR, 'pwatch');
  fs.mkdirSync(wd);
  const ac = new AbortController();
  const events = [];
  const watching = (async () => {
    try { for await (const e of fsp.watch(wd, { signal: ac.signal })) events.push(`${e.eventType}:${e.filename}`); } catch (e) { events.push(e.name); }
  })();
  await delay(50);
  fs.writeFileSync(path.join(wd, 'f'), '1');
  await delay(100);
  ac.abort();
  await watching;
  log('fs.promises.watch:', [...new Set(events)].sort().join(' '));
  // worker_threads: MessageChannel, transfer, terminate, waitAsync.
  const { Worker, MessageChannel } = require('worker_threads');
  const { port1, port2 } = new MessageChannel();
  const w = new Worker(`const { workerData } = require('worker_threads');
workerData.port.on('message', (m) => { workerData.port.postMessage(m.byteLength); });`, { eval: true, workerData: { port: port2 }, transferList: [port2] });
  const ab = new ArrayBuffer(1 << 20);
  port1.postMessage(ab, [ab]);
  log('transferred ArrayBuffer:', (await once(port1, 'message'))[0], 'detached here:', ab.byteLength);
  port1.close();
  log('worker terminate:', await w.terminate());
  const sab = new SharedArrayBuffer(8);
  const ia = new Int32Array(sab);
  const wa = Atomics.waitAsync(ia, 0, 0, 5000);
  const w2 = new Worker(`const { workerData } = require('worker_threads'); const ia = new Int32Array(workerData); Atomics.store(ia, 0, 1); Atomics.notify(ia, 0);`, { eval: true, workerData: sab });
  log('Atomics.waitAsync:', wa.async, await wa.value);
  await once(w2, 'exit');
  // http2 over cleartext loopback.
  const http2 = require('http2');
  const h2 = http2.createServer();
  h2.on('stream', (st, hd) => { st.respond({ ':status': 200, 'x-path': hd[':path'] }); st.end(pattern(100000)); });
  h2.listen(0, '127.0.0.1');
  await once(h2, 'listening');
  const session = http2.connect(`http://127.0.0.1:${h2.address().port}`);
  const res = await Promise.all(['/a', '/b', '/c'].map((p) => new Promise((resolve) => {
    const rq = session.request({ ':path': p });
    const parts = [];
    let hdr;
    rq.on('response', (h) => (hdr = h));
    rq.on('data', (d) => parts.push(d));
    rq.on('end', () => resolve(`${hdr[':status']} ${hdr['x-path']} ${Buffer.concat(parts).length}`));
    rq.end();
  })));
  log('http2:', res.join(', '));
  session.close();
  h2.close();
  // TLS 1.2 with a pre-shared key (no certificates needed).
  const tls = require('tls');
  const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
  const ts = tls.createServer({ ciphers: 'PSK-AES128-GCM-SHA256', maxVersion: 'TLSv1.2', pskCallback: () => key }, (s) => s.end('tls hello'));
  ts.listen(0, '127.0.0.1');
  await once(ts, 'listening');
  const tc = tls.connect({ port: ts.address().port, host: '127.0.0.1', ciphers: 'PSK-AES128-GCM-SHA256', maxVersion: 'TLSv1.2', checkServerIdentity: () => undefined, pskCallback: () => ({ psk: key, identity: 'me' }) });
  let tt = '';
  tc.on('data', (d) => (tt += d));
  await once(tc, 'end');
  log('tls psk:', tt, tc.getProtocol(), tc.getCipher().name);
  ts.close();
  // A large write to stdout (as a program's report): 64 KiB of numbered lines.
  let big = '';
  for (let i = 0; i < 6000; i++) big += `line ${i} ${'x'.repeat(i % 7)}\n`;
  await new Promise((r) => process.stdout.write(big, r));
  log('vm:', require('vm').runInNewContext('a + b', { a: 2, b: 3 }), 'v8 heap:', require('v8').getHeapStatistics().total_heap_size > 0);
}

const sections = {
  fs: fsSection, stream: streamSection, watch: watchSection, http: httpSection, net: netSection,
  dgram: dgramSection, child: childSection, fork: forkSection, worker: workerSection, timers: timersSection,
  crypto: cryptoSection, zlib: zlibSection, os: dnsOsSection, stdin: stdinSection, signal: signalSection,
  cluster: clusterSection, handle: handleSection, more: moreSection,
};

(async () => {
  for (const [name, fn] of Object.entries(sections)) {
    if (only.length && !only.includes(name)) continue;
    log(`== ${name}`);
    try {
      await fn();
    } catch (e) {
      log(`section ${name} threw: ${e && e.code} ${e && e.message}`);
    }
  }
  process.on('exit', (c) => console.log('exit event, code', c));
  log('== exit 4');
  process.exit(4);
})();
