import { describe, expect, test } from '@jest/globals';
import { makeWindows } from '../../lib/walkforward/windows.js';
import { selectOnTrain, statsSharpe, trainStats, trainSharpeFloor } from '../../lib/walkforward/select.js';
import { curveMetrics, dailyReturns, equityReturns } from '../../lib/stats/curve_metrics.js';
import { deflatedSharpe, expectedMaxSharpe, probabilisticSharpe, sharpeRatio } from '../../lib/stats/sharpe.js';
import { kurtosis, skewness } from '../../lib/stats/descriptive.js';
import { DataError } from '../../lib/errors.js';
import { resolveEmbargo } from '../../lib/stages/walkforward/run.js';
import { issuesOf } from '../helpers/spec_errors.js';
import { assertScreenBeforeTest } from '../../lib/stages/walkforward/blueprints.js';

describe('walk-forward windows', () => {
  test('rolling: train slides by the test length, embargo between train and test, remainder unused', () => {
    const p = makeWindows(100, { mode: 'rolling', train_bars: 40, test_bars: 20, embargo_bars: 5 });
    expect(p.windows).toEqual([
      { index: 0, trainStart: 0, trainEnd: 40, testStart: 45, testEnd: 65 },
      { index: 1, trainStart: 20, trainEnd: 60, testStart: 65, testEnd: 85 },
    ]);
    expect(p.unused_bars).toBe(15);
  });

  test('anchored: train always starts at bar 0 and grows; test windows tile the period', () => {
    const p = makeWindows(100, { mode: 'anchored', train_bars: 40, test_bars: 20, embargo_bars: 5 });
    expect(p.windows.map((w) => [w.trainStart, w.trainEnd, w.testStart, w.testEnd])).toEqual([[0, 40, 45, 65], [0, 60, 65, 85]]);
    for (let k = 1; k < p.windows.length; k++) expect(p.windows[k]!.testStart).toBe(p.windows[k - 1]!.testEnd);
  });

  test('min_last_test_bars: the remainder becomes a shorter last test window with whole train and embargo, if long enough', () => {
    // 100 bars: whole windows test [45, 65) and [65, 85); the next one would test [85, 105), so [85, 100) is the remainder
    const p = makeWindows(100, { mode: 'rolling', train_bars: 40, test_bars: 20, embargo_bars: 5, min_last_test_bars: 10 });
    expect(p.windows[2]).toEqual({ index: 2, trainStart: 40, trainEnd: 80, testStart: 85, testEnd: 100 });
    expect(p.unused_bars).toBe(0);
    // 15 bars left is fewer than 16: unused, as without the option
    expect(makeWindows(100, { mode: 'rolling', train_bars: 40, test_bars: 20, embargo_bars: 5, min_last_test_bars: 16 }).unused_bars).toBe(15);
    const a = makeWindows(100, { mode: 'anchored', train_bars: 40, test_bars: 20, embargo_bars: 5, min_last_test_bars: 1 });
    expect(a.windows.map((w) => [w.trainStart, w.trainEnd, w.testStart, w.testEnd])).toEqual([[0, 40, 45, 65], [0, 60, 65, 85], [0, 80, 85, 100]]);
    // overlapping windows (step < test) never get a partial one
    const o = makeWindows(120, { mode: 'rolling', train_bars: 40, test_bars: 20, embargo_bars: 5, step_bars: 10, min_last_test_bars: 1 });
    expect(o.windows.every((w) => w.testEnd - w.testStart === 20)).toBe(true);
    expect(() => makeWindows(100, { mode: 'rolling', train_bars: 40, test_bars: 20, embargo_bars: 5, min_last_test_bars: 0 })).toThrow('min_last_test_bars must be an integer >= 1');
  });

  test('a custom step; no test bar is ever inside or before its own train window', () => {
    const p = makeWindows(500, { mode: 'rolling', train_bars: 100, test_bars: 50, embargo_bars: 12, step_bars: 25 });
    expect(p.windows.length).toBe(Math.floor((500 - 100 - 12 - 50) / 25) + 1);
    for (const w of p.windows) expect(w.testStart - w.trainEnd).toBe(12);
  });

  test('a window longer than the data is an error naming the lengths and the data length', () => {
    const run = () => makeWindows(100, { mode: 'rolling', train_bars: 80, test_bars: 20, embargo_bars: 5 }, 'spec/pipeline.yaml');
    expect(run).toThrow(DataError);
    expect(run).toThrow('walk-forward window longer than the data: train 80 + embargo 5 + test 20 = 105 bars, the data has 100 bars');
  });

  test('non-integer or zero lengths are refused', () => {
    expect(() => makeWindows(100, { mode: 'rolling', train_bars: 0, test_bars: 20, embargo_bars: 0 })).toThrow('train_bars must be an integer >= 1');
    expect(() => makeWindows(100, { mode: 'rolling', train_bars: 10, test_bars: 20, embargo_bars: -1 })).toThrow('embargo_bars must be an integer >= 0');
  });
});

describe('train-only selection', () => {
  const windows = [{ trainStart: 0, trainEnd: 4 }, { trainStart: 4, trainEnd: 8 }];

  test('train statistics read only the train bars and count entries inside them', () => {
    const r = [0.01, -0.01, 0.02, 0, 99, 99, 99, 99];
    const s = trainStats(r, [1, 3, 4, 7], windows);
    expect(s[0]).toEqual({ sum: 0.02, sumsq: 0.01 ** 2 * 2 + 0.02 ** 2, n: 4, trades: 2 });
    expect(s[1]!.trades).toBe(2);
    // Sharpe of [0.01, -0.01, 0.02, 0] computed independently (mean / sample sd * sqrt(ppy))
    expect(statsSharpe(s[0]!, 4)).toBeCloseTo(sharpeRatio([0.01, -0.01, 0.02, 0]) * 2, 12);
  });

  test('ranks eligible candidates by train Sharpe, ties by id, keeps top_k', () => {
    const mk = (mean: number, trades: number) => ({ sum: mean * 10, sumsq: mean * mean * 10 + 9, n: 10, trades });
    const ids = ['b', 'a', 'c', 'd'];
    const stats = [mk(0.5, 10), mk(0.5, 10), mk(2, 1), mk(-1, 10)];
    const { selected, ranked } = selectOnTrain(ids, stats, { top_k: 2, min_train_trades: 5, min_train_sharpe: 0 }, 1);
    expect(ranked.map((r) => r.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(selected).toEqual([1, 0]); // c has too few trades, d a negative Sharpe
  });

  test('trainSharpeFloor: the expected maximum annualised Sharpe of n skill-less candidates over a train window', () => {
    // Independent computation (Python 3 stdlib statistics.NormalDist().inv_cdf, the False Strategy theorem of Bailey &
    // Lopez de Prado 2014 eq. 7: ((1 - g) Z(1 - 1/n) + g Z(1 - 1/(n e))) * sqrt(1 / (days - 1)) * sqrt(365.25)):
    expect(trainSharpeFloor(100, 30)).toBeCloseTo(8.980905230226995, 6);
    expect(trainSharpeFloor(115, 30)).toBeCloseTo(9.154049435270434, 6);
    expect(trainSharpeFloor(10, 14)).toBeCloseTo(8.346285082515115, 6);
    expect(trainSharpeFloor(1, 30)).toBe(0);
    expect(trainSharpeFloor(50, 1)).toBe(0);
  });

  test("train_sharpe_floor 'expected_max': only candidates above the floor of the candidates with enough trades", () => {
    // per-bar Sharpe with ppy = 365.25 bars a year (one bar a day): annualised = mean / sd * sqrt(365.25)
    const mk = (sr: number, trades = 10) => ({ sum: sr * 30, sumsq: 29 + sr * sr * 30, n: 30, trades });
    const srs = [0.2, 0.3, 0.4, 0.5, 0.6, 0.9, 0.05, 0.1];
    const ids = srs.map((_, i) => `bp${i}`);
    const stats = [...srs.map((sr) => mk(sr)), mk(2, 1)]; // the last: too few trades, not counted among the candidates
    const rule = { top_k: 10, min_train_trades: 5, min_train_sharpe: 0, train_sharpe_floor: 'expected_max' as const };
    const { selected, floor } = selectOnTrain([...ids, 'few'], stats, rule, 365.25, 30);
    expect(floor).toBeCloseTo(trainSharpeFloor(8, 30), 12);
    const annual = srs.map((_, i) => statsSharpe(stats[i]!, 365.25));
    expect(selected.sort()).toEqual(annual.map((a, i) => [a, i] as const).filter(([a]) => a > floor).map(([, i]) => i).sort());
    expect(selected.length).toBeGreaterThan(0);
    expect(selected.length).toBeLessThan(srs.length);
    // without the floor every positive one with enough trades is selected
    expect(selectOnTrain([...ids, 'few'], stats, { ...rule, train_sharpe_floor: 'none' }, 365.25, 30).selected.length).toBe(srs.length);
  });

  test('nothing eligible selects nothing (the window stays in cash)', () => {
    const { selected } = selectOnTrain(['x'], [{ sum: -1, sumsq: 1, n: 10, trades: 10 }], { top_k: 3, min_train_trades: 0, min_train_sharpe: 0 }, 1);
    expect(selected).toEqual([]);
  });
});

describe('curve metrics', () => {
  test('equity returns start from the initial capital', () => {
    expect(Array.from(equityReturns([110, 99, 99], 100))).toEqual([0.10000000000000009, -0.09999999999999998, 0]);
  });

  test('daily returns compound the bars of each UTC day', () => {
    const day = 86_400_000;
    const d = dailyReturns([0, day / 2, day, day + 1], [0.1, 0.1, -0.5, 0]);
    expect(Array.from(d.day_ms)).toEqual([0, day]);
    expect(d.returns[0]).toBeCloseTo(0.21, 15);
    expect(d.returns[1]).toBeCloseTo(-0.5, 15);
  });

  test('hit rate, exposure, turnover by hand; PSR/DSR equal lib/stats on the daily series', () => {
    const day = 86_400_000;
    const n = 40;
    const ts = Array.from({ length: n }, (_, t) => t * day / 4); // 4 bars a day, 10 days
    const returns = Array.from({ length: n }, (_, t) => ((t * 7919) % 13 - 5.5) / 1000);
    const equity: number[] = [];
    let e = 1000;
    for (const r of returns) equity.push((e *= 1 + r));
    const gross = Array.from({ length: n }, (_, t) => (t % 4 === 0 ? 0 : 500));
    const traded = Array.from({ length: n }, (_, t) => (t % 10 === 0 ? 1000 : 0));
    const m = curveMetrics({ ts_ms: ts, tfMs: day / 4, returns, equity, gross, traded, tradePnls: [5, -1, 2, -3, 0], barsPerYear: 4 * 365.25 },
      { trials: 100, varianceOfDailySharpes: 0.01 });
    expect(m.hit_rate).toBe(2 / 5); // 0 is not a win
    expect(m.exposure).toBe(30 / 40);
    const meanEq = equity.reduce((a, b) => a + b, 0) / n;
    expect(m.turnover).toBeCloseTo(4000 / meanEq / (n / (4 * 365.25)), 12);
    const daily = dailyReturns(ts, returns).returns;
    expect(daily.length).toBe(10);
    const sr = sharpeRatio(daily);
    expect(m.psr).toBeCloseTo(probabilisticSharpe(sr, 10, skewness(daily), kurtosis(daily), 0), 14);
    expect(m.dsr).toBeCloseTo(deflatedSharpe(sr, 10, skewness(daily), kurtosis(daily), 100, 0.01), 14);
    expect(m.n_trades).toBe(5);
    // MinTRL (Bailey & Lopez de Prado 2012): the days at which the PSR reaches 0.95 with the same moments; NaN when
    // the daily Sharpe does not exceed the benchmark (no length suffices).
    const sr0 = expectedMaxSharpe(100, 0.01);
    for (const [trl, bench] of [[m.min_trl_days, 0], [m.min_trl_sr0_days, sr0]] as const) {
      if (sr > bench) expect(probabilisticSharpe(sr, trl, skewness(daily), kurtosis(daily), bench)).toBeCloseTo(0.95, 12);
      else expect(trl).toBeNaN();
    }
  });
});

describe('embargo as a duration', () => {
  test('embargo converts to bars of the timeframe; embargo_bars counts bars; both given, or not whole bars, is refused', () => {
    expect(resolveEmbargo({ embargo: 'auto' }, '1h')).toBe('auto');
    expect(resolveEmbargo({ embargo: '1d' }, '1h')).toBe(24);
    expect(resolveEmbargo({ embargo: '1d' }, '5m')).toBe(288);
    expect(resolveEmbargo({ embargo: 'auto', embargo_bars: 10 }, '1h')).toBe(10);
    expect(issuesOf(() => resolveEmbargo({ embargo: '1d', embargo_bars: 10 }, '1h'))).toEqual([
      'spec/pipeline.yaml stages.walkforward: give embargo (1d) or embargo_bars (10), not both',
    ]);
    expect(issuesOf(() => resolveEmbargo({ embargo: '30m' }, '1h'))).toEqual([
      'spec/pipeline.yaml stages.walkforward.embargo: 30m is not a whole number of 1h bars (0.5 bars)',
    ]);
  });
});

describe('pairs screen before the first test window (assertScreenBeforeTest)', () => {
  const day = 86_400_000;
  const t0 = Date.UTC(2025, 0, 1);
  const screen = { method: 'correlation', from_ms: t0, to_ms: t0 + 30 * day, screened: 30, chosen: 3, file: 'pairs_screen.json' };

  test('a screen ending at or before the first test bar passes; one that chose no pair is not checked', () => {
    expect(() => assertScreenBeforeTest(screen, t0 + 30 * day)).not.toThrow();
    expect(() => assertScreenBeforeTest(screen, t0 + 32 * day)).not.toThrow();
    expect(() => assertScreenBeforeTest({ ...screen, chosen: 0 }, t0 + 20 * day)).not.toThrow();
  });

  test('a screen reaching into the first test window is a located DataError with the largest screen.days', () => {
    const run = () => assertScreenBeforeTest(screen, t0 + 20 * day);
    expect(run).toThrow(DataError);
    expect(run).toThrow('pairs were chosen on bars up to 2025-01-31T00:00:00.000Z, after the first walk-forward test window starts (2025-01-21T00:00:00.000Z)');
    try { run(); } catch (e) {
      const err = e as DataError;
      expect(err.message).toContain('spec/blueprints.yaml');
      expect(err.message).toContain('screen.days');
      expect(err.hint).toContain('make screen.days at most 20');
    }
  });
});
