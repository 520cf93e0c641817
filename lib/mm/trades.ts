/**
 * Fill intensity lambda(delta) = A exp(-k delta) estimated from the lake's trades (raw/agg_trades, Binance Vision
 * aggTrades), by the censored maximum likelihood of ./intensity.ts, for the bar backtest and the last-month analysis.
 *
 * The experiment: at every bar open t of the window (the start), a maker would post a bid at m (1 - delta/1e4) and
 * an ask at m (1 + delta/1e4) for each delta of a grid (bps); m, the mid at t, is the midpoint of the last
 * sell-initiated trade (is_buyer_maker = 1: it hit the bid) and the last buy-initiated trade (it lifted the ask) at or
 * before t, both at most one horizon old (else the last trade's price when it is; else the start is skipped: no
 * mid is known). A fill is the first trade strictly *through* the level (below the bid, above the ask: the bar
 * backtest's trade-through rule) within the horizon (one bar); none by then: censored at the horizon. Starts whose
 * horizon leaves the days the lake holds trades for are skipped (a missing day would look like a quiet market).
 * Units: delta in bps of the mid and time in seconds, so A is fills per second and k per bp, the units of the bar
 * backtest's --A and --k; k per price unit is k_per_bp * 1e4 / m at the reference mid (the window's mean mid).
 * Intervals: 95%, cluster-robust by start (intensity.ts: the levels of one start read the same tape).
 */
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { listPartitions, readPartitions, TABLES, type LakeDb } from '../lake/index.js';
import type { InstrumentKey } from '../market.js';
import { fillObservations, fitIntensity, type IntensityFit } from './intensity.js';

export interface MmTrades {
  /** display path of the trades folder (relative to the data dir) */
  file: string;
  ts_ms: Float64Array;
  price: Float64Array;
  is_buyer_maker: Uint8Array;
  /** UTC days ('YYYY-MM-DD') the lake holds trades for, ascending (the partitions read). */
  days: string[];
}

/** The default grid of distances (bps of the mid). */
export const DEFAULT_DELTAS_BPS: readonly number[] = [0.5, 1, 2, 3, 5, 8, 13, 21];

/**
 * The instrument's trades with fromMs <= ts < toMs from raw/agg_trades (read only), or undefined when the lake holds
 * none in the window. Memory: 17 bytes a trade (ts, price, side).
 */
export async function loadMmTrades(db: LakeDb, lakeRoot: string, k: InstrumentKey, range: { fromMs: number; toMs: number }): Promise<MmTrades | undefined> {
  const file = join('lake', TABLES.rawAggTrades.dir, `exchange=${k.exchange}`, `market=${k.market}`, `symbol=${k.symbol}`);
  const fromDay = new Date(range.fromMs).toISOString().slice(0, 10);
  const toDay = new Date(range.toMs - 1).toISOString().slice(0, 10);
  const parts = (await listPartitions(lakeRoot, TABLES.rawAggTrades, { exchange: k.exchange, market: k.market, symbol: k.symbol }))
    .filter((p) => p.keys.day! >= fromDay && p.keys.day! <= toDay);
  if (parts.length === 0) return undefined;
  const c = await readPartitions(db, lakeRoot, TABLES.rawAggTrades, parts, ['ts_ms', 'price', 'is_buyer_maker'], {
    where: `ts_ms >= ${Math.floor(range.fromMs)} AND ts_ms < ${Math.floor(range.toMs)}`,
  });
  if (c.ts_ms!.length === 0) return undefined;
  return { file, ts_ms: c.ts_ms as Float64Array, price: c.price as Float64Array, is_buyer_maker: c.is_buyer_maker as Uint8Array, days: parts.map((p) => p.keys.day!) };
}

export interface IntensityEstimateOptions {
  /** window of starts: fromMs <= t and t + horizon <= toMs */
  fromMs: number;
  toMs: number;
  /** spacing of the starts (the bar) and the horizon of each (one bar unless given) */
  stepMs: number;
  horizonMs?: number;
  deltasBps?: readonly number[];
}

/** What the analysis JSON and the metrics report about an estimate from trades. */
export interface IntensityEstimate {
  source: 'trades';
  method: string;
  window: { from_utc: string; to_utc: string };
  trades: number;
  days_with_trades: number;
  /** starts that gave observations (a start whose horizon runs past the last trade gives none) */
  starts: number;
  starts_skipped_no_mid: number;
  horizon_s: number;
  deltas_bps: number[];
  reference_mid: number;
  deltas_price: number[];
  fills_by_delta: { delta_bps: number; fills: number; quotes: number }[];
  A_per_s: number;
  k_per_bp: number;
  k_per_price: number;
  ci95: { A_per_s: [number, number]; k_per_bp: [number, number]; k_per_price: [number, number] };
  se: { ln_A: number; k_per_bp: number; kind: IntensityFit['se_kind']; model_based: { ln_A: number; k_per_bp: number } };
  observations: number;
  fills: number;
  log_likelihood: number;
  estimation_ms: number;
}

/** The mid at t from the tape (see the file comment), or NaN. `j` = index of the last trade at or before t. */
function midAt(t: MmTrades, j: number, tsMs: number, maxAgeMs: number): number {
  let bid = NaN, ask = NaN;
  for (let i = j; i >= 0 && tsMs - t.ts_ms[i]! <= maxAgeMs && (Number.isNaN(bid) || Number.isNaN(ask)); i--) {
    if (t.is_buyer_maker[i] === 1) { if (Number.isNaN(bid)) bid = t.price[i]!; } else if (Number.isNaN(ask)) ask = t.price[i]!;
  }
  if (!Number.isNaN(bid) && !Number.isNaN(ask)) return (bid + ask) / 2;
  return j >= 0 && tsMs - t.ts_ms[j]! <= maxAgeMs ? t.price[j]! : NaN;
}

/** The censored MLE of (A, k) from the trades of [fromMs, toMs). Throws DataError when it cannot be identified. */
export function estimateIntensityFromTrades(t: MmTrades, o: IntensityEstimateOptions): IntensityEstimate {
  const t0 = performance.now();
  const horizonMs = o.horizonMs ?? o.stepMs;
  const deltas = [...(o.deltasBps ?? DEFAULT_DELTAS_BPS)];
  const days = new Set(t.days);
  const covered = (ms: number) => days.has(new Date(ms).toISOString().slice(0, 10));
  const starts: { ts_ms: number; mid: number }[] = [];
  let skipped = 0;
  let j = -1;
  const first = Math.ceil(o.fromMs / o.stepMs) * o.stepMs;
  for (let s = first; s + horizonMs <= o.toMs; s += o.stepMs) {
    if (!covered(s) || !covered(s + horizonMs - 1)) continue;
    while (j + 1 < t.ts_ms.length && t.ts_ms[j + 1]! <= s) j++;
    const mid = midAt(t, j, s, horizonMs);
    if (Number.isNaN(mid)) { skipped++; continue; }
    starts.push({ ts_ms: s, mid });
  }
  const where = { file: t.file, field: 'ts_ms', value: `${new Date(o.fromMs).toISOString()} .. ${new Date(o.toMs).toISOString()}` };
  if (starts.length < 2) {
    throw new DataError(`${starts.length} start(s) with a known mid in the window: too few trades to estimate the fill intensity`, where, {
      hint: 'ingest aggTrades for the whole window (kinds: ["agg_trades"]), or use the swept assumption (--intensity assumed)',
    });
  }
  const obs = fillObservations(t, starts, deltas, horizonMs, { through: true });
  let fit: IntensityFit;
  try {
    fit = fitIntensity(obs);
  } catch (e) {
    throw new DataError(`fill intensity not identified: ${(e as Error).message}`, where, {
      hint: 'widen the window or change the distance grid (--intensity-deltas-bps) so that fills occur at two or more distances',
      cause: e,
    });
  }
  if (!(fit.k > 0) || !Number.isFinite(fit.A)) {
    throw new DataError(`fill intensity not identified: the estimated k is ${fit.k.toPrecision(4)} /bp (fills do not become rarer with distance on this grid)`, where, {
      hint: 'widen the distance grid (--intensity-deltas-bps) or the window',
    });
  }
  const refMid = starts.reduce((s, x) => s + x.mid, 0) / starts.length;
  const perPrice = 1e4 / refMid;
  return {
    source: 'trades',
    method: 'censored maximum likelihood (lib/mm/intensity.ts): first trade strictly through a level m(1 -+ delta/1e4) posted at each bar open, censored at the horizon; 95% CI cluster-robust by start',
    window: { from_utc: new Date(o.fromMs).toISOString(), to_utc: new Date(o.toMs).toISOString() },
    trades: t.ts_ms.length,
    days_with_trades: t.days.length,
    starts: new Set(obs.map((x) => x.start)).size,
    starts_skipped_no_mid: skipped,
    horizon_s: horizonMs / 1000,
    deltas_bps: deltas,
    reference_mid: refMid,
    deltas_price: deltas.map((d) => (refMid * d) / 1e4),
    fills_by_delta: deltas.map((d) => {
      const at = obs.filter((x) => x.delta_bps === d);
      return { delta_bps: d, fills: at.filter((x) => x.filled).length, quotes: at.length };
    }),
    A_per_s: fit.A,
    k_per_bp: fit.k,
    k_per_price: fit.k * perPrice,
    ci95: {
      A_per_s: fit.ci95.A,
      k_per_bp: fit.ci95.k,
      k_per_price: [fit.ci95.k[0] * perPrice, fit.ci95.k[1] * perPrice],
    },
    se: { ln_A: fit.se_lnA, k_per_bp: fit.se_k, kind: fit.se_kind, model_based: { ln_A: fit.se_model.lnA, k_per_bp: fit.se_model.k } },
    observations: fit.observations,
    fills: fit.fills,
    log_likelihood: fit.log_likelihood,
    estimation_ms: Math.round((performance.now() - t0) * 10) / 10,
  };
}

/** Which (A, k) a run uses and why: the estimate from trades, or the swept assumption on bars. */
export type IntensityChoice =
  | { source: 'trades'; A_per_s: number; k_per_bp: number; estimate: IntensityEstimate }
  | { source: 'assumed'; A_per_s: number; k_per_bp: number; reason: string };

export type IntensityMode = 'auto' | 'trades' | 'assumed';

/**
 * auto: the estimate when the lake holds trades for the window, else the assumption (with the reason); trades: the
 * estimate or a DataError; assumed: the given (A, k), trades not read.
 */
export async function chooseIntensity(
  db: LakeDb, lakeRoot: string, k: InstrumentKey, mode: IntensityMode, assumed: { A: number; k: number }, o: IntensityEstimateOptions,
): Promise<IntensityChoice> {
  const fallback = (reason: string): IntensityChoice => ({ source: 'assumed', A_per_s: assumed.A, k_per_bp: assumed.k, reason });
  if (mode === 'assumed') return fallback('--intensity assumed: (A, k) as given (on bars they cannot be identified from OHLCV)');
  const trades = await loadMmTrades(db, lakeRoot, k, { fromMs: o.fromMs, toMs: o.toMs });
  if (!trades) {
    if (mode === 'trades') {
      throw new DataError('no trades in the lake for the window', { file: join('lake', TABLES.rawAggTrades.dir), field: 'instrument', value: `${k.exchange}/${k.market}/${k.symbol}` }, {
        hint: 'ingest Binance Vision aggTrades first (--set ingest.binance_vision.kinds=["agg_trades"]), or run with --intensity auto|assumed',
      });
    }
    return fallback(`no trades (raw/agg_trades) in the lake for ${k.exchange}/${k.market}/${k.symbol} between ${new Date(o.fromMs).toISOString()} and ${new Date(o.toMs).toISOString()}: (A, k) are the swept assumption on bars`);
  }
  try {
    const e = estimateIntensityFromTrades(trades, o);
    return { source: 'trades', A_per_s: e.A_per_s, k_per_bp: e.k_per_bp, estimate: e };
  } catch (err) {
    if (mode === 'trades' || !(err instanceof DataError)) throw err;
    return fallback(`trades in the lake but no estimate: ${err.message.split('\n')[0]}`);
  }
}

