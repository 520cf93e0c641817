/**
 * A return series for every plan candidate, so that the clustered DSR (lib/walkforward/deflation.ts) can cluster
 * each candidate with the trials it duplicates instead of counting it as one more independent trial.
 *
 * A candidate's trial is its own claim traded as stated, gross of costs: at every occurrence t that discovery uses
 * (forwardOccurrences: the window [t+1, t+1+h] inside the bars, every open present) hold the trade sign s from the
 * open of bar t+1 to the open of bar t+1+h. Bar j (open j -> open j+1) earns pos_j * (open_{j+1}/open_j - 1), pos_j
 * the mean sign of the occurrences holding over it (1 or -1 when they agree; overlapping windows are not stacked, so
 * the exposure stays in [-1, 1] like a blueprint's). A pooled candidate averages its members' period returns over
 * the members holding in that period (each member's trades weigh the same, as in discovery's pooled mean).
 * Returns are compounded into periods (`periodMs`: hours for the correlations, days for the Sharpe variance) on the
 * walk-forward grid's periods; a bar outside them is not counted. Costs are left out on purpose: they shift a
 * trial's mean, not its correlation with other trials, and the null Sharpe variance is that of a skill-less trial.
 */
import type { OpenSeries } from '../research/forward.js';
import { forwardOccurrences } from '../research/forward.js';

/** The periods (floor(ts / periodMs) * periodMs) of a grid, ascending, and the index of each. */
export interface PeriodIndex {
  periodMs: number;
  starts: Float64Array;
  index: Map<number, number>;
}

export function periodIndex(ts_ms: ArrayLike<number>, periodMs: number): PeriodIndex {
  if (!(periodMs > 0)) throw new RangeError(`periodIndex: periodMs must be > 0, was ${periodMs}`);
  const starts: number[] = [];
  let last = NaN;
  for (let i = 0; i < ts_ms.length; i++) {
    const p = Math.floor(ts_ms[i]! / periodMs) * periodMs;
    if (p !== last) {
      if (p < last) throw new RangeError(`periodIndex: ts_ms not ascending at ${i}`);
      starts.push(p);
      last = p;
    }
  }
  return { periodMs, starts: Float64Array.from(starts), index: new Map(starts.map((s, i) => [s, i])) };
}

/** Per-bar returns and holding flags of one instrument's occurrences of a candidate (see the module comment). */
export function occurrenceBarReturns(o: OpenSeries, t: Int32Array, s: ArrayLike<number>, h: number): { r: Float64Array; holding: Uint8Array } {
  const occ = forwardOccurrences(o, t, s, h);
  const n = o.n;
  const dCount = new Int32Array(n + 1);
  const dSign = new Int32Array(n + 1);
  for (let i = 0; i < occ.t.length; i++) {
    const a = occ.t[i]! + 1; // first bar held: open a -> open a+1
    const b = occ.t[i]! + 1 + h; // exit at open b: last bar held is b - 1
    dCount[a]!++;
    dCount[b]!--;
    dSign[a]! += occ.s[i]!;
    dSign[b]! -= occ.s[i]!;
  }
  const r = new Float64Array(n);
  const holding = new Uint8Array(n);
  let cnt = 0;
  let sum = 0;
  for (let j = 0; j < n; j++) {
    cnt += dCount[j]!;
    sum += dSign[j]!;
    if (cnt > 0 && j + 1 < n) {
      holding[j] = 1;
      // forwardOccurrences kept only windows with every open present, so both opens are finite here
      r[j] = (sum / cnt) * Math.expm1(o.logOpen[j + 1]! - o.logOpen[j]!);
    }
  }
  return { r, holding };
}

/**
 * Compound per-bar returns into the periods of `idx` (bars whose period is not in it are skipped); `held` marks the
 * periods with at least one holding bar. Bar j's period is that of ts_ms[j] (the bar's open time).
 */
export function periodReturns(ts_ms: ArrayLike<number>, r: ArrayLike<number>, holding: ArrayLike<number>, idx: PeriodIndex): { r: Float64Array; held: Uint8Array } {
  return periodReturnsOf(r, holding, barPeriodsOf(ts_ms, idx), idx.starts.length);
}

/** The period (index in `idx`) of each bar time, -1 for a bar whose period is not in it. */
export function barPeriodsOf(ts_ms: ArrayLike<number>, idx: PeriodIndex): Int32Array {
  const periodOf = periodLookup(idx);
  const out = new Int32Array(ts_ms.length);
  for (let j = 0; j < ts_ms.length; j++) out[j] = periodOf(ts_ms[j]!);
  return out;
}

/**
 * periodReturns with each bar's period found once (`barPeriodsOf`): the walk-forward's blueprints share one grid, so
 * its hours are looked up once instead of per blueprint (issue 12). `holding` undefined: every bar holds.
 */
export function periodReturnsOf(r: ArrayLike<number>, holding: ArrayLike<number> | undefined, period: Int32Array, periods: number): { r: Float64Array; held: Uint8Array } {
  if (period.length < r.length) throw new RangeError(`periodReturnsOf: periods of ${period.length} bars, ${r.length} returns`);
  const g = new Float64Array(periods).fill(1);
  const held = new Uint8Array(periods);
  for (let j = 0; j < r.length; j++) {
    if (holding !== undefined && !holding[j]) continue;
    const k = period[j]!;
    if (k < 0) continue;
    g[k]! *= 1 + r[j]!;
    held[k] = 1;
  }
  for (let k = 0; k < g.length; k++) g[k] = g[k]! - 1;
  return { r: g, held };
}

/**
 * One instrument's bars prepared for `occurrencePeriodReturns`: each bar's period in `idx` (-1 when it has none) and
 * its open-to-open return expm1(logOpen[j+1] - logOpen[j]) (NaN where an open is missing, and for the last bar).
 */
export interface BarPeriods {
  o: OpenSeries;
  periods: number;
  period: Int32Array;
  growth: Float64Array;
}

export function barPeriods(o: OpenSeries, ts_ms: ArrayLike<number>, idx: PeriodIndex): BarPeriods {
  if (ts_ms.length !== o.n) throw new RangeError(`barPeriods: ${ts_ms.length} bar times for ${o.n} opens`);
  const periodOf = periodLookup(idx);
  const period = new Int32Array(o.n);
  const growth = new Float64Array(o.n).fill(NaN);
  for (let j = 0; j < o.n; j++) {
    period[j] = periodOf(ts_ms[j]!);
    if (j + 1 < o.n) growth[j] = Math.expm1(o.logOpen[j + 1]! - o.logOpen[j]!);
  }
  return { o, periods: idx.starts.length, period, growth };
}

/**
 * periodReturns(ts_ms, occurrenceBarReturns(o, t, s, h), idx) without the per-bar arrays: the same returns multiplied
 * in the same order (bars ascending), visiting only the bars held (issue 12: the per-bar passes over every bar of
 * every candidate dominated the candidates' series on the real lake).
 */
export function occurrencePeriodReturns(b: BarPeriods, t: Int32Array, s: ArrayLike<number>, h: number, into?: { r: Float64Array; held: Uint8Array }): { r: Float64Array; held: Uint8Array } {
  const occ = forwardOccurrences(b.o, t, s, h);
  const m = occ.t.length;
  // the occurrences by first bar held (the count and sign sums below are of integers: their order does not matter)
  let order = Int32Array.from({ length: m }, (_, i) => i);
  for (let i = 1; i < m; i++) {
    if (occ.t[i]! < occ.t[i - 1]!) {
      order = Int32Array.from([...order].sort((x, y) => occ.t[x]! - occ.t[y]! || x - y));
      break;
    }
  }
  // `into`: scratch arrays of b.periods reused from call to call (a candidate's members are pooled at once)
  const g = into ? into.r.fill(1) : new Float64Array(b.periods).fill(1);
  const held = into ? into.held.fill(0) : new Uint8Array(b.periods);
  if (g.length !== b.periods || held.length !== b.periods) throw new RangeError(`occurrencePeriodReturns: scratch of ${g.length} periods, ${b.periods} needed`);
  const { period, growth } = b;
  const n = b.o.n;
  // sweep the window starts (t + 1) and ends (t + 1 + h, ascending in the same order): between two of them the
  // count and the sign sum of the windows holding are constant
  let ia = 0;
  let ib = 0;
  let cnt = 0;
  let sum = 0;
  while (ia < m || ib < m) {
    const pa = ia < m ? occ.t[order[ia]!]! + 1 : Infinity;
    const pb = occ.t[order[ib]!]! + 1 + h;
    const p = pa < pb ? pa : pb;
    while (ia < m && occ.t[order[ia]!]! + 1 === p) { cnt++; sum += occ.s[order[ia]!]!; ia++; }
    while (ib < m && occ.t[order[ib]!]! + 1 + h === p) { cnt--; sum -= occ.s[order[ib]!]!; ib++; }
    if (cnt <= 0) continue;
    const next = Math.min(ia < m ? occ.t[order[ia]!]! + 1 : Infinity, occ.t[order[ib]!]! + 1 + h, n - 1);
    const sign = sum / cnt;
    // a period's product is carried in a local while its bars follow one another (stored when the period changes):
    // the same factors multiplied in the same order as g[k] *= ... bar by bar
    let cur = -1;
    let acc = 1;
    for (let j = p; j < next; j++) {
      const k = period[j]!;
      if (k < 0) continue;
      if (k !== cur) {
        if (cur >= 0) g[cur] = acc;
        cur = k;
        acc = g[k]!;
        held[k] = 1;
      }
      // forwardOccurrences kept only windows with every open present, so the growth is finite here
      acc *= 1 + sign * growth[j]!;
    }
    if (cur >= 0) g[cur] = acc;
  }
  for (let k = 0; k < g.length; k++) g[k] = g[k]! - 1;
  return { r: g, held };
}

/** The index in `idx` of the period of time `ts` (-1 when it is not one of them); remembers the last period asked. */
function periodLookup(idx: PeriodIndex): (ts: number) => number {
  let lastP = NaN;
  let lastK = -1;
  return (ts: number) => {
    const p = Math.floor(ts / idx.periodMs) * idx.periodMs;
    if (p !== lastP) {
      lastP = p;
      lastK = idx.index.get(p) ?? -1;
    }
    return lastK;
  };
}

/** Members' period returns averaged over the members holding in each period (0 where none holds). */
export function poolMembers(members: readonly { r: Float64Array; held: Uint8Array }[], periods: number): Float64Array {
  const pool = new MemberPool(periods);
  for (const m of members) pool.add(m);
  return pool.mean();
}

/**
 * poolMembers one member at a time: each period's sum adds its members in the order they are added, so a member's
 * arrays can be reused for the next one (the candidates' series pool as they are computed; issue 12).
 */
export class MemberPool {
  private readonly sum: Float64Array;
  private readonly count: Int32Array;
  constructor(readonly periods: number) {
    this.sum = new Float64Array(periods);
    this.count = new Int32Array(periods);
  }

  add(m: { r: Float64Array; held: Uint8Array }): void {
    const { sum, count } = this;
    for (let k = 0; k < this.periods; k++) {
      if (m.held[k]) {
        sum[k] = sum[k]! + m.r[k]!;
        count[k]!++;
      }
    }
  }

  mean(): Float64Array {
    const out = new Float64Array(this.periods);
    for (let k = 0; k < this.periods; k++) out[k] = this.count[k] ? this.sum[k]! / this.count[k]! : 0;
    return out;
  }
}

/** The coarser period (index in `to`) of each period of `from`; throws when one has none. */
export function coarserPeriods(from: PeriodIndex, to: PeriodIndex): Int32Array {
  const periodOf = periodLookup(to);
  return Int32Array.from(from.starts, (start) => {
    const i = periodOf(start);
    if (i < 0) throw new RangeError(`coarsen: period ${start} has no coarser period`);
    return i;
  });
}

/**
 * Compound period returns into coarser periods (e.g. hours into days): `to` must hold every period of `from`.
 * `map`: coarserPeriods(from, to), when the caller coarsens many series.
 */
export function coarsen(r: ArrayLike<number>, from: PeriodIndex, to: PeriodIndex, map: Int32Array = coarserPeriods(from, to)): Float64Array {
  if (r.length > map.length) throw new RangeError(`coarsen: ${r.length} returns for ${map.length} periods`);
  const g = new Float64Array(to.starts.length).fill(1);
  for (let k = 0; k < r.length; k++) {
    const i = map[k]!;
    g[i]! *= 1 + r[k]!;
  }
  for (let i = 0; i < g.length; i++) g[i] = g[i]! - 1;
  return g;
}
