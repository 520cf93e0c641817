import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFixtures, type Fixture } from './fixtures.js';

const PROJECT = fileURLToPath(new URL('../../..', import.meta.url));
const CLI = join(PROJECT, 'dist', 'cli', 'quantlab.js');
const SECRET = 'sk_live_ZyXw9876543210AbCdEfGhIj';
let root: string;
let fx: Fixture;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'quantlab-dash-cli-'));
  fx = writeFixtures(join(root, 'tree'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null>; url: Promise<string> }

function start(args: string[]): Run {
  const child = spawn(process.execPath, [CLI, 'dashboard', ...args], { cwd: root, env: { ...process.env, CCXT_API_KEY: SECRET, QUANTLAB_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let found: (u: string) => void = () => {};
  const url = new Promise<string>((r) => (found = r));
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    const m = /(http:\/\/\S+\/)/.exec(out);
    if (m) found(m[1]!);
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exit, url };
}

describe('quantlab dashboard', () => {
  test('binds 127.0.0.1, prints the URL, serves, never logs a secret, and stops cleanly on Ctrl-C (exit 0)', async () => {
    const r = start(['--data_dir', fx.dataDir, '--port', '0']);
    const url = await r.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const p of ['', 'settings', 'live', 'experiments']) {
      const res = await fetch(url + p);
      expect(res.status).toBe(200);
      expect(await res.text()).not.toContain(SECRET);
    }
    // An open event stream (a browser on a live session) does not keep the server from stopping.
    const stream = await fetch(`${url}live/ps-0123456789abcdef/events`);
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('stream of state.jsonl');
    const t0 = Date.now();
    r.child.kill('SIGINT');
    expect(await r.exit).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    await reader.cancel().catch(() => undefined);
    expect(r.out() + r.err()).not.toContain(SECRET);
    expect(r.err()).not.toMatch(/WARNING/);
  }, 60_000);

  test('another host only when asked, with a warning on stderr', async () => {
    const r = start(['--data_dir', fx.dataDir, '--port', '0', '--host', '0.0.0.0']);
    await r.url;
    expect(r.err()).toContain('WARNING: binding 0.0.0.0');
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);
  }, 60_000);

  test('a port in use is exit 2 naming it; a missing data dir or runs dir is exit 3', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = start(['--data_dir', fx.dataDir, '--port', String(port)]);
      expect(await r.exit).toBe(2);
      expect(r.err()).toContain(`port ${port} on 127.0.0.1 is in use`);
      expect(r.err()).toContain('--port');
    } finally {
      blocker.close();
    }
    const m = start(['--data_dir', join(root, 'nope'), '--port', '0']);
    expect(await m.exit).toBe(3);
    expect(m.err()).toContain('the data dir does not exist');
    expect(m.err()).toContain(join(root, 'nope'));
    const rd = start(['--data_dir', fx.dataDir, '--runs_dir', join(root, 'no-runs'), '--port', '0']);
    expect(await rd.exit).toBe(3);
    expect(rd.err()).toContain('the runs dir does not exist');
    const file = start(['--data_dir', join(fx.dataDir, 'reports', 'strategy', 'report.json'), '--port', '0']);
    expect(await file.exit).toBe(3);
    expect(file.err()).toContain('the data dir is not a folder');
    const bad = start(['--data_dir', fx.dataDir, '--port', '70000']);
    expect(await bad.exit).toBe(2);
  }, 60_000);
});
