/**
 * Reads the monitor's panel from the lake, read-only: lake/cleaned/bars at the daily timeframe, market caps
 * (cleaned/market_cap of `data.cap_exchanges`), funding and open interest when present. One instrument at a time
 * (memory: the panel, O(assets x days) doubles).
 */
import { LakeDb, TABLES, readHiveGroups, type FoundPartition, type HiveGroup } from '../lake/index.js';
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
  const db = await LakeDb.open({ threads: 2 });
  let panel: Panel;
  let capFirst = Infinity;
  let capLast = -Infinity;
  let barFirst = Infinity;
  let barLast = -Infinity;
  const idOf = (k: Record<string, string>) => `exchange=${k.exchange}/market=${k.market}/symbol=${k.symbol}`;
  try {
    const win = { fromMs, toMs: toMs + DAY_MS };
    // one glob scan per table (readHiveGroups): thousands of small monthly files cost one query each otherwise
    const barGroups = (await readHiveGroups(db, lakeRoot, TABLES.cleanBars, { timeframe: cfg.data.timeframe }, ['ts_ms', 'close', 'volume', 'is_missing'], win))
      .filter((g) => g.parts.some(inWindow));
    if (barGroups.length === 0) {
      throw new DataError(`no ${cfg.data.timeframe} bars in the window ${iso(fromMs)} .. ${iso(toMs)}`, { file: `${lakeRoot}/${TABLES.cleanBars.dir}`, field: 'timeframe', value: cfg.data.timeframe }, {
        hint: `run clean with --set 'clean.extra_timeframes=["1d"]' on a lake covering the window, or move --start/--end inside the data`,
      });
    }
    // one instrument per symbol: preferred exchange, then preferred market
    const rank = (k: Record<string, string>) => {
      const e = cfg.data.exchanges.length === 0 ? 0 : cfg.data.exchanges.indexOf(k.exchange!);
      const m = cfg.data.markets.indexOf(k.market as never);
      return e < 0 || m < 0 ? Infinity : e * 10 + m;
    };
    const chosen = new Map<string, HiveGroup>();
    for (const g of barGroups) {
      if (rank(g.keys) === Infinity) continue;
      const cur = chosen.get(g.keys.symbol!);
      if (!cur || rank(g.keys) < rank(cur.keys)) chosen.set(g.keys.symbol!, g);
    }
    const symbols = [...chosen.keys()].sort();
    panel = { days, symbols, markets: [], exchanges: [], close: [], volume_usd: [], mcap: [], funding: [], oi_usd: [], btc: -1, eth: -1, excluded: [] };
    const capBySymbol = new Map<string, HiveGroup>();
    const capGroups = (await readHiveGroups(db, lakeRoot, TABLES.cleanMarketCap, {}, ['ts_ms', 'market_cap_usd'], { fromMs: fromMs - (MCAP_MAX_AGE_DAYS + 1) * DAY_MS, toMs: toMs + 2 * DAY_MS })).filter((g) => g.parts.some(inWindow));
    for (const ex of cfg.data.cap_exchanges) for (const g of capGroups) if (g.keys.exchange === ex && !capBySymbol.has(g.keys.symbol!)) capBySymbol.set(g.keys.symbol!, g);
    const exclude0 = new Set([...excludedSymbols, ...cfg.universe.exclude_assets]);
    const fundData = new Map((await readHiveGroups(db, lakeRoot, TABLES.cleanFunding, {}, ['ts_ms', 'funding_rate', 'interval_hours'], { fromMs: fromMs - DAY_MS, toMs: toMs + 2 * DAY_MS })).map((g) => [idOf(g.keys), g]));
    const oiData = new Map((await readHiveGroups(db, lakeRoot, TABLES.cleanOpenInterest, {}, ['ts_ms', 'open_interest_usd'], { fromMs: fromMs - 3 * DAY_MS, toMs: toMs + DAY_MS, dailyLast: true })).map((g) => [idOf(g.keys), g]));
    for (const sym of symbols) {
      const g = chosen.get(sym)!;
      const k = g.keys;
      usedParts.bars!.push(...g.parts);
      const b = g.data;
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
      const m = capBySymbol.get(sym)?.data;
      panel.mcap.push(m ? asOfDaily(days, m.ts_ms as Float64Array, m.market_cap_usd as Float64Array, MCAP_MAX_AGE_DAYS) : new Float64Array(nDays).fill(NaN));
      const id = idOf(k);
      if (k.market !== 'spot') {
        const f = fundData.get(id);
        if (f) usedParts.funding!.push(...f.parts);
        panel.funding.push(f ? dailyFunding(days, f.data.ts_ms as Float64Array, f.data.funding_rate as Float64Array, f.data.interval_hours as Float64Array) : new Float64Array(nDays).fill(NaN));
      } else panel.funding.push(null);
      const o = oiData.get(id);
      if (o) usedParts.open_interest!.push(...o.parts);
      panel.oi_usd.push(o ? asOfDaily(days, o.data.ts_ms as Float64Array, o.data.open_interest_usd as Float64Array, 2) : null);
    }
    // dominance denominator: every non-excluded coin with a market cap, traded here or not
    const total = new Float64Array(nDays);
    let anyCap = false;
    for (const [sym, g] of capBySymbol) {
      const mts = g.data.ts_ms as Float64Array;
      if (mts.length > 0) { capFirst = Math.min(capFirst, mts[0]!); capLast = Math.max(capLast, mts[mts.length - 1]!); }
      if (exclude0.has(sym) && !symbols.includes(sym)) continue;
      usedParts.market_cap!.push(...g.parts);
      if (exclude0.has(sym)) continue;
      const k = symbols.indexOf(sym);
      const series = k >= 0 ? panel.mcap[k]! : asOfDaily(days, mts, g.data.market_cap_usd as Float64Array, MCAP_MAX_AGE_DAYS);
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
