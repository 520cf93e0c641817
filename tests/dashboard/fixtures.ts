/**
 * A complete dashboard tree written in each system's output format (the shapes `quantlab backtest`, `live trade`,
 * `tutor`, `npm run monitor`, `npm run mm:*`, the pipeline's report stage and the experiment store write; checked
 * against real outputs of those commands): deterministic, small by default, scalable for the benchmark.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExperimentText } from '../../lib/experiments/load.js';
import { transition } from '../../lib/experiments/lifecycle.js';
import { ExperimentStore } from '../../lib/experiments/store.js';
import { renderReportHtml } from '../../lib/report/html.js';
import { renderDashboard } from '../../lib/monitor/dashboard.js';
import { makeFixture } from '../report/fixture.js';
import { BOOK, specText } from '../experiments/fixtures.js';

export const SESSION_ID = 'ps-0123456789abcdef';
export const HALTED_ID = 'ps-fedcba9876543210';
export const LESSON = 'mean_reversion';

export interface FixtureOptions {
  /** Backtest run folders (default 3). */
  backtests?: number;
  /** Lines of the session's state.jsonl (default 300). */
  logLines?: number;
  /** Bars of each equity curve (default 500). */
  bars?: number;
}

export interface Fixture { root: string; dataDir: string; runsDir: string; backtestIds: string[] }

function put(file: string, text: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
}

/** A seeded LCG (tests need the same numbers every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const T0 = Date.UTC(2025, 2, 1);
const BAR = 300_000;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function backtestId(i: number): string {
  const d = new Date(Date.UTC(2026, 0, 1) + i * 61_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z_DEMO_${i % 2 ? 'momentum' : 'mean_reversion'}`;
}

export function writeFixtures(root: string, o: FixtureOptions = {}): Fixture {
  const dataDir = join(root, 'data');
  const runsDir = join(dataDir, 'runs');
  const bars = o.bars ?? 500;
  const r = rng(7);

  // research: the report stage's report.json/html and an orchestrator run record
  const rep = makeFixture();
  put(join(dataDir, 'reports', 'strategy', 'report.json'), JSON.stringify(rep, null, 2));
  put(join(dataDir, 'reports', 'strategy', 'report.html'), renderReportHtml(rep));
  put(join(dataDir, 'reports', 'runs', '20260101T000000Z-ab12', 'run.json'), JSON.stringify({
    run_id: '20260101T000000Z-ab12', argv: ['--allow-synthetic'], timeframe: '5m', started_at: '2026-01-01T00:00:00.000Z', finished_at: '2026-01-01T00:00:46.600Z', duration_ms: 46600, status: 'ok',
    stages: [{ name: 'ingest', duration_ms: 6923, outcome: { type: 'ran', reason: 'no previous run', exit_code: 0 } }, { name: 'report', duration_ms: 1200, outcome: { type: 'ran', reason: 'input changed', exit_code: 0 } }],
  }, null, 2));

  // backtests: quantlab backtest run folders
  const backtestIds: string[] = [];
  for (let i = 0; i < (o.backtests ?? 3); i++) {
    const id = backtestId(i);
    backtestIds.push(id);
    const dir = join(runsDir, id);
    let eq = 100_000;
    const lines = ['ts_utc,equity'];
    for (let k = 0; k < bars; k++) { eq *= 1 + (r() - 0.495) * 0.002; lines.push(`${iso(T0 + k * BAR)},${eq}`); }
    put(join(dir, 'equity.csv'), lines.join('\n') + '\n');
    const trades = ['symbol,side,entry_time,exit_time,qty,entry_price,exit_price,gross_pnl,fees,slippage_impact,funding,borrow,net_pnl,open'];
    for (let k = 0; k < 60; k++) {
      const pnl = (r() - 0.5) * 200;
      trades.push(`DEMO,${k % 2 ? 'short' : 'long'},${iso(T0 + k * 8 * BAR)},${iso(T0 + (k * 8 + 5) * BAR)},0.31,${30000 + k},${30000 + k + pnl},${pnl + 12},10,2,0,0,${pnl},false`);
    }
    put(join(dir, 'trades.csv'), trades.join('\n') + '\n');
    put(join(dir, 'metrics.json'), JSON.stringify({
      symbol: 'DEMO', strategy: i % 2 ? 'momentum' : 'mean_reversion', interval: '5m', blueprint_id: 'bp-7b0c77fd8424a459', initial_cash: 100000, bars,
      metrics: { total_return: eq / 100000 - 1, cagr: 0.1, sharpe: 1.234 + i / 1000, sortino: 1.5, max_drawdown: -0.05, calmar: 2, hit_rate: 0.52, turnover: 100, exposure: 0.9, n_trades: 60, psr: 0.8, dsr: null },
      provenance: { window: { spec: 'P30D' }, timezone: 'UTC', seed: 7, synthetic: true, adapter: 'backtest (lib/engine via lib/dsl)', data_source: 'synthetic (lib/ingest/synthetic, seed 7)' },
    }, null, 2));
    put(join(dir, 'provenance.json'), JSON.stringify({
      created_utc: '2026-01-01T00:00:00.000Z', git_sha: null, entrypoint: 'dist/cli/quantlab.js', argv: ['backtest', '--symbol', 'DEMO'],
      environment_flags: { QUANTLAB_NOW_MS: '1767225600000' }, synthetic: true, seed: 7, data: [], blueprint: { id: 'bp-7b0c77fd8424a459' }, params: { fast: '4h' }, costs: { digest: 'd'.repeat(64) }, window: { spec: 'P30D' },
    }, null, 2));
    put(join(dir, 'session.md'), '# SYNTHETIC RUN\n\nmomentum on DEMO\n');
  }

  // live: a paper session folder (quantlab live trade) and a halted one
  for (const [sid, halted] of [[SESSION_ID, false], [HALTED_ID, true]] as const) {
    const dir = join(runsDir, 'live', 'sessions', sid);
    put(join(dir, 'state.json'), JSON.stringify({
      session_id: sid, status: 'complete', state: halted ? 'HALTED' : 'ACTIVE', tripped: halted ? { kill_switch: 'kill-switch file /tmp/KILL present' } : {},
      equity: 99386.39, cash: 99386.39, positions: { DEMO: 0 }, last_bar_ts_ms: T0 + bars * BAR, bars_processed: bars, risk_digest: 'f'.repeat(64), blueprint_id: 'bp-7b0c77fd8424a459', n_fills: 26, n_orders_denied: halted ? 3 : 0,
    }, null, 2));
    const acc = ['ts_utc,equity,cash,fees,slippage_impact,funding'];
    let eq = 100000;
    for (let k = 0; k < bars; k++) { eq *= 1 + (r() - 0.5) * 0.001; acc.push(`${iso(T0 + k * BAR)},${eq},${eq},0,0,0`); }
    put(join(dir, 'account.csv'), acc.join('\n') + '\n');
    put(join(dir, 'orders.csv'), 'order_id,bar_ts_utc,symbol,kind,event,qty,price,fee,slippage_impact,liquidity,reason\n0,2025-03-01T00:00:00.000Z,DEMO,market,submitted,0.322427,,,,,\n0,2025-03-01T00:05:00.000Z,DEMO,market,filled,0.322427,31014.75,5.0006,1.2334,taker,\n');
    put(join(dir, 'positions.csv'), 'symbol,lot_qty,lot_price,lot_ts_utc,fill\n');
    put(join(dir, 'trades.csv'), 'symbol,side,qty,entry_price,exit_price,realized,open_fill,close_fill\nDEMO,long,0.322427,31014.75,30906.01,-35.06,f0,f1\n');
    const ev: string[] = [JSON.stringify({ seq: -1, type: 'session', message: `session ${sid} started` })];
    const n = sid === SESSION_ID ? (o.logLines ?? 300) : 20;
    for (let k = 0; k < n; k++) {
      ev.push(k % 3 === 0
        ? JSON.stringify({ seq: k, bar: k, ts_ms: T0 + k * BAR, type: 'guard', rule: k % 30 === 0 ? 'max_order_notional' : 'state', decision: k % 30 === 0 ? 'deny' : 'allow', state_before: 'ACTIVE', state_after: 'ACTIVE', message: k % 30 === 0 ? 'order notional 60000 > 50000' : 'all guards passed', numbers: { order_notional: 9999.99 } })
        : JSON.stringify({ seq: k, bar: k, ts_ms: T0 + k * BAR, type: 'order', event: k % 3 === 1 ? 'submitted' : 'filled', order_id: k, symbol: 'DEMO', kind: 'market', qty: 0.32, price: k % 3 === 1 ? null : 31000 + k, reason: null, fee: k % 3 === 1 ? null : 5 }));
    }
    put(join(dir, 'state.jsonl'), ev.join('\n') + '\n');
    put(join(dir, 'logs', 'run.log'), `${JSON.stringify({ level: 'info', msg: `replayed ${bars} bars in 798 ms`, session: sid })}\n`);
    put(join(dir, 'session.md'), `# SYNTHETIC RUN\n\n- session ${sid}\n`);
  }

  // regime monitor: data/reports/monitor
  const mon = join(dataDir, 'reports', 'monitor');
  const days = 120;
  const tl = ['date,score,raw_label,label,direction'];
  const be = ['date,equity,drawdown'];
  let e2 = 1;
  let pk = 1;
  for (let k = 0; k < days; k++) {
    const d = iso(Date.UTC(2024, 0, 1) + k * 86_400_000).slice(0, 10);
    const label = k < 40 ? 'alt_season' : k < 80 ? 'btc_season' : 'neutral';
    tl.push(`${d},${(Math.sin(k / 9)).toFixed(4)},${label},${label},${label === 'alt_season' ? 1 : label === 'btc_season' ? -1 : 0}`);
    e2 *= 1 + (r() - 0.48) * 0.02;
    pk = Math.max(pk, e2);
    be.push(`${d},${e2},${e2 / pk - 1}`);
  }
  put(join(mon, 'regime_timeline.csv'), tl.join('\n') + '\n');
  const dayList = tl.slice(1).map((l) => l.slice(0, 10));
  put(join(mon, 'dashboard.html'), renderDashboard({
    title: 'Majors vs alts monitor (msm)', subtitle: 'fixture', days: dayList, score: dayList.map((_, k) => Math.sin(k / 9)), labels: tl.slice(1).map((l) => l.split(',')[3]!),
    btc: dayList.map((_, k) => 1 + k / 200), alt_index: dayList.map((_, k) => 1 + Math.sin(k / 20) / 10), equity: dayList.map(() => 1), drawdown: dayList.map(() => 0),
    regimes: [], regime_target: 'alt minus BTC', kpis: { sharpe: 1.1 },
  }));
  put(join(mon, 'bt_equity_curve.csv'), be.join('\n') + '\n');
  put(join(mon, 'kpis.json'), JSON.stringify({ mode: 'msm', kpis: { days, cagr: 0.2, sharpe: 1.1, sortino: 1.4, max_drawdown: -0.12, calmar: 1.6, hit_rate: 0.53, annual_vol: 0.2, turnover_annual: 12, total_cost: 100, total_funding: 20, days_in_market: 100 }, walk_forward: null }, null, 2));
  put(join(mon, 'regime_metrics.csv'), 'horizon_days,label,n,mean,hit_rate,hac_t,ci_lo,ci_hi,ess,days_in_regime\n1,alt_season,40,0.002,0.55,1.9,-0.0001,0.004,40,40\n1,btc_season,40,-0.001,0.45,-1.2,-0.003,0.001,40,40\n1,neutral,40,0.0002,0.5,0.2,-0.001,0.0015,40,40\n');

  // market making: data/artifacts
  const art = join(dataDir, 'artifacts');
  const mmRun = '20260101T000100Z-bf3c';
  put(join(art, `${mmRun}_metrics.json`), JSON.stringify({
    model: 'glft', params: { gamma: 0.01, k: 0.1 }, costs: { maker_fee_bps: 2 }, fill_rule: 'trade_through_one_tick', bars: 25920, from_utc: '2025-01-01T00:00:00.000Z', to_utc: '2025-04-01T00:00:00.000Z',
    pnl: { spread_capture_usd: 2382.57, inventory_pnl_usd: -2367.89, fees_usd: 242.6, funding_usd: 3.1, liquidation_cost_usd: 1.2, net_pnl_usd: -232.22, traded_notional_usd: 1e6 },
    fills: { total: 1213, buys: 600, sells: 613, quoted_sides: 50000, fill_rate: 0.024 }, inventory: { max_abs_lots: 5.98 }, performance: { sharpe_annualized_daily: -0.4 }, not_modelled: ['queue position', 'latency'],
  }, null, 2));
  put(join(art, `${mmRun}_risk_report.json`), JSON.stringify({ inventory_limit_lots: 5, inventory_limit_hits_bars: 46, max_abs_inventory_lots: 5.98, inventory_within_limit: true, kill_switch: { tripped: false } }, null, 2));
  const rt: string[] = [];
  for (let k = 0; k < 200; k++) {
    const mid = 37000 + Math.sin(k / 10) * 50;
    rt.push(JSON.stringify({ type: 'quote', iteration: k, ts_utc: iso(T0 + k * BAR), symbol: 'SYN01USDT', mode: 'paper', mid, bid: mid - 38, ask: mid + 38, spread_bps: 20.6, inventory_lots: Math.round(Math.sin(k / 7) * 3), sigma_bps_per_sqrt_s: 0.95 }));
    rt.push(JSON.stringify({ type: 'paper_fills', iteration: k, ts_utc: iso(T0 + (k + 1) * BAR), fills: [], position_base: 0, equity_usd: 0 }));
  }
  put(join(art, 'realtime', `${mmRun}.jsonl`), rt.join('\n') + '\n');
  put(join(art, 'last_month_analysis', `${mmRun}_analysis.json`), JSON.stringify({ run_id: mmRun, readiness: { ready_for_live_keys: false, gates: [
    { name: 'oos_net_pnl_positive', value: -147.6, threshold: '> 0 USD', pass: false }, { name: 'enough_fills', value: 741, threshold: '>= 200', pass: true }, { name: 'paper_reconciled', value: true, threshold: '|equity diff| <= 1e-6 USD', pass: true },
  ] } }, null, 2));
  put(join(art, 'last_month_analysis', `${mmRun}_sweep.csv`), 'gamma,k,max_inventory_lots,train_net_pnl_usd,train_fills,chosen\n0.002,0.05,2,-225.4290,1213,true\n0.005,0.05,10,-273.7681,1428,false\n');

  // experiments: the SQLite store with a lifecycle and metrics from two runs
  const store = ExperimentStore.open(dataDir, { now: () => new Date('2026-01-02T00:00:00Z') });
  try {
    const { spec } = parseExperimentText(specText(), 'fixture.yaml', BOOK);
    store.create(spec, { run_id: 'r-create', actor: 'alice', source: 'fixture.yaml' });
    transition(store, spec.id, { action: 'start', approved_by: 'bob', learning_book_enabled: true }, { run_id: 'r-start', actor: 'alice', reason: 'approved at the weekly review' });
    for (const [rid, v] of [['run-1', 7.5], ['run-2', 6.1]] as const) {
      store.recordMetric({ experiment_id: spec.id, run_id: rid, actor: 'runner' }, { name: 'slippage_bps', aggregation: 'p95', unit: 'bps', value: v, n: 40, dropped: 0, min_samples: 30, status: 'pass' } as never);
    }
  } finally {
    store.close();
  }

  // lessons: quantlab tutor
  const les = join(runsDir, 'lessons', LESSON);
  put(join(les, 'lesson.md'), '# SYNTHETIC RUN\n\n# Lesson: mean reversion\n\nThe z-score of the close fired at -2.13 < -2.\n');
  put(join(les, 'numbers.json'), JSON.stringify({ blueprint: 'bp-d44a9c6662782d3c', synthetic: true, metrics: { total_return: -0.0056, sharpe: -2.34 } }, null, 2));
  put(join(les, 'lesson.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><polyline points="0,50 100,20 200,80" fill="none" stroke="black"/></svg>\n');

  return { root, dataDir, runsDir, backtestIds };
}
