/**
 * Reads the monitor's panel from the lake, read-only: lake/cleaned/bars at the daily timeframe, market caps
 * (cleaned/market_cap of `data.cap_exchanges`), funding and open interest when present. Instruments are chosen from
 * the listing before any row is read, then scanned SCAN_BATCH per query and reduced at once to the panel, with each
 * batch's native result memory released (memory: the panel, O(assets x days) doubles, plus one batch).
 */
import { LakeDb, TABLES, listHiveGroups, scanHiveGroups, type FoundPartition, type HiveGroup, type NumericArray, type TableSchema } from '../lake/index.js';
import { DataError } from '../errors.js';
import { sha256Hex } from '../hash.js';
import { DAY_MS, MCAP_MAX_AGE_DAYS, asOfDaily, dailyFunding, type Panel } from './panel.js';
import type { MonitorConfig } from './config.js';


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

/** Groups (instruments) per DuckDB scan: bounds the rows held at once (DuckDB result chunks and their JS copies). */
export const SCAN_BATCH = 32;

/**
 * Choose one group per key among `candidates` (`choose`), scan the chosen groups in batches (each group's rows handed
 * to `onGroup` once, then dropped), and choose again for keys whose group had no rows in the window: the result is
 * what choosing among the groups with rows would give, without reading the groups never chosen.
 */
async function scanChosen(
  db: LakeDb, table: TableSchema, candidates: HiveGroup[], columns: readonly string[], win: { fromMs: number; toMs: number },
  choose: (gs: HiveGroup[]) => Map<string, HiveGroup>, onGroup: (key: string, g: HiveGroup, data: Record<string, NumericArray>) => void,
): Promise<Map<string, HiveGroup>> {
  let pool = candidates;
  const read = new Set<HiveGroup>();
  for (;;) {
    const chosen = choose(pool);
    const keyOf = new Map([...chosen].map(([k, g]) => [g, k]));
    const unread = [...chosen.values()].filter((g) => !read.has(g));
    if (unread.length === 0) return chosen;
    const got = new Set<HiveGroup>();
    await scanHiveGroups(db, table, unread, columns, { ...win, batchGroups: SCAN_BATCH, release: true }, (g, data) => {
      got.add(g);
      onGroup(keyOf.get(g)!, g, data);
    });
    unread.forEach((g) => read.add(g));
    const empty = new Set(unread.filter((g) => !got.has(g)));
    if (empty.size === 0) return chosen;
    pool = pool.filter((g) => !empty.has(g));
  }
}

/**
 * `fromMs`..`toMs` (inclusive UTC days) is the window the panel covers (history before the run start included by the
 * caller for burn-in). `excludedSymbols`: stablecoins etc. mapped to exchange symbols.
 */
export async function loadPanel(lakeRoot: string, cfg: MonitorConfig, fromMs: number, toMs: number, excludedSymbols: Set<string>): Promise<LoadedPanel> {
  const inWindow = (p: FoundPartition) => p.manifest.max_ts_ms >= fromMs && p.manifest.min_ts_ms <= toMs + DAY_MS;
  const warnings: string[] = [];
  const nDays = Math.floor((toMs - fromMs) / DAY_MS) + 1;
  const days = Float64Array.from({ length: nDays }, (_, i) => fromMs + i * DAY_MS);
  const usedParts: Record<string, FoundPartition[]> = { bars: [], market_cap: [], funding: [], open_interest: [] };
  // no external file cache: every file is read once, the cache would only grow with the assets
  const db = await LakeDb.open({ threads: 2, fileCache: false });
  let panel: Panel;
  let capFirst = Infinity;
  let capLast = -Infinity;
  let barFirst = Infinity;
  let barLast = -Infinity;
  const idOf = (k: Record<string, string>) => `exchange=${k.exchange}/market=${k.market}/symbol=${k.symbol}`;
  try {
    const win = { fromMs, toMs: toMs + DAY_MS };
    // one glob listing per table (listHiveGroups), then the chosen groups' rows scanned SCAN_BATCH groups per query
    // and reduced at once to the daily panel: memory follows the panel, not the raw rows of every file
    const barCandidates = (await listHiveGroups(db, lakeRoot, TABLES.cleanBars, { timeframe: cfg.data.timeframe }, win)).filter((g) => g.parts.some(inWindow));
    const noBars = () => new DataError(`no ${cfg.data.timeframe} bars in the window ${iso(fromMs)} .. ${iso(toMs)}`, { file: `${lakeRoot}/${TABLES.cleanBars.dir}`, field: 'timeframe', value: cfg.data.timeframe }, {
      hint: `run clean with --set 'clean.extra_timeframes=["1d"]' on a lake covering the window, or move --start/--end inside the data`,
    });
    if (barCandidates.length === 0) throw noBars();
    // one instrument per symbol: preferred exchange, then preferred market
    const rank = (k: Record<string, string>) => {
      const e = cfg.data.exchanges.length === 0 ? 0 : cfg.data.exchanges.indexOf(k.exchange!);
      const m = cfg.data.markets.indexOf(k.market as never);
      return e < 0 || m < 0 ? Infinity : e * 10 + m;
    };
    const chooseBars = (gs: HiveGroup[]) => {
      const chosen = new Map<string, HiveGroup>();
      for (const g of gs) {
        if (rank(g.keys) === Infinity) continue;
        const cur = chosen.get(g.keys.symbol!);
        if (!cur || rank(g.keys) < rank(cur.keys)) chosen.set(g.keys.symbol!, g);
      }
      return chosen;
    };
    const barSeries = new Map<string, { close: Float64Array; vol: Float64Array }>();
    const chosen = await scanChosen(db, TABLES.cleanBars, barCandidates, ['ts_ms', 'close', 'volume', 'is_missing'], win, chooseBars, (sym, _g, b) => {
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
      barSeries.set(sym, { close, vol });
    });
    if (chosen.size === 0) throw noBars();
    const symbols = [...chosen.keys()].sort();
    panel = { days, symbols, markets: [], exchanges: [], close: [], volume_usd: [], mcap: [], funding: [], oi_usd: [], btc: -1, eth: -1, excluded: [] };
    const capWin = { fromMs: fromMs - (MCAP_MAX_AGE_DAYS + 1) * DAY_MS, toMs: toMs + 2 * DAY_MS };
    const capCandidates = (await listHiveGroups(db, lakeRoot, TABLES.cleanMarketCap, {}, capWin)).filter((g) => g.parts.some(inWindow));
    const chooseCaps = (gs: HiveGroup[]) => {
      const bySymbol = new Map<string, HiveGroup>();
      for (const ex of cfg.data.cap_exchanges) for (const g of gs) if (g.keys.exchange === ex && !bySymbol.has(g.keys.symbol!)) bySymbol.set(g.keys.symbol!, g);
      return bySymbol;
    };
    const capSeries = new Map<string, Float64Array>();
    const capBySymbol = await scanChosen(db, TABLES.cleanMarketCap, capCandidates, ['ts_ms', 'market_cap_usd'], capWin, chooseCaps, (sym, _g, m) => {
      const mts = m.ts_ms as Float64Array;
      capFirst = Math.min(capFirst, mts[0]!);
      capLast = Math.max(capLast, mts[mts.length - 1]!);
      capSeries.set(sym, asOfDaily(days, mts, m.market_cap_usd as Float64Array, MCAP_MAX_AGE_DAYS));
    });
    const exclude0 = new Set([...excludedSymbols, ...cfg.universe.exclude_assets]);
    // funding (perp instruments) and open interest: only the chosen instruments' groups are scanned
    const perpIds = new Set(symbols.map((s) => chosen.get(s)!.keys).filter((k) => k.market !== 'spot').map(idOf));
    const allIds = new Set(symbols.map((s) => idOf(chosen.get(s)!.keys)));
    const fundSeries = new Map<string, { series: Float64Array; parts: FoundPartition[] }>();
    const fundWin = { fromMs: fromMs - DAY_MS, toMs: toMs + 2 * DAY_MS };
    const fundGroups = (await listHiveGroups(db, lakeRoot, TABLES.cleanFunding, {}, fundWin)).filter((g) => perpIds.has(idOf(g.keys)));
    await scanHiveGroups(db, TABLES.cleanFunding, fundGroups, ['ts_ms', 'funding_rate', 'interval_hours'], { ...fundWin, batchGroups: SCAN_BATCH, release: true }, (g, f) => {
      fundSeries.set(idOf(g.keys), { series: dailyFunding(days, f.ts_ms as Float64Array, f.funding_rate as Float64Array, f.interval_hours as Float64Array), parts: g.parts });
    });
    const oiSeries = new Map<string, { series: Float64Array; parts: FoundPartition[] }>();
    const oiWin = { fromMs: fromMs - 3 * DAY_MS, toMs: toMs + DAY_MS };
    const oiGroups = (await listHiveGroups(db, lakeRoot, TABLES.cleanOpenInterest, {}, oiWin)).filter((g) => allIds.has(idOf(g.keys)));
    await scanHiveGroups(db, TABLES.cleanOpenInterest, oiGroups, ['ts_ms', 'open_interest_usd'], { ...oiWin, dailyLast: true, batchGroups: SCAN_BATCH, release: true }, (g, o) => {
      oiSeries.set(idOf(g.keys), { series: asOfDaily(days, o.ts_ms as Float64Array, o.open_interest_usd as Float64Array, 2), parts: g.parts });
    });
    for (const sym of symbols) {
      const k = chosen.get(sym)!.keys;
      usedParts.bars!.push(...chosen.get(sym)!.parts);
      const b = barSeries.get(sym)!;
      panel.markets.push(k.market!);
      panel.exchanges.push(k.exchange!);
      panel.close.push(b.close);
      panel.volume_usd.push(b.vol);
      panel.mcap.push(capSeries.get(sym) ?? new Float64Array(nDays).fill(NaN));
      const id = idOf(k);
      if (k.market !== 'spot') {
        const f = fundSeries.get(id);
        if (f) usedParts.funding!.push(...f.parts);
        panel.funding.push(f ? f.series : new Float64Array(nDays).fill(NaN));
      } else panel.funding.push(null);
      const o = oiSeries.get(id);
      if (o) usedParts.open_interest!.push(...o.parts);
      panel.oi_usd.push(o ? o.series : null);
    }
    barSeries.clear();
    // dominance denominator: every non-excluded coin with a market cap, traded here or not
    const inPanel = new Set(symbols);
    const total = new Float64Array(nDays);
    let anyCap = false;
    for (const [sym, g] of capBySymbol) {
      if (exclude0.has(sym) && !inPanel.has(sym)) continue;
      usedParts.market_cap!.push(...g.parts);
      if (exclude0.has(sym)) continue;
      const series = capSeries.get(sym)!;
      for (let d = 0; d < nDays; d++) if (Number.isFinite(series[d]!)) { total[d] = total[d]! + series[d]!; anyCap = true; }
    }
    if (anyCap) panel.total_cap = Float64Array.from(total, (v) => (v > 0 ? v : NaN));
  } finally {
    db.close();
  }
  const symbols = panel.symbols;
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
