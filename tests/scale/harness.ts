/** Helpers of the scale-out tests: the real CLIs as child processes, a real redis-server on a free port. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../../lib/stage/root.js';
import type { RunRecord } from '../../orchestrator/runner.js';
import type { StageManifest } from '../../lib/stage/manifest.js';

export const RUN_ALL = join(PROJECT_ROOT, 'dist', 'orchestrator', 'run_all.js');
export const QUANTLAB = join(PROJECT_ROOT, 'dist', 'cli', 'quantlab.js');
/** A small synthetic market: 3 perps, 10 days of 5m bars; a fixed clock so provenance is identical between runs. */
export const SMALL = ['--allow-synthetic', '--set', 'ingest.synthetic.n_symbols=3', '--set', 'ingest.synthetic.end_ms=1736553600000'];
export const ENV = { QUANTLAB_NOW_MS: '1767225600000', QUANTLAB_LOG_LEVEL: 'warn', QUANTLAB_LOG_FORMAT: 'json' };

export async function runAll(dataDir: string, runId: string, args: string[], env: Record<string, string> = {}) {
  const r = await execa(process.execPath, [RUN_ALL, '--data_dir', dataDir, '--run_id', runId, ...SMALL, ...args], {
    reject: false, cwd: PROJECT_ROOT, env: { ...ENV, ...env },
  });
  const file = join(dataDir, 'reports', 'runs', runId, 'run.json');
  const record = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as RunRecord) : undefined;
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), record };
}

/** Output digests of a committed stage (SHA-256 over every file's path and bytes). */
export async function outputDigests(dataDir: string, stage: string): Promise<Record<string, string>> {
  const m = JSON.parse(await readFile(join(dataDir, 'state', 'stages', `${stage}.json`), 'utf8')) as StageManifest;
  return Object.fromEntries(Object.entries(m.outputs).map(([k, v]) => [k, v.digest]));
}

export function stageRecord(r: RunRecord | undefined, stage: string) {
  const s = r?.stages.find((x) => x.name === stage);
  if (!s) throw new Error(`no record of ${stage}`);
  return s;
}

/** Move every raw partition of one symbol from `from` to `to` (same relative paths). */
export async function moveSymbol(from: string, to: string, symbol: string): Promise<number> {
  let n = 0;
  async function walk(dir: string): Promise<void> {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = join(dir, e.name);
      if (e.name === `symbol=${symbol}`) {
        const dest = join(to, relative(from, p));
        await mkdir(dirname(dest), { recursive: true });
        await rename(p, dest);
        n++;
      } else await walk(p);
    }
  }
  await walk(from);
  return n;
}

/** Every path under `dir` (relative), for leftovers checks. */
export async function listAll(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(relative(dir, p));
      if (e.isDirectory()) await walk(p);
    }
  }
  if (existsSync(dir)) await walk(dir);
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Debian's redis-server on a free local port, no persistence; `stop` ends it (no daemon left behind). */
export async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopProcess(proc) };
}

export function stopProcess(p: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill(signal);
  });
}

/** `quantlab worker` as a child process; `lines` collects its JSON log lines. */
export function startWorker(redis: string, dataDir: string, args: string[], env: Record<string, string> = {}) {
  const lines: { msg?: string; level?: number; [k: string]: unknown }[] = [];
  const proc = spawn(process.execPath, [QUANTLAB, 'worker', '--redis', redis, '--data_dir', dataDir, ...args], {
    cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...ENV, QUANTLAB_LOG_LEVEL: 'info', ...env },
  });
  let buf = '';
  proc.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(l) as { msg?: string });
      } catch {
        // not JSON
      }
    }
  });
  proc.stdout!.resume();
  return { proc, lines };
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
