#!/usr/bin/env node
/**
 * node dist/bench/features_bench.js [--symbols N --bars M] [--real PATH | --skip_real] [--reps K]
 *
 * Figures (never pass/fail) for the features library, as JSON on stdout (progress on stderr):
 * (a) the spec/features set on an in-memory synthetic universe: pass 1 (buildUniverse) + pass 2
 *     (computeInstrumentFeatures per instrument), timed apart from generating the data; by default 15 x 70,000 bars
 *     (1.05M) and 50 x 210,000 (10.5M); --symbols/--bars pick one size;
 * (b) rolling primitives against bare typed-array loops of the same arithmetic (no missing-value handling,
 *     no burn-in bookkeeping, no periodic exact recomputation) on one 1.05M-bar random-walk price series and its
 *     1-bar log returns (variances on raw prices are the worst case: they re-centre most often);
 * (c) the features stage end to end on the real Binance 5m dataset (15 symbols, 1.05M bars): ingest + clean
 *     into a temp lake with the stage executables of this build, then the features stage, timed (wall and its
 *     manifest's duration).
 * A pandas comparison is not made: python3 here has no pandas (and no numpy).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { execa } from 'execa';
import {
  buildUniverse, computeInstrumentFeatures, featureNames, loadFeatureSpecs, logReturn, rollingMax, rollingMoments,
  rollingSum, rollingZscore, type FeatureSet, type InstrumentSeries,
} from '../lib/features/index.js';
import { generateSymbol, resolveSyntheticParams } from '../lib/ingest/synthetic/index.js';
import { PROJECT_ROOT } from '../lib/stage/main.js';
import { realDatasetPath } from './datasets.js';

const argv = yargs(hideBin(process.argv))
  .scriptName('features_bench')
  .option('symbols', { type: 'number', describe: 'synthetic symbols (with --bars: only this size)' })
  .option('bars', { type: 'number', describe: 'bars per synthetic symbol' })
  .option('real', { type: 'string', describe: 'real Binance dataset folder (default: ../shared/data/real/binance-um-perp-5m-2025-01_2025-08)' })
  .option('skip_real', { type: 'boolean', default: false, describe: 'skip the real-data stage run' })
  .option('reps', { type: 'number', default: 5, describe: 'repetitions of each primitive (median reported)' })
  .option('spec_dir', { type: 'string', default: join(PROJECT_ROOT, 'spec'), describe: 'spec root (features/ inside)' })
  .strict()
  .parseSync();

/** The compiled tree this script runs from (dist/ or build-NAME/): its stages are the ones timed. */
const BUILD_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TF_MS = 300_000;
const log = (msg: string) => process.stderr.write(`features_bench: ${msg}\n`);
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const set = await loadFeatureSpecs(join(argv.spec_dir, 'features'));
const sizes = argv.symbols !== undefined || argv.bars !== undefined
  ? [{ symbols: argv.symbols ?? 15, bars: argv.bars ?? 70_000 }]
  : [{ symbols: 15, bars: 70_000 }, { symbols: 50, bars: 210_000 }];

const featureRuns = [];
for (const size of sizes) featureRuns.push(await benchFeatureSet(set, size.symbols, size.bars));
const primitives = benchPrimitives(1_050_000, argv.reps);
const real = argv.skip_real ? { skipped: '--skip_real' } : await benchRealStage(argv.real ?? realDatasetPath(PROJECT_ROOT));

process.stdout.write(`${JSON.stringify({
  machine: { node: process.version, cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', loadavg_end: loadavg().map((x) => round(x, 2)) },
  features: featureNames(set).length,
  feature_set: featureRuns,
  primitives,
  real_stage: real,
  pandas: 'not compared: python3 on this machine has no pandas (nor numpy)',
}, null, 2)}\n`);

/** (a) Both passes over an in-memory synthetic universe; generation time is measured apart. */
async function benchFeatureSet(fs: FeatureSet, nSymbols: number, barsPerSymbol: number) {
  log(`feature set on ${nSymbols} x ${barsPerSymbol} synthetic bars`);
  const start = Date.UTC(2023, 0, 1);
  const p = resolveSyntheticParams({ seed: 7, n_symbols: nSymbols, start_ms: start, end_ms: start + barsPerSymbol * TF_MS, timeframe: '5m' });
  let t = performance.now();
  const series: InstrumentSeries[] = [];
  for (let i = 0; i < nSymbols; i++) {
    const g = generateSymbol(p, i);
    series.push({ key: g.key, timeframe: '5m', bars: g.bars, funding: g.funding, openInterest: g.openInterest, marketCap: g.marketCap });
  }
  const generateMs = performance.now() - t;
  const rssBefore = process.memoryUsage().rss;
  t = performance.now();
  const universe = await buildUniverse(fs, series);
  const pass1Ms = performance.now() - t;
  t = performance.now();
  let values = 0;
  for (const s of series) {
    const cols = computeInstrumentFeatures(fs, s, universe); // dropped after counting: the stage writes them out
    values += Object.keys(cols).length * s.bars.ts_ms.length;
  }
  const pass2Ms = performance.now() - t;
  const bars = nSymbols * barsPerSymbol;
  const totalMs = pass1Ms + pass2Ms;
  return {
    symbols: nSymbols, bars_per_symbol: barsPerSymbol, bars, feature_values: values,
    generate_ms: round(generateMs), pass1_ms: round(pass1Ms), pass2_ms: round(pass2Ms), total_ms: round(totalMs),
    bars_per_s: Math.round(bars / (totalMs / 1000)),
    rss_growth_mb: Math.round((process.memoryUsage().rss - rssBefore) / 2 ** 20),
  };
}

/** (b) Library primitives against bare loops of the same arithmetic; median of `reps` runs after a warm-up. */
function benchPrimitives(len: number, reps: number) {
  log(`rolling primitives on ${len} bars`);
  const x = new Float64Array(len);
  let price = 30_000;
  let s = 12345;
  for (let i = 0; i < len; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    x[i] = price *= 1 + ((s >>> 0) / 4294967296 - 0.5) * 0.004;
  }
  const r = bareLogReturn(x);
  r[0] = 0;
  const n = 288;
  const cases: [string, () => unknown, () => unknown][] = [
    ['rolling_sum_288', () => rollingSum(x, n), () => bareSum(x, n)],
    ['rolling_mean_var_288_returns', () => rollingMoments(r, n), () => bareMoments(r, n)],
    ['rolling_mean_var_288_prices', () => rollingMoments(x, n), () => bareMoments(x, n)],
    ['rolling_zscore_288_excl', () => rollingZscore(x, n, { excludeCurrent: true }), () => bareZscoreExcl(x, n)],
    ['rolling_max_288', () => rollingMax(x, n), () => bareMax(x, n)],
    ['log_return_1', () => logReturn(x, 1), () => bareLogReturn(x)],
  ];
  return cases.map(([name, lib, bare]) => {
    const l = median(timeReps(lib, reps));
    const b = median(timeReps(bare, reps));
    return { name, bars: len, library_ms: round(l, 2), bare_ms: round(b, 2), ratio: round(l / b, 2), library_bars_per_s: Math.round(len / (l / 1000)) };
  });
}

function timeReps(fn: () => unknown, reps: number): number[] {
  fn();
  fn();
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

function bareSum(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    s += x[i]!;
    if (i >= n) s -= x[i - n]!;
    if (i >= n - 1) out[i] = s;
  }
  return out;
}

function bareMoments(x: Float64Array, n: number): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(x.length).fill(NaN);
  const variance = new Float64Array(x.length).fill(NaN);
  const k = x[0]!;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - k;
    s1 += d;
    s2 += d * d;
    if (i >= n) {
      const e = x[i - n]! - k;
      s1 -= e;
      s2 -= e * e;
    }
    if (i >= n - 1) {
      const m = s1 / n;
      mean[i] = k + m;
      variance[i] = s2 / n - m * m;
    }
  }
  return { mean, variance };
}

function bareZscoreExcl(x: Float64Array, n: number): Float64Array {
  const { mean, variance } = bareMoments(x, n);
  const out = new Float64Array(x.length).fill(NaN);
  for (let i = 1; i < x.length; i++) out[i] = (x[i]! - mean[i - 1]!) / Math.sqrt(variance[i - 1]!);
  return out;
}

function bareMax(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  const dq = new Int32Array(x.length);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < x.length; i++) {
    while (tail > head && x[dq[tail - 1]!]! <= x[i]!) tail--;
    dq[tail++] = i;
    if (dq[head]! <= i - n) head++;
    if (i >= n - 1) out[i] = x[dq[head]!]!;
  }
  return out;
}

function bareLogReturn(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  out[0] = NaN;
  for (let i = 1; i < x.length; i++) out[i] = Math.log(x[i]! / x[i - 1]!);
  return out;
}

/** (c) ingest + clean the real dataset into a temp lake, then time the features stage. */
async function benchRealStage(path: string) {
  if (!existsSync(path)) return { skipped: `${path} not found` };
  const work = await mkdtemp(join(tmpdir(), 'quantlab-features-bench-'));
  const dataDir = join(work, 'data');
  const stage = async (name: string, params: object) => {
    const t = performance.now();
    const res = await execa(process.execPath, [join(BUILD_ROOT, 'stages', `${name}.js`), '--data_dir', dataDir, '--spec_dir', argv.spec_dir, '--run_id', `bench-${name}`, '--params_json', JSON.stringify(params)], {
      reject: false, env: { QUANTLAB_LOG_LEVEL: 'info' },
    });
    const wall = performance.now() - t;
    if (res.exitCode !== 0) throw new Error(`${name} exited ${res.exitCode}: ${String(res.stderr).slice(-2000)}`);
    const m = JSON.parse(await readFile(join(dataDir, 'state', 'stages', `${name}.json`), 'utf8')) as {
      duration_ms: number; peak_rss_mb: number; summary: { rows?: Record<string, number>; warnings?: string[] };
    };
    const phases = String(res.stderr).split('\n').filter((l) => l.includes('"msg":"feature timings"')).map((l) => {
      const { level: _l, time: _t, stage: _s, run_id: _r, msg: _m, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    })[0];
    return {
      wall_ms: Math.round(wall), duration_ms: m.duration_ms, peak_rss_mb: m.peak_rss_mb, rows: m.summary.rows ?? {},
      ...(phases ? { phases } : {}), warnings: m.summary.warnings ?? [],
    };
  };
  try {
    log(`real dataset: ingest + clean into ${work}`);
    await stage('ingest', { source: 'binance-vision', binance_vision: { path, market: 'um' } });
    await stage('clean', { timeframe: '5m', extra_timeframes: [] });
    log('real dataset: features stage');
    const features = await stage('features', { timeframe: '5m' });
    const bars = features.rows.features ?? 0;
    return { dataset: path, ...features, bars, bars_per_s: Math.round(bars / (features.duration_ms / 1000)) };
  } catch (e) {
    return { dataset: path, error: e instanceof Error ? e.message : String(e) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
