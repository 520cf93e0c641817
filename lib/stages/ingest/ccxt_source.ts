import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fetchOhlcv, fetchFundingHistory, fetchOpenInterestHistory, ccxtMarketKey } from '../../ingest/ccxt/source.js';
import { listPartitions, TABLES, type TableSchema } from '../../lake/index.js';
import { linkTree } from '../../fsx.js';
import { DataError, SpecError } from '../../errors.js';
import { checkBars, checkFunding, checkOrder, checkSpacing } from '../../ingest/validate.js';
import { describeWindow, parseUtcDate, parseWindow } from '../../ingest/window.js';
import { timeframeMs } from '../../timeframe.js';
import type { InstrumentKey } from '../../market.js';
import type { StageContext } from '../../stage/definition.js';
import { RawWriter, singleOrigin } from './raw_writer.js';
import type { IngestParams } from './params.js';

const DAY_MS = 86_400_000;

/**
 * Any ccxt exchange: bars, funding and open interest, resuming after the last stored row of each series.
 * The previous raw lake is carried over by hard links; only months that receive new rows are rewritten.
 */
export async function ingestCcxt(ctx: StageContext<IngestParams>, w: RawWriter): Promise<Record<string, unknown>> {
  const p = ctx.params.ccxt!;
  const prev = ctx.previousOutput('lake/raw');
  const outRaw = ctx.output('lake/raw');
  if (prev && existsSync(prev)) await linkTree(prev, outRaw);
  const prevLake = prev ? dirname(prev) : undefined;
  // ingest.start / ingest.end narrow ccxt.since / ccxt.until (rows kept from an earlier run are not cut).
  const window = parseWindow(ctx.params.start, ctx.params.end);
  const since0 = Math.max(parseUtcDate(p.since, 'ccxt.since'), window.startMs);
  const until = Math.min(p.until ? parseUtcDate(p.until, 'ccxt.until') : ctx.now(), window.endMs);
  if (!(since0 < until)) {
    throw new SpecError([`ingest params ccxt.since: the window to fetch is empty (since ${new Date(since0).toISOString()} is not before until ${new Date(until).toISOString()}), was ${JSON.stringify(p.since)}`], {
      hint: 'ccxt.since/ccxt.until and ingest.start/ingest.end must overlap (until and end are exclusive)',
    });
  }
  const common = {
    exchangeId: p.exchange_id, untilMs: until, log: ctx.log, nowMs: ctx.now,
    ...(p.urls ? { urls: p.urls } : {}), ...(p.rate_limit_ms !== undefined ? { rateLimitMs: p.rate_limit_ms } : {}),
  };
  const fetched: Record<string, number> = {};
  let done = 0;
  for (const symbol of p.symbols) {
    const key = ccxtMarketKey(p.exchange_id, symbol);
    const tfMs = timeframeMs(p.timeframe);
    const barsSince = await resumeFrom(prevLake, TABLES.rawKlines, key, { interval: p.timeframe }, since0, tfMs);
    const bars = await fetchOhlcv({ ...common, symbol, timeframe: p.timeframe, sinceMs: barsSince });
    const src = `ccxt:${p.exchange_id}:${symbol}:ohlcv:${p.timeframe}`;
    const rows = { file: src, lines: null };
    checkOrder(bars.ts_ms, rows);
    checkBars(bars, rows);
    checkSpacing(bars.ts_ms, p.timeframe, rows, 'timestamp', 'ingest.ccxt.timeframe');
    await w.bars('rawKlines', key, p.timeframe, bars, singleOrigin(src, bars.ts_ms.length));
    w.record({ table: 'raw/klines', instrument: `${key.exchange}/${key.market}/${key.symbol}/${p.timeframe}`, file: src, rows: bars.ts_ms.length });
    fetched[`${symbol} bars`] = bars.ts_ms.length;
    if (p.funding) {
      const fSince = await resumeFrom(prevLake, TABLES.rawFunding, key, {}, since0, 1);
      const f = await fetchFundingHistory({ ...common, symbol, sinceMs: fSince });
      const fSrc = `ccxt:${p.exchange_id}:${symbol}:funding`;
      checkFunding(f, { file: fSrc, lines: null });
      // A perpetual settles at least daily: a day or more with no settlement and none stored is a missing history.
      if (key.market !== 'spot' && f.ts_ms.length === 0 && fSince === since0 && until - fSince >= DAY_MS) {
        throw new DataError(`${symbol} is a perpetual but the exchange returned no funding settlements from ${new Date(fSince).toISOString()} to ${new Date(until).toISOString()}`, {
          file: fSrc, field: 'funding_rate', value: 0,
        }, { hint: 'check the symbol is a perpetual of this exchange and the window; or set ingest.ccxt.funding=false (then disable funding in spec/costs.yaml)' });
      }
      await w.funding(key, f, singleOrigin(`ccxt:${p.exchange_id}:${symbol}:funding`, f.ts_ms.length));
      fetched[`${symbol} funding`] = f.ts_ms.length;
    }
    if (p.open_interest) {
      const oSince = await resumeFrom(prevLake, TABLES.rawOpenInterest, key, {}, since0, 1);
      const oi = await fetchOpenInterestHistory({ ...common, symbol, timeframe: p.timeframe, sinceMs: oSince });
      await w.openInterest(key, oi, singleOrigin(`ccxt:${p.exchange_id}:${symbol}:open_interest`, oi.ts_ms.length));
      fetched[`${symbol} open_interest`] = oi.ts_ms.length;
    }
    ctx.progress(++done, p.symbols.length, 'symbols');
  }
  return { synthetic: false, exchange_id: p.exchange_id, since_ms: since0, until_ms: until, window: describeWindow(window), fetched };
}

/**
 * Where to resume a series: after its last stored row (from partition manifests, no data read), else `since`.
 * The partition holding the last row is rewritten with old + new rows, so it is read back by the writer's caller.
 */
async function resumeFrom(
  prevLake: string | undefined, table: TableSchema, key: InstrumentKey, extra: Record<string, string>, since: number, stepMs: number,
): Promise<number> {
  if (!prevLake) return since;
  const parts = await listPartitions(prevLake, table, { ...key, ...extra });
  if (parts.length === 0) return since;
  const last = Math.max(...parts.map((p) => p.manifest.max_ts_ms));
  // Resume at the start of the last stored month: that partition is rewritten whole with what the exchange returns.
  const monthStart = Date.UTC(new Date(last).getUTCFullYear(), new Date(last).getUTCMonth(), 1);
  return Math.max(since, Math.min(last + stepMs, monthStart));
}

