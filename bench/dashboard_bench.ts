/**
 * Dashboard benchmark: `npm run dashboard:bench [-- --runs 1000 --log-lines 100000 --reps 5 --keep]`.
 *
 * Writes a fixture tree (tests/dashboard/fixtures.ts) with `--runs` backtest run folders and a paper session whose
 * state.jsonl and logs/run.log have `--log-lines` lines, starts `quantlab dashboard` on it as its own process, and
 * times every page: the first (cold: every file parsed) and `--reps` warm requests (the mtime-keyed cache). Prints
 * JSON: per page cold and warm max ms, bytes; the server's peak RSS (VmHWM from /proc) and the load average.
 * Exit 1 when a page takes 300 ms or more warm, or the peak RSS reaches 300 MB.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { PAGES } from '../lib/dashboard/html.js';
import { SESSION_ID, writeFixtures } from '../tests/dashboard/fixtures.js';

function arg(name: string, def: string): string {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? process.argv[k + 1]! : def;
}

const PAGE_MS = 300;
const RSS_MB = 300;

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '1000'));
  const logLines = Number(arg('log-lines', '100000'));
  const reps = Number(arg('reps', '5'));
  const root = mkdtempSync(join(tmpdir(), 'quantlab-dash-bench-'));
  const t0 = performance.now();
  const fx = writeFixtures(root, { backtests: runs, logLines });
  const log = join(fx.runsDir, 'live', 'sessions', SESSION_ID, 'logs', 'run.log');
  writeFileSync(log, '');
  const chunk: string[] = [];
  for (let i = 0; i < logLines; i++) {
    chunk.push(JSON.stringify({ level: 'info', time: 1740787200000 + i * 1000, msg: `bar ${i} processed`, session: SESSION_ID }));
    if (chunk.length === 10_000) { appendFileSync(log, chunk.join('\n') + '\n'); chunk.length = 0; }
  }
  if (chunk.length) appendFileSync(log, chunk.join('\n') + '\n');
  const writeMs = performance.now() - t0;
  const cli = fileURLToPath(new URL('../cli/quantlab.js', import.meta.url));
  const child = spawn(process.execPath, [cli, 'dashboard', '--data_dir', fx.dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, QUANTLAB_LOG_FORMAT: 'json' } });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /(http:\/\/\S+)\//.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (c) => reject(new Error(`dashboard exited with ${c}`)));
  });
  const paths = [...PAGES.map((p) => p.path), `/backtests/${fx.backtestIds[0]}`, `/live/${SESSION_ID}`, '/report/strategy'];
  const pages: { path: string; cold_ms: number; warm_max_ms: number; warm_median_ms: number; bytes: number }[] = [];
  try {
    for (const p of paths) {
      const time = async () => {
        const s = performance.now();
        const res = await fetch(url + p);
        const body = await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${p}: HTTP ${res.status}`);
        return { ms: performance.now() - s, bytes: body.byteLength };
      };
      const cold = await time();
      const warm: number[] = [];
      for (let i = 0; i < reps; i++) warm.push((await time()).ms);
      warm.sort((a, b) => a - b);
      pages.push({ path: p, cold_ms: Math.round(cold.ms), warm_max_ms: Math.round(warm[warm.length - 1]!), warm_median_ms: Math.round(warm[Math.floor(warm.length / 2)]!), bytes: cold.bytes });
    }
    const rss = peakRssMb(child.pid!);
    const slow = pages.filter((x) => x.warm_max_ms >= PAGE_MS);
    const result = {
      runs, log_lines: logLines, reps, fixture_write_s: Math.round(writeMs / 100) / 10, load_average_1m: Math.round(loadavg()[0]! * 100) / 100,
      server_peak_rss_mb: Math.round(rss), pages,
      verdict: { every_page_warm_under_300ms: slow.length === 0, rss_under_300mb: rss < RSS_MB, slow: slow.map((x) => x.path), cold_over_300ms: pages.filter((x) => x.cold_ms >= PAGE_MS).map((x) => x.path) },
    };
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    if (slow.length || !(rss < RSS_MB)) process.exitCode = 1;
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.on('exit', r));
    if (!process.argv.includes('--keep')) rmSync(root, { recursive: true, force: true });
    else process.stderr.write(`kept ${root}\n`);
  }
}

await main();
