/**
 * Event detection: evaluates an `EventSet` on one instrument's point-in-time feature columns.
 *
 * Point in time: the result at bar t reads feature values at bars t and t-1 (crossings) and the firing history
 * before t (cooldown) only, so detecting on a prefix of the bars gives exactly the events of the full run before
 * the cut. Missing values (NaN) follow three-valued (Kleene) logic: a test on a missing operand is UNKNOWN, `not`
 * of UNKNOWN is UNKNOWN, and an event fires only where its condition is TRUE.
 */
import { DataError } from '../errors.js';
import { eventFeatures, type Condition, type Direction, type EventSet, type EventSpec } from './spec.js';

// Globals read once: inside vm contexts (jest) every global lookup in a hot loop goes through an interceptor.
const { abs } = Math;

/** One instrument's event occurrences, sorted by ts_ms then event name (code-point order). */
export interface EventRows {
  /** OPEN time of the bar at whose close the condition held (tradeable at the next bar's open at the earliest). */
  ts_ms: Float64Array;
  event: string[];
  family: string[];
  /** +1 long, -1 short. */
  direction: Int32Array;
  /** JSON object {feature: value} of the event's attribute features at the event bar, keys sorted, null = missing. */
  attributes: string[];
}

/** Per event: occurrences kept, and bars where it would have fired but fell inside the cooldown (removed). */
export type CooldownCounts = Record<string, { kept: number; removed: number }>;

/** Detection result: the rows and, per event of the set, what the cooldown kept and removed. */
export interface EventDetection extends EventRows {
  cooldown: CooldownCounts;
}

/** Truth values of the three-valued logic, one byte per bar. */
export const FALSE = 0;
export const TRUE = 1;
export const UNKNOWN = 2;

/**
 * Detects every event of `set` on one instrument. `ts_ms` is the bar grid (strictly increasing, constant step:
 * cooldowns and crossings count bars by index); `features` holds one Float64Array per feature aligned with it
 * (NaN = missing). O(bars x condition nodes). A missing or misaligned feature column is a DataError.
 */
export function detectEvents(set: EventSet, ts_ms: Float64Array, features: Readonly<Record<string, Float64Array>>): EventDetection {
  const n = ts_ms.length;
  checkGrid(ts_ms);
  const events = [...set.events].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const ev of events) {
    for (const f of eventFeatures(ev)) {
      const col = features[f];
      if (col === undefined) throw new DataError(`feature column missing (needed by event ${ev.name})`, { field: f });
      if (col.length !== n) throw new DataError(`feature column has ${col.length} rows, the bar grid ${n}`, { field: f });
    }
  }
  // Variants of one spec entry share a condition or a direction: each distinct one is evaluated once (a direction
  // variant reads the shared signs and skips the other side in `fire`).
  const conditions = new Map<string, Uint8Array>();
  const directions = new Map<string, Int8Array>();
  const masks = events.map((ev) => evaluateCondition(ev.condition, features, n, conditions));
  const signs = events.map((ev) => {
    const key = JSON.stringify(ev.direction);
    let d = directions.get(key);
    if (d === undefined) directions.set(key, (d = directionSigns(ev.direction, features, n)));
    return d;
  });
  // One pass per event (its cooldown only depends on its own history), then the rows in (bar, event) order. Each
  // step is a small function of its own: V8 optimizes (and, on new feedback, re-optimizes) each loop alone instead
  // of one large function holding every loop (which it compiled up to six times a run, ~0.3 s of CPU).
  const sides = events.map((ev) => ev.side ?? 0);
  const { codes, removed } = firingCodes(masks, signs, sides, events.map((ev) => ev.cooldown_bars), n);
  const E = events.length;
  const k = codes.length;
  const rowBar = new Int32Array(k);
  const rowEvent = new Int32Array(k);
  decodeCodes(codes, E, rowBar, rowEvent);
  const kept = keptPerEvent(rowEvent, E);
  const cooldown: CooldownCounts = {};
  events.forEach((ev, e) => (cooldown[ev.name] = { kept: kept[e]!, removed: removed[e]! }));
  const out: EventDetection = {
    ts_ms: new Float64Array(k), event: new Array<string>(k), family: new Array<string>(k),
    direction: new Int32Array(k), attributes: new Array<string>(k), cooldown,
  };
  // Events with the same attributes (variants of one entry) write the same string at a bar: one writer each, which
  // remembers its last bar (rows come in bar order, so the events firing at one bar are consecutive).
  const writers = new Map<string, (t: number) => string>();
  const attrs = events.map((ev) => {
    const key = JSON.stringify([...ev.attributes].sort());
    let w = writers.get(key);
    if (w === undefined) writers.set(key, (w = attributeWriter(ev, features)));
    return w;
  });
  fillRows(out, rowBar, rowEvent, ts_ms, events.map((ev) => ev.name), events.map((ev) => ev.family), signs, attrs);
  return out;
}

/**
 * Every event's firing bars (fire), coded bar * E + e and sorted numerically: the rows in (bar, event) order.
 * removed[e]: bars event e's cooldown removed.
 */
function firingCodes(
  masks: readonly Uint8Array[], signs: readonly Int8Array[], sides: readonly number[], cooldowns: readonly number[], n: number,
): { codes: Float64Array; removed: number[] } {
  const E = masks.length;
  const removed = new Array<number>(E).fill(0);
  const bars = new Int32Array(n);
  const counts = new Int32Array(2);
  let codes = new Float64Array(1024);
  let k = 0;
  for (let e = 0; e < E; e++) {
    fire(masks[e]!, signs[e]!, sides[e]!, cooldowns[e]!, bars, counts);
    const kept = counts[0]!;
    removed[e] = counts[1]!;
    if (k + kept > codes.length) {
      const grown = new Float64Array(Math.max(2 * codes.length, k + kept));
      grown.set(codes.subarray(0, k));
      codes = grown;
    }
    k = appendCodes(codes, k, bars, kept, E, e);
  }
  return { codes: codes.subarray(0, k).sort(), removed };
}

/** codes[k ..] = bars[i] * E + e for the first `kept` bars; returns the new length. */
function appendCodes(codes: Float64Array, k: number, bars: Int32Array, kept: number, E: number, e: number): number {
  for (let i = 0; i < kept; i++) codes[k++] = bars[i]! * E + e;
  return k;
}

/** Rows per event index. */
function keptPerEvent(rowEvent: Int32Array, E: number): Int32Array {
  const kept = new Int32Array(E);
  for (let i = 0; i < rowEvent.length; i++) kept[rowEvent[i]!]!++;
  return kept;
}

/** Each code bar * E + e back into its bar and event. */
function decodeCodes(codes: Float64Array, E: number, rowBar: Int32Array, rowEvent: Int32Array): void {
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    const e = c % E;
    rowEvent[i] = e;
    rowBar[i] = (c - e) / E;
  }
}

/** The output rows from the decoded (bar, event) pairs. */
function fillRows(
  out: EventRows, rowBar: Int32Array, rowEvent: Int32Array, ts_ms: Float64Array, names: readonly string[], families: readonly string[],
  signs: readonly Int8Array[], attrs: readonly ((t: number) => string)[],
): void {
  for (let i = 0; i < rowBar.length; i++) {
    const t = rowBar[i]!;
    const e = rowEvent[i]!;
    out.ts_ms[i] = ts_ms[t]!;
    out.event[i] = names[e]!;
    out.family[i] = families[e]!;
    out.direction[i] = signs[e]![t]!; // the side filter only removed bars, so the firing bar's sign is its direction
    out.attributes[i] = attrs[e]!(t);
  }
}

/**
 * The bars where one event fires, in order, into `out`: the condition is TRUE, the direction nonzero (and on `side`
 * when it is +1 or -1), and the bar is not within `cd` bars of the previous firing. counts[0] = bars fired,
 * counts[1] = bars the cooldown removed. A small function of its own so V8 optimizes the loop from the first calls.
 */
function fire(mask: Uint8Array, sign: Int8Array, side: number, cd: number, out: Int32Array, counts: Int32Array): void {
  const n = mask.length;
  let last = -cd - 1; // t - last > cd for every t >= 0: the first firing is never cut
  let k = 0;
  let cut = 0;
  // the TRUE bars found by the typed array's own search (events are rare: most of a mask is FALSE or UNKNOWN)
  for (let t = mask.indexOf(TRUE); t !== -1; t = t + 1 < n ? mask.indexOf(TRUE, t + 1) : -1) {
    const s = sign[t]!;
    if (s === 0 || (side !== 0 && s !== side)) continue;
    if (t - last <= cd) {
      cut++;
      continue;
    }
    last = t;
    out[k++] = t;
  }
  counts[0] = k;
  counts[1] = cut;
}

/** attributesJson(ev, features, t) as a function of t, with the keys sorted and quoted once; the last bar's string is kept. */
function attributeWriter(ev: Pick<EventSpec, 'attributes'>, features: Readonly<Record<string, Float64Array>>): (t: number) => string {
  const keys = [...ev.attributes].sort();
  // '{"a":', ',"b":', ...: each key with what precedes it; a finite number's JSON is its String (ECMA-262
  // SerializeJSONProperty: ToString of a finite Number), NaN and infinities are null
  const heads = keys.map((f, j) => `${j === 0 ? '{' : ','}${JSON.stringify(f)}:`);
  const cols = keys.map((f) => col(features, f));
  let lastT = -1;
  let last = '';
  return (t) => {
    if (t === lastT) return last;
    let s = cols.length === 0 ? '{' : '';
    for (let j = 0; j < cols.length; j++) {
      const v = cols[j]![t]!;
      s += heads[j]!;
      s += v - v === 0 ? String(v) : 'null'; // v - v is 0 for finite v, NaN for NaN and infinities
    }
    lastT = t;
    return (last = `${s}}`);
  };
}

/**
 * The condition's truth value at every bar (FALSE, TRUE or UNKNOWN), by Kleene logic:
 * - comparison / abs_gt: UNKNOWN when an operand is NaN;
 * - cross_above: TRUE when x[t-1] <= v[t-1] and x[t] > v[t] (cross_below: >= then <); UNKNOWN at t = 0 or when
 *   any of the four values is NaN;
 * - all: FALSE if any is FALSE, else UNKNOWN if any is UNKNOWN, else TRUE; any: the dual; not: swaps TRUE and FALSE.
 */
export function evaluateCondition(
  c: Condition, features: Readonly<Record<string, Float64Array>>, n: number, cache?: Map<string, Uint8Array>,
): Uint8Array {
  if (cache === undefined) return evaluateUncached(c, features, n, undefined);
  const key = JSON.stringify(c);
  let m = cache.get(key);
  if (m === undefined) cache.set(key, (m = evaluateUncached(c, features, n, cache)));
  return m;
}

/** evaluateCondition's work; `cache` (condition JSON -> mask) serves shared sub-conditions. Never mutates a mask. */
function evaluateUncached(c: Condition, features: Readonly<Record<string, Float64Array>>, n: number, cache: Map<string, Uint8Array> | undefined): Uint8Array {
  const out = new Uint8Array(n);
  switch (c.type) {
    case 'compare': {
      const x = col(features, c.feature);
      if ('value' in c.rhs) compareValue(c.op, x, c.rhs.value, out, n);
      else compareColumns(c.op, x, col(features, c.rhs.feature), out, n);
      return out;
    }
    case 'abs_gt':
      absGreater(col(features, c.feature), c.value, out, n);
      return out;
    case 'cross_above':
    case 'cross_below': {
      const x = col(features, c.feature);
      const above = c.type === 'cross_above';
      if (n > 0) out[0] = UNKNOWN;
      if ('value' in c.rhs) {
        const v = c.rhs.value;
        if (v !== v) {
          out.fill(UNKNOWN);
          return out;
        }
        if (above) crossAboveValue(x, v, out, n);
        else crossBelowValue(x, v, out, n);
        return out;
      }
      const y = col(features, c.rhs.feature);
      if (above) crossAboveColumn(x, y, out, n);
      else crossBelowColumn(x, y, out, n);
      return out;
    }
    case 'all':
    case 'any': {
      const and = c.type === 'all';
      out.fill(and ? TRUE : FALSE);
      for (const child of c.of) combine(out, evaluateCondition(child, features, n, cache), and, n);
      return out;
    }
    case 'not':
      negate(evaluateCondition(c.of, features, n, cache), out, n);
      return out;
  }
}

/*
 * Each loop of evaluateUncached is a small function of its own (like compareValue): V8 then optimizes each loop for
 * the one case it serves, from its first calls, instead of re-optimizing one function holding all of them whenever
 * a case it had not seen yet comes (evaluateUncached was compiled 7 to 8 times a run on the real lake).
 */

/** |x| > v per bar, UNKNOWN where x is NaN. */
function absGreater(x: Float64Array, v: number, out: Uint8Array, n: number): void {
  for (let t = 0; t < n; t++) {
    const a = x[t]!;
    out[t] = a !== a ? UNKNOWN : abs(a) > v ? TRUE : FALSE;
  }
}

/** x crosses above the constant v at t (x[t-1] <= v < x[t]), UNKNOWN where x[t-1] or x[t] is NaN; from t = 1. */
function crossAboveValue(x: Float64Array, v: number, out: Uint8Array, n: number): void {
  for (let t = 1; t < n; t++) {
    const x0 = x[t - 1]!;
    const x1 = x[t]!;
    if (x0 !== x0 || x1 !== x1) out[t] = UNKNOWN;
    else out[t] = x0 <= v && x1 > v ? TRUE : FALSE;
  }
}

/** x crosses below the constant v at t (x[t-1] >= v > x[t]), UNKNOWN where x[t-1] or x[t] is NaN; from t = 1. */
function crossBelowValue(x: Float64Array, v: number, out: Uint8Array, n: number): void {
  for (let t = 1; t < n; t++) {
    const x0 = x[t - 1]!;
    const x1 = x[t]!;
    if (x0 !== x0 || x1 !== x1) out[t] = UNKNOWN;
    else out[t] = x0 >= v && x1 < v ? TRUE : FALSE;
  }
}

/** x crosses above y at t (x[t-1] <= y[t-1], x[t] > y[t]), UNKNOWN where any of the four is NaN; from t = 1. */
function crossAboveColumn(x: Float64Array, y: Float64Array, out: Uint8Array, n: number): void {
  for (let t = 1; t < n; t++) {
    const x0 = x[t - 1]!;
    const x1 = x[t]!;
    const v0 = y[t - 1]!;
    const v1 = y[t]!;
    if (x0 !== x0 || x1 !== x1 || v0 !== v0 || v1 !== v1) out[t] = UNKNOWN;
    else out[t] = x0 <= v0 && x1 > v1 ? TRUE : FALSE;
  }
}

/** x crosses below y at t (x[t-1] >= y[t-1], x[t] < y[t]), UNKNOWN where any of the four is NaN; from t = 1. */
function crossBelowColumn(x: Float64Array, y: Float64Array, out: Uint8Array, n: number): void {
  for (let t = 1; t < n; t++) {
    const x0 = x[t - 1]!;
    const x1 = x[t]!;
    const v0 = y[t - 1]!;
    const v1 = y[t]!;
    if (x0 !== x0 || x1 !== x1 || v0 !== v0 || v1 !== v1) out[t] = UNKNOWN;
    else out[t] = x0 >= v0 && x1 < v1 ? TRUE : FALSE;
  }
}

/** Kleene NOT: TRUE and FALSE swapped, UNKNOWN kept. */
function negate(m: Uint8Array, out: Uint8Array, n: number): void {
  for (let t = 0; t < n; t++) {
    const s = m[t]!;
    out[t] = s === TRUE ? FALSE : s === FALSE ? TRUE : UNKNOWN;
  }
}

/**
 * Kleene AND / OR of two truth values as table[a * 3 + b] (FALSE 0, TRUE 1, UNKNOWN 2): AND is FALSE if either is
 * FALSE, else UNKNOWN if either is UNKNOWN, else TRUE; OR the dual. A table lookup instead of branches per bar.
 */
const KLEENE_AND = Uint8Array.of(FALSE, FALSE, FALSE, FALSE, TRUE, UNKNOWN, FALSE, UNKNOWN, UNKNOWN);
const KLEENE_OR = Uint8Array.of(FALSE, TRUE, UNKNOWN, TRUE, TRUE, TRUE, UNKNOWN, TRUE, UNKNOWN);

/**
 * out[t] = out[t] AND m[t] (`and`) or out[t] OR m[t], Kleene, in place: four bars per 32-bit word, the rest by the
 * tables. In each byte FALSE is 0b00, TRUE 0b01, UNKNOWN 0b10, so per byte: AND is FALSE when either has neither bit
 * set, else UNKNOWN when either has bit 1, else TRUE; OR is TRUE when either has bit 0, else UNKNOWN when either has
 * bit 1, else FALSE (a shift by one moves the next byte's bit 0 into bit 7 of this one, which the masks drop). The
 * same values as the tables (tests/events/detect_fast.test.ts, every pair at every offset).
 */
function combine(out: Uint8Array, m: Uint8Array, and: boolean, n: number): void {
  const words = out.byteOffset % 4 === 0 && m.byteOffset % 4 === 0 ? n >>> 2 : 0;
  if (words > 0) {
    const o = new Uint32Array(out.buffer, out.byteOffset, words);
    const x = new Uint32Array(m.buffer, m.byteOffset, words);
    if (and) kleeneAndWords(o, x, words);
    else kleeneOrWords(o, x, words);
  }
  const table = and ? KLEENE_AND : KLEENE_OR;
  for (let t = words * 4; t < n; t++) out[t] = table[out[t]! * 3 + m[t]!]!;
}

const LOW_BITS = 0x01010101;

function kleeneAndWords(o: Uint32Array, x: Uint32Array, words: number): void {
  for (let i = 0; i < words; i++) {
    const a = o[i]!;
    const b = x[i]!;
    const neitherFalse = (a | (a >>> 1)) & (b | (b >>> 1)) & LOW_BITS;
    const eitherUnknown = ((a | b) >>> 1) & LOW_BITS;
    o[i] = (neitherFalse & ~eitherUnknown) | ((neitherFalse & eitherUnknown) << 1);
  }
}

function kleeneOrWords(o: Uint32Array, x: Uint32Array, words: number): void {
  for (let i = 0; i < words; i++) {
    const ab = o[i]! | x[i]!;
    const eitherTrue = ab & LOW_BITS;
    const eitherUnknown = (ab >>> 1) & LOW_BITS;
    o[i] = eitherTrue | ((eitherUnknown & ~eitherTrue) << 1);
  }
}

type CompareOp = Extract<Condition, { type: 'compare' }>['op'];

/**
 * x op v per bar, UNKNOWN where x is NaN: one loop per operator, each a function of its own (a comparator closure
 * called per bar is not inlined once several operators have been seen, and cost more than the comparison; the six
 * loops in one function were re-optimized each time a run met an operator it had not seen yet).
 */
function compareValue(op: CompareOp, x: Float64Array, v: number, out: Uint8Array, n: number): void {
  // a NaN constant compares false (or true for !=) with every number, as a NaN x would be UNKNOWN anyway
  switch (op) {
    case '>': return valueGt(x, v, out, n);
    case '>=': return valueGe(x, v, out, n);
    case '<': return valueLt(x, v, out, n);
    case '<=': return valueLe(x, v, out, n);
    case '==': return valueEq(x, v, out, n);
    case '!=': return valueNe(x, v, out, n);
  }
}

/** x op y per bar, UNKNOWN where either is NaN (one function per operator, as compareValue). */
function compareColumns(op: CompareOp, x: Float64Array, y: Float64Array, out: Uint8Array, n: number): void {
  switch (op) {
    case '>': return columnGt(x, y, out, n);
    case '>=': return columnGe(x, y, out, n);
    case '<': return columnLt(x, y, out, n);
    case '<=': return columnLe(x, y, out, n);
    case '==': return columnEq(x, y, out, n);
    case '!=': return columnNe(x, y, out, n);
  }
}

function valueGt(x: Float64Array, v: number, out: Uint8Array, n: number): void {
  for (let t = 0; t < n; t++) { const a = x[t]!; out[t] = a !== a ? UNKNOWN : a > v ? TRUE : FALSE; }
}
function valueGe(x: Float64Array, v: number, out: Uint8Array, n: number): void {
  for (let t = 0; t < n; t++) { const a = x[t]!; out[t] = a !== a ? UNKNOWN : a >= v ? TRUE : FALSE; }
}
function valueLt(x: Float64Array, v: number, out: Uint8Array, n: number): void {
  for (let t = 0; t < n; t++) { const a = x[t]!; out[t] = a !== a ? UNKNOWN : a < v ? TRUE : FALSE; }
}
function valueLe(x: Float64Array, v: number, out: Uint8Array, n: number): void {
  for (let t = 0; t < n; t++) { const a = x[t]!; out[t] = a !== a ? UNKNOWN : a <= v ? TRUE : FALSE; }
}
function valueEq(x: Float64Array, v: number, out: Uint8Array, n: number): void {
  for (let t = 0; t < n; t++) { const a = x[t]!; out[t] = a !== a ? UNKNOWN : a === v ? TRUE : FALSE; }
}
function valueNe(x: Float64Array, v: number, out: Uint8Array, n: number): void {
  for (let t = 0; t < n; t++) { const a = x[t]!; out[t] = a !== a ? UNKNOWN : a !== v ? TRUE : FALSE; }
}
function columnGt(x: Float64Array, y: Float64Array, out: Uint8Array, n: number): void {
  for (let t = 0; t < n; t++) { const a = x[t]!, b = y[t]!; out[t] = a !== a || b !== b ? UNKNOWN : a > b ? TRUE : FALSE; }
}
function columnGe(x: Float64Array, y: Float64Array, out: Uint8Array, n: number): void {
  for (let t = 0; t < n; t++) { const a = x[t]!, b = y[t]!; out[t] = a !== a || b !== b ? UNKNOWN : a >= b ? TRUE : FALSE; }
}
function columnLt(x: Float64Array, y: Float64Array, out: Uint8Array, n: number): void {
  for (let t = 0; t < n; t++) { const a = x[t]!, b = y[t]!; out[t] = a !== a || b !== b ? UNKNOWN : a < b ? TRUE : FALSE; }
}
function columnLe(x: Float64Array, y: Float64Array, out: Uint8Array, n: number): void {
  for (let t = 0; t < n; t++) { const a = x[t]!, b = y[t]!; out[t] = a !== a || b !== b ? UNKNOWN : a <= b ? TRUE : FALSE; }
}
function columnEq(x: Float64Array, y: Float64Array, out: Uint8Array, n: number): void {
  for (let t = 0; t < n; t++) { const a = x[t]!, b = y[t]!; out[t] = a !== a || b !== b ? UNKNOWN : a === b ? TRUE : FALSE; }
}
function columnNe(x: Float64Array, y: Float64Array, out: Uint8Array, n: number): void {
  for (let t = 0; t < n; t++) { const a = x[t]!, b = y[t]!; out[t] = a !== a || b !== b ? UNKNOWN : a !== b ? TRUE : FALSE; }
}

/** The direction at every bar: +1, -1, or 0 (sign_of a zero or missing value: the event does not fire). */
export function directionSigns(d: Direction, features: Readonly<Record<string, Float64Array>>, n: number): Int8Array {
  const out = new Int8Array(n);
  switch (d.type) {
    case 'long':
      return out.fill(1);
    case 'short':
      return out.fill(-1);
    case 'sign_of':
    case 'opposite_sign_of':
      signsOf(col(features, d.feature), d.type === 'sign_of' ? 1 : -1, out, n);
      return out;
  }
}

/** k times the sign of x per bar (0 for a zero or NaN x): directionSigns' loop, a function of its own. */
function signsOf(x: Float64Array, k: number, out: Int8Array, n: number): void {
  for (let t = 0; t < n; t++) {
    const a = x[t]!;
    out[t] = a > 0 ? k : a < 0 ? -k : 0; // NaN and 0 compare false both ways
  }
}

/**
 * `{"feature":value,...}` with keys sorted and numbers in JavaScript's shortest round-trip form (ECMA-262
 * Number::toString, what JSON.stringify prints); NaN and infinities are null, -0 is 0.
 */
export function attributesJson(ev: Pick<EventSpec, 'attributes'>, features: Readonly<Record<string, Float64Array>>, t: number): string {
  const keys = [...ev.attributes].sort();
  const parts = keys.map((f) => {
    const v = col(features, f)[t]!;
    return `${JSON.stringify(f)}:${Number.isFinite(v) ? JSON.stringify(v) : 'null'}`;
  });
  return `{${parts.join(',')}}`;
}

function col(features: Readonly<Record<string, Float64Array>>, name: string): Float64Array {
  const c = features[name];
  if (c === undefined) throw new DataError('feature column missing', { field: name });
  return c;
}

/** Bars must be a strictly increasing grid with one step (indexes count bars for cooldowns and crossings). */
function checkGrid(ts: Float64Array): void {
  if (ts.length < 2) return;
  const step = ts[1]! - ts[0]!;
  for (let i = 1; i < ts.length; i++) {
    const d = ts[i]! - ts[i - 1]!;
    if (!(d > 0) || d !== step) {
      throw new DataError(`bar grid is not regular at row ${i} (step ${d} ms, expected ${step} ms)`, { field: 'ts_ms', value: ts[i] }, {
        hint: 'events are detected on the complete bar grid of lake/features (missing bars are rows of NaN)',
      });
    }
  }
}
