import { defineStage } from '../../stage/definition.js';
import { UsageError } from '../../errors.js';
import { parseWindow } from '../../ingest/window.js';
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
  externalInputs: (p) => [
    ...(p.source === 'binance-vision' && p.binance_vision ? [p.binance_vision.path]
      : p.source === 'csv' && p.csv ? p.csv.files.map((f) => f.path)
      : []),
    ...(p.coingecko ? [p.coingecko.coin_map, ...(p.coingecko.file !== undefined ? [p.coingecko.file] : [])] : []),
  ],
  specs: () => [],
  outputs: ['lake/raw'],
  usesCosts: false,
  preflight: (p) => {
    parseWindow(p.start, p.end);
    if (p.source === 'synthetic' && !p.allow_synthetic) {
      throw new UsageError('ingest source is "synthetic" but synthetic data was not allowed: pass --allow-synthetic for the seeded synthetic market, or name real data with --set ingest.source=binance-vision --set ingest.binance_vision.path=DIR --set ingest.binance_vision.market=um (or spot)', {
        hint: 'pass --allow-synthetic to run on the seeded synthetic market, or set stages.ingest.source to real data in spec/pipeline.yaml',
      });
    }
  },
  run: async (ctx) => (await import('./run.js')).runIngest(ctx),
  shards: async () => (await import('./run.js')).ingestShards,
});
