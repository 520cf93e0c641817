/**
 * Reads the monitor's panel from the lake, read-only: lake/cleaned/bars at the daily timeframe, market caps
 * (cleaned/market_cap of `data.cap_exchanges`), funding and open interest when present. One instrument at a time
 * (memory: the panel, O(assets x days) doubles).
 */
import { LakeDb, TABLES, listPartitions, groupPartitions, readPartitions, type FoundPartition } from '../lake/index.js';
import { DataError } from '../errors.js';
import { sha256Hex } from '../hash.js';
import { DAY_MS, MCAP_MAX_AGE_DAYS, asOfDaily, dailyFunding, type Panel } from './panel.js';
import type { MonitorConfig } from './config.js';

const INSTRUMENT = ['exchange', 'market', 'symbol'];

export interface LoadedPanel {
  panel: Panel;
  /** Lake digests of every partition read: table dir -> sha256 over (file, sha256) of its manifests. */
  digests: Record<string, string>;
  /** First and last day with any bar, as YYYY-MM-DD. */
  snapshot: { first_bar_day: string; last_bar_day: string; first_cap_day: string | null; last_cap_day: string | null };
  warnings: string[];
}

function digestOf(parts: FoundPartition[]): string {
  return sha256Hex(parts.map((p) => `${p.manifest.file}\t${p.manifest.sha256}`).sort().join('\n'));
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * `fromMs`..`toMs` (inclusive UTC days) is the window the panel covers (history before the run start included by the
 * caller for burn-in). `excludedSymbols`: stablecoins etc. mapped to exchange symbols.
 */
export async function loadPanel(lakeRoot: string, cfg: MonitorConfig, fromMs: number, toMs: number, excludedSymbols: Set<string>): Promise<LoadedPanel> {
  const warnings: string[] = [];
  const bars = await listPartitions(lakeRoot, TABLES.cleanBars, { timeframe: cfg.data.timeframe });
  const inWindow = (p: FoundPartition) => p.manifest.max_ts_ms >= fromMs && p.manifest.min_ts_ms <= toMs + DAY_MS;
  const groups = groupPartitions(bars.filter(inWindow), INSTRUMENT);
  if (groups.size === 0) {
    throw new DataError(`no ${cfg.data.timeframe} bars in the window ${iso(fromMs)} .. ${iso(toMs)}`, { file: `${lakeRoot}/${TABLES.cleanBars.dir}`, field: 'timeframe', value: cfg.data.timeframe }, {
      hint: `run clean with --set 'clean.extra_timeframes=["1d"]' on a lake covering the window, or move --start/--end inside the data`,
    });
  }
  // one instrument per symbol: preferred exchange, then preferred market
  const rank = (p: FoundPartition) => {
    const e = cfg.data.exchanges.length === 0 ? 0 : cfg.data.exchanges.indexOf(p.keys.exchange!);
    const m = cfg.data.markets.indexOf(p.keys.market as never);
    return e < 0 || m < 0 ? Infinity : e * 10 + m;
  };
  const chosen = new Map<string, FoundPartition[]>();
  for (const parts of groups.values()) {
    const sym = parts[0]!.keys.symbol!;
    if (rank(parts[0]!) === Infinity) continue;
    const cur = chosen.get(sym);
    if (!cur || rank(parts[0]!) < rank(cur[0]!)) chosen.set(sym, parts);
  }
  const symbols = [...chosen.keys()].sort();
  const nDays = Math.floor((toMs - fromMs) / DAY_MS) + 1;
  const days = Float64Array.from({ length: nDays }, (_, i) => fromMs + i * DAY_MS);
  const caps = groupPartitions((await listPartitions(lakeRoot, TABLES.cleanMarketCap)).filter(inWindow), INSTRUMENT);
  const capBySymbol = new Map<string, FoundPartition[]>();
  for (const ex of cfg.data.cap_exchanges) {
    for (const parts of caps.values()) {
      const k = parts[0]!.keys;
      if (k.exchange === ex && !capBySymbol.has(k.symbol!)) capBySymbol.set(k.symbol!, parts);
    }
  }
  const fundingGroups = groupPartitions(await listPartitions(lakeRoot, TABLES.cleanFunding), INSTRUMENT);
  const oiGroups = groupPartitions(await listPartitions(lakeRoot, TABLES.cleanOpenInterest), INSTRUMENT);
  const usedParts: Record<string, FoundPartition[]> = { bars: [], market_cap: [], funding: [], open_interest: [] };
  const db = await LakeDb.open({ threads: 2 });
  const panel: Panel = { days, symbols, markets: [], exchanges: [], close: [], volume_usd: [], mcap: [], funding: [], oi_usd: [], btc: -1, eth: -1, excluded: [] };
  let capFirst = Infinity;
  let capLast = -Infinity;
  let barFirst = Infinity;
  let barLast = -Infinity;
  try {
    for (const sym of symbols) {
      const parts = chosen.get(sym)!;
      const k = parts[0]!.keys;
      usedParts.bars!.push(...parts);
      const b = await readPartitions(db, lakeRoot, TABLES.cleanBars, parts, ['ts_ms', 'close', 'volume', 'is_missing']);
      const ts = b.ts_ms as Float64Array;
      const close = new Float64Array(nDays).fill(NaN);
      const vol = new Float64Array(nDays).fill(NaN);
      for (let i = 0; i < ts.length; i++) {
        const d = Math.round((ts[i]! - fromMs) / DAY_MS);
        if (d < 0 || d >= nDays || (b.is_missing as Uint8Array)[i] === 1) continue;
        close[d] = (b.close as Float64Array)[i]!;
        vol[d] = (b.volume as Float64Array)[i]! * close[d]!;
        barFirst = Math.min(barFirst, ts[i]!);
        barLast = Math.max(barLast, ts[i]!);
      }
      panel.markets.push(k.market!);
      panel.exchanges.push(k.exchange!);
      panel.close.push(close);
      panel.volume_usd.push(vol);
      const cp = capBySymbol.get(sym);
      if (cp) {
        usedParts.market_cap!.push(...cp);
        const m = await readPartitions(db, lakeRoot, TABLES.cleanMarketCap, cp, ['ts_ms', 'market_cap_usd']);
        const mts = m.ts_ms as Float64Array;
        if (mts.length > 0) { capFirst = Math.min(capFirst, mts[0]!); capLast = Math.max(capLast, mts[mts.length - 1]!); }
        panel.mcap.push(asOfDaily(days, mts, m.market_cap_usd as Float64Array, MCAP_MAX_AGE_DAYS));
      } else panel.mcap.push(new Float64Array(nDays).fill(NaN));
      const id = `exchange=${k.exchange}/market=${k.market}/symbol=${sym}`;
      const fp = fundingGroups.get(id);
      if (k.market !== 'spot') {
        if (fp) {
          usedParts.funding!.push(...fp);
          const f = await readPartitions(db, lakeRoot, TABLES.cleanFunding, fp, ['ts_ms', 'funding_rate', 'interval_hours']);
          panel.funding.push(dailyFunding(days, f.ts_ms as Float64Array, f.funding_rate as Float64Array, f.interval_hours as Float64Array));
        } else panel.funding.push(new Float64Array(nDays).fill(NaN));
      } else panel.funding.push(null);
      const op = oiGroups.get(id);
      if (op) {
        usedParts.open_interest!.push(...op);
        const o = await readPartitions(db, lakeRoot, TABLES.cleanOpenInterest, op, ['ts_ms', 'open_interest', 'open_interest_usd']);
        const usd = Float64Array.from(o.open_interest_usd as Float64Array);
        panel.oi_usd.push(asOfDaily(days, o.ts_ms as Float64Array, usd, 2));
      } else panel.oi_usd.push(null);
    }
  } finally {
    db.close();
  }
  panel.btc = pick(symbols, cfg.universe.btc, 'universe.btc');
  panel.eth = pick(symbols, cfg.universe.eth, 'universe.eth');
  const exclude = new Set([...excludedSymbols, ...cfg.universe.exclude_assets]);
  panel.excluded = symbols.map((s) => exclude.has(s));
  if (barFirst === Infinity) {
    throw new DataError(`no bars inside ${iso(fromMs)} .. ${iso(toMs)}`, { file: `${lakeRoot}/${TABLES.cleanBars.dir}`, field: 'ts_ms', value: `${iso(fromMs)}..${iso(toMs)}` }, { hint: 'move --start/--end inside the data the lake holds' });
  }
  if (capFirst === Infinity) warnings.push('no market caps for any symbol in the window: dominance features are NaN, mcap ranking impossible');
  const digests = Object.fromEntries(Object.entries(usedParts).map(([t, p]) => [t, digestOf(p)]));
  return {
    panel, digests, warnings,
    snapshot: { first_bar_day: iso(barFirst), last_bar_day: iso(barLast), first_cap_day: capFirst === Infinity ? null : iso(capFirst), last_cap_day: capLast === -Infinity ? null : iso(capLast) },
  };
}

function pick(symbols: string[], candidates: string[], field: string): number {
  for (const c of candidates) {
    const i = symbols.indexOf(c);
    if (i >= 0) return i;
  }
  throw new DataError(`none of the candidates has daily bars in the lake`, { field, value: candidates.join(',') }, {
    hint: `the lake has ${symbols.slice(0, 12).join(', ')}${symbols.length > 12 ? ', ...' : ''}: set ${field} in the config`,
  });
}
