/**
 * The bridge: does a discovery survivor's edge survive every cost (docs/research.md "Bridge")? Pure; the stage
 * loads one instrument at a time and calls `bridgeCandidate` per survivor.
 *
 * Per occurrence i (event at bar t, trade sign s, horizon h, notional N in quote currency), all in bps of N:
 *   gross     = s * (P1 / P0 - 1) * 1e4, P0 = open[t+1] (entry), P1 = open[t+1+h] (exit)
 *   fees      = 2 * taker_fee_bps of venues[venue][market]
 *   slippage  = 2 * slippage_bps
 *   impact    = 2 * coefficient * daily_vol_bps * sqrt(Q / V24h)     (sqrt model)
 *             = 2 * coefficient_bps * Q / V24h                          (linear model)
 *               Q = N / P0 (base units); both fills use the estimates known at the close of t:
 *               daily_vol = sample std of the 1-bar log close returns of bars t-B+1..t times sqrt(B),
 *               V24h = base volume summed over bars t-B+1..t (present bars; a gap lowers V24h: conservative),
 *               B = bars per day. Needs bar t-B and at least half of the B returns, else the occurrence is dropped
 *               (`short_history`); a zero V24h is dropped too (`zero_volume`).
 *   funding   = s * sum of funding_rate at settlements T with entry_ts < T <= exit_ts, * 1e4 (perpetuals: longs pay
 *               positive rates, shorts receive them); entry_ts / exit_ts = open times of bars t+1 / t+1+h. Paid on
 *               the entry notional. An occurrence whose hold leaves the span the funding covers (lib/costs/
 *               funding_span.ts: before the first or after the last settlement's interval) is not priced and is
 *               counted (`dropped_funding_span`); a gap inside the span is a DataError, never 0. Spot: 0.
 *   borrow    = spot shorts only: spot_short_bps_per_year * h * tf / year (365.25 days)
 *   net       = gross - fees - slippage - impact - funding - borrow
 * Participation: a fill breaches when Q > max_participation * volume of the bar it fills in (t+1 entry, t+1+h exit;
 * unknown volume counts as a breach). Capacity = median over occurrences of max_participation * quote volume of the
 * entry bar t+1 (close * volume when quote_volume is missing), USD.
 * Net mean with a stationary-bootstrap CI (Politis & Romano 1994; mean block = discovery HAC lag + 1, seed from the
 * candidate id). Reported beside the block used, for review and not used: the Politis & White (2004, corrected 2009)
 * stationary-bootstrap block length of the net series as computed (`pw_block`, unclamped; NaN for fewer than 4
 * trades or a constant series). Turnover: round trips per year = trades / years of bars loaded; notional per year = 2 * N * that.
 * Pass: ci_lo > 0, net mean >= min_net_bps, capacity >= min_capacity_usd (gates in this order).
 */
import { DataError } from '../errors.js';
import { sha256Hex } from '../hash.js';
import type { CostConfig, Market } from '../costs/schema.js';
import { fundingSpan, holdCovered, noFundingError } from '../costs/funding_span.js';
import { bootstrapCI, median, politisWhiteBlockLength, type BootstrapCIOptions } from '../stats/index.js';
import type { Occurrences } from './forward.js';
import type { BridgeGates } from './gates.js';

const BPS = 1e4;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
export const YEAR_MS = 365.25 * DAY_MS;
/** No venue settles funding less often than daily: a longer spacing inside a hold is missing data. */
export const MAX_FUNDING_SPACING_MS = DAY_MS;

/** Cleaned bars of one instrument (complete grid, NaN = missing). */
export interface BridgeBars {
  ts_ms: Float64Array;
  open: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  quote_volume: Float64Array;
}

/** Cleaned funding settlements of one instrument, ts ascending. */
export interface FundingSeries {
  ts_ms: Float64Array;
  funding_rate: Float64Array;
  interval_hours: Float64Array;
}

export interface VenueFees {
  venue: string;
  taker_fee_bps: number;
}

/**
 * The venue whose fees apply to an exchange of the lake: `venueFor[exchange]` when mapped (e.g. the synthetic
 * exchange priced as binance), else the exchange itself. A venue or market the cost config does not price is a
 * DataError naming both and `costsFile`.
 */
export function resolveVenueFees(
  costs: CostConfig, exchange: string, market: string, venueFor: Readonly<Record<string, string>>, costsFile: string,
): VenueFees {
  const venue = venueFor[exchange] ?? exchange;
  const v = costs.venues[venue];
  const mapped = venue === exchange ? '' : ` (exchange ${exchange} mapped by venue_for)`;
  if (!v) {
    throw new DataError(`venue ${venue}${mapped} is not priced in the cost config`, { file: costsFile, field: 'venues', value: venue }, {
      hint: `add venues.${venue} to ${costsFile}, or map the exchange to a priced venue with the bridge param venue_for`,
    });
  }
  const m = v[market as Market];
  if (!m) {
    throw new DataError(`market ${market} of venue ${venue}${mapped} is not priced in the cost config`, {
      file: costsFile, field: `venues.${venue}.${market}`, value: market,
    }, { hint: `add venues.${venue}.${market} (maker_fee_bps, taker_fee_bps) to ${costsFile}` });
  }
  return { venue, taker_fee_bps: m.taker_fee_bps };
}

/** Bootstrap seed of a candidate: the first 48 bits of SHA-256(candidate_id), so reruns give the same CI. */
export function bootstrapSeed(candidateId: string): number {
  return parseInt(sha256Hex(candidateId).slice(0, 12), 16);
}

/** Scratch of trailingDay's returns (grown to the longest day met; the function is synchronous). */
let dayReturns = new Float64Array(0);

/** What trailingDay gives for a bar. */
export type TrailingDay = ReturnType<typeof trailingDay>;

/** Bars per chunk of a `logReturns` array made at a time. */
const LOG_RETURN_CHUNK = 4096;
/**
 * The 1-bar log close returns of bars (r[k] = log(close[k] / close[k - 1])) that trailingDay reads, made a chunk at
 * a time on first use: the candidates of an instrument price overlapping days (~290 returns per event bar), so each
 * log is taken once per bar met, not once per day that contains it. Keyed by the bars object (not changed while
 * priced).
 */
const logReturns = new WeakMap<BridgeBars, { r: Float64Array; made: Uint8Array }>();

function logReturnsOf(bars: BridgeBars, from: number, to: number): Float64Array {
  let lr = logReturns.get(bars);
  if (!lr) {
    const n = bars.close.length;
    lr = { r: new Float64Array(n), made: new Uint8Array(Math.ceil(n / LOG_RETURN_CHUNK)) };
    logReturns.set(bars, lr);
  }
  const { r, made } = lr;
  for (let c = Math.floor(from / LOG_RETURN_CHUNK); c <= Math.floor(to / LOG_RETURN_CHUNK); c++) {
    if (made[c]) continue;
    const close = bars.close;
    const end = Math.min(close.length, (c + 1) * LOG_RETURN_CHUNK);
    for (let k = Math.max(1, c * LOG_RETURN_CHUNK); k < end; k++) r[k] = Math.log(close[k]! / close[k - 1]!);
    made[c] = 1;
  }
  return r;
}

/** Daily vol (fraction, not bps) and base volume over the 24h up to the close of bar t; undefined when unknown. */
export function trailingDay(
  bars: BridgeBars, t: number, barsPerDay: number,
): { dailyVol: number; v24h: number } | 'short_history' | 'zero_volume' {
  const B = barsPerDay;
  if (t - B < 0) return 'short_history';
  let n = 0;
  let sum = 0;
  let v24h = 0;
  if (dayReturns.length < B) dayReturns = new Float64Array(B);
  const r = dayReturns;
  const lr = logReturnsOf(bars, t - B + 1, t);
  for (let k = t - B + 1; k <= t; k++) {
    const v = bars.volume[k]!;
    if (Number.isFinite(v)) v24h += v;
    const ret = lr[k]!;
    if (Number.isFinite(ret)) {
      r[n++] = ret;
      sum += ret;
    }
  }
  if (n < Math.max(2, Math.ceil(B / 2))) return 'short_history';
  if (!(v24h > 0)) return 'zero_volume';
  const mu = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (r[i]! - mu) ** 2;
  return { dailyVol: Math.sqrt(ss / (n - 1)) * Math.sqrt(B), v24h };
}

/** First index with ts > x (ts ascending). */
function upperBound(ts: Float64Array, x: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Sum of funding rates (decimal) at settlements T with entryTs < T <= exitTs. The series must cover the window:
 * a settlement at or before entry (or entry within the first row's interval before it), one after exit (or exit
 * within the last row's interval after it), and no spacing above 24h between them; else DataError naming the
 * instrument, the window and `where.file`. A NaN rate inside the window is a DataError too.
 */
export function fundingSum(f: FundingSeries, entryTs: number, exitTs: number, where: { file: string; instrument: string }): number {
  const n = f.ts_ms.length;
  // the hold as text only when an error needs it (two toISOString per priced trade were a third of the ledgers' time)
  const window = () => `(${new Date(entryTs).toISOString()}, ${new Date(exitTs).toISOString()}]`;
  const fail = (why: string): never => {
    throw new DataError(`${where.instrument}: no funding covering the hold ${window()}: ${why}`, {
      file: where.file, field: 'ts_ms', value: { entry_ts: entryTs, exit_ts: exitTs },
    }, { hint: 'ingest and clean the funding history of this instrument, or disable funding in spec/costs.yaml (funding.enabled: false)' });
  };
  if (n === 0) fail('the instrument has no funding rows');
  const a = upperBound(f.ts_ms, entryTs); // first settlement after entry
  const b = upperBound(f.ts_ms, exitTs); // first settlement after exit
  if (a === 0 && entryTs < f.ts_ms[0]! - f.interval_hours[0]! * HOUR_MS) fail(`the first settlement is at ${new Date(f.ts_ms[0]!).toISOString()}`);
  if (b === n && exitTs >= f.ts_ms[n - 1]! + f.interval_hours[n - 1]! * HOUR_MS) fail(`the last settlement is at ${new Date(f.ts_ms[n - 1]!).toISOString()}`);
  for (let k = Math.max(1, a); k <= Math.min(b, n - 1); k++) {
    const gap = f.ts_ms[k]! - f.ts_ms[k - 1]!;
    if (gap > MAX_FUNDING_SPACING_MS) {
      fail(`settlements ${new Date(f.ts_ms[k - 1]!).toISOString()} and ${new Date(f.ts_ms[k]!).toISOString()} are ${gap / HOUR_MS} h apart`);
    }
  }
  let sum = 0;
  for (let k = a; k < b; k++) {
    const r = f.funding_rate[k]!;
    if (!Number.isFinite(r)) {
      throw new DataError(`${where.instrument}: funding rate missing at ${new Date(f.ts_ms[k]!).toISOString()} inside the hold ${window()}`, {
        file: where.file, field: 'funding_rate', value: r,
      });
    }
    sum += r;
  }
  return sum;
}

/** Per-occurrence ledger of one candidate (bps of notional unless named otherwise). */
export interface TradeLedger {
  t: Int32Array;
  s: Int8Array;
  gross: Float64Array;
  fees: Float64Array;
  slippage: Float64Array;
  impact: Float64Array;
  funding: Float64Array;
  borrow: Float64Array;
  net: Float64Array;
  /** Q / V24h (fraction) */
  participation: Float64Array;
  /** max_participation * entry-bar quote volume, USD */
  capacity_usd: Float64Array;
  /** fills (entry and exit) with Q > max_participation * bar volume */
  breaches: number;
  dropped_short_history: number;
  dropped_zero_volume: number;
  /** occurrences whose hold leaves the span the funding series covers (perpetuals, funding on): not priced */
  dropped_funding_span: number;
}

export interface LedgerInputs {
  bars: BridgeBars;
  tfMs: number;
  occ: Occurrences;
  horizon: number;
  market: string;
  fees: VenueFees;
  costs: CostConfig;
  notional_usd: number;
  /** funding settlements; required for um/cm when costs.funding.enabled */
  funding: FundingSeries | undefined;
  where: { file: string; instrument: string };
  /**
   * trailingDay of these bars by bar index, shared by the candidates of one instrument (many price the same event
   * bars); filled as it goes. Each value is the one trailingDay computes.
   */
  days?: Map<number, TrailingDay>;
}

/** The per-occurrence costs and net returns of one candidate. */
export function tradeLedger(x: LedgerInputs): TradeLedger {
  const { bars, occ, costs, horizon: h } = x;
  const B = Math.round(DAY_MS / x.tfMs);
  if (B < 2) throw new RangeError(`bridge needs at least 2 bars per day for the trailing daily vol; timeframe is ${x.tfMs} ms`);
  const perp = x.market === 'um' || x.market === 'cm';
  if (perp && costs.funding.enabled && !x.funding) {
    throw noFundingError(x.where.instrument, x.where.file);
  }
  const maxPart = costs.impact.max_participation;
  const borrowPerTrade = (costs.borrow.spot_short_bps_per_year * h * x.tfMs) / YEAR_MS;
  const m = occ.t.length;
  const [cT, cS, cGross, cFees, cSlip, cImpact, cFunding, cBorrow, cNet, cPart, cCap] = Array.from({ length: 11 }, () => new Float64Array(m)) as
    [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  let k = 0;
  let breaches = 0;
  let shortHistory = 0;
  let zeroVolume = 0;
  let outsideSpan = 0;
  const span = perp && costs.funding.enabled ? fundingSpan(x.funding!) : undefined;
  for (let i = 0; i < occ.t.length; i++) {
    const t = occ.t[i]!;
    const s = occ.s[i]!;
    let day = x.days?.get(t);
    if (day === undefined) {
      day = trailingDay(bars, t, B);
      x.days?.set(t, day);
    }
    if (day === 'short_history') {
      shortHistory++;
      continue;
    }
    if (day === 'zero_volume') {
      zeroVolume++;
      continue;
    }
    if (span && !holdCovered(span, bars.ts_ms[t + 1]!, bars.ts_ms[t + 1 + h]!)) {
      outsideSpan++;
      continue;
    }
    const p0 = bars.open[t + 1]!;
    const p1 = bars.open[t + 1 + h]!;
    const q = x.notional_usd / p0;
    const part = q / day.v24h;
    const impactSide = costs.impact.model === 'sqrt'
      ? costs.impact.coefficient * day.dailyVol * BPS * Math.sqrt(part)
      : costs.impact.coefficient_bps * part;
    if (!(q <= maxPart * bars.volume[t + 1]!)) breaches++;
    if (!(q <= maxPart * bars.volume[t + 1 + h]!)) breaches++;
    const qv = Number.isFinite(bars.quote_volume[t + 1]!) ? bars.quote_volume[t + 1]! : bars.close[t + 1]! * bars.volume[t + 1]!;
    const gross = s * (p1 / p0 - 1) * BPS;
    const fees = 2 * x.fees.taker_fee_bps;
    const slip = 2 * costs.slippage_bps;
    const impact = 2 * impactSide;
    const funding = perp && costs.funding.enabled
      ? s * fundingSum(x.funding!, bars.ts_ms[t + 1]!, bars.ts_ms[t + 1 + h]!, x.where) * BPS
      : 0;
    const borrow = x.market === 'spot' && s < 0 ? borrowPerTrade : 0;
    const net = gross - fees - slip - impact - funding - borrow;
    cT[k] = t; cS[k] = s; cGross[k] = gross; cFees[k] = fees; cSlip[k] = slip; cImpact[k] = impact;
    cFunding[k] = funding; cBorrow[k] = borrow; cNet[k] = net; cPart[k] = part; cCap[k] = maxPart * qv;
    k++;
  }
  const kept = (c: Float64Array) => c.slice(0, k);
  return {
    t: Int32Array.from(cT.subarray(0, k)),
    s: Int8Array.from(cS.subarray(0, k)),
    gross: kept(cGross), fees: kept(cFees), slippage: kept(cSlip), impact: kept(cImpact), funding: kept(cFunding), borrow: kept(cBorrow), net: kept(cNet),
    participation: kept(cPart), capacity_usd: kept(cCap),
    breaches, dropped_short_history: shortHistory, dropped_zero_volume: zeroVolume, dropped_funding_span: outsideSpan,
  };
}

/** 'discovery' fails first a candidate priced with scope: all that did not survive discovery (it can never pass). */
export const BRIDGE_GATE_ORDER = ['discovery', 'ci_lo', 'min_net_bps', 'min_capacity_usd'] as const;
export type BridgeGateName = (typeof BRIDGE_GATE_ORDER)[number];

export interface BridgeStats {
  n_trades: number;
  dropped_short_history: number;
  dropped_zero_volume: number;
  dropped_funding_span: number;
  gross_bps: number;
  fees_bps: number;
  slippage_bps: number;
  impact_bps: number;
  funding_bps: number;
  borrow_bps: number;
  net_bps: number;
  net_median_bps: number;
  ci_lo_bps: number;
  ci_hi_bps: number;
  ci_level: number;
  bootstrap_block: number;
  /** Politis-White stationary-bootstrap block length of the net series, as computed (not used; NaN if undefined). */
  pw_block: number;
  bootstrap_reps: number;
  bootstrap_seed: number;
  participation_mean: number;
  participation_max: number;
  participation_breaches: number;
  capacity_usd: number;
  round_trips_per_year: number;
  notional_turnover_usd_per_year: number;
  pass: boolean;
  failed_gate: BridgeGateName | '';
  failed_gates: BridgeGateName[];
}

/** The CI of a bridgeBootstrap job (NaN bounds when there is none). */
export function bridgeCI(job: ReturnType<typeof bridgeBootstrap>): { lo: number; hi: number } {
  return job ? bootstrapCI(job.x, job.opts) : { lo: NaN, hi: NaN };
}

function meanOf(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return x.length ? s / x.length : NaN;
}

/**
 * The bootstrap of a candidate's net series that bridgeStats reports (mean block = hacLags + 1, seed from the
 * candidate id, the gates' reps and level); undefined below 2 trades (the CI is then NaN).
 */
export function bridgeBootstrap(
  candidateId: string, ledger: TradeLedger, hacLags: number, g: BridgeGates,
): { x: Float64Array; opts: BootstrapCIOptions } | undefined {
  if (ledger.net.length < 2) return undefined;
  return { x: ledger.net, opts: { meanBlock: hacLags + 1, reps: g.bootstrap_reps, seed: bootstrapSeed(candidateId), level: g.ci_level } };
}

/**
 * Summary and gates of one candidate's ledger. `hacLags` is the discovery HAC lag (mean bootstrap block = lags + 1);
 * `years` the span of the bars loaded for the instrument. `ci`: the CI of `bridgeBootstrap` when it was made
 * elsewhere (the stage shares the bootstraps with worker threads: BootstrapCIPool); made here when omitted.
 */
export function bridgeStats(
  candidateId: string, ledger: TradeLedger, hacLags: number, years: number, g: BridgeGates,
  ci: { lo: number; hi: number } = bridgeCI(bridgeBootstrap(candidateId, ledger, hacLags, g)),
): BridgeStats {
  const n = ledger.net.length;
  const seed = bootstrapSeed(candidateId);
  const block = hacLags + 1;
  const net = meanOf(ledger.net);
  const capacity = n ? median(ledger.capacity_usd) : NaN;
  let pmax = 0;
  for (let i = 0; i < n; i++) pmax = Math.max(pmax, ledger.participation[i]!);
  const failed = failedGates(ci.lo, net, capacity, g);
  const rt = n / years;
  return {
    n_trades: n,
    dropped_short_history: ledger.dropped_short_history,
    dropped_zero_volume: ledger.dropped_zero_volume,
    dropped_funding_span: ledger.dropped_funding_span,
    gross_bps: meanOf(ledger.gross),
    fees_bps: meanOf(ledger.fees),
    slippage_bps: meanOf(ledger.slippage),
    impact_bps: meanOf(ledger.impact),
    funding_bps: meanOf(ledger.funding),
    borrow_bps: meanOf(ledger.borrow),
    net_bps: net,
    net_median_bps: n ? median(ledger.net) : NaN,
    ci_lo_bps: ci.lo,
    ci_hi_bps: ci.hi,
    ci_level: g.ci_level,
    bootstrap_block: block,
    pw_block: politisWhiteBlockLength(ledger.net),
    bootstrap_reps: g.bootstrap_reps,
    bootstrap_seed: seed,
    participation_mean: meanOf(ledger.participation),
    participation_max: n ? pmax : NaN,
    participation_breaches: ledger.breaches,
    capacity_usd: capacity,
    round_trips_per_year: rt,
    notional_turnover_usd_per_year: 2 * g.notional_usd * rt,
    pass: failed.length === 0,
    failed_gate: failed[0] ?? '',
    failed_gates: failed,
  };
}

/** The bridge gates a candidate fails, in BRIDGE_GATE_ORDER (discovery's aside). */
function failedGates(ciLo: number, net: number, capacity: number, g: BridgeGates): BridgeGateName[] {
  const failed: BridgeGateName[] = [];
  if (!(ciLo > 0)) failed.push('ci_lo');
  if (!(net >= g.min_net_bps)) failed.push('min_net_bps');
  if (!(capacity >= g.min_capacity_usd)) failed.push('min_capacity_usd');
  return failed;
}

/**
 * `s` (bridgeStats given a stand-in CI, while the bootstrap is made elsewhere) with the CI of its bridgeBootstrap
 * and the gates that CI decides: the same object bridgeStats makes given that CI.
 */
export function withBridgeCI(s: BridgeStats, ci: { lo: number; hi: number }, g: BridgeGates): BridgeStats {
  const failed = failedGates(ci.lo, s.net_bps, s.capacity_usd, g);
  return { ...s, ci_lo_bps: ci.lo, ci_hi_bps: ci.hi, pass: failed.length === 0, failed_gate: failed[0] ?? '', failed_gates: failed };
}

/** One member's ledger of a pooled candidate with the entry time of each of its trades (ms). */
export interface MemberLedger {
  symbol: string;
  ledger: TradeLedger;
  entry_ts_ms: Float64Array;
}

/**
 * The ledger of a pooled candidate: the trades of every member, each priced on its own instrument (its bars, funding
 * and fees), stacked in entry-time order (ties: members in the given order). `t` keeps each trade's bar index on its
 * own instrument (not comparable across members); `entry_ts_ms` is the merged order's clock. Drop counts add up.
 */
export function mergeLedgers(parts: readonly MemberLedger[]): TradeLedger & { entry_ts_ms: Float64Array } {
  const idx: [number, number][] = [];
  parts.forEach((p, m) => { for (let i = 0; i < p.ledger.net.length; i++) idx.push([m, i]); });
  idx.sort((a, b) => parts[a[0]]!.entry_ts_ms[a[1]]! - parts[b[0]]!.entry_ts_ms[b[1]]! || a[0] - b[0] || a[1] - b[1]);
  const pick = <T extends Float64Array | Int32Array | Int8Array>(get: (l: TradeLedger) => T, make: (n: number) => T): T => {
    const out = make(idx.length);
    idx.forEach(([m, i], k) => { out[k] = get(parts[m]!.ledger)[i]!; });
    return out;
  };
  const f64 = (get: (l: TradeLedger) => Float64Array) => pick(get, (n) => new Float64Array(n));
  const sum = (get: (l: TradeLedger) => number) => parts.reduce((s, p) => s + get(p.ledger), 0);
  return {
    t: pick((l) => l.t, (n) => new Int32Array(n)),
    s: pick((l) => l.s, (n) => new Int8Array(n)),
    gross: f64((l) => l.gross), fees: f64((l) => l.fees), slippage: f64((l) => l.slippage), impact: f64((l) => l.impact),
    funding: f64((l) => l.funding), borrow: f64((l) => l.borrow), net: f64((l) => l.net),
    participation: f64((l) => l.participation), capacity_usd: f64((l) => l.capacity_usd),
    breaches: sum((l) => l.breaches), dropped_short_history: sum((l) => l.dropped_short_history),
    dropped_zero_volume: sum((l) => l.dropped_zero_volume), dropped_funding_span: sum((l) => l.dropped_funding_span),
    entry_ts_ms: Float64Array.from(idx, ([m, i]) => parts[m]!.entry_ts_ms[i]!),
  };
}

/**
 * Bootstrap block (in trades) of a pooled ledger: discovery's Driscoll-Kraay lags are in bars of calendar time, and
 * the stacked trades arrive at `n / span_bars` per bar, so a block spans (lags + 1) bars of trades: the simultaneous
 * and overlapping trades of several members (correlated across the cross-section) stay in one block.
 */
export function pooledBlockTrades(hacLagsBars: number, n: number, entryTs: Float64Array, tfMs: number): number {
  if (n < 2) return 1;
  const spanBars = (entryTs[n - 1]! - entryTs[0]!) / tfMs + 1;
  return Math.max(1, Math.min(n, Math.round(((hacLagsBars + 1) * n) / spanBars)));
}
