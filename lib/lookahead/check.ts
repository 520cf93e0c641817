/**
 * The look-ahead check: recompute features and events on histories truncated at random cut points and report every
 * value at a bar t <= cut that differs from the value computed on the full history. A point-in-time computation
 * cannot tell the two apart: the value at t may only use bars up to the close of t and observations (funding, open
 * interest, market caps) known by then, so removing anything later must change nothing up to the cut.
 *
 * Truncation at cut time C (a bar OPEN time on the grid): bars with ts_ms <= C; funding settlements, open-interest and
 * market-cap observations with ts_ms <= C + timeframe (known by the close of the last kept bar). Every instrument is
 * cut at the same C, so cross-sectional features are checked too. Equality is exact (bit-identical, NaN == NaN).
 */
import type { BarColumns, InstrumentKey } from '../market.js';
import type { InstrumentSeries } from '../features/types.js';
import { timeframeMs } from '../timeframe.js';
import { Xoshiro128ss } from '../stats/rng.js';

/** One instrument's inputs, as the features library takes them. */
export type SeriesInput = InstrumentSeries;

/** Event rows of one instrument (sorted by ts then event). */
export interface EventRowsLike {
  ts_ms: Float64Array;
  event: readonly string[];
  direction: ArrayLike<number>;
  attributes: readonly string[];
}

/** Features of every instrument (keyed exchange/market/symbol), each a column per feature aligned with its bars. */
export type ComputeFeatures = (series: SeriesInput[]) => Promise<Map<string, Record<string, Float64Array>>>;
export type DetectEvents = (ts: Float64Array, features: Record<string, Float64Array>) => EventRowsLike;

export interface Leak {
  kind: 'feature' | 'event';
  instrument: string;
  /** The feature or event name. */
  name: string;
  /** Bar OPEN time of the value that changed. */
  ts_ms: number;
  cut_ts_ms: number;
  full: string;
  truncated: string;
}

export interface LookaheadReport {
  cuts: number[];
  instruments: number;
  features: string[];
  events: number;
  /** Feature values compared (bars <= cut, summed over cuts, instruments and features). */
  values_compared: number;
  /** Event rows compared (rows <= cut in the full history, summed over cuts). */
  event_rows_compared: number;
  leak_count: number;
  /** Leaks per feature/event name. */
  leaks_by_name: Record<string, number>;
  /** The first leaks found (at most `maxLeaks`), for the report. */
  leaks: Leak[];
}

export interface LookaheadOptions {
  series: SeriesInput[];
  computeFeatures: ComputeFeatures;
  detectEvents?: DetectEvents;
  /** Number of random cut points. */
  cuts: number;
  seed: number;
  /** Cuts are drawn among bar times after this many bars (so windows are warm) and before the last bar. */
  minBars?: number;
  maxLeaks?: number;
  onCut?: (done: number, total: number) => void;
}

export const instrumentKeyOf = (k: InstrumentKey): string => `${k.exchange}/${k.market}/${k.symbol}`;

/** Run the check; leaks are reported, not thrown. */
export async function checkLookahead(o: LookaheadOptions): Promise<LookaheadReport> {
  const maxLeaks = o.maxLeaks ?? 50;
  const full = await o.computeFeatures(o.series);
  const fullEvents = new Map<string, EventRowsLike>();
  if (o.detectEvents) for (const s of o.series) fullEvents.set(instrumentKeyOf(s.key), o.detectEvents(s.bars.ts_ms, full.get(instrumentKeyOf(s.key)) ?? {}));
  const cuts = drawCuts(o.series, o.cuts, o.seed, o.minBars ?? 0);
  const report: LookaheadReport = {
    cuts, instruments: o.series.length, features: featureNamesOf(full), events: sumEvents(fullEvents),
    values_compared: 0, event_rows_compared: 0, leak_count: 0, leaks_by_name: {}, leaks: [],
  };
  const leak = (l: Leak) => {
    report.leak_count++;
    report.leaks_by_name[l.name] = (report.leaks_by_name[l.name] ?? 0) + 1;
    if (report.leaks.length < maxLeaks) report.leaks.push(l);
  };
  for (const [ci, cut] of cuts.entries()) {
    const truncated = o.series.map((s) => truncateSeries(s, cut)).filter((s) => s.bars.ts_ms.length > 0);
    const part = await o.computeFeatures(truncated);
    for (const s of truncated) {
      const id = instrumentKeyOf(s.key);
      const a = full.get(id) ?? {};
      const b = part.get(id) ?? {};
      const n = s.bars.ts_ms.length;
      for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const fa = a[name];
        const fb = b[name];
        if (!fa || !fb) {
          leak({ kind: 'feature', instrument: id, name, ts_ms: s.bars.ts_ms[0]!, cut_ts_ms: cut, full: fa ? 'present' : 'absent', truncated: fb ? 'present' : 'absent' });
          continue;
        }
        for (let i = 0; i < n; i++) {
          const x = fa[i]!;
          const y = fb[i]!;
          if (!(x === y || (x !== x && y !== y))) {
            leak({ kind: 'feature', instrument: id, name, ts_ms: s.bars.ts_ms[i]!, cut_ts_ms: cut, full: String(x), truncated: String(y) });
          }
        }
        report.values_compared += n;
      }
      if (o.detectEvents) {
        const ea = fullEvents.get(id)!;
        const eb = o.detectEvents(s.bars.ts_ms, b);
        const rowsA = eventRowsUpTo(ea, cut);
        const rowsB = eventRowsUpTo(eb, cut);
        report.event_rows_compared += rowsA.length;
        const setB = new Set(rowsB);
        const setA = new Set(rowsA);
        for (const r of rowsA) if (!setB.has(r)) leak(eventLeak(id, r, cut, 'present', 'absent'));
        for (const r of rowsB) if (!setA.has(r)) leak(eventLeak(id, r, cut, 'absent', 'present'));
      }
    }
    o.onCut?.(ci + 1, cuts.length);
  }
  return report;
}

/** The inputs known by the close of the bar that opens at `cut`. */
export function truncateSeries(s: SeriesInput, cut: number): SeriesInput {
  const known = cut + timeframeMs(s.timeframe);
  const nBars = upperBound(s.bars.ts_ms, cut);
  const bars = Object.fromEntries(Object.entries(s.bars).map(([k, v]) => [k, (v as Float64Array).slice(0, nBars)])) as unknown as BarColumns;
  const cutCols = <T extends { ts_ms: Float64Array }>(c: T | undefined): T | undefined => {
    if (!c) return undefined;
    const m = upperBound(c.ts_ms, known);
    return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, (v as Float64Array).slice(0, m)])) as unknown as T;
  };
  return { key: s.key, timeframe: s.timeframe, bars, funding: cutCols(s.funding), openInterest: cutCols(s.openInterest), marketCap: cutCols(s.marketCap) };
}

/** Number of elements <= x in an ascending array. */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Distinct cut times, drawn uniformly among the bar times of the longest instrument after `minBars`, ascending. */
function drawCuts(series: SeriesInput[], k: number, seed: number, minBars: number): number[] {
  const longest = series.reduce<Float64Array>((a, s) => (s.bars.ts_ms.length > a.length ? s.bars.ts_ms : a), new Float64Array(0));
  const lo = Math.min(minBars, Math.max(0, longest.length - 2));
  const span = longest.length - 1 - lo; // never the last bar: cutting there removes nothing
  if (span <= 0) return [];
  const rng = Xoshiro128ss.fromSeed(seed, 0x1a4e);
  const out = new Set<number>();
  for (let tries = 0; out.size < Math.min(k, span) && tries < 100 * k; tries++) out.add(longest[lo + Math.floor(rng.uniform() * span)]!);
  return [...out].sort((a, b) => a - b);
}

function eventRowsUpTo(e: EventRowsLike, cut: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < e.ts_ms.length && e.ts_ms[i]! <= cut; i++) out.push(`${e.ts_ms[i]}|${e.event[i]}|${e.direction[i]}|${e.attributes[i]}`);
  return out;
}

function eventLeak(instrument: string, row: string, cut: number, full: string, truncated: string): Leak {
  const [ts, name] = row.split('|');
  return { kind: 'event', instrument, name: `event:${name}`, ts_ms: Number(ts), cut_ts_ms: cut, full: full === 'present' ? row : 'absent', truncated: truncated === 'present' ? row : 'absent' };
}

function featureNamesOf(m: Map<string, Record<string, Float64Array>>): string[] {
  const s = new Set<string>();
  for (const cols of m.values()) for (const k of Object.keys(cols)) s.add(k);
  return [...s].sort();
}

function sumEvents(m: Map<string, EventRowsLike>): number {
  let n = 0;
  for (const e of m.values()) n += e.ts_ms.length;
  return n;
}

/**
 * Truncation check of a daily panel computation (a system computing many series on one shared day grid, e.g. the
 * majors-vs-alts monitor): `compute(c)` returns named columns computed from what is known at the close of day
 * c - 1 (the first c days; c = nDays is the full history); every value at a day < c must equal the full
 * computation's, bit for bit (NaN == NaN). A column the truncated run lacks is fine only when the full column is NaN
 * on every day before the cut (e.g. a coin listed later); one the full run lacks is a leak.
 */
export interface DailyTruncationOptions {
  /** Days of the full history (day i = days[i], UTC ms). */
  days: Float64Array;
  compute: (c: number) => Promise<Record<string, Float64Array>>;
  cuts: number;
  seed: number;
  /** Cuts are drawn among days >= minDays (warm windows). */
  minDays?: number;
  maxLeaks?: number;
  /** Label of the leaks (the `instrument` field), e.g. 'monitor'. */
  label: string;
  onCut?: (done: number, total: number) => void;
}

export async function checkDailyTruncation(o: DailyTruncationOptions): Promise<LookaheadReport> {
  const maxLeaks = o.maxLeaks ?? 50;
  const n = o.days.length;
  const full = await o.compute(n);
  const lo = Math.min(Math.max(1, o.minDays ?? 1), Math.max(1, n - 1));
  const span = n - lo; // cut counts c in [lo, n - 1]: never the full history
  const rng = Xoshiro128ss.fromSeed(o.seed, 0xd41);
  const picked = new Set<number>();
  for (let tries = 0; span > 0 && picked.size < Math.min(o.cuts, span) && tries < 100 * o.cuts; tries++) picked.add(lo + Math.floor(rng.uniform() * span));
  const counts = [...picked].sort((a, b) => a - b);
  const names = Object.keys(full).sort();
  const report: LookaheadReport = {
    cuts: counts.map((c) => o.days[c - 1]!), instruments: 1, features: names, events: 0,
    values_compared: 0, event_rows_compared: 0, leak_count: 0, leaks_by_name: {}, leaks: [],
  };
  const leak = (name: string, d: number, cut: number, fullV: string, truncV: string) => {
    report.leak_count++;
    report.leaks_by_name[name] = (report.leaks_by_name[name] ?? 0) + 1;
    if (report.leaks.length < maxLeaks) report.leaks.push({ kind: 'feature', instrument: o.label, name, ts_ms: o.days[d]!, cut_ts_ms: cut, full: fullV, truncated: truncV });
  };
  for (const [ci, c] of counts.entries()) {
    const part = await o.compute(c);
    const cutMs = o.days[c - 1]!;
    for (const name of new Set([...names, ...Object.keys(part)])) {
      const a = full[name];
      const b = part[name];
      if (!a) { leak(name, 0, cutMs, 'absent', 'present'); continue; }
      if (!b) {
        const d = a.subarray(0, c).findIndex((x) => !Number.isNaN(x));
        if (d >= 0) leak(name, d, cutMs, String(a[d]), 'absent');
        continue;
      }
      if (b.length !== c) { leak(name, 0, cutMs, `${c} days`, `${b.length} days`); continue; }
      for (let d = 0; d < c; d++) {
        const x = a[d]!;
        const y = b[d]!;
        if (!(x === y || (x !== x && y !== y))) leak(name, d, cutMs, String(x), String(y));
      }
      report.values_compared += c;
    }
    o.onCut?.(ci + 1, counts.length);
  }
  return report;
}
