// Starting flowdex for the Node.js tests: sample flow logs made by
// `flowdex gen`, loaded with `flowdex ingest`, served by `flowdex serve` on a
// free port of 127.0.0.1. FLOWDEX names the binary (default ../../build/flowdex).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after } from 'node:test';

export const FLOWDEX = resolve(process.env.FLOWDEX ?? new URL('../../build/flowdex', import.meta.url).pathname);

export function tempDir(prefix = 'flowdex-test-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

// Runs a flowdex command to completion; returns { status, stdout, stderr }.
export function flowdex(args, options = {}) {
  try {
    const stdout = execFileSync(FLOWDEX, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    return { status: e.status, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

// Generates `records` flow records over the last two hours into dir/logs and
// loads them into dir/data.
export function sampleData(dir, records = 20000, files = 4, ingestArgs = []) {
  const logs = join(dir, 'logs');
  const data = join(dir, 'data');
  let r = flowdex(['gen', '--records', String(records), '--files', String(files), '--start', 'now-2h', '--out', logs]);
  if (r.status !== 0) throw new Error(`flowdex gen failed: ${r.stderr}`);
  r = flowdex(['ingest', '--data', data, ...ingestArgs, logs]);
  if (r.status !== 0) throw new Error(`flowdex ingest failed: ${r.stderr}`);
  return { logs, data };
}

// A copy of a data directory (one server holds a directory at a time).
export function copyData(data) {
  const copy = join(tempDir('flowdex-copy-'), 'data');
  cpSync(data, copy, { recursive: true });
  rmSync(join(copy, 'LOCK'), { force: true });
  return copy;
}

// Servers still running when a test file's tests are over (a test failed
// before stopping its server) are stopped, so they do not keep Node.js
// waiting. SIGTERM, not SIGKILL: this hook may run before a file's own
// after() that stops its server and checks the clean exit.
const liveServers = new Set();
after(() => {
  for (const child of liveServers) child.kill('SIGTERM');
});

// Starts `flowdex serve` on the data directory; resolves once it listens.
export async function startServer(data, extraArgs = []) {
  const dir = tempDir('flowdex-serve-');
  const ready = join(dir, 'ready');
  const child = spawn(FLOWDEX, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--ready-file', ready, ...extraArgs],
                      { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  liveServers.add(child);
  const exited = new Promise((res) => child.on('exit', (code, signal) => { liveServers.delete(child); res({ code, signal }); }));
  for (let i = 0; i < 200 && !existsSync(ready); i++) {
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  if (!existsSync(ready)) {
    child.kill('SIGKILL');
    throw new Error(`flowdex serve did not start: ${log}`);
  }
  await sleep(20);
  const url = readFileSync(ready, 'utf8').trim();
  return {
    url,
    child,
    log: () => log,
    // SIGTERM, then the exit status.
    async stop() {
      if (child.exitCode !== null) return { code: child.exitCode, signal: null };
      child.kill('SIGTERM');
      const r = await exited;
      rmSync(dir, { recursive: true, force: true });
      return r;
    },
    exited,
  };
}

// fetch() with a JSON body; returns { status, headers, body (parsed when JSON), text }.
export async function request(url, method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    if (!init.headers['content-type']) init.headers['content-type'] = 'application/json';
  }
  const res = await fetch(url + path, init);
  const text = await res.text();
  let parsed;
  try { parsed = JSON.parse(text); } catch { parsed = undefined; }
  return { status: res.status, headers: res.headers, body: parsed, text };
}
