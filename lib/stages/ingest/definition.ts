import { dirname } from 'node:path';
import { defineStage } from '../../stage/definition.js';
import { LakeDb } from '../../lake/index.js';
import { RawWriter } from './raw_writer.js';
import { INGEST_PARAMS_SCHEMA, type IngestParams } from './params.js';
import { ingestSynthetic } from './synthetic_source.js';
import { ingestBinanceVision } from './binance_source.js';
import { ingestCsv } from './csv_source.js';
import { ingestCcxt } from './ccxt_source.js';
import { UsageError } from '../../errors.js';

/**
 * ingest: a source -> lake/raw, as received (validated row by row), with provenance: source, file, sha256,
 * rows, time ingested, and whether the data is synthetic.
 */
export const ingestStage = defineStage<IngestParams>({
  name: 'ingest',
  description: 'Read bars, funding and open interest from a source into lake/raw, as received, with provenance.',
  paramsSchema: INGEST_PARAMS_SCHEMA as never,
  inputs: () => [],
  externalInputs: (p) =>
    p.source === 'binance-vision' && p.binance_vision ? [p.binance_vision.path]
    : p.source === 'csv' && p.csv ? p.csv.files.map((f) => f.path)
    : [],
  specs: () => [],
  outputs: ['lake/raw'],
  usesCosts: false,
  async run(ctx) {
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
        p.source === 'synthetic' ? await ingestSynthetic(ctx, w)
        : p.source === 'binance-vision' ? await ingestBinanceVision(ctx, db, w)
        : p.source === 'csv' ? await ingestCsv(ctx, db, w)
        : await ingestCcxt(ctx, w);
      await w.writeProvenance({ source: p.source, ingested_at: new Date(ctx.now()).toISOString(), run_id: ctx.runId, ...meta });
      return { rows: w.rows, metrics: { source: p.source, synthetic: p.source === 'synthetic' } };
    } finally {
      db.close();
    }
  },
});
