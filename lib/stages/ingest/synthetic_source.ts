import { generateSymbol, plantedEdges, syntheticSymbols, type SyntheticParams } from '../../ingest/synthetic/index.js';
import type { StageContext } from '../../stage/definition.js';
import { type RawWriter, singleOrigin } from './raw_writer.js';
import type { IngestParams } from './params.js';
import { describeWindow, isFullWindow, parseWindow, sliceColumns, windowRange, type IngestWindow } from '../../ingest/window.js';
import { SpecError } from '../../errors.js';

/** A generated series cut to the ingest window (the generator runs on its own start_ms..end_ms, so values do not move). */
function cut<T extends { ts_ms: Float64Array }>(x: T, w: IngestWindow): T {
  if (isFullWindow(w)) return x;
  const [from, to] = windowRange(x.ts_ms, w);
  return sliceColumns(x, from, to);
}

/**
 * The seeded synthetic market's symbols, checked against the ingest window (the stage's preflight refuses it without
 * allow_synthetic). Each symbol is `generateSymbol(p, i)`: a pure function of the parameters and the symbol's index
 * (its own random stream, the market factor recomputed from the seed), so one symbol per shard writes the bytes of
 * the whole market written at once.
 */
export function syntheticShardSymbols(ctx: StageContext<IngestParams>): { index: number; id: string }[] {
  const p = ctx.params.synthetic as SyntheticParams;
  const symbols = syntheticSymbols(p);
  const window = parseWindow(ctx.params.start, ctx.params.end);
  if (!(window.startMs < p.end_ms && window.endMs > p.start_ms)) {
    const d = describeWindow(window);
    throw new SpecError([`ingest params start: the ingest window [${d.start ?? '-inf'}, ${d.end ?? '+inf'}) does not overlap the synthetic market `
      + `[${new Date(p.start_ms).toISOString()}, ${new Date(p.end_ms).toISOString()}), was ${JSON.stringify(ctx.params.start ?? null)}`], {
      hint: 'move ingest.start / ingest.end inside synthetic.start_ms .. synthetic.end_ms',
    });
  }
  return symbols.map((s, index) => ({ index, id: `${p.exchange}/${p.market}/${s}` }));
}

/** One synthetic symbol (index i of the market): bars, funding, open interest and market caps, cut to the window. */
export async function ingestSyntheticSymbol(ctx: StageContext<IngestParams>, w: RawWriter, i: number): Promise<void> {
  const p = ctx.params.synthetic as SyntheticParams;
  const file = `synthetic:seed=${p.seed}`;
  const window = parseWindow(ctx.params.start, ctx.params.end);
  const full = generateSymbol(p, i);
  const g = { ...full, bars: cut(full.bars, window), funding: cut(full.funding, window), openInterest: cut(full.openInterest, window), marketCap: cut(full.marketCap, window) };
  const id = `${g.key.exchange}/${g.key.market}/${g.key.symbol}`;
  await w.bars('rawKlines', g.key, p.timeframe, g.bars, singleOrigin(file, g.bars.ts_ms.length));
  await w.funding(g.key, g.funding, singleOrigin(file, g.funding.ts_ms.length));
  await w.openInterest(g.key, g.openInterest, singleOrigin(file, g.openInterest.ts_ms.length));
  await w.marketCap(g.key, g.marketCap, singleOrigin(file, g.marketCap.ts_ms.length));
  w.record({ table: 'raw/klines', instrument: id, file, rows: g.bars.ts_ms.length, first_ts_ms: g.bars.ts_ms[0]!, last_ts_ms: g.bars.ts_ms[g.bars.ts_ms.length - 1]! });
}

/** The synthetic source's provenance fields. */
export function syntheticMeta(ctx: StageContext<IngestParams>): Record<string, unknown> {
  const p = ctx.params.synthetic as SyntheticParams;
  return { synthetic: true, generator: p, planted_edges: plantedEdges(p), window: describeWindow(parseWindow(ctx.params.start, ctx.params.end)) };
}
