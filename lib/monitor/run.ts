/**
 * One monitor run: config (+ experiment) -> panel (lake, read-only) -> features -> regime -> backtest -> regime
 * evaluation -> KPIs; everything is computed before anything is written, so a bad input writes nothing. Writes
 * <data>/reports/monitor/, <data>/artifacts/monitor/ and, with an experiment, <data>/runs/<run_id>/ plus the
 * catalog <data>/runs/catalog.csv (one row per run; replaced atomically).
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { Logger } from '../log.js';
import { DataError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../fsx.js';
import { digestJson } from '../hash.js';
import { LakeDb, writeTableFile, dictColumn } from '../lake/index.js';
import { loadCosts } from '../costs/digest.js';
import { resolveInside } from '../paths.js';
import { FEATURE_NAMES, loadExperiment, loadMonitorConfig, resolveConfig, type Experiment, type MonitorConfig } from './config.js';
import { DAY_MS } from './panel.js';
import { loadPanel } from './load.js';
import { computeFeatures } from './features.js';
import { countChanges, regimeSeries } from './regime.js';
import { runBacktest, type BacktestResult } from './backtest.js';
import { evaluateRegimes, forwardSum, type HorizonEvaluation } from './evaluation.js';
import { computeKpis, type Kpis } from './kpis.js';
import { renderDashboard } from './dashboard.js';
import { sharpe } from '../stats/index.js';

export interface MonitorRunOptions {
  dataDir: string;
  configFile: string;
  experimentFile?: string;
  startMs: number;
  endMs: number;
  now: number;
  log: Logger;
  /**
   * Loads the coin map and the exclusion list named by the config (lib/ingest/coingecko/coin_map.ts, injected by the
   * CLI so that lib/monitor depends on shared cores only). Returns the excluded exchange symbols and what to record.
   */
  referenceLists: (coinMapFile: string, exclusionsFile: string) => Promise<ReferenceLists>;
}

export interface ReferenceLists {
  excludedSymbols: Set<string>;
  coin_map: { file: string; version: number; digest: string };
  exclusions: { file: string; version: number; digest: string };
}

export interface MonitorRunResult {
  mode: 'msm' | 'regular';
  run_id: string | null;
  kpis: Kpis;
  evaluation: HorizonEvaluation[];
  timeline: { label: string; days: number; episodes: number }[];
  label_changes: { with_hysteresis: number; without: number };
  outputs: string[];
  warnings: string[];
  walk_forward: Record<string, unknown> | null;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const fmt = (x: number) => (Number.isFinite(x) ? String(x) : '');

export function warmupDays(c: MonitorConfig): number {
  const f = c.features, u = c.universe, b = c.backtest;
  return Math.max(f.lookback_days + f.burn_in_days, b.beta.window_days, u.volume_days, u.filters.window_days, f.breadth_mean_days, u.min_history_days, b.vol_target.window_days) + f.momentum_days + 5;
}

export async function computeMonitor(o: MonitorRunOptions) {
  const base = await loadMonitorConfig(o.configFile);
  const exp: Experiment | undefined = o.experimentFile ? await loadExperiment(o.experimentFile) : undefined;
  const { config: cfg, mode } = resolveConfig(base, exp, o.experimentFile ?? o.configFile);
  const refs = await o.referenceLists(cfg.data.coin_map, cfg.data.exclusions);
  const excludedSymbols = refs.excludedSymbols;
  const costs = await loadCosts(cfg.costs.file);
  const warm = warmupDays(cfg);
  const fromMs = o.startMs - warm * DAY_MS;
  const t0 = performance.now();
  const loaded = await loadPanel(join(o.dataDir, 'lake'), cfg, fromMs, o.endMs, excludedSymbols);
  const tLoad = performance.now();
  const p = loaded.panel;
  const start = Math.round((o.startMs - fromMs) / DAY_MS);
  const btcInWindow = p.close[p.btc]!.subarray(start).some((x) => Number.isFinite(x));
  if (!btcInWindow) {
    throw new DataError(`BTC (${p.symbols[p.btc]}) has no daily close between ${iso(o.startMs)} and ${iso(o.endMs)}`, { file: join(o.dataDir, 'lake/cleaned/bars'), field: 'close', value: `${iso(o.startMs)}..${iso(o.endMs)}` },
      { hint: `the lake's daily bars run ${loaded.snapshot.first_bar_day} .. ${loaded.snapshot.last_bar_day}: move --start/--end inside them` });
  }
  if (mode === 'msm' && !p.symbols.some((_, a) => a !== p.btc && a !== p.eth && p.mcap[a]!.subarray(start).some((x) => Number.isFinite(x)))) {
    throw new DataError('MSM mode ranks alts by market cap but no alt has a market cap in the window', { file: join(o.dataDir, 'lake/cleaned/market_cap'), field: 'market_cap_usd', value: `${iso(o.startMs)}..${iso(o.endMs)}` },
      { hint: 'ingest CoinGecko market caps (--set ingest.coingecko.file=...) for the window, or check data.cap_exchanges' });
  }
  const feats = computeFeatures(p, cfg.features);
  const reg = regimeSeries(feats.z, cfg.regime, p.days.length);
  const bt = runBacktest(p, cfg, costs.config, reg.label, reg.names, start);
  const nOut = p.days.length - start;
  const labelsOut = reg.label.subarray(start);
  const evaluation: HorizonEvaluation[] = cfg.evaluation.horizons_days.map((h) => {
    const y = mode === 'msm'
      ? forwardSum(Float64Array.from(feats.alt_index_ret, (x, d) => Math.log1p(x) - Math.log1p(feats.btc_ret[d]!)), h).subarray(start)
      : forwardSum(bt.r_ls_net, h);
    return evaluateRegimes(y, labelsOut, reg.names, h, mode === 'msm' ? `alt index minus BTC forward ${h}d log return` : `strategy r_ls_net forward ${h}d`, { reps: cfg.evaluation.bootstrap_reps, seed: cfg.evaluation.seed, level: cfg.evaluation.level });
  });
  const kpis = computeKpis(bt.r_ls_net, bt.alt_turnover, bt.cost, bt.funding, bt.gross);
  // walk-forward over the hysteresis band: chosen on each train window's Sharpe, applied to the next test window
  let wf: Record<string, unknown> | null = null;
  if (cfg.backtest.walk_forward.enabled) {
    const W = cfg.backtest.walk_forward;
    const runs = W.band_grid.map((band) => runBacktest(p, cfg, costs.config, regimeSeries(feats.z, cfg.regime, p.days.length, band).label, reg.names, start).r_ls_net);
    const stitched: number[] = [];
    const windows: { train: string; test: string; band: number; train_sharpe: number }[] = [];
    for (let t0 = W.lookback_window_days; t0 < nOut; t0 += W.test_window_days) {
      const t1 = Math.min(nOut, t0 + W.test_window_days);
      const sh = runs.map((r) => sharpe(r.subarray(t0 - W.lookback_window_days, t0), 365));
      let best = 0;
      sh.forEach((s, i) => { if (Number.isFinite(s) && (!Number.isFinite(sh[best]!) || s > sh[best]!)) best = i; });
      windows.push({ train: `${iso(bt.day[t0 - W.lookback_window_days]!)}..${iso(bt.day[t0 - 1]!)}`, test: `${iso(bt.day[t0]!)}..${iso(bt.day[t1 - 1]!)}`, band: W.band_grid[best]!, train_sharpe: sh[best]! });
      stitched.push(...runs[best]!.subarray(t0, t1));
    }
    const r = Float64Array.from(stitched);
    const z = new Float64Array(r.length);
    wf = { windows, oos_days: r.length, oos_kpis: r.length > 1 ? computeKpis(r, z, z, z, Float64Array.from(r, () => 1)) : null,
      note: 'each test window trades the band chosen on the train window before it (net returns of that band\'s own book; switching between books at a boundary is not charged)' };
  }
  const timeline: MonitorRunResult['timeline'] = reg.names.map((label, li) => {
    let days = 0, episodes = 0;
    for (let k = 0; k < nOut; k++) if (labelsOut[k] === li) { days++; if (k === 0 || labelsOut[k - 1] !== li) episodes++; }
    return { label, days, episodes };
  });
  o.log.info({ load_ms: Math.round(tLoad - t0), compute_ms: Math.round(performance.now() - tLoad), assets: p.symbols.length, days: p.days.length }, 'monitor computed');
  const label_changes = { with_hysteresis: countChanges(labelsOut), without: countChanges(reg.raw_label.subarray(start)) };
  return { cfg, exp, mode, refs, costs, loaded, p, start, feats, reg, bt, evaluation, kpis, wf, timeline, label_changes, nOut };
}

export async function runMonitor(o: MonitorRunOptions): Promise<MonitorRunResult> {
  const r = await computeMonitor(o);
  const { p, start, feats, reg, bt, cfg, mode } = r;
  const warnings = [...r.loaded.warnings, ...r.feats.unavailable.filter((f) => cfg.regime.composite.weights[f] !== 0).map((f) => `feature ${f} has no input data in the window: it adds nothing to the score`), ...bt.stops];
  const reports = resolveInside(o.dataDir, 'reports', 'monitor');
  const artifacts = resolveInside(o.dataDir, 'artifacts', 'monitor');
  const outputs: string[] = [];
  const put = async (path: string, text: string) => { await writeFileAtomic(path, text); outputs.push(path); };
  const days = Array.from(bt.day, iso);
  const labelName = (li: number) => (li >= 0 ? reg.names[li]! : '');
  // regime timeline
  let csv = 'date,score,raw_label,label,direction\n';
  for (let k = 0; k < r.nOut; k++) csv += `${days[k]},${fmt(reg.score[start + k]!)},${labelName(reg.raw_label[start + k]!)},${labelName(reg.label[start + k]!)},${bt.direction[k]}\n`;
  await put(join(reports, 'regime_timeline.csv'), csv);
  let eq = 'date,equity,drawdown\n';
  let peak = 1;
  const dd = new Float64Array(r.nOut);
  for (let k = 0; k < r.nOut; k++) { peak = Math.max(peak, bt.equity[k]!); dd[k] = bt.equity[k]! / peak - 1; eq += `${days[k]},${fmt(bt.equity[k]!)},${fmt(dd[k]!)}\n`; }
  await put(join(reports, 'bt_equity_curve.csv'), eq);
  let pnl = 'date,pnl,cost,funding,borrow,r_ls_gross,r_ls_net,alt_turnover,gross,net_beta\n';
  for (let k = 0; k < r.nOut; k++) pnl += [days[k], fmt(bt.pnl_usd[k]!), fmt(bt.cost[k]!), fmt(bt.funding[k]!), fmt(bt.borrow[k]!), fmt(bt.r_ls_gross[k]!), fmt(bt.r_ls_net[k]!), fmt(bt.alt_turnover[k]!), fmt(bt.gross[k]!), fmt(bt.net_beta[k]!)].join(',') + '\n';
  await put(join(reports, 'bt_daily_pnl.csv'), pnl);
  await writeJsonAtomic(join(reports, 'kpis.json'), { mode, kpis: r.kpis, walk_forward: r.wf }); outputs.push(join(reports, 'kpis.json'));
  let rm = 'horizon_days,label,n,mean,hit_rate,hac_t,ci_lo,ci_hi,ess,days_in_regime\n';
  for (const e of r.evaluation) for (const s of e.regimes) rm += [e.horizon_days, s.label, s.n, fmt(s.mean), fmt(s.hit_rate), fmt(s.hac_t), fmt(s.ci_lo), fmt(s.ci_hi), fmt(s.ess), r.timeline.find((t) => t.label === s.label)!.days].join(',') + '\n';
  await put(join(reports, 'regime_metrics.csv'), rm);
  const evalJson = { mode, horizons: r.evaluation };
  await writeJsonAtomic(join(reports, 'regime_evaluation.json'), evalJson); outputs.push(join(reports, 'regime_evaluation.json'));
  // features_wide.parquet (raw and z of every feature, from the first panel day: burn-in visible)
  const db = await LakeDb.open({ threads: 1 });
  try {
    const cols: { name: string; type: 'ts' | 'f64' | 'str' }[] = [{ name: 'ts_ms', type: 'ts' }, { name: 'label', type: 'str' }, { name: 'score', type: 'f64' }];
    const data: Record<string, unknown> = { ts_ms: p.days, label: dictColumn(Array.from(reg.label, labelName)), score: reg.score };
    for (const f of FEATURE_NAMES) { cols.push({ name: f, type: 'f64' }, { name: `${f}_z`, type: 'f64' }); data[f] = feats.raw[f]; data[`${f}_z`] = feats.z[f]; }
    const fw = join(artifacts, 'features_wide.parquet');
    await writeTableFile(db, fw, cols, data as never);
    outputs.push(fw);
    if (cfg.outputs.dashboard) {
      const rebase = (x: Float64Array) => { const base = x.subarray(start).find((v) => Number.isFinite(v)) ?? NaN; return Array.from(x.subarray(start), (v) => (Number.isFinite(v / base) ? v / base : null)); };
      let idx = 1;
      const alt = Array.from(feats.alt_index_ret.subarray(start), (v, k) => { if (k > 0 && Number.isFinite(v)) idx *= 1 + v; return idx; });
      const e0 = r.evaluation[0]!;
      await put(join(reports, 'dashboard.html'), renderDashboard({
        title: `Majors vs alts monitor (${mode}${r.exp ? `: ${r.exp.experiment_id}` : ''})`,
        subtitle: `${days[0]} .. ${days[days.length - 1]}; ${p.symbols.length} assets (BTC ${p.symbols[p.btc]}, ETH ${p.symbols[p.eth]}); label changes ${r.label_changes.with_hysteresis} with hysteresis, ${r.label_changes.without} without`,
        days, score: Array.from(reg.score.subarray(start), (v) => (Number.isFinite(v) ? v : null)), labels: Array.from(reg.label.subarray(start), labelName),
        btc: rebase(p.close[p.btc]!), alt_index: alt, equity: Array.from(bt.equity), drawdown: Array.from(dd),
        regimes: e0.regimes.map((s) => ({ label: s.label, n: s.n, mean: Number.isFinite(s.mean) ? s.mean : null, ci_lo: Number.isFinite(s.ci_lo) ? s.ci_lo : null, ci_hi: Number.isFinite(s.ci_hi) ? s.ci_hi : null })),
        regime_target: e0.target, kpis: r.kpis as unknown as Record<string, number | null>,
      }));
    }
    let runId: string | null = null;
    if (r.exp) {
      runId = `${r.exp.experiment_id}-${new Date(o.now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
      const runDir = resolveInside(o.dataDir, 'runs', runId);
      const manifest = {
        run_id: runId, created_at: new Date(o.now).toISOString(), mode, experiment: r.exp, experiment_file: o.experimentFile, config_file: o.configFile,
        resolved_config: cfg, resolved_config_digest: digestJson(cfg), window: { start: iso(o.startMs), end: iso(o.endMs) },
        data_snapshot: r.loaded.snapshot, lake_digests: r.loaded.digests, cost_digest: r.costs.digest,
        coin_map: r.refs.coin_map, exclusions: r.refs.exclusions,
        universe: { symbols: p.symbols, btc: p.symbols[p.btc], eth: p.symbols[p.eth], excluded: p.symbols.filter((_, a) => p.excluded[a]) },
        baskets: bt.baskets, warnings,
      };
      await writeJsonAtomic(join(runDir, 'manifest.json'), manifest);
      const stability = { label_changes: r.label_changes, timeline: r.timeline, mean_dwell_days: r.label_changes.with_hysteresis > 0 ? r.nOut / (r.label_changes.with_hysteresis + 1) : r.nOut };
      await writeJsonAtomic(join(runDir, 'metrics.json'), { kpis: r.kpis, stability, regime_evaluation: evalJson, walk_forward: r.wf });
      await writeJsonAtomic(join(runDir, 'regime_evaluation.json'), evalJson);
      await writeTableFile(db, join(runDir, 'regime_timeseries.parquet'), [{ name: 'ts_ms', type: 'ts' }, { name: 'score', type: 'f64' }, { name: 'label', type: 'str' }, { name: 'direction', type: 'f64' }],
        { ts_ms: bt.day, score: reg.score.slice(start), label: dictColumn(Array.from(reg.label.subarray(start), labelName)), direction: Float64Array.from(bt.direction) } as never);
      await writeTableFile(db, join(runDir, 'returns.parquet'), ['ts_ms', 'pnl', 'cost', 'funding', 'borrow', 'r_ls_gross', 'r_ls_net', 'alt_turnover', 'gross', 'net_beta', 'equity'].map((n) => ({ name: n, type: n === 'ts_ms' ? 'ts' as const : 'f64' as const })),
        { ts_ms: bt.day, pnl: bt.pnl_usd, cost: bt.cost, funding: bt.funding, borrow: bt.borrow, r_ls_gross: bt.r_ls_gross, r_ls_net: bt.r_ls_net, alt_turnover: bt.alt_turnover, gross: bt.gross, net_beta: bt.net_beta, equity: bt.equity } as never);
      outputs.push(runDir);
      await appendCatalog(resolveInside(o.dataDir, 'runs'), {
        run_id: runId, experiment_id: r.exp.experiment_id, category_path: r.exp.category_path, mode, created_at: new Date(o.now).toISOString(), start: iso(o.startMs), end: iso(o.endMs),
        cagr: r.kpis.cagr, sharpe: r.kpis.sharpe, sortino: r.kpis.sortino, max_drawdown: r.kpis.max_drawdown, calmar: r.kpis.calmar, hit_rate: r.kpis.hit_rate, turnover_annual: r.kpis.turnover_annual,
        label_changes: r.label_changes.with_hysteresis, config_digest: digestJson(cfg), manifest: `${runId}/manifest.json`,
      });
    }
    return { mode, run_id: runId, kpis: r.kpis, evaluation: r.evaluation, timeline: r.timeline, label_changes: r.label_changes, outputs, warnings, walk_forward: r.wf };
  } finally {
    db.close();
  }
}

export const CATALOG_COLUMNS = ['run_id', 'experiment_id', 'category_path', 'mode', 'created_at', 'start', 'end', 'cagr', 'sharpe', 'sortino', 'max_drawdown', 'calmar', 'hit_rate', 'turnover_annual', 'label_changes', 'config_digest', 'manifest'] as const;

/** catalog.csv: the old rows plus this one, written to a temp file and renamed (readers see old or new, never half). */
async function appendCatalog(runsDir: string, row: Record<(typeof CATALOG_COLUMNS)[number], string | number | null>): Promise<void> {
  const file = join(runsDir, 'catalog.csv');
  const header = CATALOG_COLUMNS.join(',');
  let text = existsSync(file) ? await readFile(file, 'utf8') : `${header}\n`;
  if (!text.startsWith(header)) throw new DataError('catalog header differs from this version\'s columns', { file, line: 1, value: text.split('\n')[0] }, { hint: 'move the old catalog aside; it is rebuilt from new runs' });
  const cell = (v: string | number | null) => (v === null || (typeof v === 'number' && !Number.isFinite(v)) ? '' : typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  text += CATALOG_COLUMNS.map((c) => cell(row[c])).join(',') + '\n';
  await writeFileAtomic(file, text);
}


