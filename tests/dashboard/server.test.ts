import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { appendFileSync, chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer, CSP } from '../../lib/dashboard/server.js';
import { PAGES } from '../../lib/dashboard/html.js';
import { silentLogger } from '../../lib/log.js';
import { HALTED_ID, LESSON, SESSION_ID, writeFixtures, type Fixture } from './fixtures.js';

const PROJECT = fileURLToPath(new URL('../../..', import.meta.url));
let root: string;
let fx: Fixture;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'quantlab-dash-'));
  fx = writeFixtures(join(root, 'tree'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

interface Res { statusCode: number; headers: Record<string, string | string[] | undefined>; body: string }

/**
 * The server listening on a free port, with `inject` sending the path byte for byte over HTTP (no URL normalisation
 * by a client: `..` and `%2e%2e` reach the server as written). Fastify's own inject needs an ESM-only package jest
 * cannot load.
 */
async function server(f: Fixture = fx) {
  const built = buildServer({ host: '127.0.0.1', port: 0, dataDir: f.dataDir, runsDir: f.runsDir, projectRoot: PROJECT, log: silentLogger(), pollMs: 100 });
  await built.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (built.app.server.address() as { port: number }).port;
  const inject = ({ url }: { url: string }) => new Promise<Res>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: url, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
  return { app: Object.assign(built.app, { inject }) as unknown as { inject: typeof inject; close: () => Promise<void> }, port };
}

/** Every same-origin page link of an HTML body (no assets). */
function links(html: string): string[] {
  return [...html.matchAll(/href="(\/[^"#]*)/g)].map((m) => m[1]!.replace(/&amp;/g, '&')).filter((h) => !h.startsWith('/assets/'));
}

describe('pages over the fixture tree', () => {
  test('every page answers 200 with the CSP and shows the numbers of the files it reads', async () => {
    const { app } = await server();
    try {
      const urls = [...PAGES.map((p) => p.path), `/backtests/${fx.backtestIds[1]}`, `/live/${SESSION_ID}`, `/live/${HALTED_ID}`, `/lab?lesson=${LESSON}`, '/report/strategy', '/report/monitor', `/lab/lessons/${LESSON}/lesson.svg`];
      const body: Record<string, string> = {};
      for (const u of urls) {
        const res = await app.inject({ url: u });
        expect([u, res.statusCode]).toEqual([u, 200]);
        expect(res.headers['content-security-policy']).toBeDefined();
        if (!u.startsWith('/report/') && !u.endsWith('.svg')) expect(res.headers['content-security-policy']).toBe(CSP);
        body[u] = res.body;
      }
      // No inline script on any dashboard page (the CSP forbids them): only src= scripts and JSON data blocks.
      for (const p of PAGES) expect(body[p.path]!.match(/<script(?![^>]*(src=|type="application\/json"))/g)).toBeNull();
      expect(body['/backtests']).toContain('1.234'); // sharpe of run 0
      expect(body['/backtests']).toMatch(/3 of 3 rows|Backtest runs \(3\)/);
      expect(body[`/backtests/${fx.backtestIds[1]}`]).toContain('Trades (60)');
      expect(body[`/backtests/${fx.backtestIds[1]}`]).toContain('data-chart-for');
      expect(body[`/live/${HALTED_ID}`]).toContain('kill-switch file /tmp/KILL present');
      expect(body['/live']).toMatch(/HALTED \(guard: kill_switch\)/);
      expect(body['/']).toMatch(/HALTED \(guard: kill_switch\)/);
      expect(body['/experiments']).toContain('approved at the weekly review');
      expect(body['/experiments']).toContain('draft → running');
      expect(body['/experiments']).toMatch(/run-1.*run-2/s);
      expect(body['/experiments']).toContain('7.5');
      expect(body['/experiments']).toContain('6.1');
      expect(body['/mm']).toContain('ready_for_live_keys: <strong>false</strong>');
      expect(body['/mm']).toContain('oos_net_pnl_positive');
      expect(body['/regime']).toContain('alt_season');
      expect(body['/regime']).toContain('BTC (rebased)');
      expect(body['/regime']).toContain('alt index (rebased)');
      expect(body['/research']).toContain('/report/strategy');
      expect(body['/research']).toContain('20260101T000000Z-ab12');
      expect(body['/lab']).toContain('The z-score of the close fired at -2.13');
      expect(body['/lab']).toContain('quantlab backtest --symbol BTC-USDT --strategy momentum');
      // Every link on every page resolves (no dead link to a 404).
      const all = new Set(Object.values(body).flatMap(links));
      for (const u of all) expect([u, (await app.inject({ url: u })).statusCode]).toEqual([u, 200]);
    } finally {
      await app.close();
    }
  });

  test('paths from URLs stay inside the roots: .., %2e%2e, absolute, encoded slashes and symlinks out are 404', async () => {
    const outside = join(root, 'outside');
    mkdirSync(join(outside, 'lesson'), { recursive: true });
    writeFileSync(join(outside, 'metrics.json'), '{"symbol":"SECRET-OUTSIDE"}');
    writeFileSync(join(outside, 'lesson', 'lesson.svg'), '<svg>SECRET-OUTSIDE</svg>');
    const f = writeFixtures(join(root, 'trav'));
    symlinkSync(outside, join(f.runsDir, '20990101T000000Z_EVIL_momentum'));
    symlinkSync(outside, join(f.runsDir, 'live', 'sessions', 'ps-0000000000000bad'));
    symlinkSync(join(outside, 'lesson'), join(f.runsDir, 'lessons', 'evil'));
    symlinkSync(join(outside, 'metrics.json'), join(f.runsDir, 'link.json'));
    const { app } = await server(f);
    try {
      const bad = [
        '/backtests/..', '/backtests/..%2f..%2f..%2fetc', '/backtests/%2e%2e', '/backtests/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/backtests/20990101T000000Z_EVIL_momentum',
        '/live/ps-0000000000000bad', '/live/..%2f..%2f', '/live/ps-0000000000000bad/events', '/lab?lesson=evil', '/lab?lesson=..%2f..', '/lab/lessons/evil/lesson.svg',
        '/files/runs/../../etc/passwd', '/files/runs/..%2f..%2fetc%2fpasswd', '/files/runs/%2e%2e/%2e%2e/etc/passwd', '/files/runs/%2fetc%2fpasswd', '/files/runs//etc/passwd',
        '/files/runs/20990101T000000Z_EVIL_momentum/metrics.json', '/files/runs/link.json', '/files/reports/..%2fruns%2flink.json', '/files/reports/%252e%252e/x',
      ];
      for (const u of bad) {
        const res = await app.inject({ url: u });
        expect([u, res.statusCode]).toEqual([u, 404]);
        expect(res.body).not.toContain('SECRET-OUTSIDE');
      }
      // The listings skip the symlinked folders too.
      for (const u of ['/backtests', '/live', '/lab', '/']) expect((await app.inject({ url: u })).body).not.toMatch(/EVIL|0000000000000bad|SECRET-OUTSIDE|lesson=evil/);
      // Inside the root it works.
      expect((await app.inject({ url: `/files/runs/${f.backtestIds[0]}/metrics.json` })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  test('missing, partial and corrupt files show an error on their card; the server keeps serving', async () => {
    const f = writeFixtures(join(root, 'corrupt'));
    const bt = join(f.runsDir, f.backtestIds[0]!);
    writeFileSync(join(bt, 'metrics.json'), '{"symbol": "DEMO", "metrics": {"sharpe": 1.2');
    writeFileSync(join(bt, 'trades.csv'), 'symbol,side,qty\nDEMO,long,1\nDEMO,sh');
    rmSync(join(bt, 'equity.csv'));
    appendFileSync(join(f.runsDir, 'live', 'sessions', SESSION_ID, 'state.jsonl'), '{"seq": 999, "type": "ord');
    writeFileSync(join(f.runsDir, 'live', 'sessions', HALTED_ID, 'state.json'), 'not json');
    writeFileSync(join(f.dataDir, 'reports', 'strategy', 'report.json'), '');
    writeFileSync(join(f.dataDir, 'reports', 'monitor', 'regime_timeline.csv'), 'date,score\n2024-01-01,1\n');
    const { app } = await server(f);
    try {
      const page = await app.inject({ url: `/backtests/${f.backtestIds[0]}` });
      expect(page.statusCode).toBe(200);
      expect(page.body).toMatch(/metrics\.json:1:\d+: invalid JSON/);
      expect(page.body).toMatch(/trades\.csv:3: 2 fields, the header has 3/);
      expect(page.body).toMatch(/Equity and drawdown.*missing/s);
      const live = await app.inject({ url: `/live/${SESSION_ID}` });
      expect(live.statusCode).toBe(200);
      expect(live.body).toContain('a partial last line of 25 bytes: still being written');
      const halted = await app.inject({ url: `/live/${HALTED_ID}` });
      expect(halted.body).toMatch(/state\.json: invalid JSON \(Unexpected token/);
      expect((await app.inject({ url: '/live' })).body).toMatch(/unreadable: .*state\.json: invalid JSON/);
      expect((await app.inject({ url: '/research' })).body).toMatch(/report\.json:1:1: invalid JSON \(Unexpected end of JSON input\)/);
      expect((await app.inject({ url: '/regime' })).body).toContain('no column &quot;label&quot;');
      for (const p of PAGES) expect([p.path, (await app.inject({ url: p.path })).statusCode]).toEqual([p.path, 200]);
    } finally {
      await app.close();
    }
  });

  test('no secret from the environment or a config reaches a page', async () => {
    const secret = 'sk_live_AbCdEf0123456789GhIjKlMn';
    const before = { ...process.env };
    process.env.CCXT_API_KEY = secret;
    process.env.EXCHANGE_API_SECRET = 'plainsecretvalue';
    process.env.QUANTLAB_LOG_LEVEL = 'info';
    const f = writeFixtures(join(root, 'secret'));
    const prov = join(f.runsDir, f.backtestIds[0]!, 'provenance.json');
    const v = JSON.parse(readFileSync(prov, 'utf8')) as Record<string, unknown>;
    v.environment_flags = { QUANTLAB_API_TOKEN: 'tok-plain-value', QUANTLAB_X: secret };
    writeFileSync(prov, JSON.stringify(v));
    const { app } = await server(f);
    try {
      for (const u of [...PAGES.map((p) => p.path), `/backtests/${f.backtestIds[0]}`]) {
        const body = (await app.inject({ url: u })).body;
        expect(body).not.toContain(secret);
        expect(body).not.toContain('plainsecretvalue');
        expect(body).not.toContain('tok-plain-value');
      }
      const settings = (await app.inject({ url: '/settings' })).body;
      expect(settings).toContain('CCXT_API_KEY');
      expect(settings).toContain('&lt;set&gt; [redacted]');
      // The resolved cost config with the digest every stage binds to (the same digest as lib/costs loadCosts).
      const { loadCosts } = await import('../../lib/costs/digest.js');
      expect(settings).toContain((await loadCosts(join(PROJECT, 'spec', 'costs.yaml'))).digest);
    } finally {
      process.env = before;
      await app.close();
    }
  });
});

function digestTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

function chmodTree(dir: string, fileMode: number, dirMode: number): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) chmodTree(p, fileMode, dirMode); else chmodSync(p, fileMode);
  }
  chmodSync(dir, dirMode);
}

describe('read-only', () => {
  test('a crawl of every page and link over a read-only copy changes no byte and creates no file (sha256 of every file)', async () => {
    const copy = join(root, 'ro');
    cpSync(fx.root, copy, { recursive: true });
    chmodTree(copy, 0o444, 0o555);
    const before = digestTree(copy);
    const f: Fixture = { ...fx, root: copy, dataDir: join(copy, 'data'), runsDir: join(copy, 'data', 'runs') };
    const { app } = await server(f);
    try {
      const seen = new Set<string>();
      const queue = [...PAGES.map((p) => p.path)];
      while (queue.length) {
        const u = queue.shift()!;
        if (seen.has(u)) continue;
        seen.add(u);
        const res = await app.inject({ url: u });
        expect([u, res.statusCode]).toEqual([u, 200]);
        if (String(res.headers['content-type']).startsWith('text/html')) for (const l of links(res.body)) if (!seen.has(l)) queue.push(l);
      }
      expect(seen.size).toBeGreaterThan(15);
      expect((await app.inject({ url: '/experiments' })).body).toContain('approved at the weekly review'); // the store was read
    } finally {
      await app.close();
    }
    const after = digestTree(copy);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [k, h] of before) expect([k, after.get(k)]).toEqual([k, h]);
    chmodTree(copy, 0o644, 0o755);
    expect(statSync(copy).isDirectory()).toBe(true);
  });
});

/** Opens an SSE stream; resolves each `lines` event with the time it arrived. */
function sse(port: number, path: string): Promise<{ events: { at: number; rows: { seq: unknown }[] }[]; close: () => void; ready: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const events: { at: number; rows: { seq: unknown }[] }[] = [];
    let readyDone: () => void = () => {};
    const ready = new Promise<void>((r) => (readyDone = r));
    const req = request({ host: '127.0.0.1', port, path, headers: { accept: 'text/event-stream' } }, (res) => {
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/event-stream/);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        if (buf.includes('stream of state.jsonl')) readyDone();
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const msg = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (\w+)$/m.exec(msg)?.[1];
          const data = /^data: (.*)$/m.exec(msg)?.[1];
          if (ev === 'lines' && data) events.push({ at: Date.now(), rows: (JSON.parse(data) as { rows: { seq: unknown }[] }).rows });
        }
      });
      resolve({ events, close: () => req.destroy(), ready });
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    req.end();
  });
}

describe('live monitor stream', () => {
  test('a line appended to state.jsonl reaches the browser within 1 s, while a paper session replays into the same runs dir', async () => {
    const f = writeFixtures(join(root, 'sse'));
    const { app, port } = await server(f);
    const { spawn } = await import('node:child_process');
    // A real paper session replaying (quantlab live trade on synthetic bars) into the same runs dir meanwhile.
    const replay = spawn(process.execPath, [join(PROJECT, 'dist', 'cli', 'quantlab.js'), 'live', 'trade', '--symbol', 'DEMO', '--strategy', 'momentum', '--interval', '5m',
      '--allow-synthetic', '--start', '2025-03-01', '--end', '2025-03-04', '--data_dir', f.dataDir], { cwd: PROJECT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, QUANTLAB_LOG_FORMAT: 'json' } });
    const replayDone = new Promise<number>((r) => replay.on('exit', (c) => r(c ?? -1)));
    const s = await sse(port, `/live/${SESSION_ID}/events`);
    try {
      await s.ready;
      const file = join(f.runsDir, 'live', 'sessions', SESSION_ID, 'state.jsonl');
      const latencies: number[] = [];
      for (let k = 0; k < 8; k++) {
        const seq = 10_000 + k;
        const t0 = Date.now();
        appendFileSync(file, JSON.stringify({ seq, bar: seq, ts_ms: Date.UTC(2025, 2, 3), type: 'guard', rule: 'stale_data', decision: 'deny', state_before: 'ACTIVE', state_after: 'ACTIVE', message: `stale ${k}`, numbers: {} }) + '\n');
        for (;;) {
          const hit = s.events.find((e) => e.rows.some((r) => r.seq === seq));
          if (hit) { latencies.push(hit.at - t0); break; }
          if (Date.now() - t0 > 3000) throw new Error(`line ${seq} not streamed within 3 s`);
          await new Promise((r) => setTimeout(r, 10));
        }
        await new Promise((r) => setTimeout(r, 150));
      }
      expect(Math.max(...latencies)).toBeLessThan(1000);
      // Lines are sent once each, in order.
      const seqs = s.events.flatMap((e) => e.rows.map((r) => r.seq));
      expect(seqs).toEqual([10000, 10001, 10002, 10003, 10004, 10005, 10006, 10007]);
      expect(await replayDone).toBe(0);
      const live = await fetch(`http://127.0.0.1:${port}/live`);
      const ids = [...(await live.text()).matchAll(/\/live\/(ps-[0-9a-f]{16})/g)].map((m) => m[1]);
      expect(new Set(ids).size).toBe(3); // the two fixture sessions and the replayed one
    } finally {
      s.close();
      replay.kill();
      await app.close();
    }
  }, 120_000);
});
