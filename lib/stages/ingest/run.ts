import { dirname } from 'node:path';
import { LakeDb } from '../../lake/index.js';
import { UsageError } from '../../errors.js';
import type { StageContext, StageRunSummary } from '../../stage/definition.js';
import { RawWriter } from './raw_writer.js';
import type { IngestParams } from './params.js';
import { ingestSynthetic } from './synthetic_source.js';
import { ingestBinanceVision } from './binance_source.js';
import { ingestCsv } from './csv_source.js';

/** The ingest stage's work (loaded only when the stage runs; ccxt only for the ccxt source). */
export async function runIngest(ctx: StageContext<IngestParams>): Promise<StageRunSummary> {
  const p = ctx.params;
  const section = p.source === 'binance-vision' ? p.binance_vision : p.source === 'csv' ? p.csv : p.source === 'ccxt' ? p.ccxt : p.synthetic;
  if (!section) {
    throw new UsageError(`ingest source is "${p.source}" but stages.ingest.${p.source.replace('-', '_')} is not configured`, {
      hint: 'add that section to spec/pipeline.yaml or pass --set ingest.<section>.<key>=value',
    });
  }
  const db = await LakeDb.open({ threads: 2 });
  try {
    const w = new RawWriter(db, dirname(ctx.output('lake/raw')));
    const meta =
      p.source === 'synthetic' ? await ingestSynthetic(ctx, db, w)
      : p.source === 'binance-vision' ? await ingestBinanceVision(ctx, db, w)
      : p.source === 'csv' ? await ingestCsv(ctx, db, w)
      : await (await import('./ccxt_source.js')).ingestCcxt(ctx, w);
    const caps = p.coingecko ? await (await import('./coingecko_source.js')).ingestCoinGecko(ctx, w) : {};
    await w.writeProvenance({ source: p.source, ingested_at: new Date(ctx.now()).toISOString(), ...meta, ...caps });
    return { rows: w.rows, metrics: { source: p.source, synthetic: p.source === 'synthetic' } };
  } finally {
    db.close();
  }
}
