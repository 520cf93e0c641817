/**
 * The look-ahead check over the real feature and event libraries with the project's default specs (spec/features,
 * spec/events): 0 leaks on the synthetic market; and a leaky feature planted among them (the default ret_12 read one
 * bar early, i.e. ln(close[t+1]/close[t-11])) is caught, by name, at exactly the bars whose value used the future.
 */
import { describe, test, expect, beforeAll } from '@jest/globals';
import { join } from 'node:path';
import { checkLookahead, type SeriesInput } from '../../lib/lookahead/check.js';
import { loadFeatureSpecs, computeAllFeatures, featureNames, type FeatureSet } from '../../lib/features/index.js';
import { loadEventSpecs, detectEvents, type EventSet } from '../../lib/events/index.js';
import { generateSymbol, resolveSyntheticParams } from '../../lib/ingest/synthetic/index.js';
import { PROJECT_ROOT } from '../../lib/stage/main.js';

const START = Date.UTC(2025, 0, 1);
let features: FeatureSet;
let events: EventSet;
let series: SeriesInput[];

beforeAll(async () => {
  features = await loadFeatureSpecs(join(PROJECT_ROOT, 'spec', 'features'));
  events = await loadEventSpecs(join(PROJECT_ROOT, 'spec', 'events'), new Set(featureNames(features)));
  // 4 symbols x 5 days: 1440 bars each, past the 288-bar burn-in of the longest default windows
  const p = resolveSyntheticParams({ seed: 5, n_symbols: 4, start_ms: START, end_ms: START + 5 * 86_400_000, timeframe: '5m' });
  series = Array.from({ length: 4 }, (_, i) => {
    const g = generateSymbol(p, i);
    return { key: g.key, timeframe: '5m' as const, bars: g.bars, funding: g.funding, openInterest: g.openInterest, marketCap: g.marketCap };
  });
});

describe('look-ahead check on the default specs', () => {
  test('0 leaks in every default feature and event over 30 random cuts', async () => {
    const r = await checkLookahead({
      series, cuts: 30, seed: 11, minBars: 1,
      computeFeatures: (list) => computeAllFeatures(features, list),
      detectEvents: (ts, cols) => detectEvents(events, ts, cols),
    });
    expect(r.features.length).toBeGreaterThanOrEqual(20);
    expect(r.cuts.length).toBe(30);
    expect(r.leaks).toEqual([]);
    expect(r.leak_count).toBe(0);
    expect(r.event_rows_compared).toBeGreaterThan(0);
  });

  test('a planted leaky feature (ret_12 one bar early) is reported, and only it', async () => {
    const r = await checkLookahead({
      series, cuts: 30, seed: 12, minBars: 300,
      computeFeatures: async (list) => {
        const out = await computeAllFeatures(features, list);
        for (const cols of out.values()) {
          const ret = cols.ret_12!;
          const leaky = new Float64Array(ret.length).fill(NaN);
          for (let i = 0; i + 1 < ret.length; i++) leaky[i] = ret[i + 1]!; // value at t uses close[t+1]
          cols.ret_12_leaky = leaky;
        }
        return out;
      },
    });
    expect(Object.keys(r.leaks_by_name)).toEqual(['ret_12_leaky']);
    // exactly one bar per cut and instrument: the last bar before the cut, whose value needs the bar after it
    expect(r.leak_count).toBe(30 * 4);
    for (const l of r.leaks) expect(l.ts_ms).toBe(l.cut_ts_ms);
  });
});
