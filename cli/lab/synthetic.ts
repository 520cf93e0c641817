/**
 * The synthetic bar source of `--allow-synthetic`: the seeded synthetic market of lib/ingest/synthetic (the
 * pipeline's offline dataset), one generated instrument per requested symbol, relabelled with that symbol and
 * exchange `synthetic`. Perpetuals with their generated funding (8 h settlements), so costs are the same as on a
 * real perp.
 */
import { generateSymbol, resolveSyntheticParams } from '../../lib/ingest/synthetic/index.js';
import type { SyntheticSource } from '../../lib/lab/backtest_command.js';
import { fundingSpan } from '../../lib/costs/funding_span.js';
import { timeframeMs } from '../../lib/timeframe.js';

const FUNDING_HOURS = 8;

export const syntheticSource: SyntheticSource = (symbols, tf, startMs, endMs, seed) => {
  const p = resolveSyntheticParams({
    seed, n_symbols: Math.max(2, symbols.length), start_ms: startMs, end_ms: endMs, timeframe: tf,
    exchange: 'synthetic', market: 'um', funding_interval_hours: FUNDING_HOURS,
  }, 'quantlab --allow-synthetic');
  const gen = symbols.map((_, i) => generateSymbol(p, i));
  const ts_ms = gen[0]!.bars.ts_ms;
  return {
    slice: {
      instruments: symbols.map((s) => ({ exchange: 'synthetic', market: 'um' as const, symbol: s })),
      ts_ms, tfMs: timeframeMs(tf),
      bars: gen.map((g) => ({ open: g.bars.open, high: g.bars.high, low: g.bars.low, close: g.bars.close, volume: g.bars.volume })),
      features: symbols.map(() => ({})), events: symbols.map(() => new Map()),
      funding: gen.map((g) => ({ ts_ms: g.funding.ts_ms, rate: g.funding.funding_rate })),
      tradable: gen.map((g) => fundingSpan({ ts_ms: g.funding.ts_ms, interval_hours: new Float64Array(g.funding.ts_ms.length).fill(FUNDING_HOURS) })),
    },
  };
};
