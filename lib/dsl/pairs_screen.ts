/**
 * Pairs chosen from the data: a screen of every pair inside a liquidity (and/or sector) bucket, on bars
 * [from, until) of the series only, so that the caller can keep it strictly before any out-of-sample bar.
 *
 * - Liquidity: the median over UTC days of the daily quote volume (sum of close x volume of the day's bars) in the
 *   screen period; instruments ranked by it (descending, ties by id) and cut into `liquidity_buckets` equal-count
 *   groups (terciles by default): bucket k holds ranks r with floor(r k / n) = k.
 * - Sector: `sectors[symbol]`; an instrument without one is left out of a sector screen (listed in `excluded`).
 * - A pair is two instruments of the same bucket with different symbols (a spot and a perpetual of one coin is a
 *   basis trade, not a pair). A is the more liquid one (traded against a hedge of B).
 * - Tested on the bars where both closes are finite (at least `min_coverage` of the period's bars, else excluded):
 *   engle_granger: `engleGranger(ln A, ln B)` (lib/stats: OLS of the log prices, ADF of the residuals, AIC lags,
 *   MacKinnon p-value), kept when p <= max_p_value, ranked by p; correlation: Pearson correlation of the two 1-bar
 *   log returns (bars where both are defined), kept when >= min_correlation, ranked by it descending. Both
 *   statistics are reported for every pair; the first `max_pairs` kept pairs (ties by A then B) are chosen.
 *
 * Every screened pair is a hypothesis that was tried: the caller counts them all as trials.
 */
import { engleGranger } from '../stats/cointegration.js';
import { median } from '../stats/descriptive.js';

export const SCREEN_METHODS = ['engle_granger', 'correlation'] as const;
export type ScreenMethod = (typeof SCREEN_METHODS)[number];
export const SCREEN_BUCKETS = ['liquidity', 'sector'] as const;
export type ScreenBucket = (typeof SCREEN_BUCKETS)[number];

export interface PairsScreenConfig {
  method: ScreenMethod;
  /** Length of the screen period (days from the first bar of the data); the caller converts it to bars. */
  days: number;
  buckets: ScreenBucket[];
  liquidity_buckets: number;
  sectors: Record<string, string>;
  max_pairs: number;
  max_p_value: number;
  min_correlation: number;
  /** Share of the screen period's bars both closes must have. */
  min_coverage: number;
}

export const PAIRS_SCREEN_DEFAULTS: PairsScreenConfig = {
  method: 'correlation',
  days: 14,
  buckets: ['liquidity'],
  liquidity_buckets: 3,
  sectors: {},
  max_pairs: 4,
  max_p_value: 0.05,
  min_correlation: 0.6,
  min_coverage: 0.8,
};

export interface ScreenInstrument {
  /** exchange/market/symbol */
  id: string;
  symbol: string;
  /** Aligned to the caller's bar grid `ts_ms` (NaN: no bar). */
  close: Float64Array;
  volume: Float64Array;
}

export interface ScreenedPair {
  a: string;
  b: string;
  bucket: string;
  /** Bars where both closes are finite. */
  n: number;
  correlation: number;
  eg_statistic: number;
  eg_p_value: number;
  eg_beta: number;
  eg_lags: number;
  /** Passes the method's threshold. */
  kept: boolean;
  chosen: boolean;
}

export interface PairsScreenResult {
  method: ScreenMethod;
  /** Bars of the screen period, [from, until) of the grid. */
  from: number;
  until: number;
  /** Median daily quote volume and bucket per instrument screened. */
  instruments: { id: string; median_daily_quote_volume: number; bucket: string }[];
  /** Instruments left out, with the reason. */
  excluded: { id: string; reason: string }[];
  /** Every pair tested, in test order (bucket, then A, then B). */
  pairs: ScreenedPair[];
  /** The chosen pairs [A, B] (instrument ids), best first. */
  chosen: [string, string][];
}

const DAY_MS = 86_400_000;

export function screenPairs(
  ts_ms: Float64Array, instruments: readonly ScreenInstrument[], from: number, until: number, cfg: PairsScreenConfig,
): PairsScreenResult {
  if (!(Number.isInteger(from) && Number.isInteger(until) && from >= 0 && until <= ts_ms.length && until > from)) {
    throw new RangeError(`screenPairs: bad screen range [${from}, ${until}) over ${ts_ms.length} bars`);
  }
  const span = until - from;
  const excluded: { id: string; reason: string }[] = [];
  const liq: { id: string; v: number; inst: ScreenInstrument }[] = [];
  for (const inst of instruments) {
    let bars = 0;
    for (let t = from; t < until; t++) if (inst.close[t]! > 0) bars++;
    if (bars < cfg.min_coverage * span) {
      excluded.push({ id: inst.id, reason: `${bars} of the ${span} screen-period bars (coverage below ${cfg.min_coverage})` });
      continue;
    }
    if (cfg.buckets.includes('sector') && cfg.sectors[inst.symbol] === undefined) {
      excluded.push({ id: inst.id, reason: `no sector for ${inst.symbol} in screen.sectors` });
      continue;
    }
    liq.push({ id: inst.id, v: medianDailyQuoteVolume(ts_ms, inst, from, until), inst });
  }
  liq.sort((x, y) => (y.v - x.v) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const nb = cfg.buckets.includes('liquidity') ? cfg.liquidity_buckets : 1;
  const bucketOf = new Map<string, string>();
  liq.forEach((x, r) => {
    const parts: string[] = [];
    if (cfg.buckets.includes('sector')) parts.push(`sector ${cfg.sectors[x.inst.symbol]}`);
    if (cfg.buckets.includes('liquidity')) parts.push(`liquidity ${Math.floor((r * nb) / liq.length) + 1}/${nb}`);
    bucketOf.set(x.id, parts.length ? parts.join(', ') : 'all');
  });
  const pairs: ScreenedPair[] = [];
  for (let i = 0; i < liq.length; i++) {
    for (let j = i + 1; j < liq.length; j++) {
      const A = liq[i]!, B = liq[j]!;
      const bucket = bucketOf.get(A.id)!;
      if (bucketOf.get(B.id) !== bucket || A.inst.symbol === B.inst.symbol) continue;
      pairs.push(testPair(A.inst, B.inst, bucket, from, until, span, cfg));
    }
  }
  pairs.sort((x, y) => cmp(x.bucket, y.bucket) || cmp(x.a, y.a) || cmp(x.b, y.b));
  const kept = pairs.filter((p) => p.kept);
  kept.sort((x, y) => (cfg.method === 'engle_granger' ? x.eg_p_value - y.eg_p_value : y.correlation - x.correlation) || cmp(x.a, y.a) || cmp(x.b, y.b));
  const chosen = kept.slice(0, cfg.max_pairs);
  for (const p of chosen) p.chosen = true;
  return {
    method: cfg.method, from, until,
    instruments: liq.map((x) => ({ id: x.id, median_daily_quote_volume: x.v, bucket: bucketOf.get(x.id)! })),
    excluded, pairs, chosen: chosen.map((p) => [p.a, p.b]),
  };
}

function testPair(
  A: ScreenInstrument, B: ScreenInstrument, bucket: string, from: number, until: number, span: number, cfg: PairsScreenConfig,
): ScreenedPair {
  const la: number[] = [];
  const lb: number[] = [];
  let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, m = 0;
  for (let t = from; t < until; t++) {
    const a = A.close[t]!, b = B.close[t]!;
    if (!(a > 0 && b > 0)) continue;
    la.push(Math.log(a));
    lb.push(Math.log(b));
    if (t > from) {
      const a0 = A.close[t - 1]!, b0 = B.close[t - 1]!;
      if (a0 > 0 && b0 > 0) {
        const x = Math.log(a / a0), y = Math.log(b / b0);
        sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y; m++;
      }
    }
  }
  const vx = sxx - (sx * sx) / m, vy = syy - (sy * sy) / m;
  const correlation = m > 2 && vx > 0 && vy > 0 ? (sxy - (sx * sy) / m) / Math.sqrt(vx * vy) : NaN;
  const base = { a: A.id, b: B.id, bucket, n: la.length, correlation, chosen: false };
  if (la.length < cfg.min_coverage * span) {
    return { ...base, eg_statistic: NaN, eg_p_value: NaN, eg_beta: NaN, eg_lags: 0, kept: false };
  }
  const eg = engleGranger(la, lb);
  const kept = cfg.method === 'engle_granger' ? eg.pValue <= cfg.max_p_value : correlation >= cfg.min_correlation;
  return { ...base, eg_statistic: eg.statistic, eg_p_value: eg.pValue, eg_beta: eg.beta, eg_lags: eg.lags, kept };
}

/**
 * Trials the screen adds beyond the blueprints it compiled: every tested pair not chosen, times the variants per
 * pair of the template grid (the product of the numbers of values; 1 without a grid).
 */
export function screenedOutTrials(result: Pick<PairsScreenResult, 'pairs' | 'chosen'>, grid: Record<string, readonly unknown[]> | undefined): number {
  const perPair = Object.values(grid ?? {}).reduce((n, v) => n * v.length, 1);
  return (result.pairs.length - result.chosen.length) * perPair;
}

/** Median over UTC days of sum(close x volume) of the day's bars in [from, until) (days without a bar skipped). */
function medianDailyQuoteVolume(ts_ms: Float64Array, inst: ScreenInstrument, from: number, until: number): number {
  const days: number[] = [];
  let day = NaN;
  let sum = 0;
  let any = false;
  for (let t = from; t < until; t++) {
    const d = Math.floor(ts_ms[t]! / DAY_MS);
    if (d !== day) {
      if (any) days.push(sum);
      day = d; sum = 0; any = false;
    }
    const q = inst.close[t]! * inst.volume[t]!;
    if (q >= 0) { sum += q; any = true; }
  }
  if (any) days.push(sum);
  return days.length ? median(days) : 0;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
