/**
 * Shards by candidate range (discovery and bridge; docs/scale.md): a shard is a contiguous range of the plan's
 * candidates, labelled `candidates <first>-<last>` (0-based plan positions, inclusive). Its input digest covers
 * exactly what it reads: its candidates (carried in the shard's data, so a shard never reads the plan file) and the
 * committed partitions of the instruments they trade (bars, events and, for bridge, funding).
 */
import { digestJson } from '../../hash.js';
import { listPartitions, TABLES } from '../../lake/index.js';
import { EVENTS_TABLE } from '../../lake/derived.js';
import { memberInstruments, type Candidate } from '../../research/candidate.js';
import type { PlanCandidate } from '../../research/discovery.js';
import { partitionsDigest } from '../../stage/shard.js';
import { instrumentLabel, type InstrumentKey, type PartitionLister } from './io.js';

/** Contiguous ranges of `n` plan candidates, `size` each (the last one shorter), in plan order. */
export function candidateRanges(n: number, size: number): { from: number; to: number; label: string }[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`candidate range size must be an integer >= 1, got ${size}`);
  const out: { from: number; to: number; label: string }[] = [];
  for (let from = 0; from < n; from += size) {
    const to = Math.min(n, from + size);
    out.push({ from, to, label: `candidates ${from}-${to - 1}` });
  }
  return out;
}

/** A plan candidate without the plan's feasibility counts (NaN when absent, so not JSON; no shard reads them). */
export function shardCandidate(c: PlanCandidate): Candidate {
  const { events: _events, expected_ess: _ess, ...rest } = c;
  return rest;
}

/** The instruments (with the candidate's timeframe) the candidates read: their own, or each member of a pooled one. */
export function instrumentsOf(cands: readonly Candidate[]): InstrumentKey[] {
  const m = new Map<string, InstrumentKey>();
  for (const c of cands) {
    for (const i of memberInstruments(c)) {
      const k = { ...i, timeframe: c.timeframe };
      m.set(instrumentLabel(k), k);
    }
  }
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
}

/**
 * Digests of the committed partitions one instrument's pricing or testing reads (from their manifests), listed once
 * per instrument however many shards read it: cleaned bars of its timeframe, its events of that timeframe, and its
 * cleaned funding when `funding` says so for the instrument.
 */
export function instrumentInputs(lakeRoot: string, eventsRoot: string, funding: (k: InstrumentKey) => boolean, list: PartitionLister = listPartitions) {
  const cache = new Map<string, Promise<unknown>>();
  const one = (k: InstrumentKey): Promise<unknown> => {
    const label = instrumentLabel(k);
    let p = cache.get(label);
    if (!p) {
      const f = { exchange: k.exchange, market: k.market, symbol: k.symbol };
      p = (async () => [
        label,
        partitionsDigest(await list(lakeRoot, TABLES.cleanBars, { ...f, timeframe: k.timeframe })),
        partitionsDigest(await list(eventsRoot, EVENTS_TABLE, { ...f, timeframe: k.timeframe })),
        funding(k) ? partitionsDigest(await list(lakeRoot, TABLES.cleanFunding, f)) : null,
      ])();
      cache.set(label, p);
    }
    return p;
  };
  /** One digest over the inputs of these instruments (sorted by label). */
  return async (keys: readonly InstrumentKey[]): Promise<unknown[]> => {
    const out: unknown[] = [];
    for (const k of keys) out.push(await one(k));
    return out;
  };
}

/** A candidate-range shard's input digest: its data (the candidates it evaluates) and its instruments' partitions. */
export function rangeDigest(data: unknown, inputs: unknown[]): string {
  return digestJson({ data, inputs });
}
