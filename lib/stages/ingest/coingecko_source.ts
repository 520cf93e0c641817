import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { StageContext } from '../../stage/definition.js';
import { DataError } from '../../errors.js';
import { describeWindow, parseWindow, windowRange, sliceColumns } from '../../ingest/window.js';
import { decodeMaybeGzip, fetchMarketChart, parseCoinGeckoCsv, validatePoints, type CoinGeckoPoint } from '../../ingest/coingecko/index.js';
import { loadCoinMap } from '../../ingest/coingecko/coin_map.js';
import type { RawWriter } from './raw_writer.js';
import type { IngestParams } from './params.js';

/**
 * CoinGecko daily market caps into lake/raw/market_cap under exchange=<coingecko.exchange>/market=spot/
 * symbol=<BASE><QUOTE> of the coin map; the file and the API go through the same validator and writer. Coins the map
 * does not name are skipped and listed in provenance (they cannot be joined to exchange prices).
 */
export async function ingestCoinGecko(ctx: StageContext<IngestParams>, w: RawWriter): Promise<Record<string, unknown>> {
  const p = ctx.params.coingecko!;
  if ((p.file === undefined) === (p.api === undefined)) {
    throw new DataError('set exactly one of file and api', { field: 'ingest.coingecko', value: JSON.stringify({ file: p.file ?? null, api: p.api ? 'set' : null }) }, {
      hint: 'ingest.coingecko.file=<csv(.gz)> for the shared dataset, or ingest.coingecko.api.coins=[...] for the public API',
    });
  }
  const map = await loadCoinMap(p.coin_map);
  const window = parseWindow(ctx.params.start, ctx.params.end);
  let points: CoinGeckoPoint[];
  if (p.file !== undefined) {
    if (!existsSync(p.file)) throw new DataError('file not found', { file: p.file, field: 'ingest.coingecko.file', value: p.file }, { hint: 'point ingest.coingecko.file at the CoinGecko daily CSV' });
    points = parseCoinGeckoCsv(decodeMaybeGzip(await readFile(p.file), p.file), p.file);
  } else {
    points = [];
    for (const coin of p.api!.coins) points.push(...(await fetchMarketChart(p.api!.base_url, coin, p.api!.days, ctx.signal)));
  }
  const parsed = validatePoints(points, { intradayAllowed: p.api !== undefined });
  const unmapped: string[] = [];
  let written = 0;
  for (const s of parsed.series) {
    const symbol = map.symbolOf(s.coin);
    if (symbol === undefined) { unmapped.push(s.coin); continue; }
    const [from, to] = windowRange(s.ts_ms, window);
    if (from === to) continue;
    const files = [...new Set(s.src)];
    const idx = new Map(files.map((f, i) => [f, i]));
    const cut = sliceColumns({ ts_ms: s.ts_ms, market_cap_usd: s.market_cap_usd, line: s.line, file_idx: Int32Array.from(s.src, (f) => idx.get(f)!) }, from, to);
    const key = { exchange: p.exchange, market: 'spot' as const, symbol };
    await w.marketCap(key, { ts_ms: cut.ts_ms, market_cap_usd: cut.market_cap_usd }, { files, file_idx: cut.file_idx, line: cut.line });
    w.record({ table: 'raw/market_cap', instrument: `${p.exchange}/spot/${symbol}`, file: files.length === 1 ? files[0]! : `${files.length} API responses`, rows: cut.ts_ms.length, first_ts_ms: cut.ts_ms[0]!, last_ts_ms: cut.ts_ms[cut.ts_ms.length - 1]! });
    written++;
  }
  if (p.file !== undefined) await w.recordFile(p.file, { table: 'raw/market_cap', instrument: `${p.exchange}/*`, file: p.file, rows: parsed.rows });
  if (written === 0) {
    throw new DataError('no market caps inside the ingest window for any mapped coin', { file: p.file ?? p.api!.base_url, field: 'ingest.coingecko', value: describeWindow(window) }, {
      hint: 'widen ingest.start / ingest.end or check the coin map',
    });
  }
  ctx.log.info({ coins: written, unmapped: unmapped.length, dropped_zero_cap: parsed.dropped_zero_cap }, 'coingecko market caps ingested');
  return {
    coingecko: {
      source: p.file !== undefined ? 'file' : 'api', coins_written: written, rows: parsed.rows, dropped_zero_cap: parsed.dropped_zero_cap,
      dropped_intraday: parsed.dropped_intraday, unmapped_coins: unmapped, coin_map: { file: map.file, version: map.version, digest: map.digest },
    },
  };
}
