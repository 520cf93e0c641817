/**
 * Fill intensity from the lake's trades, end to end: trades generated from a known (A, k) process
 * (tests/ingest/binance_vision/agg_trades_fixture.ts) -> Binance Vision aggTrades zips with CHECKSUM -> the ingest
 * executable -> raw/agg_trades -> the censored MLE (lib/mm/intensity.ts through lib/mm/trades.ts), which must
 * recover (A, k) inside its 95% interval; the interval's coverage is checked over seeds (cluster-robust errors:
 * the levels of one start share one tape, so the model-based errors, which take them as independent, are too small).
 * Then the CLIs: mm:backtest and mm:analyze use the estimate when the lake holds trades for the window and say so,
 * and fall back to the swept assumption otherwise, saying why.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { LakeDb } from '../../lib/lake/index.js';
import { estimateIntensityFromTrades, loadMmTrades, type MmTrades } from '../../lib/mm/trades.js';
import { MM_METRICS_SCHEMA, schemaErrors } from '../../lib/mm/schema.js';
import { binanceParams, ingest, put, ROOT, run, zipCsv } from '../bad_input/helpers.js';
import { aggCsv, aggRel, aggZip, checksumOf, generateTrades, type AggRow } from '../ingest/binance_vision/agg_trades_fixture.js';

const A = 0.2; // fills per second at the mid, each side
const K = 0.3; // per bp
const MID = 50_000;
const M1 = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const DELTAS = [0.5, 1, 2, 3, 5, 8];
const day = (i: number) => new Date(T0 + i * DAY).toISOString().slice(0, 10);

function tapeOf(rows: readonly AggRow[], days: string[]): MmTrades {
  return {
    file: 'generated', ts_ms: Float64Array.from(rows, (r) => r.ts), price: Float64Array.from(rows, (r) => Number(r.price)),
    is_buyer_maker: Uint8Array.from(rows, (r) => (r.buyerMaker ? 1 : 0)), days,
  };
}

/**
 * The truth inside the estimate's interval. One deterministic draw per window, several windows per test: each is
 * checked at 99% (|z| < 2.576 with the reported standard errors), the nominal 95% rate over many draws being what
 * the coverage test below checks.
 */
function expectCovers(e: { A_per_s: number; k_per_bp: number; se: { ln_A: number; k_per_bp: number } }): void {
  expect(Math.abs(Math.log(e.A_per_s / A)) / e.se.ln_A).toBeLessThan(2.576);
  expect(Math.abs(e.k_per_bp - K) / e.se.k_per_bp).toBeLessThan(2.576);
}

describe('the estimator on generated tapes (no I/O)', () => {
  test('the 95% intervals (cluster-robust) cover the true A and k at about the nominal rate over 40 seeds', () => {
    let coverA = 0, coverK = 0, modelCoverA = 0;
    for (let s = 0; s < 40; s++) {
      const rows = generateTrades({ A, k: K, mid: MID, barMs: M1, fromMs: T0, toMs: T0 + DAY / 8, seed: 1000 + s });
      const e = estimateIntensityFromTrades(tapeOf(rows, [day(0)]), { fromMs: T0, toMs: T0 + DAY / 8, stepMs: M1, deltasBps: DELTAS });
      expect(e.se.kind).toBe('cluster_robust');
      if (e.ci95.A_per_s[0] <= A && A <= e.ci95.A_per_s[1]) coverA++;
      if (e.ci95.k_per_bp[0] <= K && K <= e.ci95.k_per_bp[1]) coverK++;
      if (Math.abs(Math.log(e.A_per_s / A)) <= 1.959964 * e.se.model_based.ln_A) modelCoverA++;
    }
    // binomial(40, 0.95): P(X < 34) < 1%. Measured with these seeds: A 40, k 36 of 40.
    expect(coverA).toBeGreaterThanOrEqual(34);
    expect(coverK).toBeGreaterThanOrEqual(34);
    // the model-based interval of A, blind to the dependence, covers less often (measured: 35 of 40 with these seeds;
    // 163 of 200 = 82% over 200 seeds of 6-hour tapes, against 187 of 200 for the robust one)
    expect(modelCoverA).toBeLessThan(coverA);
  }, 60_000);
});

describe('trades -> aggTrades zips -> ingest -> lake -> estimate -> mm CLIs', () => {
  let work = '';
  let data = '';
  let rowsAll: AggRow[][] = [];
  const TRADE_DAYS = 4; // days 0..3 have trades; the bars run one day longer (day 4: no trades)

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'quantlab-mm-trades-'));
    const src = join(work, 'src');
    let id = 1;
    for (let d = 0; d <= TRADE_DAYS; d++) {
      const rows = generateTrades({ A, k: K, mid: MID, barMs: M1, fromMs: T0 + d * DAY, toMs: T0 + (d + 1) * DAY, seed: 40 + d, firstId: id });
      id += rows.length;
      rowsAll.push(rows);
      // 1m klines of the same tape (bars for the backtest), every day
      const lines: string[] = [];
      for (let b = 0, i = 0; b < 1440; b++) {
        const s = T0 + d * DAY + b * M1;
        let o = NaN, h = -Infinity, l = Infinity, c = NaN, v = 0;
        for (; i < rows.length && rows[i]!.ts < s + M1; i++) {
          const p = Number(rows[i]!.price);
          if (Number.isNaN(o)) o = p;
          h = Math.max(h, p); l = Math.min(l, p); c = p; v += Number(rows[i]!.qty);
        }
        lines.push([s, o, h, l, c, v.toFixed(3), s + M1 - 1, 0, 0, 0, 0, 0].join(','));
      }
      await put(src, `data/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-${day(d)}.zip`, zipCsv(`BTCUSDT-1m-${day(d)}.csv`, lines.join('\n') + '\n'));
      if (d < TRADE_DAYS) {
        const zip = aggZip('BTCUSDT', day(d), aggCsv(rows));
        await put(src, aggRel('BTCUSDT', day(d)), zip);
        await put(src, `${aggRel('BTCUSDT', day(d))}.CHECKSUM`, checksumOf(zip, `BTCUSDT-aggTrades-${day(d)}.zip`));
      }
    }
    rowsAll = rowsAll.slice(0, TRADE_DAYS);
    data = join(work, 'data');
    const r = await ingest(data, binanceParams(src, { kinds: ['klines', 'agg_trades'] }));
    if (r.exitCode !== 0) throw new Error(r.stderr);
    const c = await run('clean', ['--data_dir', data, '--params_json', JSON.stringify({ timeframe: '1m', extra_timeframes: [] })]);
    if (c.exitCode !== 0) throw new Error(c.stderr);
  }, 240_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('the lake holds every generated trade; the estimate recovers A and k inside its 95% interval, in both units', async () => {
    const db = await LakeDb.open({ threads: 1 });
    let t: MmTrades | undefined;
    try {
      t = await loadMmTrades(db, join(data, 'lake'), { exchange: 'binance', market: 'um', symbol: 'BTCUSDT' }, { fromMs: T0, toMs: T0 + 10 * DAY });
    } finally {
      db.close();
    }
    expect(t!.days).toEqual([0, 1, 2, 3].map(day));
    expect(t!.ts_ms.length).toBe(rowsAll.reduce((s, r) => s + r.length, 0));
    const e = estimateIntensityFromTrades(t!, { fromMs: T0, toMs: T0 + 2 * DAY, stepMs: M1, deltasBps: DELTAS });
    expect(e.starts).toBe(2 * 1440);
    expect(e.starts_skipped_no_mid).toBe(0);
    expect(e.reference_mid).toBe(MID);
    expectCovers(e);
    // the reported 95% interval is the estimate -+ 1.96 standard errors (A on the log scale)
    expect(e.ci95.k_per_bp[1] - e.k_per_bp).toBeCloseTo(1.959964 * e.se.k_per_bp, 12);
    expect(Math.log(e.ci95.A_per_s[1] / e.A_per_s)).toBeCloseTo(1.959964 * e.se.ln_A, 12);
    // precise enough to matter: the relative standard errors from 2 days of 1m starts
    expect(e.se.k_per_bp / K).toBeLessThan(0.03);
    expect(e.se.ln_A).toBeLessThan(0.05);
    // units: k per price unit = k per bp * 1e4 / mid; the grid in price at the reference mid
    expect(e.k_per_price).toBeCloseTo((e.k_per_bp * 1e4) / MID, 12);
    expect(e.deltas_price).toEqual(DELTAS.map((d) => (MID * d) / 1e4));
    expect(e.fills_by_delta.map((f) => f.quotes)).toEqual(DELTAS.map(() => 2 * e.starts));
  }, 60_000);

  async function mm(script: string, args: string[]) {
    const r = await execa('node', [join(ROOT, 'dist', 'cli', 'mm', script), '--data_dir', data, '--exchange', 'binance', '--market', 'um', '--symbol', 'BTCUSDT', '--timeframe', '1m', '--vol-window', '30', ...args], {
      reject: false, cwd: ROOT, env: { QUANTLAB_LOG_FORMAT: 'json' }, extendEnv: false,
    });
    return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  test('mm:backtest on days with trades quotes with the estimate and reports it with its interval in the metrics', async () => {
    const r = await mm('backtest.js', ['--from', day(1), '--to', day(3), '--run_id', 'tr1']);
    if (r.code !== 0) throw new Error(r.stderr);
    const m = JSON.parse(readFileSync(join(data, 'artifacts', 'tr1_metrics.json'), 'utf8'));
    expect(schemaErrors(MM_METRICS_SCHEMA, m)).toEqual([]);
    expect(m.intensity.source).toBe('trades');
    expect(m.params.k).toBe(m.intensity.k_per_bp);
    expect(m.params.A).toBe(m.intensity.A_per_s);
    expectCovers(m.intensity.estimate);
    expect(m.intensity.estimate.window).toEqual({ from_utc: `${day(1)}T00:00:00.000Z`, to_utc: `${day(3)}T00:00:00.000Z` });
    expect(m.not_modelled.join(' ')).toContain('estimated from trades');
  }, 60_000);

  test('mm:backtest on a day without trades falls back to the assumed (A, k) and says why; --intensity trades refuses it', async () => {
    const r = await mm('backtest.js', ['--from', day(4), '--to', day(5), '--run_id', 'tr2', '--k', '0.15', '--A', '0.07']);
    if (r.code !== 0) throw new Error(r.stderr);
    const m = JSON.parse(readFileSync(join(data, 'artifacts', 'tr2_metrics.json'), 'utf8'));
    expect(m.intensity).toMatchObject({ source: 'assumed', A_per_s: 0.07, k_per_bp: 0.15, estimate: null });
    expect(m.intensity.note).toContain('no trades (raw/agg_trades) in the lake for binance/um/BTCUSDT');
    const strict = await mm('backtest.js', ['--from', day(4), '--to', day(5), '--run_id', 'tr3', '--intensity', 'trades']);
    expect(strict.code).toBe(3);
    expect(strict.stderr).toContain('no trades in the lake for the window');
  }, 60_000);

  test('mm:analyze estimates (A, k) on the train part only and sweeps gamma and inventory with k fixed at the estimate', async () => {
    // bars of days 0..4; the last 3 days: train = days 2..3 (trades), test = day 4
    const r = await mm('analyze.js', ['--days', '3', '--max-combinations', '4', '--run_id', 'an1', '--min-fills', '1']);
    if (r.code !== 0) throw new Error(r.stderr);
    const a = JSON.parse(readFileSync(join(data, 'artifacts', 'last_month_analysis', 'an1_analysis.json'), 'utf8'));
    expect(a.intensity.source).toBe('trades');
    expect(a.intensity.fitted_on).toBe('train part only');
    expect(a.intensity.estimate.window).toEqual({ from_utc: `${day(2)}T00:00:00.000Z`, to_utc: `${day(4)}T00:00:00.000Z` });
    expect(a.sweep.grid.k).toEqual([a.intensity.k_per_bp]);
    expect(a.chosen.k).toBe(a.intensity.k_per_bp);
    expect(a.chosen.A).toBe(a.intensity.A_per_s);
    expectCovers(a.intensity.estimate);
    const assumed = await mm('analyze.js', ['--days', '3', '--max-combinations', '4', '--run_id', 'an2', '--intensity', 'assumed']);
    if (assumed.code !== 0) throw new Error(assumed.stderr);
    const b = JSON.parse(readFileSync(join(data, 'artifacts', 'last_month_analysis', 'an2_analysis.json'), 'utf8'));
    expect(b.intensity).toMatchObject({ source: 'assumed', k_swept: true, k_per_bp_swept: [0.05, 0.1, 0.2] });
  }, 120_000);
});
