/**
 * Pass 1 of the cross-sectional features: stream the instruments one at a time and accumulate per-timestamp
 * aggregates on the common UTC grid (slot = ts_ms / tf): how many universe instruments have a log_return_n and how
 * many of those are positive (breadth), the reference symbol's log returns (rel_strength), and the sum of distinct
 * symbols' as-of market caps with the reference's cap (btc_dominance). Memory grows with the grid's length and the
 * number of market-cap symbols (one bit per slot each), not with the instruments' bars: each instrument's arrays
 * are dropped after it is added.
 *
 * Point in time: every aggregate at slot s uses each instrument's values at its bar s only, and the reference at s
 * is the first reference symbol (in spec priority) that has a bar row at s, so truncating every input after a cut
 * changes nothing at slots up to the cut.
 */
import { DataError } from '../errors.js';
import type { InstrumentKey } from '../market.js';
import { timeframeMs, type Timeframe } from '../timeframe.js';
import { asOfValues, checkAscending } from './asof.js';
import { FAMILY_BY_NAME } from './families.js';
import { logReturn } from '../stats/rolling.js';
import type { FeatureSet, InstrumentSeries, Universe, UniverseFilter } from './types.js';

// Globals read once: inside vm contexts (jest) every global lookup in a hot loop goes through an interceptor.
const { min, max, floor } = Math;
const NAN = Number.NaN;
const INF = Number.POSITIVE_INFINITY;

const HOUR_MS = 3_600_000;
const CHUNK = 4096;

/** `exchange/market/symbol`, the key of computeAllFeatures' result and of lake partitions. */
export function instrumentKeyId(k: InstrumentKey): string {
  return `${k.exchange}/${k.market}/${k.symbol}`;
}

/** What pass 1 must accumulate for a feature set. */
export interface UniverseNeeds {
  breadth: number[];
  reference: number[];
  /** Market-cap age limits in ms. */
  marketCaps: number[];
}

export function universeNeeds(set: FeatureSet): UniverseNeeds {
  const breadth = new Set<number>();
  const reference = new Set<number>();
  const caps = new Set<number>();
  for (const f of set.features) {
    const fam = FAMILY_BY_NAME.get(f.family);
    if (fam?.cross === 'breadth') breadth.add(f.params.n as number);
    if (fam?.cross === 'reference') reference.add(f.params.n as number);
    if (fam?.cross === 'market_cap') caps.add((f.params.max_age_hours as number) * HOUR_MS);
  }
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { breadth: sorted(breadth), reference: sorted(reference), marketCaps: sorted(caps) };
}

/** True when the set has a cross-sectional feature (computeInstrumentFeatures then needs a Universe). */
export function needsUniverse(set: FeatureSet): boolean {
  const n = universeNeeds(set);
  return n.breadth.length + n.reference.length + n.marketCaps.length > 0;
}

export function inUniverse(filter: UniverseFilter, k: InstrumentKey): boolean {
  return (!filter.markets || filter.markets.includes(k.market)) && (!filter.exchanges || filter.exchanges.includes(k.exchange));
}

/** A sparse column over grid slots, in chunks of 4096 slots allocated on first write. */
class SlotColumn<A extends Float64Array | Int32Array | Uint8Array> {
  readonly chunks = new Map<number, A>();
  constructor(private readonly make: (n: number) => A) {}
  chunk(slot: number): { a: A; off: number } {
    const c = floor(slot / CHUNK);
    let a = this.chunks.get(c);
    if (!a) {
      a = this.make(CHUNK);
      this.chunks.set(c, a);
    }
    return { a, off: slot - c * CHUNK };
  }
  /** The array of chunk c (slots c * CHUNK ..), allocated on first use. */
  chunkAt(c: number): A {
    let a = this.chunks.get(c);
    if (!a) {
      a = this.make(CHUNK);
      this.chunks.set(c, a);
    }
    return a;
  }
  /** Copy into a dense array covering slots slot0 .. slot0 + out.length - 1. */
  denseInto(out: A, slot0: number): A {
    for (const [c, a] of this.chunks) {
      const base = c * CHUNK - slot0;
      for (let i = 0; i < CHUNK; i++) {
        const k = base + i;
        if (k >= 0 && k < out.length) out[k] = a[i]!;
      }
    }
    return out;
  }
}

/** One bit per slot: has this symbol already contributed a market cap there? */
class SlotBits {
  private readonly col = new SlotColumn((n) => new Uint8Array(n / 8));
  /** Sets the bit; returns whether it was already set. */
  testAndSet(slot: number): boolean {
    const c = floor(slot / CHUNK);
    const { a } = this.col.chunk(c * CHUNK);
    const off = slot - c * CHUNK;
    const byte = off >> 3;
    const bit = 1 << (off & 7);
    const was = (a[byte]! & bit) !== 0;
    a[byte] = a[byte]! | bit;
    return was;
  }
}

interface Candidate {
  id: string;
  priority: number;
  slots: Float64Array;
  returns: Map<number, Float64Array>;
}

/**
 * Counts, per slot, the instruments with a return (valid) and with a positive one. Slots ascend (checked by the
 * caller), so the bars are taken chunk by chunk: one chunk lookup per 4096 slots, not one per bar.
 */
function addBreadth(valid: SlotColumn<Int32Array>, positive: SlotColumn<Int32Array>, r: Float64Array, slots: Float64Array): void {
  const len = r.length;
  let i = 0;
  while (i < len) {
    const c = floor(slots[i]! / CHUNK);
    const base = c * CHUNK;
    const end = base + CHUNK;
    let va: Int32Array | undefined;
    let pa: Int32Array | undefined;
    for (; i < len && slots[i]! < end; i++) {
      const v = r[i]!;
      if (v !== v) continue;
      const k = slots[i]! - base;
      (va ??= valid.chunkAt(c))[k]!++;
      if (v > 0) (pa ??= positive.chunkAt(c))[k]!++;
    }
  }
}

/** Pass-1 accumulator; add instruments in any order (the stage adds them sorted by exchange/market/symbol). */
export class UniverseBuilder {
  private readonly needs: UniverseNeeds;
  private timeframe: Timeframe | undefined;
  private firstId = '';
  private tfMs = 0;
  private minSlot = INF;
  private maxSlot = -INF;
  private readonly members: string[] = [];
  private readonly breadth = new Map<number, { valid: SlotColumn<Int32Array>; positive: SlotColumn<Int32Array> }>();
  private readonly candidates: Candidate[] = [];
  private readonly caps = new Map<number, {
    sum: SlotColumn<Float64Array>; count: SlotColumn<Int32Array>; seen: Map<string, SlotBits>; reference: Map<string, SlotColumn<Float64Array>>;
  }>();

  constructor(private readonly set: FeatureSet) {
    this.needs = universeNeeds(set);
    for (const n of this.needs.breadth) this.breadth.set(n, { valid: new SlotColumn((k) => new Int32Array(k)), positive: new SlotColumn((k) => new Int32Array(k)) });
    for (const a of this.needs.marketCaps) {
      this.caps.set(a, { sum: new SlotColumn((k) => new Float64Array(k)), count: new SlotColumn((k) => new Int32Array(k)), seen: new Map(), reference: new Map() });
    }
  }

  /** Adds one instrument. Reads bars.ts_ms, bars.close and marketCap only. */
  add(s: InstrumentSeries): void {
    const id = instrumentKeyId(s.key);
    if (this.timeframe === undefined) {
      this.timeframe = s.timeframe;
      this.tfMs = timeframeMs(s.timeframe);
      this.firstId = id;
    } else if (s.timeframe !== this.timeframe) {
      throw new DataError(`the cross-section mixes timeframes: ${this.firstId} is ${this.timeframe}, ${id} is ${s.timeframe}`, {
        field: 'timeframe', value: s.timeframe,
      }, { hint: 'compute features one timeframe at a time' });
    }
    if (!inUniverse(this.set.cross_section.universe, s.key)) return;
    const ts = s.bars.ts_ms;
    const close = s.bars.close;
    checkAscending(ts, `${id} bars`, true);
    if (close.length !== ts.length) throw new DataError(`${id}: bars.close has ${close.length} rows, ts_ms has ${ts.length}`, { field: 'close' });
    const slots = new Float64Array(ts.length);
    for (let i = 0; i < ts.length; i++) {
      const slot = ts[i]! / this.tfMs;
      if (floor(slot) !== slot) {
        throw new DataError(`${id}: bar time is not on the ${this.timeframe} UTC grid (cross-sectional features align bars by time)`, {
          field: `ts_ms[${i}]`, value: ts[i]!,
        });
      }
      slots[i] = slot;
    }
    this.members.push(id);
    if (ts.length > 0) {
      this.minSlot = min(this.minSlot, slots[0]!);
      this.maxSlot = max(this.maxSlot, slots[slots.length - 1]!);
    }
    for (const [n, agg] of this.breadth) addBreadth(agg.valid, agg.positive, logReturn(close, n), slots);
    const priority = this.set.cross_section.reference_symbols.indexOf(s.key.symbol);
    if (priority >= 0 && this.needs.reference.length > 0) {
      this.candidates.push({ id, priority, slots, returns: new Map(this.needs.reference.map((n) => [n, logReturn(close, n)])) });
    }
    const mc = s.marketCap;
    if (mc && mc.ts_ms.length > 0) {
      checkAscending(mc.ts_ms, `${id} market caps`, false);
      for (const [age, agg] of this.caps) {
        const cap = asOfValues(ts, this.tfMs, mc.ts_ms, mc.market_cap_usd, age);
        let seen = agg.seen.get(s.key.symbol);
        if (!seen) agg.seen.set(s.key.symbol, (seen = new SlotBits()));
        let ref = priority >= 0 ? agg.reference.get(s.key.symbol) : undefined;
        if (priority >= 0 && !ref) agg.reference.set(s.key.symbol, (ref = new SlotColumn((k) => new Float64Array(k).fill(NAN))));
        for (let i = 0; i < cap.length; i++) {
          const v = cap[i]!;
          if (!(v > 0 && v < INF)) continue;
          if (seen.testAndSet(slots[i]!)) continue; // this symbol already counted at this slot (another market/exchange)
          const a = agg.sum.chunk(slots[i]!);
          a.a[a.off] = a.a[a.off]! + v;
          const b = agg.count.chunk(slots[i]!);
          b.a[b.off]!++;
          if (ref) {
            const c = ref.chunk(slots[i]!);
            c.a[c.off] = v;
          }
        }
      }
    }
  }

  /** The dense aggregates over the grid covering every member's bars. */
  finish(): Universe {
    const empty = this.members.length === 0 || this.minSlot > this.maxSlot;
    const slot0 = empty ? 0 : this.minSlot;
    const length = empty ? 0 : this.maxSlot - this.minSlot + 1;
    const breadth = new Map<number, { valid: Int32Array; positive: Int32Array }>();
    for (const [n, agg] of this.breadth) {
      breadth.set(n, { valid: agg.valid.denseInto(new Int32Array(length), slot0), positive: agg.positive.denseInto(new Int32Array(length), slot0) });
    }
    // Highest priority last, so it overwrites: at each slot the best reference with a bar row there wins.
    const byPriority = [...this.candidates].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const referenceReturns = new Map<number, Float64Array>();
    for (const n of this.needs.reference) {
      const out = new Float64Array(length).fill(NAN);
      for (const c of [...byPriority].reverse()) {
        const r = c.returns.get(n)!;
        for (let i = 0; i < c.slots.length; i++) out[c.slots[i]! - slot0] = r[i]!;
      }
      referenceReturns.set(n, out);
    }
    const marketCaps = new Map<number, { sum: Float64Array; count: Int32Array; reference: Float64Array }>();
    const refSymbols = this.set.cross_section.reference_symbols;
    for (const [age, agg] of this.caps) {
      const reference = new Float64Array(length).fill(NAN);
      for (const sym of [...refSymbols].reverse()) {
        const col = agg.reference.get(sym);
        if (!col) continue;
        const dense = col.denseInto(new Float64Array(length).fill(NAN), slot0);
        for (let k = 0; k < length; k++) if (dense[k]! === dense[k]!) reference[k] = dense[k]!;
      }
      marketCaps.set(age, { sum: agg.sum.denseInto(new Float64Array(length), slot0), count: agg.count.denseInto(new Int32Array(length), slot0), reference });
    }
    return {
      timeframe: this.timeframe,
      tfMs: this.tfMs || 1,
      slot0,
      length,
      members: [...this.members].sort(),
      references: byPriority.map((c) => c.id),
      breadth,
      referenceReturns,
      marketCaps,
    };
  }
}

/**
 * Pass 1: streams `series` one instrument at a time (an async generator that reads each from the lake keeps memory
 * flat) and returns the cross-sectional aggregates. When the set has no cross-sectional feature the series are not
 * read and an empty universe is returned.
 */
export async function buildUniverse(
  set: FeatureSet, series: AsyncIterable<InstrumentSeries> | Iterable<InstrumentSeries>,
): Promise<Universe> {
  const b = new UniverseBuilder(set);
  if (needsUniverse(set)) for await (const s of series) b.add(s);
  return b.finish();
}
