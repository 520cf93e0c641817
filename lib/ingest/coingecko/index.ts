/**
 * CoinGecko daily market data (market caps) from two places behind one code path:
 *  - the shared file format of `coingecko-daily-2021-top150-union` (CSV, optionally gzip): header
 *    `date,timestamp,coin_id,symbol,name,price_usd,market_cap_usd,total_volume_usd,mcap_rank_all`;
 *  - the public HTTP API `GET {base}/coins/{id}/market_chart?vs_currency=usd&days=N&interval=daily`
 *    (JSON `{prices, market_caps, total_volumes}`, each `[[ms, value], ...]`).
 * Both become `CoinGeckoPoint`s, checked by one validator: timestamps at 00:00 UTC (CoinGecko's daily snapshot; the
 * API's intraday "now" point is dropped and counted), market cap finite and >= 0 (0 = CoinGecko knows no circulating
 * supply: missing, dropped and counted), no duplicate (coin, day). Errors name file or URL, line or array row, field
 * and value. Coin ids become exchange symbols only through the explicit, versioned map (`CoinMap`).
 */
import { gunzipSync } from 'node:zlib';
import { DataError } from '../../errors.js';
import { DAY_RE } from '../binance_vision/layout.js';

const DAY_MS = 86_400_000;

/** One daily observation of one coin, with where it came from (file or URL; 1-based line or row). */
export interface CoinGeckoPoint {
  coin: string;
  ts_ms: number;
  market_cap_usd: number;
  price_usd: number;
  volume_usd: number;
  src: string;
  line: number;
}

/** Per coin, in time order; market cap 0/empty rows and intraday API points are dropped and counted. */
export interface CoinGeckoSeries {
  coin: string;
  ts_ms: Float64Array;
  market_cap_usd: Float64Array;
  src: string[];
  line: Int32Array;
}

export interface CoinGeckoParsed {
  series: CoinGeckoSeries[];
  rows: number;
  dropped_zero_cap: number;
  dropped_intraday: number;
}

const REQUIRED = ['timestamp', 'coin_id', 'market_cap_usd'] as const;

function num(s: string | undefined): number {
  return s === undefined || s === '' ? NaN : Number(s);
}

/** Text of a CSV file that may be gzip-compressed (zlib checks CRC and length: a truncated file is an error). */
export function decodeMaybeGzip(buf: Uint8Array, file: string): string {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf).toString('utf8');
    } catch (e) {
      throw new DataError(`gzip stream is corrupt or truncated (${(e as Error).message})`, { file }, { hint: 'download the file again' });
    }
  }
  return Buffer.from(buf).toString('utf8');
}

/** The shared CoinGecko daily CSV. `file` is the display path used in errors. */
export function parseCoinGeckoCsv(text: string, file: string): CoinGeckoPoint[] {
  const lines = text.split('\n');
  const header = (lines[0] ?? '').replace(/\r$/, '').split(',');
  for (const r of REQUIRED) {
    if (!header.includes(r)) {
      throw new DataError(`header lacks column "${r}"`, { file, line: 1, field: r, value: header.join(',') }, {
        hint: `a CoinGecko daily file needs columns ${REQUIRED.join(', ')} (date, price_usd, total_volume_usd optional)`,
      });
    }
  }
  const col = (n: string) => header.indexOf(n);
  const [iTs, iCoin, iCap, iDate, iPrice, iVol] = [col('timestamp'), col('coin_id'), col('market_cap_usd'), col('date'), col('price_usd'), col('total_volume_usd')];
  const out: CoinGeckoPoint[] = [];
  for (let k = 1; k < lines.length; k++) {
    const raw = lines[k]!.replace(/\r$/, '');
    if (raw === '') continue;
    const f = raw.split(',');
    const line = k + 1;
    if (f.length !== header.length) {
      throw new DataError(`has ${f.length} fields, the header has ${header.length}`, { file, line, field: 'row', value: raw.slice(0, 120) }, {
        hint: 'a field with a comma inside or a cut line: fix the export',
      });
    }
    const ts = num(f[iTs]);
    if (iDate >= 0 && f[iDate] !== '' && !DAY_RE.test(f[iDate]!)) {
      throw new DataError('not a YYYY-MM-DD date', { file, line, field: 'date', value: f[iDate] }, { hint: 'dates are UTC days, e.g. 2021-01-31' });
    }
    if (iDate >= 0 && f[iDate] !== '' && Number.isFinite(ts) && new Date(ts).toISOString().slice(0, 10) !== f[iDate]) {
      throw new DataError(`timestamp ${ts} is ${new Date(ts).toISOString()}, not the row's date`, { file, line, field: 'date', value: f[iDate] }, {
        hint: 'timestamp (ms UTC) and date must name the same UTC day',
      });
    }
    for (const [i, name] of [[iCap, 'market_cap_usd'], [iTs, 'timestamp']] as const) {
      if (f[i] !== '' && !Number.isFinite(Number(f[i]))) {
        throw new DataError('not a number', { file, line, field: name, value: f[i] }, { hint: 'numbers are plain decimals; an unknown market cap is empty or 0' });
      }
    }
    out.push({
      coin: f[iCoin]!, ts_ms: ts, market_cap_usd: num(f[iCap]), price_usd: iPrice >= 0 ? num(f[iPrice]) : NaN,
      volume_usd: iVol >= 0 ? num(f[iVol]) : NaN, src: file, line,
    });
  }
  return out;
}

/** One coin's `market_chart` JSON; rows are 1-based indices into `market_caps`. */
export function parseMarketChart(json: unknown, coin: string, url: string): CoinGeckoPoint[] {
  const o = json as { market_caps?: unknown; prices?: unknown; total_volumes?: unknown } | null;
  if (o === null || typeof o !== 'object' || !Array.isArray(o.market_caps)) {
    throw new DataError('response has no market_caps array', { file: url, field: 'market_caps', value: JSON.stringify(json)?.slice(0, 120) }, {
      hint: 'the endpoint must be CoinGecko /coins/{id}/market_chart (check ingest.coingecko.api.base_url and the coin id)',
    });
  }
  const byTs = (arr: unknown): Map<number, number> => {
    const m = new Map<number, number>();
    if (Array.isArray(arr)) for (const p of arr) if (Array.isArray(p)) m.set(Number(p[0]), Number(p[1]));
    return m;
  };
  const prices = byTs(o.prices);
  const vols = byTs(o.total_volumes);
  return (o.market_caps as unknown[]).map((p, i) => {
    if (!Array.isArray(p) || p.length < 2) {
      throw new DataError('market_caps entry is not [ms, value]', { file: url, line: i + 1, field: 'market_caps', value: JSON.stringify(p) }, {
        hint: 'the response is not CoinGecko market_chart JSON',
      });
    }
    const ts = typeof p[0] === 'number' ? p[0] : NaN;
    const cap = p[1] === null ? NaN : typeof p[1] === 'number' ? p[1] : NaN;
    if (p[1] !== null && typeof p[1] !== 'number') {
      throw new DataError('market cap is not a number', { file: url, line: i + 1, field: 'market_caps', value: JSON.stringify(p) }, { hint: 'the response is not CoinGecko market_chart JSON' });
    }
    return { coin, ts_ms: ts, market_cap_usd: cap, price_usd: prices.get(ts) ?? NaN, volume_usd: vols.get(ts) ?? NaN, src: url, line: i + 1 };
  });
}

/**
 * Checks every point and groups them per coin in time order. `intradayAllowed`: the API's last point is a live
 * snapshot (not 00:00 UTC); it is dropped and counted rather than refused. The file format must be 00:00 UTC.
 */
export function validatePoints(points: readonly CoinGeckoPoint[], opts: { intradayAllowed: boolean }): CoinGeckoParsed {
  let zero = 0;
  let intraday = 0;
  const per = new Map<string, CoinGeckoPoint[]>();
  const seen = new Map<string, CoinGeckoPoint>();
  for (const p of points) {
    const at = { file: p.src, line: p.line };
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(p.coin)) {
      throw new DataError('not a CoinGecko coin id (lower-case letters, digits, - . _)', { ...at, field: 'coin_id', value: p.coin }, { hint: 'fix the row; ids look like bitcoin, usd-coin' });
    }
    if (!Number.isFinite(p.ts_ms) || !Number.isInteger(p.ts_ms) || p.ts_ms < 0) {
      throw new DataError('timestamp is not whole milliseconds since 1970 UTC', { ...at, field: 'timestamp', value: p.ts_ms }, { hint: 'CoinGecko timestamps are ms UTC' });
    }
    if (p.ts_ms % DAY_MS !== 0) {
      if (opts.intradayAllowed) { intraday++; continue; }
      throw new DataError(`timestamp ${new Date(p.ts_ms).toISOString()} is not 00:00 UTC`, { ...at, field: 'timestamp', value: p.ts_ms }, {
        hint: 'daily files hold one 00:00 UTC snapshot per coin and day: drop intraday rows',
      });
    }
    if (Number.isNaN(p.market_cap_usd) || p.market_cap_usd === 0) { zero++; continue; }
    if (!(p.market_cap_usd > 0) || !Number.isFinite(p.market_cap_usd)) {
      throw new DataError('market cap must be a finite number >= 0 (0 or empty = unknown)', { ...at, field: 'market_cap_usd', value: p.market_cap_usd }, { hint: 'fix the row' });
    }
    const key = `${p.coin}@${p.ts_ms}`;
    const prev = seen.get(key);
    if (prev) {
      throw new DataError(`duplicate (coin, day): also at ${prev.src}:${prev.line}`, { ...at, field: 'coin_id', value: `${p.coin} ${new Date(p.ts_ms).toISOString().slice(0, 10)}` }, {
        hint: 'keep one row per coin and UTC day',
      });
    }
    seen.set(key, p);
    let arr = per.get(p.coin);
    if (!arr) per.set(p.coin, (arr = []));
    arr.push(p);
  }
  const series = [...per.keys()].sort().map((coin) => {
    const arr = per.get(coin)!.sort((a, b) => a.ts_ms - b.ts_ms);
    return {
      coin,
      ts_ms: Float64Array.from(arr, (p) => p.ts_ms),
      market_cap_usd: Float64Array.from(arr, (p) => p.market_cap_usd),
      src: arr.map((p) => p.src),
      line: Int32Array.from(arr, (p) => p.line),
    };
  });
  return { series, rows: points.length, dropped_zero_cap: zero, dropped_intraday: intraday };
}

/** The public market_chart URL of one coin (days: a number or 'max'; daily points). */
export function marketChartUrl(baseUrl: string, coin: string, days: number | 'max'): string {
  return `${baseUrl.replace(/\/+$/, '')}/coins/${encodeURIComponent(coin)}/market_chart?vs_currency=usd&days=${days}&interval=daily`;
}

/** Fetches and parses one coin's market_chart; an HTTP error names the URL and status. */
export async function fetchMarketChart(baseUrl: string, coin: string, days: number | 'max', signal?: AbortSignal): Promise<CoinGeckoPoint[]> {
  const url = marketChartUrl(baseUrl, coin, days);
  let res: Response;
  try {
    res = await fetch(url, { signal: signal ?? AbortSignal.timeout(30_000), headers: { accept: 'application/json' } });
  } catch (e) {
    throw new DataError(`request failed (${(e as Error).message})`, { file: url, field: 'coin', value: coin }, { hint: 'check the network and ingest.coingecko.api.base_url' });
  }
  if (!res.ok) {
    throw new DataError(`HTTP ${res.status} ${res.statusText}`, { file: url, field: 'coin', value: coin }, {
      hint: res.status === 429 ? 'rate limited: fetch fewer coins per run or wait a minute' : res.status === 404 ? 'unknown coin id: check ingest.coingecko.api.coins' : 'retry later',
    });
  }
  let json: unknown;
  try {
    json = await res.json();
  } catch (e) {
    throw new DataError(`response is not JSON (${(e as Error).message})`, { file: url, field: 'body', value: coin }, { hint: 'the endpoint is not CoinGecko market_chart' });
  }
  return parseMarketChart(json, coin, url);
}
