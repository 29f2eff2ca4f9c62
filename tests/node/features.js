// Node's own modules, each printing what it got; asynchronous results are
// gathered and printed in a fixed order, so the output is the same bytes on
// every run, natively and in the guest (tests/test_node.py).
'use strict';
const assert = require('assert');
const cp = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { Worker } = require('worker_threads');

function files() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pkgload-node-'));
  const f = path.join(dir, 'a.txt');
  fs.writeFileSync(f, 'line\n'.repeat(1000));
  fs.appendFileSync(f, 'end\n');
  fs.renameSync(f, path.join(dir, 'b.txt'));
  fs.mkdirSync(path.join(dir, 'sub/deeper'), { recursive: true });
  fs.symlinkSync('b.txt', path.join(dir, 'link'));
  const st = fs.statSync(path.join(dir, 'link'));
  console.log('fs:', st.size, st.isFile(), fs.readlinkSync(path.join(dir, 'link')),
              fs.readdirSync(dir).sort().join(','));
  let err = '';
  try { fs.readFileSync(path.join(dir, 'nope')); } catch (e) { err = e.code; }
  console.log('fs error:', err);
  return dir;
}

function hashes() {
  console.log('sha256:', crypto.createHash('sha256').update('abc').digest('hex'));
  console.log('hmac:', crypto.createHmac('sha512', 'key').update('data').digest('base64'));
  console.log('pbkdf2:', crypto.pbkdf2Sync('pw', 'salt', 1000, 16, 'sha256').toString('hex'));
  const key = crypto.scryptSync('pw', 'salt', 32), iv = Buffer.alloc(16, 1);
  const c = crypto.createCipheriv('aes-256-cbc', key, iv);
  const enc = Buffer.concat([c.update('secret message'), c.final()]);
  const d = crypto.createDecipheriv('aes-256-cbc', key, iv);
  console.log('aes:', enc.toString('hex'), Buffer.concat([d.update(enc), d.final()]).toString());
  console.log('random:', crypto.randomBytes(32).length, typeof crypto.randomUUID());
  console.log('gzip:', zlib.gunzipSync(zlib.gzipSync('x'.repeat(10000))).length);
}

function children() {
  const r = cp.spawnSync('/bin/sh', ['-c', 'echo out; echo err >&2; exit 3']);
  console.log('spawnSync:', r.status, JSON.stringify(String(r.stdout)), JSON.stringify(String(r.stderr)));
  console.log('execSync:', String(cp.execSync('echo $((6 * 7))')).trim());
}

function later(results) {
  const jobs = [];
  jobs.push(new Promise((resolve) => cp.exec('echo exec; exit 2', (e, out) => {
    results.exec = `${e && e.code} ${out.trim()}`;
    resolve();
  })));
  jobs.push(new Promise((resolve) => {
    const w = new Worker('const { parentPort, workerData } = require("worker_threads");' +
                         'let s = 0; for (let i = 0; i < workerData; i++) s += i;' +
                         'parentPort.postMessage(s);', { eval: true, workerData: 100000 });
    w.on('message', (m) => { results.worker = m; });
    w.on('exit', (code) => { results.workerExit = code; resolve(); });
  }));
  jobs.push(new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    setTimeout(() => {
      // libuv times a timer from its loop's cached millisecond clock, taken
      // before t0: a 50 ms timer can fire a little under 50 ms after t0
      // (seen natively), so the check allows 5 ms of that.
      results.timeout = process.hrtime.bigint() - t0 >= 45000000n;
      resolve();
    }, 50);
  }));
  jobs.push(new Promise((resolve) => {
    let n = 0;
    const iv = setInterval(() => { if (++n === 3) { clearInterval(iv); results.interval = n; resolve(); } }, 10);
  }));
  jobs.push(fs.promises.readFile('/etc/hostname').then(() => { results.fsPromise = true; },
                                                      () => { results.fsPromise = true; }));
  return Promise.all(jobs);
}

const order = [];
process.nextTick(() => order.push('tick'));
Promise.resolve().then(() => order.push('promise'));
order.push('sync');
const dir = files();
hashes();
children();
const results = {};
later(results).then(() => {
  fs.rmSync(dir, { recursive: true });
  assert.strictEqual(fs.existsSync(dir), false);
  console.log('order:', order.join(','));
  console.log('later:', JSON.stringify(results, Object.keys(results).sort()));
  process.exitCode = 5;
});
process.on('exit', (code) => console.log('exit', code));
