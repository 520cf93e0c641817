import { describe, expect, test } from '@jest/globals';
import {
  annualizedVolatility, cagr, calmar, downsideDeviation, drawdownSeries, exposure, hitRate, maxDrawdown, sharpe,
  sharpeRatio, sortino, totalReturn, turnover,
} from '../../lib/stats/index.js';
import { barsPerYear } from '../../lib/timeframe.js';
import { close } from './helpers.js';

// Reference vectors: quantopian/empyrical, empyrical/tests/test_stats.py (class TestStats; stored commit
// 0a9fa5848a3ed519be0f514df9e3a04fb7b37ad3). Inputs are the percent arrays / 100; expected values are copied
// verbatim from the parameterized.expand lists (empyrical asserts them to 8 decimals). empyrical.DAILY = 252,
// WEEKLY = 52, MONTHLY = 12 periods per year.
//
// empyrical's `mixed_returns` is [nan, 1, 10, -4, 2, 3, 2, 1, -10] / 100. empyrical ignores the NaN in means and
// standard deviations (nanmean/nanstd) but treats it as a flat period (return 0) in compounding and counts it in
// the number of periods of annual_return. Our functions never skip NaN, so the caller states which it is:
//   MIXED      = the 8 non-missing returns (for sharpe, volatility, downside, sortino, drawdown);
//   MIXED_FLAT = NaN replaced by 0 (for cagr/calmar, which count 9 periods in empyrical).
// MIXED_FLAT is also exactly empyrical's `weekly_returns` and `monthly_returns` array.
const pct = (xs: number[]): Float64Array => Float64Array.from(xs, (x) => x / 100);
const MIXED = pct([1, 10, -4, 2, 3, 2, 1, -10]);
const MIXED_FLAT = pct([0, 1, 10, -4, 2, 3, 2, 1, -10]);
const SIMPLE_BENCHMARK = pct([0, 1, 0, 1, 0, 1, 0, 1, 0]);
const POSITIVE = pct([1, 2, 1, 1, 1, 1, 1, 1, 1]);
const NEGATIVE = pct([0, -6, -7, -1, -9, -2, -6, -8, -5]);
const ONE = pct([1]);
const EMPTY = new Float64Array(0);
const DAILY = 252;
const WEEKLY = 52;
const MONTHLY = 12;
const TOL = 1e-12;

function expectClose(actual: number, expected: number, tol = TOL): void {
  if (!close(actual, expected, tol)) throw new Error(`expected ${expected}, got ${actual}`);
}

describe('totalReturn (empyrical cum_returns_final)', () => {
  test('empyrical test_cum_returns_final vectors (4 decimals there)', () => {
    expect(totalReturn(MIXED)).toBeCloseTo(0.03893, 4);
    expect(totalReturn(NEGATIVE)).toBeCloseTo(-0.36590, 4);
    expect(totalReturn(ONE)).toBeCloseTo(0.01, 15);
    expect(totalReturn(EMPTY)).toBeNaN();
  });
  test('closed form: 1.01 * 1.10 * 0.96 * 1.02 * 1.03 * 1.02 * 1.01 * 0.90 - 1', () => {
    expectClose(totalReturn(MIXED), 1.01 * 1.10 * 0.96 * 1.02 * 1.03 * 1.02 * 1.01 * 0.90 - 1, 1e-14);
  });
  test('a NaN propagates', () => {
    expect(totalReturn([0.01, NaN])).toBeNaN();
  });
});

describe('cagr (empyrical annual_return)', () => {
  test('empyrical test_annual_ret vectors', () => {
    expectClose(cagr(MIXED_FLAT, DAILY), 1.9135925373194231);
    expectClose(cagr(MIXED_FLAT, WEEKLY), 0.24690830513998208);
    expectClose(cagr(MIXED_FLAT, MONTHLY), 0.052242061386048144);
  });
  test('closed form: growth 1.21 over 2 periods is 21%/yr at 2 periods a year, 10%/yr at 1', () => {
    expectClose(cagr([0.1, 0.1], 2), 0.21, 1e-14);
    expectClose(cagr([0.1, 0.1], 1), 0.1, 1e-14);
  });
  test('ruin gives -1, empty gives NaN, bad periodsPerYear throws', () => {
    expect(cagr([-1, 0.5], 12)).toBe(-1);
    expect(cagr([-1.5, 0.5], 12)).toBe(-1);
    expect(cagr(EMPTY, 12)).toBeNaN();
    expect(() => cagr(MIXED, 0)).toThrow(RangeError);
    expect(() => cagr(MIXED, NaN)).toThrow(RangeError);
  });
});

describe('annualizedVolatility (empyrical annual_volatility)', () => {
  test('empyrical test_annual_volatility vectors', () => {
    expectClose(annualizedVolatility(MIXED, DAILY), 0.9136465399704637);
    expectClose(annualizedVolatility(MIXED_FLAT, WEEKLY), 0.38851569394870583);
    expectClose(annualizedVolatility(MIXED_FLAT, MONTHLY), 0.18663690238892558);
    expect(annualizedVolatility(new Float64Array(1000).fill(0.01), DAILY)).toBe(0); // flat_line_1_tz -> 0.0
    expect(annualizedVolatility(ONE, DAILY)).toBeNaN();
  });
});

describe('sharpe (annualised, empyrical sharpe_ratio)', () => {
  test('empyrical test_sharpe_ratio vectors', () => {
    expectClose(sharpe(MIXED, DAILY), 1.7238613961706866);
    // risk_free = simple_benchmark, aligned on dates: the NaN date of mixed_returns is dropped from both.
    expectClose(sharpe(MIXED, DAILY, SIMPLE_BENCHMARK.subarray(1)), 0.34111411441060574);
    expectClose(sharpe(POSITIVE, DAILY), 52.915026221291804);
    expectClose(sharpe(NEGATIVE, DAILY), -24.406808633910085);
    expect(sharpe(MIXED, DAILY, MIXED)).toBeNaN(); // zero excess, zero sd
    expect(sharpe(ONE, DAILY)).toBeNaN();
    expect(sharpe(EMPTY, DAILY)).toBeNaN();
  });
  test('closed form for positive_returns: mean 10/9 %, sd 1/3 % -> (10/3) sqrt(252)', () => {
    // Values (in %) are eight 1s and one 2: mean 10/9; sum of squared deviations 8 (1/9)^2 + (8/9)^2 = 8/9;
    // sample variance (8/9) / 8 = 1/9, sd 1/3. Annualised Sharpe = (10/9) / (1/3) * sqrt(252) = (10/3) sqrt(252).
    expectClose(sharpe(POSITIVE, DAILY), (10 / 3) * Math.sqrt(252));
  });
  test('a scalar per-period risk-free rate is subtracted from every period', () => {
    const rf = 0.0002;
    expectClose(sharpe(MIXED, DAILY, rf), sharpeRatio(MIXED.map((r) => r - rf)) * Math.sqrt(DAILY));
    expect(() => sharpe(MIXED, DAILY, SIMPLE_BENCHMARK)).toThrow(RangeError);
  });
  test('annualisation uses the timeframe bars per year of a 24/7 market: 5m vs 1h', () => {
    // barsPerYear: 365.25 days * 288 five-minute bars = 105,192; * 24 hourly bars = 8,766 (lib/timeframe.ts).
    expect(barsPerYear('5m')).toBe(365.25 * 288);
    expect(barsPerYear('1h')).toBe(365.25 * 24);
    const s5 = sharpe(MIXED, barsPerYear('5m'));
    const s1h = sharpe(MIXED, barsPerYear('1h'));
    expectClose(s5, sharpeRatio(MIXED) * Math.sqrt(105_192));
    expectClose(s1h, sharpeRatio(MIXED) * Math.sqrt(8_766));
    // Same per-bar returns read as 5m bars instead of 1h bars: 12 times as many bars a year -> sqrt(12) larger.
    expectClose(s5 / s1h, Math.sqrt(12));
    // And not the equity-market 252-day factor.
    expectClose(sharpe(MIXED, barsPerYear('1d')) / sharpe(MIXED, DAILY), Math.sqrt(365.25 / 252));
  });
});

describe('downsideDeviation (empyrical downside_risk)', () => {
  test('empyrical test_downside_risk vectors', () => {
    expectClose(downsideDeviation(MIXED, DAILY, 0), 0.60448325038829653);
    expectClose(downsideDeviation(MIXED, DAILY, 0.1), 1.7161730681956295);
    expectClose(downsideDeviation(MIXED_FLAT, WEEKLY, 0), 0.25888650451930134);
    expectClose(downsideDeviation(MIXED_FLAT, WEEKLY, 0.1), 0.7733045971672482);
    expectClose(downsideDeviation(MIXED_FLAT, MONTHLY, 0), 0.1243650540411842);
    expectClose(downsideDeviation(MIXED_FLAT, MONTHLY, 0.1), 0.37148351242013422);
    expect(downsideDeviation(ONE, DAILY, 0)).toBe(0);
    expect(downsideDeviation(EMPTY, DAILY, 0)).toBeNaN();
  });
  test('closed form: divisor is all n periods', () => {
    // MIXED below 0: -4% and -10%; sqrt((0.04^2 + 0.1^2) / 8) sqrt(252).
    expectClose(downsideDeviation(MIXED, DAILY), Math.sqrt((0.04 ** 2 + 0.1 ** 2) / 8) * Math.sqrt(252), 1e-14);
  });
});

describe('sortino (empyrical sortino_ratio)', () => {
  test('empyrical test_sortino vectors', () => {
    expectClose(sortino(MIXED, DAILY, 0), 2.605531251673693);
    expectClose(sortino(MIXED, DAILY, 0.01), -1.3934779588919977); // required = flat_line_1 (1% every period)
    expectClose(sortino(NEGATIVE, DAILY, 0), -13.532743075043401);
    expect(sortino(POSITIVE, DAILY, 0)).toBe(Infinity);
    expect(sortino(SIMPLE_BENCHMARK, DAILY, 0)).toBe(Infinity);
    expect(sortino(ONE, DAILY, 0)).toBeNaN();
    expect(sortino(EMPTY, DAILY, 0)).toBeNaN();
    expect(sortino(new Float64Array(5), DAILY, 0)).toBeNaN(); // all flat: mean 0, no downside
  });
  test('empyrical weekly/monthly vectors carry its daily downside annualisation; ours is consistent', () => {
    // empyrical's sortino_ratio (quantopian/empyrical, empyrical/stats.py, stored commit 05eb8bf) computes
    // mu / downside_risk(returns, required_return) * ann_factor: the downside
    // risk is called WITHOUT `period`, so it is annualised with sqrt(252) even for weekly or monthly data, while
    // the mean uses 52 or 12. Its published weekly (0.50690062680370862) and monthly (0.11697706772393276)
    // values therefore equal our period-consistent ratio times sqrt(P / 252). We annualise both parts with the
    // same periodsPerYear (the daily vectors above agree because P = 252 there).
    expectClose(sortino(MIXED_FLAT, WEEKLY, 0) * Math.sqrt(WEEKLY / DAILY), 0.50690062680370862);
    expectClose(sortino(MIXED_FLAT, MONTHLY, 0) * Math.sqrt(MONTHLY / DAILY), 0.11697706772393276);
    // Closed form: MIXED_FLAT sums to 5%, 9 periods; losses -4% and -10%.
    const dd = Math.sqrt((0.04 ** 2 + 0.1 ** 2) / 9);
    expectClose(sortino(MIXED_FLAT, WEEKLY, 0), ((0.05 / 9) * 52) / (dd * Math.sqrt(52)));
  });
});

describe('drawdownSeries and maxDrawdown (empyrical max_drawdown)', () => {
  test('empyrical test_max_drawdown vectors', () => {
    expectClose(maxDrawdown(MIXED), -0.1);
    expectClose(maxDrawdown(MIXED_FLAT), -0.1);
    expect(maxDrawdown(POSITIVE)).toBe(0);
    expect(maxDrawdown(SIMPLE_BENCHMARK)).toBe(0);
    expect(maxDrawdown(ONE)).toBe(0);
    expectClose(maxDrawdown(NEGATIVE), -0.36590730349873601);
    expectClose(maxDrawdown(pct([10, -10, 10])), -0.1);
    expect(maxDrawdown(EMPTY)).toBeNaN();
  });
  test('closed form for negative_returns: monotone fall from the starting capital, so mdd = total return', () => {
    expectClose(maxDrawdown(NEGATIVE), totalReturn(NEGATIVE), 1e-14);
  });
  test('drawdown path of mixed_returns (equity from empyrical test_cum_returns)', () => {
    // Equity 1.01, 1.111, 1.06656, 1.0878912, 1.12052794, 1.14293850, 1.15436788, 1.03893109: peak 1.111 until a
    // new high at t = 4. dd_2 = 0.96 - 1, dd_3 = 0.96 * 1.02 - 1 = -0.0208, dd_7 = 0.9 - 1 (the -10% from the high).
    const dd = drawdownSeries(MIXED);
    const expected = [0, 0, -0.04, -0.0208, 0, 0, 0, -0.1];
    expect(dd).toHaveLength(8);
    expected.forEach((e, i) => expectClose(dd[i]!, e, 1e-14));
  });
  test('the starting capital is a peak: a first-period loss is a drawdown', () => {
    const dd = drawdownSeries([-0.1, 0.05, 0.2]);
    expectClose(dd[0]!, -0.1, 1e-15);
    expectClose(dd[1]!, 0.9 * 1.05 - 1, 1e-15);
    expect(dd[2]).toBe(0); // 0.945 * 1.2 = 1.134 > 1: new high
    expect(maxDrawdown([0.01, NaN, 0.02])).toBeNaN();
  });
});

describe('calmar (empyrical calmar_ratio)', () => {
  test('empyrical test_calmar vectors', () => {
    expectClose(calmar(MIXED_FLAT, DAILY), 19.135925373194233);
    expectClose(calmar(MIXED_FLAT, WEEKLY), 2.4690830513998208);
    expectClose(calmar(MIXED_FLAT, MONTHLY), 0.52242061386048144);
    expect(calmar(ONE, DAILY)).toBeNaN(); // no drawdown
    expect(calmar(EMPTY, DAILY)).toBeNaN();
  });
  test('is cagr / |maxDrawdown|', () => {
    expectClose(calmar(MIXED_FLAT, DAILY), cagr(MIXED_FLAT, DAILY) / 0.1);
  });
});

describe('hitRate, exposure, turnover (hand-computed)', () => {
  test('hitRate counts wins among non-zero returns', () => {
    expect(hitRate([0.01, 0, -0.02, 0.03, 0])).toBe(2 / 3);
    expect(hitRate(MIXED)).toBe(6 / 8);
    expect(hitRate(MIXED_FLAT)).toBe(6 / 8); // the flat period is excluded
    expect(hitRate([0, 0])).toBeNaN();
    expect(hitRate([0.01, NaN])).toBeNaN();
  });
  test('exposure is the share of periods with a non-zero position, either sign', () => {
    expect(exposure([0, 1, -0.5, 0])).toBe(0.5);
    expect(exposure([0, 0])).toBe(0);
    expect(exposure(EMPTY)).toBeNaN();
    expect(exposure([1, NaN])).toBeNaN();
  });
  test('turnover = sum |traded| / mean equity / years', () => {
    // 2 years of daily periods (365 a year), 100 traded every day on a constant 1000 equity:
    // 730 * 100 / 1000 / 2 = 36.5 times a year.
    const n = 730;
    expectClose(turnover(new Float64Array(n).fill(100), new Float64Array(n).fill(1000), 365), 36.5, 1e-14);
    // Signs ignored; mean equity (1 + 3) / 2 = 2; sum |traded| = 4; 2 periods at 2 a year = 1 year -> 2.
    expect(turnover([2, -2], [1, 3], 2)).toBe(2);
    // With barsPerYear: one full round trip (buy 1, sell 1) on equity 1 over one day of 5m bars = 2 * 365.25.
    const bars = 288;
    const traded = new Float64Array(bars);
    traded[0] = 1;
    traded[bars - 1] = -1;
    expectClose(turnover(traded, new Float64Array(bars).fill(1), barsPerYear('5m')), 2 * 365.25, 1e-12);
    expect(turnover(EMPTY, EMPTY, 12)).toBeNaN();
    expect(() => turnover([1], [1, 1], 12)).toThrow(RangeError);
  });
});
