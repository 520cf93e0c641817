#!/usr/bin/env node
/**
 * Scale-out benchmark (issue 18, docs/scale.md): `npm run bench:scale -- [--symbols 4] [--days 7,90] [--out FILE]`.
 *
 * 1. Per-shard scheduling overhead of the BullMQ queue: no-op jobs through a real redis-server (started here on a
 *    free port and stopped after), enqueue to result, one worker.
 * 2. The sharded stages (clean, features, events) on the synthetic market, from the same ingested lake: unsharded
 *    (today's default), local executor, 1 worker, 2 workers (BullMQ) at the first --days; local executor at every
 *    --days (the fit needs two bar counts).
 * 3. A model fitted from the measured phase times, per stage: plan = a + b*(N*B), shard = c + d*B, commit = e + f*(N*B)
 *    (N instruments, B bars each), projected to 2,000 instruments of 1m bars over two years on 10/100/1,000 workers;
 *    names the stage whose serial part (plan + commit) dominates.
 * The default configuration is small on purpose (a shared 2-core machine); pass the issue's 50 x 2y with
 * --symbols 50 --days 730,365 on a machine of your own.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../lib/stage/root.js';
import type { RunRecord } from '../orchestrator/runner.js';
import { startRedis, startWorker, stopProcess, waitFor } from '../tests/scale/harness.js';

const argv = yargs(hideBin(process.argv))
  .option('symbols', { type: 'number', default: 4 })
  .option('days', { type: 'string', default: '7,90', describe: 'two or more window lengths (days of 5m bars): the first for every mode, the last for the fit' })
  .option('noop_jobs', { type: 'number', default: 200 })
  .option('start_ms', { type: 'number', default: 1735689600000, describe: 'first bar of the synthetic window (ms)' })
  .option('base', { type: 'string', describe: 'an ingested lake (run_all --until ingest with the same --symbols, --start_ms and first --days) to copy instead of ingesting the first window' })
  .option('stages', { type: 'string', default: 'clean,features,events', describe: 'the sharded stages to run (--only); the fit needs all three' })
  .option('modes', { type: 'string', default: 'unsharded,local,1 worker,2 workers', describe: 'modes run at the first --days' })
  .option('out', { type: 'string', describe: 'write the figures as JSON here' })
  .option('from_json', { type: 'string', describe: 'skip the runs: fit and project from the figures of an earlier bench (--out)' })
  .option('fit_json', { type: 'string', describe: 'the large point of the fit: the local run of the first window of another bench (its --out), e.g. the 50 x 2y one' })
  .option('fit_mode', { type: 'string', default: 'local', describe: 'the mode of --fit_json taken as the large point (its plan, mean shard and commit times)' })
  .option('fit_run', { type: 'string', describe: 'the large point of the fit: run.json of a sharded run (e.g. the real data), instead of the last --days' })
  .option('fit_instruments', { type: 'number', describe: 'instruments of --fit_run' })
  .option('fit_bars', { type: 'number', describe: 'bars per instrument of --fit_run (backtest timeframe)' })
  .strict()
  .parseSync();

const STAGES = argv.stages.split(',');
const RUN_ALL = join(PROJECT_ROOT, 'dist', 'orchestrator', 'run_all.js');
const START_MS = argv.start_ms;
const DAY = 86_400_000;
const ENV = { QUANTLAB_NOW_MS: '1767225600000', QUANTLAB_LOG_LEVEL: 'warn', QUANTLAB_LOG_FORMAT: 'json' };
const days = argv.days.split(',').map(Number);
const work = await mkdtemp(join(tmpdir(), 'quantlab-scale-bench-'));
const earlier = argv.from_json ? (JSON.parse(await readFile(argv.from_json, 'utf8')) as Record<string, unknown>) : undefined;
const redis = earlier ? undefined : await startRedis();
const out: Record<string, unknown> = earlier ? { ...earlier } : { symbols: argv.symbols, days };

function synth(d: number): string[] {
  return ['--allow-synthetic', '--set', `ingest.synthetic.n_symbols=${argv.symbols}`, '--set', `ingest.synthetic.start_ms=${START_MS}`, '--set', `ingest.synthetic.end_ms=${START_MS + d * DAY}`];
}

/** CPU seconds (user + system) of a process and its waited-for children, from /proc (Linux). */
function procCpuS(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const v = f.slice(f.lastIndexOf(')') + 2).split(' ').map(Number); // fields from 3 (state) on
  const tick = 100; // USER_HZ
  return (v[11]! + v[12]! + v[13]! + v[14]!) / tick; // utime stime cutime cstime
}

/** The orchestrator under /usr/bin/time: its record, and the CPU seconds of it and of its stage processes. */
async function runAll(dataDir: string, runId: string, args: string[]): Promise<RunRecord & { cpu_s: number }> {
  const r = await execa('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, RUN_ALL, '--data_dir', dataDir, '--run_id', runId, ...args], { reject: false, cwd: PROJECT_ROOT, env: ENV });
  if (r.exitCode !== 0) throw new Error(`run ${runId} failed (${r.exitCode}): ${String(r.stderr).slice(-2000)}`);
  const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(String(r.stderr));
  const rec = JSON.parse(await readFile(join(dataDir, 'reports', 'runs', runId, 'run.json'), 'utf8')) as RunRecord;
  return { ...rec, cpu_s: m ? Number(m[1]) + Number(m[2]) : NaN };
}

interface StageFigures { wall_ms: number; plan_ms?: number; shards_ms?: number; commit_ms?: number; shard_ms_mean?: number; shards?: number }
function figures(r: RunRecord): Record<string, StageFigures> {
  return Object.fromEntries(STAGES.map((s) => {
    const rec = r.stages.find((x) => x.name === s)!;
    const sh = rec.shards;
    const ran = sh?.shards.filter((x) => x.outcome === 'ran') ?? [];
    return [s, {
      wall_ms: rec.duration_ms,
      ...(sh ? { plan_ms: sh.plan_ms, shards_ms: sh.shards_ms, commit_ms: sh.commit_ms, shards: sh.total, shard_ms_mean: Math.round(ran.reduce((a, x) => a + x.duration_ms, 0) / Math.max(1, ran.length)) } : {}),
    }];
  }));
}

try {
  // 1. queue overhead: no-op jobs, one in-process worker, enqueue-to-result
  if (redis) {
    const { Queue, QueueEvents, Worker } = await import('bullmq');
    const connection = { url: redis.url, maxRetriesPerRequest: null };
    const q = new Queue('bench-noop', { connection });
    const ev = new QueueEvents('bench-noop', { connection });
    const w = new Worker('bench-noop', async () => ({ ok: true }), { connection, concurrency: 1 });
    await Promise.all([q.waitUntilReady(), ev.waitUntilReady(), w.waitUntilReady()]);
    q.setMaxListeners(0);
    ev.setMaxListeners(0);
    const t0 = performance.now();
    const jobs = await q.addBulk(Array.from({ length: argv.noop_jobs }, (_, i) => ({ name: 'noop', data: { i }, opts: { jobId: `noop-${i}` } })));
    await Promise.all(jobs.map((j) => j.waitUntilFinished(ev)));
    const per = (performance.now() - t0) / argv.noop_jobs;
    out.queue_overhead_ms_per_shard = Math.round(per * 100) / 100;
    await w.close();
    await ev.close();
    await q.obliterate({ force: true });
    await q.close();
    process.stdout.write(`BullMQ scheduling overhead: ${per.toFixed(2)} ms per shard (${argv.noop_jobs} no-op jobs, 1 worker; target < 20 ms)\n`);
  }

  // 2. runs
  const modes: Record<string, Record<string, Record<string, StageFigures>>> = (earlier?.runs as typeof modes | undefined) ?? {};
  const totals: Record<string, Record<string, { wall_s: number; cpu_s: number; load_before: number; load_after: number }>> = (earlier?.totals as typeof totals | undefined) ?? {};
  const all: [string, string[], number][] = [['unsharded', [], 0], ['local', ['--sharded'], 0], ['1 worker', ['--executor', 'bullmq', '--redis', redis?.url ?? ''], 1], ['2 workers', ['--executor', 'bullmq', '--redis', redis?.url ?? ''], 2]];
  const wanted = argv.modes.split(',');
  for (const [i, d] of (redis ? days : []).entries()) {
    let base = join(work, `ingested-${d}`);
    if (i === 0 && argv.base) base = argv.base;
    else await runAll(base, 'ingest', [...synth(d), '--until', 'ingest']);
    const bars = d * 288;
    const plan = i === 0 ? all.filter(([m]) => wanted.includes(m)) : all.filter(([m]) => m === 'local');
    for (const [mode, flags, nWorkers] of plan) {
      const dir = join(work, `${mode.replace(' ', '')}-${d}`);
      await execa('cp', ['-al', base, dir]); // hard links: lake files are replaced by rename, never written in place
      const ws = Array.from({ length: nWorkers }, () => startWorker(redis!.url, dir, ['--concurrency', '1']));
      for (const w of ws) await waitFor('worker ready', () => w.lines.some((l) => l.msg === 'worker ready'));
      const loadBefore = loadavg()[0]!;
      const t0 = performance.now();
      const r = await runAll(dir, `b-${mode.replace(' ', '')}`, [...synth(d), '--only', STAGES.join(','), '--force', ...flags]);
      const wall = performance.now() - t0;
      const loadAfter = loadavg()[0]!;
      let cpu = r.cpu_s;
      for (const w of ws) {
        cpu += procCpuS(w.proc.pid!); // the worker and the shard processes it ran (waited for: counted in cutime)
        await stopProcess(w.proc);
      }
      (modes[`${d}d`] ??= {})[mode] = figures(r);
      (totals[`${d}d`] ??= {})[mode] = { wall_s: Math.round(wall / 100) / 10, cpu_s: Math.round(cpu * 10) / 10, load_before: loadBefore, load_after: loadAfter };
      process.stdout.write(`${d} days (${argv.symbols} x ${bars} bars) ${mode.padEnd(10)} ${(wall / 1000).toFixed(1)}s wall, ${cpu.toFixed(1)} CPU s, load ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)}: ${STAGES.map((s) => `${s} ${(modes[`${d}d`]![mode]![s]!.wall_ms / 1000).toFixed(1)}s`).join(', ')}\n`);
      await rm(dir, { recursive: true, force: true });
      if (argv.out) await writeFile(argv.out, `${JSON.stringify({ ...out, runs: modes, totals }, null, 2)}\n`); // partial figures survive an abort
    }
  }
  out.runs = modes;
  out.totals = totals;

  // 3. fit and projection: the small local run against a larger one (the last --days, or --fit_run)
  const eDays = (out.days as number[] | undefined) ?? days;
  const [d0, d1] = [eDays[0]!, eDays[eDays.length - 1]!];
  const N = (out.symbols as number | undefined) ?? argv.symbols;
  // the fit: the first --days window against the last one (or --fit_run), local executor
  const small = { n: N, b: d0 * 288, f: modes[`${d0}d`]!.local! };
  let large = { n: N, b: d1 * 288, f: modes[`${d1}d`]?.local ?? small.f };
  if (argv.fit_json) {
    const j = JSON.parse(await readFile(argv.fit_json, 'utf8')) as { symbols: number; days: number[]; runs: typeof modes; queue_overhead_ms_per_shard?: number };
    large = { n: j.symbols, b: j.days[0]! * 288, f: j.runs[`${j.days[0]}d`]![argv.fit_mode]! };
    out.fit_json = { file: argv.fit_json, mode: argv.fit_mode, instruments: large.n, bars: large.b };
    if (j.queue_overhead_ms_per_shard !== undefined) out.queue_overhead_ms_per_shard = j.queue_overhead_ms_per_shard;
  } else if (argv.fit_run) {
    if (!argv.fit_instruments || !argv.fit_bars) throw new Error('--fit_run needs --fit_instruments and --fit_bars');
    large = { n: argv.fit_instruments, b: argv.fit_bars, f: figures(JSON.parse(await readFile(argv.fit_run, 'utf8')) as RunRecord) };
    out.fit_run = { file: argv.fit_run, instruments: argv.fit_instruments, bars: argv.fit_bars, figures: large.f };
  }
  const fit = (y0: number, y1: number, x0: number, x1: number) => {
    const slope = x1 === x0 ? 0 : Math.max(0, (y1 - y0) / (x1 - x0));
    return { a: Math.max(0, y0 - slope * x0), b: slope };
  };
  const model: Record<string, { plan: { a: number; b: number }; shard: { a: number; b: number }; commit: { a: number; b: number } }> = {};
  for (const s of STAGES) {
    const m0 = small.f[s]!;
    const m1 = large.f[s]!;
    model[s] = {
      plan: fit(m0.plan_ms!, m1.plan_ms!, small.n * small.b, large.n * large.b),
      shard: fit(m0.shard_ms_mean!, m1.shard_ms_mean!, small.b, large.b),
      commit: fit(m0.commit_ms!, m1.commit_ms!, small.n * small.b, large.n * large.b),
    };
  }
  out.model = model;
  const bigN = 2000;
  const bigB = 2 * 365 * 1440; // 1m bars, two years
  const q = out.queue_overhead_ms_per_shard as number;
  const projection: Record<string, Record<string, number | string>> = {};
  for (const W of [10, 100, 1000]) {
    const row: Record<string, number | string> = {};
    let worst = { stage: '', serial: 0 };
    let total = 0;
    for (const s of STAGES) {
      const m = model[s]!;
      const serial = m.plan.a + m.plan.b * bigN * bigB + m.commit.a + m.commit.b * bigN * bigB;
      const parallel = Math.ceil(bigN / W) * (m.shard.a + m.shard.b * bigB) + (bigN * q) / Math.min(W, bigN);
      row[`${s}_serial_h`] = Math.round((serial / 3.6e6) * 100) / 100;
      row[`${s}_shards_h`] = Math.round((parallel / 3.6e6) * 100) / 100;
      total += serial + parallel;
      if (serial > worst.serial) worst = { stage: s, serial };
    }
    row.total_h = Math.round((total / 3.6e6) * 100) / 100;
    row.bottleneck = worst.stage;
    projection[`${W} workers`] = row;
    process.stdout.write(`projection ${bigN} instruments x ${bigB} 1m bars on ${W} workers: ${row.total_h} h; serial part largest in ${worst.stage} (${(worst.serial / 3.6e6).toFixed(2)} h)\n`);
  }
  out.projection = projection;
  if (argv.out) await writeFile(argv.out, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} finally {
  await redis?.stop();
  await rm(work, { recursive: true, force: true });
}
