import { generateSymbol, plantedEdges, syntheticSymbols, type SyntheticParams } from '../../ingest/synthetic/index.js';
import type { StageContext } from '../../stage/definition.js';
import { RawWriter, singleOrigin } from './raw_writer.js';
import { mapWithConnections, type LakeDb } from '../../lake/index.js';
import type { IngestParams } from './params.js';

/** The seeded synthetic market, one symbol at a time (refused without allow_synthetic by the stage's preflight); provenance says synthetic. */
export async function ingestSynthetic(ctx: StageContext<IngestParams>, db: LakeDb, writer: RawWriter): Promise<Record<string, unknown>> {
  const p = ctx.params.synthetic as SyntheticParams;
  const symbols = syntheticSymbols(p);
  const file = `synthetic:seed=${p.seed}`;
  let done = 0;
  // Two symbols at a time: one is generated in JS while DuckDB writes the other; memory holds two at most.
  await mapWithConnections(db, symbols.map((_, i) => i), 2, async (i, conn) => {
    if (ctx.signal.aborted) return;
    const w = writer.on(conn);
    const g = generateSymbol(p, i);
    const id = `${g.key.exchange}/${g.key.market}/${g.key.symbol}`;
    await w.bars('rawKlines', g.key, p.timeframe, g.bars, singleOrigin(file, g.bars.ts_ms.length));
    await w.funding(g.key, g.funding, singleOrigin(file, g.funding.ts_ms.length));
    await w.openInterest(g.key, g.openInterest, singleOrigin(file, g.openInterest.ts_ms.length));
    await w.marketCap(g.key, g.marketCap, singleOrigin(file, g.marketCap.ts_ms.length));
    w.record({ table: 'raw/klines', instrument: id, file, rows: g.bars.ts_ms.length, first_ts_ms: g.bars.ts_ms[0]!, last_ts_ms: g.bars.ts_ms[g.bars.ts_ms.length - 1]! });
    ctx.progress(++done, symbols.length, 'symbols');
  });
  return { synthetic: true, generator: p, planted_edges: plantedEdges(p) };
}
