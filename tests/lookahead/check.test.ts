/**
 * The look-ahead checker catches what it must and nothing else: on a causal feature it reports 0 leaks; a planted
 * leak (a centered window, a full-sample normalisation, a funding as-of join one bar early) is reported with the
 * feature's name and the bar whose value changed.
 */
import { describe, test, expect } from '@jest/globals';
import { checkLookahead, truncateSeries, type SeriesInput, type ComputeFeatures } from '../../lib/lookahead/check.js';
import { generateSymbol, resolveSyntheticParams } from '../../lib/ingest/synthetic/index.js';

const p = resolveSyntheticParams({ seed: 3, n_symbols: 2, start_ms: Date.UTC(2025, 0, 1), end_ms: Date.UTC(2025, 0, 4), timeframe: '5m' });
const series: SeriesInput[] = [0, 1].map((i) => {
  const g = generateSymbol(p, i);
  return { key: g.key, timeframe: '5m', bars: g.bars, funding: g.funding, openInterest: g.openInterest, marketCap: g.marketCap };
});

/** A causal trailing mean of close over n bars, NaN during burn-in. */
function trailingMean(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  for (let i = n - 1; i < x.length; i++) {
    let s = 0;
    for (let j = i - n + 1; j <= i; j++) s += x[j]!;
    out[i] = s / n;
  }
  return out;
}

/** Wrap a per-instrument feature function into the checker's compute signature. */
function perInstrument(f: (s: SeriesInput) => Record<string, Float64Array>): ComputeFeatures {
  return async (list) => new Map(list.map((s) => [`${s.key.exchange}/${s.key.market}/${s.key.symbol}`, f(s)]));
}

/** Last funding rate with settlement time <= close of bar t (ts + 5m), or with an off-by-one-bar error. */
function fundingAsOf(s: SeriesInput, extraMs: number): Float64Array {
  const out = new Float64Array(s.bars.ts_ms.length).fill(NaN);
  const f = s.funding!;
  let j = -1;
  for (let i = 0; i < out.length; i++) {
    const known = s.bars.ts_ms[i]! + 300_000 + extraMs;
    while (j + 1 < f.ts_ms.length && f.ts_ms[j + 1]! <= known) j++;
    if (j >= 0) out[i] = f.funding_rate[j]!;
  }
  return out;
}

describe('checkLookahead', () => {
  test('a causal feature, a causal as-of join and a cross-sectional mean: 0 leaks', async () => {
    const compute: ComputeFeatures = async (list) => {
      // cross-sectional: mean close over instruments at each bar (same grid), a causal aggregate
      const n = Math.max(...list.map((s) => s.bars.ts_ms.length));
      const xs = new Float64Array(n);
      for (const s of list) for (let i = 0; i < s.bars.close.length; i++) xs[i]! += s.bars.close[i]! / list.length;
      return new Map(list.map((s) => [`${s.key.exchange}/${s.key.market}/${s.key.symbol}`,
        { ma_12: trailingMean(s.bars.close, 12), funding: fundingAsOf(s, 0), xs_mean: xs.slice(0, s.bars.ts_ms.length) }]));
    };
    const r = await checkLookahead({ series, computeFeatures: compute, cuts: 25, seed: 1, minBars: 20 });
    expect(r.cuts.length).toBe(25);
    expect(r.leak_count).toBe(0);
    expect(r.features).toEqual(['funding', 'ma_12', 'xs_mean']);
    expect(r.values_compared).toBeGreaterThan(25 * 2 * 3 * 20);
  });

  test('a centered window leaks at the bars just before each cut', async () => {
    const compute = perInstrument((s) => {
      const m = trailingMean(s.bars.close, 5);
      const centered = new Float64Array(m.length).fill(NaN);
      for (let i = 0; i + 2 < m.length; i++) centered[i] = m[i + 2]!; // mean of t-2..t+2
      return { centered_5: centered };
    });
    const r = await checkLookahead({ series, computeFeatures: compute, cuts: 10, seed: 2, minBars: 20 });
    expect(r.leak_count).toBeGreaterThan(0);
    expect(Object.keys(r.leaks_by_name)).toEqual(['centered_5']);
    // the leaking bars are exactly the last two before each cut (their windows reach past it)
    for (const l of r.leaks) expect(l.cut_ts_ms - l.ts_ms).toBeLessThanOrEqual(300_000);
    expect(r.leak_count).toBe(10 * 2 * 2);
  });

  test('a full-sample z-score leaks everywhere before the cut', async () => {
    const compute = perInstrument((s) => {
      let m = 0;
      for (const x of s.bars.close) m += x / s.bars.close.length;
      return { demeaned: s.bars.close.map((x) => x - m) };
    });
    const r = await checkLookahead({ series, computeFeatures: compute, cuts: 3, seed: 3, minBars: 20 });
    expect(r.leaks_by_name.demeaned).toBeGreaterThan(3 * 2 * 20);
  });

  test('a funding as-of join that peeks one bar ahead leaks at the bar before each settlement', async () => {
    const compute = perInstrument((s) => ({ funding_early: fundingAsOf(s, 300_000) }));
    const r = await checkLookahead({ series, computeFeatures: compute, cuts: 2000, seed: 4, minBars: 0, maxLeaks: 1000 /* every bar is a cut */ });
    expect(r.leak_count).toBeGreaterThan(0);
    // the leaking bar closes 5 minutes before a settlement: (ts + 10m) is a whole multiple of the 8h schedule
    for (const l of r.leaks) expect((l.ts_ms + 600_000) % (8 * 3600_000)).toBe(0);
  });

  test('events that use a later bar are reported as event leaks', async () => {
    const compute = perInstrument((s) => ({ close: s.bars.close }));
    const detect = (ts: Float64Array, f: Record<string, Float64Array>) => {
      const out = { ts_ms: [] as number[], event: [] as string[], direction: [] as number[], attributes: [] as string[] };
      const c = f.close!;
      for (let i = 0; i < ts.length; i++) {
        // peeks at the next bar: "fires if the next close is higher"; at the last bar of a truncated history it cannot
        const next = c[i + 1];
        if (next !== undefined && next > c[i]! * 1.002) {
          out.ts_ms.push(ts[i]!), out.event.push('peek'), out.direction.push(1), out.attributes.push('{}');
        }
      }
      return { ...out, ts_ms: Float64Array.from(out.ts_ms) };
    };
    const r = await checkLookahead({ series, computeFeatures: compute, detectEvents: detect, cuts: 2000, seed: 5 });
    expect(r.leaks_by_name['event:peek']).toBeGreaterThan(0);
    expect(r.leaks.every((l) => l.kind === 'event' && l.ts_ms === l.cut_ts_ms && l.truncated === 'absent')).toBe(true);
  });
});

describe('truncateSeries', () => {
  test('keeps bars opening at or before the cut and observations known by its close', () => {
    const s = series[0]!;
    const cut = s.bars.ts_ms[100]!;
    const t = truncateSeries(s, cut);
    expect(t.bars.ts_ms.length).toBe(101);
    expect(t.bars.close[100]).toBe(s.bars.close[100]);
    const f = t.funding!;
    expect(f.ts_ms.every((x) => x <= cut + 300_000)).toBe(true);
    const nextKnown = s.funding!.ts_ms.find((x) => x > cut + 300_000);
    expect(f.ts_ms.length).toBe(s.funding!.ts_ms.filter((x) => x <= cut + 300_000).length);
    expect(nextKnown === undefined || nextKnown > cut + 300_000).toBe(true);
  });
});
