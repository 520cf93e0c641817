import { describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { decodeMaybeGzip, fetchMarketChart, parseCoinGeckoCsv, validatePoints } from '../../../lib/ingest/coingecko/index.js';
import { loadCoinMap } from '../../../lib/ingest/coingecko/coin_map.js';
import { DataError } from '../../../lib/errors.js';
import { withTempDir } from '../../helpers/tmp.js';
import { ingest, snapshot, expectDataError } from '../../bad_input/helpers.js';
import { LakeDb, TABLES, listPartitions, readPartitions } from '../../../lib/lake/index.js';

const D0 = Date.UTC(2021, 0, 1);
const DAY = 86_400_000;
const HEADER = 'date,timestamp,coin_id,symbol,name,price_usd,market_cap_usd,total_volume_usd,mcap_rank_all';
const day = (k: number) => new Date(D0 + k * DAY).toISOString().slice(0, 10);
const row = (k: number, coin: string, cap: number | string) => `${day(k)},${D0 + k * DAY}.0,${coin},x,X,1.5,${cap},1000,1`;

function csv(rows: string[]): string {
  return `${HEADER}\n${rows.join('\n')}\n`;
}

const GOOD = csv([row(0, 'bitcoin', 5.4e11), row(0, 'ethereum', 8.4e10), row(1, 'bitcoin', 5.5e11), row(1, 'ethereum', 0), row(2, 'ethereum', 9e10), row(0, 'not-in-map', 1e6)]);

function expectLocated(fn: () => unknown, re: RegExp): void {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(DataError);
  expect((err as Error).message).toMatch(re);
}

describe('CoinGecko daily file', () => {
  test('parses the shared format (gzip or plain); a 0 market cap is missing (dropped, counted)', () => {
    const text = decodeMaybeGzip(gzipSync(Buffer.from(GOOD)), 'f.csv.gz');
    const parsed = validatePoints(parseCoinGeckoCsv(text, 'f.csv.gz'), { intradayAllowed: false });
    expect(parsed.rows).toBe(6);
    expect(parsed.dropped_zero_cap).toBe(1);
    const eth = parsed.series.find((s) => s.coin === 'ethereum')!;
    expect(Array.from(eth.ts_ms)).toEqual([D0, D0 + 2 * DAY]);
    expect(Array.from(eth.market_cap_usd)).toEqual([8.4e10, 9e10]);
    expect(Array.from(eth.line)).toEqual([3, 6]);
  });

  test('bad rows are located: file:line field, value', () => {
    const parse = (t: string) => () => validatePoints(parseCoinGeckoCsv(t, 'cg.csv'), { intradayAllowed: false });
    expectLocated(parse(csv([row(0, 'bitcoin', 1), `${day(1)},${D0 + DAY + 3_600_000},bitcoin,x,X,1,2,3,1`])), /^cg\.csv:3 timestamp: timestamp 2021-01-02T01:00:00.000Z is not 00:00 UTC/);
    expectLocated(parse(csv([`${day(1)},${D0}.0,bitcoin,x,X,1,2,3,1`])), /^cg\.csv:2 date: timestamp .* not the row's date, was "2021-01-02"/);
    expectLocated(parse(csv([row(0, 'bitcoin', 1), row(0, 'bitcoin', 2)])), /^cg\.csv:3 coin_id: duplicate \(coin, day\): also at cg\.csv:2, was "bitcoin 2021-01-01"/);
    expectLocated(parse(csv([row(0, 'bitcoin', -5)])), /^cg\.csv:2 market_cap_usd: market cap must be a finite number >= 0.*was -5/);
    expectLocated(parse(csv([row(0, 'bitcoin', 'abc')])), /^cg\.csv:2 market_cap_usd: not a number, was "abc"/);
    expectLocated(parse('date,coin_id,market_cap_usd\n2021-01-01,bitcoin,1\n'), /^cg\.csv:1 timestamp: header lacks column "timestamp"/);
    expectLocated(() => decodeMaybeGzip(gzipSync(Buffer.from(GOOD)).subarray(0, 40), 'cut.csv.gz'), /^cut\.csv\.gz: gzip stream is corrupt or truncated/);
  });

  test('the versioned coin map maps ids to <BASE><QUOTE>; a symbol claimed twice is a spec error', async () => {
    const map = await loadCoinMap('spec/monitor/coin_map.v1.yaml');
    expect(map.version).toBe(1);
    expect(map.symbolOf('bitcoin')).toBe('BTCUSDT');
    expect(map.symbolOf('avalanche-2')).toBe('AVAXUSDT');
    expect(map.symbolOf('usdp')).toBeUndefined();
    await withTempDir(async (dir) => {
      const f = join(dir, 'm.yaml');
      await writeFile(f, 'version: 1\nquote: USDT\ncoins:\n  bitcoin: BTC\n  wrapped-bitcoin: BTC\n');
      await expect(loadCoinMap(f)).rejects.toThrow(/coins\.wrapped-bitcoin: symbol BTC is already the symbol of bitcoin/);
      await writeFile(f, 'version: 1\nquote: USDT\ncoinz: {}\n');
      await expect(loadCoinMap(f)).rejects.toThrow(/m\.yaml:3:1 .*unknown key "coinz" \(did you mean "coins"\?/);
    });
  });
});

/** A local market_chart server: the file's rows for each coin as CoinGecko JSON, plus a live intraday last point. */
async function withServer<T>(fn: (base: string, hits: string[]) => Promise<T>): Promise<T> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const m = /^\/api\/v3\/coins\/([^/]+)\/market_chart\?vs_currency=usd&days=(\d+|max)&interval=daily$/.exec(req.url ?? '');
    if (!m || m[1] === 'nope') { res.writeHead(404); res.end('{"error":"coin not found"}'); return; }
    const rows = GOOD.trim().split('\n').slice(1).map((l) => l.split(',')).filter((f) => f[2] === m[1]);
    const pts = (i: number) => [...rows.map((f) => [Number(f[1]), f[i] === '' ? null : Number(f[i])]), [D0 + 3 * DAY + 49_000_000, 1]];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ prices: pts(5), market_caps: pts(6), total_volumes: pts(7) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    return await fn(`http://127.0.0.1:${port}/api/v3`, hits);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

describe('CoinGecko market_chart API (local server)', () => {
  test('the same series as the file, through the same validator; the intraday live point is dropped', async () => {
    await withServer(async (base, hits) => {
      const pts = [...(await fetchMarketChart(base, 'bitcoin', 365)), ...(await fetchMarketChart(base, 'ethereum', 365))];
      const api = validatePoints(pts, { intradayAllowed: true });
      const file = validatePoints(parseCoinGeckoCsv(GOOD, 'f.csv'), { intradayAllowed: false });
      expect(api.dropped_intraday).toBe(2);
      for (const coin of ['bitcoin', 'ethereum']) {
        const a = api.series.find((s) => s.coin === coin)!;
        const f = file.series.find((s) => s.coin === coin)!;
        expect(Array.from(a.ts_ms)).toEqual(Array.from(f.ts_ms));
        expect(Array.from(a.market_cap_usd)).toEqual(Array.from(f.market_cap_usd));
      }
      expect(hits[0]).toBe('/api/v3/coins/bitcoin/market_chart?vs_currency=usd&days=365&interval=daily');
      await expect(fetchMarketChart(base, 'nope', 30)).rejects.toThrow(/market_chart\?vs_currency=usd&days=30&interval=daily coin: HTTP 404.*was "nope"/);
    });
  });
});

describe('ingest stage with ingest.coingecko', () => {
  const params = (cg: Record<string, unknown>) => JSON.stringify({
    source: 'synthetic', allow_synthetic: true,
    synthetic: { n_symbols: 1, timeframe: '1d', start_ms: D0, end_ms: D0 + 10 * DAY },
    coingecko: cg,
  });

  test('file and API land in lake/raw/market_cap under coingecko/spot/<symbol>, identical values', async () => {
    await withTempDir(async (dir) => {
      const f = join(dir, 'cg.csv.gz');
      await writeFile(f, gzipSync(Buffer.from(GOOD)));
      const r = await ingest(join(dir, 'a'), params({ file: f }));
      expect(r.stderr).not.toMatch(/"level":50/);
      expect(r.exitCode).toBe(0);
      const prov = JSON.parse(await readFile(join(dir, 'a/lake/raw/_provenance.json'), 'utf8')) as { coingecko: Record<string, unknown> };
      expect(prov.coingecko).toMatchObject({ source: 'file', coins_written: 2, dropped_zero_cap: 1, unmapped_coins: ['not-in-map'], coin_map: { version: 1 } });
      await withServer(async (base) => {
        const r2 = await ingest(join(dir, 'b'), params({ api: { base_url: base, coins: ['bitcoin', 'ethereum'] } }));
        expect(r2.exitCode).toBe(0);
      });
      const db = await LakeDb.open({ threads: 1 });
      try {
        for (const sub of ['a', 'b']) {
          const parts = await listPartitions(join(dir, sub, 'lake'), TABLES.rawMarketCap, { exchange: 'coingecko', symbol: 'ETHUSDT' });
          expect(parts.map((p) => p.keys.market)).toEqual(['spot']);
          const c = await readPartitions(db, join(dir, sub, 'lake'), TABLES.rawMarketCap, parts, ['ts_ms', 'market_cap_usd']);
          expect(Array.from(c.market_cap_usd as Float64Array)).toEqual([8.4e10, 9e10]);
        }
      } finally {
        db.close();
      }
    });
  });

  test('a bad row fails the stage with exit 3 and the located error; the lake is untouched', async () => {
    await withTempDir(async (dir) => {
      const f = join(dir, 'cg.csv');
      await writeFile(f, csv([row(0, 'bitcoin', 1), row(0, 'bitcoin', 2)]));
      const before = await snapshot(join(dir, 'd'));
      const r = await ingest(join(dir, 'd'), params({ file: f }));
      expectDataError(r, { file: f, line: 3, field: 'coin_id', value: '"bitcoin 2021-01-01"' });
      expect(await snapshot(join(dir, 'd'))).toEqual(before);
    });
  });
});
