/**
 * The run folder of a lab backtest, `runs/<timestamp>_<symbol>_<strategy>/`: metrics.json (with a provenance
 * block), provenance.json (git SHA, data lineage with sha256, CLI arguments, environment flags, entrypoint),
 * session.md (human summary; a synthetic run starts with `# SYNTHETIC RUN`), trades.csv, equity.csv and
 * equity.html (offline page, inline SVG chart). Written atomically: everything goes into a hidden temp folder
 * beside the target, which is renamed into place only when complete.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempPathFor } from '../fsx.js';
import type { BacktestRun, LabTrade } from './backtest.js';
import type { LineageEntry } from './data.js';
import type { ResolvedWindow } from './window.js';

export interface RunMeta {
  symbol: string;
  strategy: string;
  interval: string;
  window: ResolvedWindow;
  seed: number;
  synthetic: boolean;
  /** 'lake' or 'synthetic' (the bars' source) and the engine adapter. */
  data_source: string;
  adapter: string;
  cost_digest: string;
  costs: unknown;
  initial_cash: number;
  params: Record<string, unknown>;
  lineage: LineageEntry[];
  resampling: string;
  download_symbol: string;
  git_sha: string | null;
  argv: string[];
  env_flags: Record<string, string>;
  entrypoint: string;
  created_utc: string;
  notes: string[];
}

function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** JSON with non-finite numbers written as null. */
function json(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'number' ? num(x) : x), 2) + '\n';
}

const TRADE_COLUMNS: (keyof LabTrade)[] = [
  'symbol', 'side', 'entry_time', 'exit_time', 'qty', 'entry_price', 'exit_price', 'gross_pnl', 'fees', 'slippage_impact', 'funding', 'borrow', 'net_pnl', 'open',
];

export function tradesCsv(trades: readonly LabTrade[]): string {
  const rows = trades.map((t) => TRADE_COLUMNS.map((c) => String(t[c])).join(','));
  return [TRADE_COLUMNS.join(','), ...rows].join('\n') + '\n';
}

export function equityCsv(ts: ArrayLike<number>, equity: ArrayLike<number>): string {
  const out = ['ts_utc,equity'];
  for (let i = 0; i < equity.length; i++) out.push(`${new Date(ts[i]!).toISOString()},${equity[i]}`);
  return out.join('\n') + '\n';
}

/** Polyline points of a series scaled into a w x h box (at most ~2000 points, min/max kept per bucket). */
export function svgPath(values: ArrayLike<number>, w: number, h: number): string {
  const n = values.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  if (!(hi >= lo)) return '';
  const span = hi - lo || 1;
  const step = Math.max(1, Math.ceil(n / 1000));
  const pts: string[] = [];
  for (let i = 0; i < n; i += step) {
    let a = i;
    let b = i;
    for (let j = i; j < Math.min(n, i + step); j++) {
      if (values[j]! < values[a]!) a = j;
      if (values[j]! > values[b]!) b = j;
    }
    for (const j of a <= b ? [a, b] : [b, a]) {
      const x = n > 1 ? (j / (n - 1)) * w : 0;
      const y = h - ((values[j]! - lo) / span) * h;
      pts.push(`${x.toFixed(1)},${y.toFixed(1)}`);
    }
  }
  return pts.join(' ');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function equityHtml(title: string, run: BacktestRun, meta: RunMeta): string {
  const eq = run.result.equity;
  const w = 900;
  const h = 300;
  const first = eq[0] ?? meta.initial_cash;
  const last = eq[eq.length - 1] ?? meta.initial_cash;
  const m = run.metrics;
  const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}svg{border:1px solid #ccc;background:#fafafa}td{padding:2px 10px}</style>
</head><body>
${meta.synthetic ? '<h1 style="color:#b00">SYNTHETIC RUN</h1>\n' : ''}<h2>${escapeHtml(title)}</h2>
<p>${escapeHtml(meta.window.start_utc)} .. ${escapeHtml(meta.window.end_utc)} (${escapeHtml(meta.window.tz)}), ${run.to - run.from} bars</p>
<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="equity curve">
<polyline fill="none" stroke="#1565c0" stroke-width="1.2" points="${svgPath(eq, w, h)}"/>
</svg>
<p>equity ${first.toFixed(2)} -&gt; ${last.toFixed(2)}</p>
<table>
<tr><td>total return</td><td>${pct(m.total_return)}</td></tr>
<tr><td>Sharpe (annualised)</td><td>${Number.isFinite(m.sharpe) ? m.sharpe.toFixed(3) : 'n/a'}</td></tr>
<tr><td>max drawdown</td><td>${pct(m.max_drawdown)}</td></tr>
<tr><td>closed trades</td><td>${m.n_trades}</td></tr>
<tr><td>hit rate</td><td>${pct(m.hit_rate)}</td></tr>
</table>
</body></html>
`;
}

export function sessionMd(run: BacktestRun, meta: RunMeta): string {
  const m = run.metrics;
  const f = (x: number, d = 4) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const lines = [
    ...(meta.synthetic ? ['# SYNTHETIC RUN', '', 'These bars are generated by the seeded synthetic market (--allow-synthetic), not market data.', ''] : []),
    `# Backtest ${meta.strategy} ${meta.symbol} ${meta.interval}`,
    '',
    `- window: ${meta.window.spec} = ${meta.window.start_utc} .. ${meta.window.end_utc} (local ${meta.window.start_local} .. ${meta.window.end_local}, ${meta.window.tz})`,
    `- blueprint: ${run.blueprint.id} (${run.blueprint.name})`,
    `- data: ${meta.data_source}; ${meta.resampling}; ${run.to - run.from} bars in the window`,
    `- costs: digest ${meta.cost_digest}`,
    `- initial cash ${meta.initial_cash}; seed ${meta.seed}; adapter ${meta.adapter}`,
    '',
    '## Results',
    '',
    `| metric | value |`,
    `|---|---|`,
    `| total return | ${f(m.total_return)} |`,
    `| CAGR | ${f(m.cagr)} |`,
    `| Sharpe (annualised) | ${f(m.sharpe)} |`,
    `| Sortino | ${f(m.sortino)} |`,
    `| max drawdown | ${f(m.max_drawdown)} |`,
    `| closed trades | ${m.n_trades} |`,
    `| hit rate | ${f(m.hit_rate)} |`,
    `| exposure | ${f(m.exposure)} |`,
    `| turnover (per year) | ${f(m.turnover, 2)} |`,
    `| PSR (daily, vs 0) | ${f(m.psr)} |`,
    '',
    ...(meta.notes.length ? ['## Notes', '', ...meta.notes.map((n) => `- ${n}`), ''] : []),
    'Files: metrics.json, provenance.json, trades.csv, equity.csv, equity.html.',
    '',
  ];
  return lines.join('\n');
}

/** The folder name `<YYYYMMDDTHHMMSSZ>_<symbol>_<strategy>`. */
export function runFolderName(createdUtc: string, symbol: string, strategy: string): string {
  const stamp = createdUtc.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}_${symbol.replace(/[^A-Za-z0-9]/g, '')}_${strategy}`;
}

/** Write the run folder atomically under `runsDir`; returns its path. A name already taken gets `-2`, `-3`, ... */
export async function writeRunFolder(runsDir: string, run: BacktestRun, meta: RunMeta): Promise<string> {
  await mkdir(runsDir, { recursive: true });
  const base = runFolderName(meta.created_utc, meta.symbol, meta.strategy);
  let name = base;
  for (let k = 2; existsSync(join(runsDir, name)); k++) name = `${base}-${k}`;
  const final = join(runsDir, name);
  const tmp = tempPathFor(final);
  await mkdir(tmp);
  try {
    const provenanceBlock = {
      window: meta.window, timezone: meta.window.tz, seed: meta.seed, synthetic: meta.synthetic, adapter: meta.adapter,
      data_source: meta.data_source,
    };
    await writeFile(join(tmp, 'metrics.json'), json({
      symbol: meta.symbol, strategy: meta.strategy, interval: meta.interval, blueprint_id: run.blueprint.id,
      initial_cash: meta.initial_cash, bars: run.to - run.from, metrics: run.metrics, provenance: provenanceBlock,
    }));
    await writeFile(join(tmp, 'provenance.json'), json({
      created_utc: meta.created_utc, git_sha: meta.git_sha, entrypoint: meta.entrypoint, argv: meta.argv,
      environment_flags: meta.env_flags, synthetic: meta.synthetic, seed: meta.seed,
      data: { source: meta.data_source, lineage: meta.lineage, resampling: meta.resampling, download_symbol: meta.download_symbol },
      blueprint: run.blueprint, params: meta.params, costs: { digest: meta.cost_digest, config: meta.costs },
      window: meta.window,
    }));
    await writeFile(join(tmp, 'session.md'), sessionMd(run, meta));
    await writeFile(join(tmp, 'trades.csv'), tradesCsv(run.trades));
    await writeFile(join(tmp, 'equity.csv'), equityCsv(run.ts_ms, run.result.equity));
    await writeFile(join(tmp, 'equity.html'), equityHtml(`${meta.strategy} ${meta.symbol} ${meta.interval}`, run, meta));
    await rename(tmp, final);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return final;
}
