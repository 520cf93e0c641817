/**
 * `npm run mm:realtime -- --symbol BTC/USDT --timeframe 1m --iterations 20 [--source replay|ccxt] [--speed 0]`
 * The paper quote loop: each iteration polls the data (replay from the lake at `speed` x real time, 0 = no wait;
 * or ccxt public OHLCV), emits the bid/ask quotes as a JSON line on stdout and in
 * <data_dir>/artifacts/realtime/<run_id>.jsonl, then paper-fills them against the bar when it completes.
 * Never places an order (--mode live is refused by the live guard). Exit 0 ok, 2 usage, 3 bad input.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hideBin } from 'yargs/helpers';
import { DataError, UsageError } from '../../lib/errors.js';
import { loadCosts } from '../../lib/costs/digest.js';
import { resolveInside } from '../../lib/paths.js';
import { checkMode, redactEnv } from '../../lib/mm/modes.js';
import { loadMmData, mmCostsFor } from '../../lib/mm/run.js';
import { replayFeed, runRealtime, type BarFeed, type FeedBar } from '../../lib/mm/realtime.js';
import { timeframeMs } from '../../lib/timeframe.js';
import { baseArgs, dataDirOf, instrumentOf, paramsOf, runCli, runIdOf, timeframeOf, type CommonArgs } from './common.js';

type Ohlcv = [number, number, number, number, number, number];
interface OhlcvExchange { fetchOHLCV(symbol: string, tf: string, since?: number, limit?: number): Promise<Ohlcv[]> }

/** Public OHLCV polled through ccxt (no keys): the forming bar's open starts an iteration, its close ends it. */
async function ccxtFeed(exchangeId: string, symbol: string, tf: string, tfMs: number, warm: number, pollMs: number): Promise<BarFeed> {
  const ccxt = (await import('ccxt')) as unknown as Record<string, new (o: object) => OhlcvExchange>;
  const Ctor = ccxt[exchangeId];
  if (typeof Ctor !== 'function') throw new UsageError(`--exchange ${exchangeId} is not a ccxt exchange id`);
  const ex = new Ctor({ enableRateLimit: true });
  const toBar = (r: Ohlcv): FeedBar => ({ ts_ms: r[0], open: r[1], high: r[2], low: r[3], close: r[4], volume: r[5] });
  const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));
  let last = -Infinity;
  return {
    warmup: async () => {
      const rows = await ex.fetchOHLCV(symbol, tf, undefined, warm + 1);
      const closed = rows.slice(0, -1).map(toBar);
      last = closed.length ? closed[closed.length - 1]!.ts_ms : -Infinity;
      return closed;
    },
    nextOpen: async () => {
      for (;;) {
        const rows = await ex.fetchOHLCV(symbol, tf, undefined, 2);
        const forming = rows[rows.length - 1];
        if (forming && forming[0] > last) return { ts_ms: forming[0], open: forming[1] };
        await sleep(pollMs);
      }
    },
    complete: async (ts) => {
      await sleep(Math.max(0, ts + tfMs - Date.now()));
      for (;;) {
        const rows = await ex.fetchOHLCV(symbol, tf, ts, 2);
        const bar = rows.find((r) => r[0] === ts);
        if (bar && rows.some((r) => r[0] > ts)) {
          last = ts;
          return toBar(bar);
        }
        await sleep(pollMs);
      }
    },
  };
}

await runCli('mm-realtime', async (log) => {
  const a = (await baseArgs('mm:realtime', '$0 --symbol BTC/USDT --timeframe 1m --iterations 20 [--source replay|ccxt] [--speed 0]')
    .option('iterations', { type: 'number', default: 20 })
    .option('source', { type: 'string', default: 'replay', describe: 'replay (the lake, offline) | ccxt (public data, needs network)' })
    .option('speed', { type: 'number', default: 0, describe: 'replay speed: x real time (0 = as fast as possible)' })
    .option('from', { type: 'string', describe: 'replay: first bar (default: the last `iterations` bars of the lake)' })
    .option('poll-ms', { type: 'number', default: 2000, describe: 'ccxt: polling interval' })
    .parseAsync(hideBin(process.argv))) as unknown as CommonArgs & { iterations: number; source: string; speed: number; from?: string; 'poll-ms': number };
  if (process.argv.includes('--help')) return;
  const mode = checkMode(a.mode === 'backtest' ? 'paper' : a.mode);
  const k = instrumentOf(a);
  const tf = timeframeOf(a);
  const params = paramsOf(a);
  const runId = runIdOf(a);
  if (!(a.speed >= 0)) throw new UsageError(`--speed must be >= 0, was ${a.speed}`);
  const { config } = await loadCosts(a.costs);
  const costs = mmCostsFor(config, k, a.costs, a.venue);
  const warm = params.vol_window_bars + 1;
  let feed: BarFeed;
  let funding;
  if (a.source === 'replay') {
    const data = await loadMmData(dataDirOf(a), k, tf);
    funding = data.funding;
    const b = data.bars;
    let from = Math.max(0, b.ts_ms.length - a.iterations);
    if (a.from !== undefined) {
      const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(a.from) ? `${a.from}T00:00:00Z` : a.from);
      if (!Number.isFinite(t)) throw new UsageError(`--from must be a date, was ${JSON.stringify(a.from)}`);
      from = b.ts_ms.findIndex((x) => x >= t);
      if (from < 0) throw new DataError('no bars at or after --from', { file: b.file, field: 'ts_ms', value: a.from });
    }
    if (from < warm) throw new DataError(`replay needs ${warm} warm-up bars before the first iteration, the lake has ${from}`, { file: b.file, field: 'ts_ms', value: a.from ?? null }, { hint: 'start later (--from) or lower --vol-window' });
    feed = replayFeed(b, from, warm, a.speed, (ms) => new Promise((res) => setTimeout(res, ms)));
  } else if (a.source === 'ccxt') {
    const ccxtSymbol = a.symbol.includes('/') ? a.symbol : `${k.symbol.replace(/USDT$/, '')}/USDT`;
    const sym = k.market === 'um' && !ccxtSymbol.includes(':') ? `${ccxtSymbol}:USDT` : ccxtSymbol;
    feed = await ccxtFeed(a.exchange, sym, tf, timeframeMs(tf), warm, a['poll-ms']);
  } else {
    throw new UsageError(`--source must be replay or ccxt, was ${JSON.stringify(a.source)}`);
  }
  const out = resolveInside(dataDirOf(a), 'artifacts', 'realtime', `${runId}.jsonl`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, '');
  log.info({ mode, source: a.source, instrument: k, timeframe: tf, iterations: a.iterations, env: redactEnv(process.env), file: out }, 'mm realtime start');
  const r = await runRealtime({
    feed, params, costs, funding, timeframe: tf, tfMs: timeframeMs(tf), symbol: k.symbol, iterations: a.iterations,
    emit: async (line) => {
      const s = JSON.stringify(line) + '\n';
      process.stdout.write(s);
      await appendFile(out, s);
    },
  });
  log.info({ iterations: r.iterations, failures: 0, fills: r.fills.length, position_base: r.position_base, equity_usd: r.equity_usd, file: out }, 'runtime_complete');
});
