#!/usr/bin/env node
/**
 * node dist/bench/monitor_bench.js [--assets 50,100,150] [--years 5] [--reps 3] [--period year|month]
 *
 * Figures (never pass/fail) for the majors-vs-alts monitor: a synthetic daily market (lib/monitor/synthetic_daily.ts,
 * seeded) of N assets x Y years is written into a temporary lake (cleaned/bars 1d + market caps; --period year: the
 * layout the clean stage writes for daily data, the default; month: the older monthly layout), then the whole
 * command (`node dist/cli/quantlab.js monitor`, regular mode with the shipped config, the MSM baseline) runs as a
 * child process; wall time (median of --reps) and peak RSS (/usr/bin/time %M, when present) per N. Target: 150 x 5 y
 * under 5 s, peak RSS flat in N. JSON on stdout. Also CPU seconds (user + sys) and the load average: on a shared
 * machine the wall time measures the queue, the CPU time the work.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { writeDailyLake } from '../lib/monitor/synthetic_daily.js';

function arg(name: string, def: string): string {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? process.argv[k + 1]! : def;
}
const sizes = arg('assets', '50,100,150').split(',').map(Number);
const years = Number(arg('years', '5'));
const reps = Number(arg('reps', '3'));
const period = arg('period', 'year') as 'year' | 'month';
if (period !== 'year' && period !== 'month') throw new Error(`--period year|month, was ${period}`);
const CLI = fileURLToPath(new URL('../cli/quantlab.js', import.meta.url));
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const TIME = '/usr/bin/time';
const start = Date.UTC(2019, 0, 1);
const days = Math.round(years * 365.25);
const endDay = new Date(start + (days - 1) * 86_400_000).toISOString().slice(0, 10);
const MSM = 'experiment_id: msm_bench\ncategory_path: msm\ntarget:\n  short_leg: {basket_size: 10, min_market_cap_usd: 0, min_volume_usd: 0}\n  long_leg: {weights: {btc: 0.7, eth: 0.3}}\n';

const base = await mkdtemp(join(tmpdir(), 'quantlab-monitor-bench-'));
const results: Record<string, unknown>[] = [];
try {
  const exp = join(base, 'msm.yaml');
  await writeFile(exp, MSM);
  for (const n of sizes) {
    const dir = join(base, `n${n}`);
    const t0 = performance.now();
    await writeDailyLake(join(dir, 'lake'), { seed: 1, n_assets: n, days, start_ms: start }, { period });
    const genS = (performance.now() - t0) / 1000;
    for (const mode of ['regular', 'msm'] as const) {
      const walls: number[] = [];
      let rssKb = NaN;
      const cpus: number[] = [];
      for (let r = 0; r < reps; r++) {
        const args = [CLI, 'monitor', '--start', '2019-07-01', '--end', endDay, '--data_dir', dir, '--json', ...(mode === 'msm' ? ['--experiment', exp] : [])];
        const t = performance.now();
        const res = existsSync(TIME)
          ? await execa(TIME, ['-f', 'RSS_KB=%M CPU_S=%U+%S', process.execPath, ...args], { cwd: ROOT, reject: false })
          : await execa(process.execPath, args, { cwd: ROOT, reject: false });
        walls.push((performance.now() - t) / 1000);
        if (res.exitCode !== 0) throw new Error(`monitor failed (${mode}, ${n} assets): ${String(res.stderr).slice(-800)}`);
        const m = /RSS_KB=(\d+)/.exec(String(res.stderr));
        if (m) rssKb = Math.max(Number.isFinite(rssKb) ? rssKb : 0, Number(m[1]));
        const c = /CPU_S=([\d.]+)\+([\d.]+)/.exec(String(res.stderr));
        if (c) cpus.push(Number(c[1]) + Number(c[2]));
      }
      walls.sort((a, b) => a - b);
      results.push({ assets: n, years, days, period, mode, wall_s_median: Number(walls[Math.floor(walls.length / 2)]!.toFixed(2)), wall_s_all: walls.map((w) => Number(w.toFixed(2))), peak_rss_mb: Number.isFinite(rssKb) ? Math.round(rssKb / 1024) : null, cpu_s_median: cpus.length ? cpus.sort((a, b) => a - b)[Math.floor(cpus.length / 2)] : null, load_avg_1m: Number(loadavg()[0]!.toFixed(1)), lake_write_s: Number(genS.toFixed(1)) });
      process.stderr.write(`${JSON.stringify(results[results.length - 1])}\n`);
    }
  }
} finally {
  await rm(base, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify({ bench: 'monitor', results }, null, 2)}\n`);
