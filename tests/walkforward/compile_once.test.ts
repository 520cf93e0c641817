/**
 * Issue 12: the walk-forward compiles each blueprint's signals once per pass, not once per test window and cost
 * multiplier. BlueprintOnGrid compiles at construction and every run reuses it; the runs must equal runBlueprint
 * compiling from scratch, bit for bit (orders, trades, equity, decisions). The stage's own count is checked end to
 * end on the small strategy lake: one compilation per blueprint in pass 1 plus one per selected blueprint in pass 2,
 * while the engine runs once per (window, multiplier) of each selection. Run `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pairsBlueprint, runBlueprint, type Blueprint, type MarketSlice } from '../../lib/dsl/index.js';
import { trailingDailyVolBps, trailingSum } from '../../lib/engine/index.js';
import { BlueprintOnGrid } from '../../lib/stages/walkforward/grid_run.js';
import type { Grid, InstrumentData } from '../../lib/stages/walkforward/io.js';
import type { WalkforwardSummary } from '../../lib/stages/walkforward/summary.js';
import { scaleCosts } from '../../lib/costs/derive.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import { BTC, DIGEST, ETH, PLAN, costs, randomBars, ruleBp, sliceN } from '../dsl/helpers.js';
import { DAY, START, WF, runNode } from '../helpers/strategy_lake.js';

const N = 1500;

function dataOf(slice: MarketSlice): { grid: Grid; data: InstrumentData[] } {
  const grid: Grid = { ts0: slice.ts_ms[0]!, tfMs: slice.tfMs, n: slice.ts_ms.length, ts_ms: slice.ts_ms };
  const data = slice.instruments.map((key, i): InstrumentData => ({
    key, label: key.symbol, bars: slice.bars[i]!, funding: undefined, tradable: undefined, cut: undefined,
    features: slice.features[i]!, events: slice.events[i]!, first: 0, last: grid.n - 1,
    volume24h: trailingSum(slice.bars[i]!.volume, 288), dailyVolBps: trailingDailyVolBps(slice.bars[i]!.close, 30 * 288, slice.tfMs),
  }));
  return { grid, data };
}

function market(): MarketSlice {
  const rng = Xoshiro128ss.fromSeed(3, 5);
  const ev: [number, number][] = [];
  for (let t = 0; t < N; t++) if (rng.uniform() < 0.04) ev.push([t, rng.uniform() < 0.5 ? 1 : -1]);
  return sliceN([randomBars(N, 11), randomBars(N, 12, 0.004, 50)], { keys: [BTC, ETH], events: [{ ev }, { ev: [] }] });
}

const rule = (): Blueprint => ruleBp({
  indicators: [{ name: 'sma_close_60', kind: 'sma', input: 'close', window: 60 }],
  entries: [{ event: 'ev', when: { feature: 'close', op: '>', other_feature: 'sma_close_60' }, side: 'follow' }],
  exit: { horizon_bars: 12, stop_loss_bps: 60, take_profit_bps: 90 },
}, { sizing: { method: 'vol_target', annual_vol: 0.3, vol_window_bars: 96, max_leverage: 2 } });

describe('BlueprintOnGrid: one compilation, many windows and cost multipliers', () => {
  const c = costs({ impact: { model: 'sqrt', coefficient: 0.5, max_participation: 1 }, slippage_bps: 1 });
  const windows = [[0, N], [200, 500], [500, 800], [900, 1400]] as const;
  const multipliers = [0, 1, 2.5];

  for (const [name, bpOf, keys] of [
    ['rule (indicators, vol_target)', rule, [0]],
    ['pairs', () => pairsBlueprint({ instruments: [BTC, ETH], cost_digest: DIGEST, plan_hash: PLAN, hedge_window_bars: 200, z_window_bars: 100 }), [0, 1]],
  ] as const) {
    test(`${name}: every run equals runBlueprint from scratch`, () => {
      const full = market();
      const bp = bpOf();
      const pick = (xs: readonly unknown[]) => keys.map((k) => xs[k]);
      const { grid, data } = dataOf(full);
      const mine = pick(data) as InstrumentData[];
      const onGrid = new BlueprintOnGrid(bp, mine, grid);
      const slice: MarketSlice = {
        instruments: mine.map((d) => d.key), ts_ms: grid.ts_ms, tfMs: grid.tfMs, bars: mine.map((d) => d.bars),
        features: mine.map((d) => d.features), events: mine.map((d) => d.events), funding: mine.map((d) => d.funding),
        tradable: mine.map((d) => d.tradable), volume24h: mine.map((d) => d.volume24h), dailyVolBps: mine.map((d) => d.dailyVolBps),
      };
      let trades = 0;
      for (const [from, to] of windows) {
        for (const m of multipliers) {
          const cm = scaleCosts(c, m);
          const got = onGrid.run(cm, 1e6, { maxGrossLeverage: 2 }, from, to);
          const want = runBlueprint(bp, slice, cm, { initialCash: 1e6, risk: { maxGrossLeverage: 2 }, from, to, entryFrom: from, entryUntil: to - 2, series: 'equity' });
          expect(got.result.orderLog).toEqual(want.result.orderLog);
          expect(got.result.trades).toEqual(want.result.trades);
          expect(Buffer.from(got.result.equity.buffer).equals(Buffer.from(want.result.equity.buffer))).toBe(true);
          expect(got.decisions).toEqual(want.decisions);
          trades += got.result.trades.length;
        }
      }
      expect(trades).toBeGreaterThan(20); // the runs trade: the comparison is not between empty books
      expect(onGrid.runs).toBe(windows.length * multipliers.length);
    });
  }

  test('prepared signals of another slice are refused', async () => {
    const { prepareSignals } = await import('../../lib/dsl/index.js');
    const bp = rule();
    const a = market();
    const b = market();
    const one: MarketSlice = { ...a, instruments: [a.instruments[0]!], bars: [a.bars[0]!], features: [a.features[0]!], events: [a.events[0]!] };
    const two: MarketSlice = { ...b, instruments: [b.instruments[0]!], bars: [b.bars[0]!], features: [b.features[0]!], events: [b.events[0]!] };
    const prepared = prepareSignals(bp, one);
    expect(() => runBlueprint(bp, two, costs(), { initialCash: 1e6, prepared })).toThrow('the prepared signals were computed for another blueprint or market slice');
  });
});

describe('walk-forward stage: compilations counted', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'quantlab-compile-once-'));
    // 2 symbols x 8 days (the shared 3-day lake's blueprints rarely trade enough to be selected)
    const r = await runNode('orchestrator/run_all.js', [
      '--data_dir', join(work, 'data'), '--allow-synthetic', '--until', 'blueprint',
      '--set', 'ingest.synthetic.n_symbols=2', '--set', `ingest.synthetic.start_ms=${START}`, '--set', `ingest.synthetic.end_ms=${START + 8 * DAY}`,
      '--set', 'ingest.synthetic.planted_edges=default', '--set', 'bridge.scope=all', '--set', 'clean.extra_timeframes=[]',
    ]);
    if (r.exitCode !== 0) throw new Error(`seed pipeline failed:\n${r.stderr}`);
  }, 300_000);
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('one compilation per blueprint and pass; engine runs = selections x windows x multipliers', async () => {
    const dataDir = join(work, 'data');
    const r = await runNode('stages/walkforward.js', ['--data_dir', dataDir, '--spec_dir', join(process.cwd(), 'spec'), '--params_json', JSON.stringify({ ...WF, train_days: 2, test_days: 1, cost_multipliers: [0.5, 2] })]);
    if (r.exitCode !== 0) throw new Error(r.stderr);
    const line = r.stderr.split('\n').find((l) => l.includes('walk-forward signal compilations and engine runs'));
    expect(line).toBeDefined();
    const counts = JSON.parse(line!) as { signal_compilations: number; engine_runs: number };
    const summary = JSON.parse(await readFile(join(dataDir, 'lake', 'walkforward', 'summary.json'), 'utf8')) as WalkforwardSummary;
    const blueprints = summary.blueprints.length;
    const selected = summary.blueprints.filter((b) => b.times_selected > 0);
    const selections = selected.reduce((a, b) => a + b.times_selected, 0);
    expect(blueprints).toBeGreaterThan(1);
    expect(selections).toBeGreaterThan(selected.length); // some blueprint is selected in several windows
    expect(counts.signal_compilations).toBe(blueprints + selected.length);
    expect(counts.engine_runs).toBe(blueprints + selections * 3); // multipliers 0.5, 1, 2
  }, 300_000);
});
