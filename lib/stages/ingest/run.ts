import { dirname } from 'node:path';
import { UsageError } from '../../errors.js';
import { digestJson } from '../../hash.js';
import type { ShardItem, ShardSpec, StageContext, StageRunSummary } from '../../stage/definition.js';
import { statDigest } from '../../stage/fingerprint.js';
import { runShardsInProcess } from '../../stage/shard.js';
import { RawWriter, type ProvenanceEntry } from './raw_writer.js';
import type { IngestParams } from './params.js';
import { ingestSyntheticSymbol, syntheticMeta, syntheticShardSymbols } from './synthetic_source.js';
import { binanceMeta, ingestBinanceInstrument, listBinanceVision } from './binance_source.js';
import { csvMeta, csvShardFiles, ingestCsvFile } from './csv_source.js';
import type { DiscoveredFile } from '../../ingest/binance_vision/index.js';

const WORKERS = 2;

/** What one ingest shard reports to the reduce: its provenance records and row counts (and the ccxt run's fields). */
export interface IngestShardResult {
  entries: ProvenanceEntry[];
  rows: Record<string, number>;
  meta?: Record<string, unknown>;
}

/** What `list` hands a shard (ShardItem.data), by source. */
type IngestShardData =
  | { source: 'synthetic'; index: number }
  | { source: 'binance-vision'; files: DiscoveredFile[] }
  | { source: 'csv'; files: number[] }
  | { source: 'ccxt' };

/**
 * ingest in shards of one instrument (docs/scale.md): each shard writes its instrument's raw partitions only, the
 * reduce writes what needs every instrument: CoinGecko market caps (one file or API walk over all coins) and
 * lake/raw/_provenance.json (every shard's records and row counts). By source:
 *   synthetic       one shard per symbol (each symbol is a pure function of the seed and its index)
 *   binance-vision  one shard per <market>/<symbol> of the listed files (every kind and interval of it); its input
 *                   digest is those files' paths, sizes and mtimes, so adding a symbol's files reruns that symbol only
 *   csv             one shard per symbol of ingest.csv.files
 *   ccxt            ONE shard: it resumes every symbol from the previous raw lake, carried over whole by hard links
 * The unsharded run is the same functions in one process, two instruments at a time.
 */
export const ingestShards: ShardSpec<IngestParams, undefined, IngestShardResult> = {
  by: 'instrument',
  list: async (ctx) => {
    const p = ctx.params;
    requireSection(p);
    if (p.source === 'synthetic') {
      return syntheticShardSymbols(ctx).map(({ index, id }) => item(id, { source: 'synthetic', index }, []));
    }
    if (p.source === 'binance-vision') {
      const l = await listBinanceVision(ctx, true);
      return Promise.all([...l.instruments].map(async ([id, files]) =>
        item(id, { source: 'binance-vision', files }, await Promise.all(files.map(async (f) => [f.rel, await statDigest(f.path)])))));
    }
    if (p.source === 'csv') {
      return Promise.all([...csvShardFiles(ctx)].map(async ([id, files]) =>
        item(id, { source: 'csv', files }, await Promise.all(files.map(async (k) => [p.csv!.files[k]!.path, await statDigest(p.csv!.files[k]!.path)])))));
    }
    return [item(`ccxt/${p.ccxt!.exchange_id}`, { source: 'ccxt' }, [])];
  },
  runShard: async (ctx, shard, _prepared, db) => {
    const w = new RawWriter(db, dirname(ctx.output('lake/raw')));
    const d = shard.data as IngestShardData;
    let meta: Record<string, unknown> | undefined;
    if (d.source === 'synthetic') await ingestSyntheticSymbol(ctx, w, d.index);
    else if (d.source === 'binance-vision') await ingestBinanceInstrument(ctx, db, w, d.files);
    else if (d.source === 'csv') for (const k of d.files) await ingestCsvFile(ctx, db, w, k);
    else meta = await (await import('./ccxt_source.js')).ingestCcxt(ctx, w);
    return { entries: w.entries, rows: w.rows, ...(meta ? { meta } : {}) };
  },
  reduce: async (ctx, _shards, results, _prepared, db) => {
    const p = ctx.params;
    const rows: Record<string, number> = {};
    for (const r of results) for (const [t, n] of Object.entries(r.rows)) rows[t] = (rows[t] ?? 0) + n;
    const w = new RawWriter(db, dirname(ctx.output('lake/raw')), results.flatMap((r) => r.entries), rows);
    const meta =
      p.source === 'synthetic' ? syntheticMeta(ctx)
      : p.source === 'binance-vision' ? binanceMeta(ctx, await listBinanceVision(ctx, false))
      : p.source === 'csv' ? csvMeta(ctx)
      : results[0]?.meta ?? {};
    const caps = p.coingecko ? await (await import('./coingecko_source.js')).ingestCoinGecko(ctx, w) : {};
    await w.writeProvenance({ source: p.source, ingested_at: new Date(ctx.now()).toISOString(), ...meta, ...caps });
    return { rows: w.rows, metrics: { source: p.source, synthetic: p.source === 'synthetic' } };
  },
};

/** A shard: its instrument, what it reads (data) and the digest of both with its files' stat digests. */
function item(label: string, data: IngestShardData, stats: unknown[]): ShardItem {
  return { label, input_digest: digestJson({ data, stats }), data };
}

function requireSection(p: IngestParams): void {
  const section = p.source === 'binance-vision' ? p.binance_vision : p.source === 'csv' ? p.csv : p.source === 'ccxt' ? p.ccxt : p.synthetic;
  if (!section) {
    throw new UsageError(`ingest source is "${p.source}" but stages.ingest.${p.source.replace('-', '_')} is not configured`, {
      hint: 'add that section to spec/pipeline.yaml or pass --set ingest.<section>.<key>=value',
    });
  }
}

/** The ingest stage's work (loaded only when the stage runs; ccxt only for the ccxt source): every instrument, two at a time. */
export async function runIngest(ctx: StageContext<IngestParams>): Promise<StageRunSummary> {
  return runShardsInProcess(ingestShards, ctx, WORKERS);
}
