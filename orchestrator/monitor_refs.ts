/**
 * The monitor's reference lists (the versioned coin map and exclusion list), read here because they live in the
 * pipeline's ingest code (lib/ingest/coingecko) and lib/monitor may not import the pipeline: the monitor command
 * (cli/monitor) and the look-ahead check (lookahead_cli) hand them to lib/monitor.
 */
import { loadCoinMap, loadExclusions } from '../lib/ingest/coingecko/coin_map.js';
import type { ReferenceLists } from '../lib/monitor/run.js';

/** Excluded CoinGecko ids as exchange symbols, plus the two files' digests for the manifest. */
export async function referenceLists(coinMapFile: string, exclusionsFile: string): Promise<ReferenceLists> {
  const map = await loadCoinMap(coinMapFile);
  const excl = await loadExclusions(exclusionsFile);
  return {
    excludedSymbols: new Set([...excl.all].map((c) => map.symbolOf(c)).filter((s): s is string => s !== undefined)),
    coin_map: { file: map.file, version: map.version, digest: map.digest },
    exclusions: { file: excl.file, version: excl.version, digest: excl.digest },
  };
}
