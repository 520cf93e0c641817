import { defineStage } from '../../stage/definition.js';
import { INGEST_PARAMS_SCHEMA, type IngestParams } from './params.js';

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
  run: async (ctx) => (await import('./run.js')).runIngest(ctx),
});
