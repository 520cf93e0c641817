#!/usr/bin/env node
/**
 * CI's real-data check: run the whole pipeline (ingest to report) on one dataset from ../shared/data/real into a temporary lake through the real
 * orchestrator, then check the cleaned lake against what the dataset's SOURCE.md documents, read it back with DuckDB
 * (and pandas when the machine has it), and check that an immediate rerun skips every stage.
 * Usage: node dist/orchestrator/real_data_check.js <dataset dir>
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { LakeDb, TABLES, listPartitions } from '../lib/lake/index.js';
import { rewriteCleanedFunding } from './funding_cut_copy.js';
import { PROJECT_ROOT } from '../lib/stage/main.js';
import type { RunRecord } from './runner.js';
import { readJson } from '../lib/fsx.js';

const dataset = resolve(process.argv[2] ?? '../shared/data/real/binance-um-perp-5m-2025-01_2025-08');
const failures: string[] = [];
const expect = (ok: boolean, what: string) => {
  process.stdout.write(`  ${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
  if (!ok) failures.push(what);
};

/**
 * Issue 10.2 on real data: BTCUSDT's cleaned funding cut to end 9 h before its bars (as uneven downloads do), then
 * walkforward and report rerun (forced: the lake was edited in place) must complete and list the cut. ~1 min at 5m.
 */
async function fundingCutCheck(dir: string, runAll: (extra: string[]) => Promise<unknown>): Promise<void> {
  const key = { exchange: 'binance', market: 'um', symbol: 'BTCUSDT' };
  const parts = await listPartitions(join(dir, 'lake'), TABLES.cleanBars, { ...key, timeframe: '5m' });
  const barsEnd = Math.max(...parts.map((p) => p.manifest.max_ts_ms)) + 300_000;
  await rewriteCleanedFunding(join(dir, 'lake'), key, (ts) => ts <= barsEnd - 9 * 3_600_000);
  const t0 = Date.now();
  // without the selection floor (every blueprint with a positive train Sharpe is eligible), so the out-of-sample
  // machinery trades on real data: sleeves, book, metrics and DSR
  await runAll(['--only', 'walkforward,report', '--force', '--set', 'walkforward.train_sharpe_floor=none']);
  const wf = await readJson<WalkforwardSummary>(join(dir, 'lake', 'walkforward', 'summary.json'));
  const m = wf.oos.metrics;
  expect(m.n_trades > 0 && Number.isFinite(m.sharpe) && Number.isFinite(wf.deflation.dsr) && Number.isFinite(wf.deflation.clustered?.dsr ?? NaN),
    `walk-forward without the floor: OOS return ${fmt(m.total_return * 100, 2)}%, Sharpe ${fmt(m.sharpe, 2)}, ${m.n_trades} trades, DSR ${fmt(wf.deflation.dsr, 3)}, ` +
      `clustered DSR ${fmt(wf.deflation.clustered?.dsr ?? null, 3)}`);
  const cut = wf.cut_instruments ?? [];
  const md = await import('node:fs/promises').then((fs) => fs.readFile(join(dir, 'reports', 'strategy', 'report.md'), 'utf8'));
  expect(cut.length === 1 && cut[0]!.instrument === 'binance/um/BTCUSDT/5m' && md.includes('## Instruments cut to their funding span (1)'),
    `funding cut 9 h short: walkforward and report complete and list the cut (${cut.map((c) => `${c.instrument} until ${new Date(c.tradable_end_ms).toISOString()}, ${c.cut_bars} bars`).join('; ') || 'none'}; ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

interface WalkforwardSummary {
  windows: { train_sharpe_floor: number; top_ranked: { train_sharpe: number }[] }[];
  oos: { metrics: { sharpe: number | null; total_return: number; n_trades: number } };
  deflation: { dsr: number | null; trials: number; clustered?: { dsr: number | null } };
  pbo: { pbo: number | null };
  cut_instruments?: { instrument: string; tradable_end_ms: number; cut_bars: number }[];
}

/** A figure for the check's lines: '-' for null or a non-finite value (a book in cash has no Sharpe). */
const fmt = (x: number | null, digits: number) => (x !== null && Number.isFinite(x) ? x.toFixed(digits) : '-');

const dir = await mkdtemp(join(tmpdir(), 'quantlab-real-'));
try {
  const runAll = (extra: string[]) =>
    execa(process.execPath, [join(PROJECT_ROOT, 'dist/orchestrator/run_all.js'), '--data_dir', dir, '--run_id', `real-${extra.length}`,
      '--set', 'ingest.source=binance-vision', '--set', `ingest.binance_vision.path=${dataset}`, '--set', 'ingest.binance_vision.market=um', '--set', 'clean.extra_timeframes=["1h"]', ...extra],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const t0 = Date.now();
  const first = await runAll([]);
  process.stdout.write(first.stdout + '\n');
  const coldS = (Date.now() - t0) / 1000;
  const db = await LakeDb.open();
  const bars = (tf: string) => `read_parquet('${dir}/lake/cleaned/bars/*/*/*/timeframe=${tf}/*/*.parquet', hive_partitioning = true)`;
  const per = await db.rowObjects(
    `SELECT market, symbol, count(*) AS n, sum(is_missing) AS missing, sum(is_zero_volume) AS zero_vol, min(ts_ms) AS first, max(ts_ms) AS last FROM ${bars('5m')} GROUP BY ALL ORDER BY ALL`,
  );
  expect(per.length === 15, `15 instruments of 5m bars (11 perps + 4 spot), got ${per.length}`);
  expect(per.every((r) => Number(r.n) === 70_272 && Number(r.missing) === 0), 'every instrument has 70,272 5m bars and no gap (SOURCE.md: no gaps)');
  expect(per.filter((r) => r.market === 'um').every((r) => Number(r.zero_vol) === 5), 'every perp has exactly 5 zero-volume bars (SOURCE.md: Binance maintenance)');
  expect(per.every((r) => Number(r.first) === Date.UTC(2024, 11, 31) && Number(r.last) === Date.UTC(2025, 7, 31, 23, 55)), 'window 2024-12-31 00:00 .. 2025-08-31 23:55 UTC');
  const hourly = await db.rows(`SELECT count(*), sum(is_partial) FROM ${bars('1h')}`);
  expect(Number(hourly[0]![0]) === 15 * 5_856 && Number(hourly[0]![1]) === 0, `1h resample: 15 x 5,856 whole buckets, got ${hourly[0]![0]} (${hourly[0]![1]} partial)`);
  const btc1h = await db.rows(
    `SELECT h.close = (SELECT close FROM ${bars('5m')} b WHERE b.symbol = 'BTCUSDT' AND b.market = 'um' AND b.ts_ms = h.ts_ms + 3300000) FROM ${bars('1h')} h WHERE symbol = 'BTCUSDT' AND market = 'um' ORDER BY ts_ms LIMIT 1`,
  );
  expect(btc1h[0]?.[0] === true, '1h close equals the close of the last 5m bar of the hour');
  const funding = await db.rows(`SELECT count(DISTINCT symbol), count(*), sum(is_off_schedule) FROM read_parquet('${dir}/lake/cleaned/funding/**/*.parquet', hive_partitioning = true)`);
  expect(Number(funding[0]![0]) === 11 && Number(funding[0]![2]) === 0, `funding for 11 perps on schedule, got ${funding[0]![0]} symbols, ${funding[0]![2]} off schedule, ${funding[0]![1]} settlements`);
  // The research stages ran on it too (run_all runs every stage): discovery over the whole plan, bridge on survivors.
  const disc = await db.rowObjects(
    `SELECT count(*) AS n, count(q) AS with_q, count(*) FILTER (WHERE ess > 0) AS with_ess, min(q) AS min_q, sum(pass::INT) AS pass, ` +
      `count(DISTINCT symbol) AS symbols FROM read_parquet('${dir}/lake/discovery/results.parquet')`,
  );
  const d = disc[0]!;
  expect(Number(d.n) > 100 && Number(d.with_q) === Number(d.n) && Number(d.with_ess) === Number(d.n),
    `discovery: ${d.n} candidates over ${d.symbols} instruments, every one with a q-value and ESS (min q ${Number(d.min_q).toFixed(3)}, ${d.pass} pass)`);
  const br = await db.rowObjects(`SELECT count(*) AS n, count(DISTINCT cost_digest) AS digests FROM read_parquet('${dir}/lake/bridge/results.parquet')`);
  expect(Number(br[0]!.n) === Number(d.pass) && (Number(br[0]!.n) === 0 || Number(br[0]!.digests) === 1),
    `bridge priced every discovery survivor (${br[0]!.n}) under one cost digest`);
  // The strategy stages: blueprints, a walk-forward with windows and metrics, and a self-contained report.
  const bpMeta = await readJson<{ counts: { total: number; from_templates: number } }>(join(dir, 'research', 'blueprints', 'blueprints.json'));
  expect(bpMeta.counts.total > 0 && bpMeta.counts.from_templates > 0, `blueprints: ${bpMeta.counts.total} (${bpMeta.counts.from_templates} template variants)`);
  // The default selection (train_sharpe_floor expected_max) trades a window only when a blueprint's train Sharpe beats
  // what the best skill-less one would show by luck; with no discovery survivor and only template variants, a book in
  // cash is the expected honest outcome here (the funding-cut rerun below trades without the floor).
  const wf = await readJson<WalkforwardSummary>(join(dir, 'lake', 'walkforward', 'summary.json'));
  const m = wf.oos.metrics;
  const floors = wf.windows.map((w) => w.train_sharpe_floor);
  const best = Math.max(...wf.windows.map((w) => w.top_ranked[0]?.train_sharpe ?? -Infinity));
  const cash = m.n_trades === 0;
  expect(wf.windows.length >= 4 && floors.every((f) => f > 0) && wf.pbo.pbo !== null && (cash || (Number.isFinite(m.sharpe) && Number.isFinite(wf.deflation.dsr))),
    `walk-forward: ${wf.windows.length} windows, train Sharpe floors ${fmt(Math.min(...floors), 2)}..${fmt(Math.max(...floors), 2)} (best train Sharpe ${fmt(best, 2)}): ` +
      `${cash ? 'no blueprint beat the floor, the book stays in cash' : `OOS return ${fmt(m.total_return * 100, 2)}%, Sharpe ${fmt(m.sharpe, 2)}, ${m.n_trades} trades, DSR ${fmt(wf.deflation.dsr, 3)}`} ` +
      `over ${wf.deflation.trials} trials, PBO ${fmt(wf.pbo.pbo, 3)}`);
  const html = await import('node:fs/promises').then((fs) => fs.readFile(join(dir, 'reports', 'strategy', 'report.html'), 'utf8'));
  const external = html.match(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//gi) ?? [];
  // the charts are ECharts <div>s drawn from the inline JSON block (lib/report/charts.ts); ECharts itself is inlined
  const charts = (html.match(/<div class="chart" id="chart-[a-z]+" data-chart=/g) ?? []).length;
  expect(charts >= 4 && html.includes('<script type="application/json" id="quantlab-charts">') && html.includes('getInstanceByDom') && external.length === 0,
    `report.html written (${html.length} bytes, ${charts} ECharts charts, ${external.length} external references)`);
  // Issue 11 on real data: the report's per-concept funnel shows the pooled concept and, for every concept, each cut
  // with its reason (the reason columns add up to the infeasible cuts).
  const md = await import('node:fs/promises').then((fs) => fs.readFile(join(dir, 'reports', 'strategy', 'report.md'), 'utf8'));
  // the concept table alone: up to the next heading (later tables, e.g. the stage timings, have rows of the same shape)
  const funnelAt = md.indexOf('### Funnel by concept');
  const nextHeading = md.indexOf('\n#', funnelAt + 1);
  const funnel = md.slice(funnelAt, nextHeading < 0 ? undefined : nextHeading);
  const rows = funnel.split('\n').filter((l) => /^\| [a-z0-9-]+ \| /.test(l)).map((l) => l.split('|').slice(1, -1).map((x) => x.trim()));
  const pooledRow = rows.find((r) => r[2] === 'universe');
  const reasonsAddUp = rows.every((r) => Number(r[6]) === Number(r[7]) + Number(r[8]) + Number(r[9]));
  expect(pooledRow !== undefined && reasonsAddUp && rows.length >= 5,
    `report funnel: ${rows.length} concepts; pooled ${pooledRow ? `${pooledRow[0]}: ${pooledRow[4]} expanded, ${pooledRow[5]} planned, ${pooledRow[6]} cut (${pooledRow[7]} too few events, ${pooledRow[8]} ESS too low, ${pooledRow[9]} missing input), ${pooledRow[11]} tested, ${pooledRow[12]} pass discovery` : 'missing'}; cut reasons add up on every row: ${reasonsAddUp}`);
  db.close();
  const py = await execa('python3', ['-c', [
    'import sys', 'try:', '  import pandas as pd', 'except Exception:', '  print("pandas not installed: skipped"); sys.exit(0)',
    `df = pd.read_parquet("${dir}/lake/cleaned/bars")`, 'print("pandas rows", len(df), "columns", ",".join(df.columns[:8]))',
  ].join('\n')], { reject: false });
  expect(py.exitCode === 0, `pandas reads the cleaned lake as it is: ${(py.stdout || py.stderr).trim().split('\n').pop()}`);
  const t1 = Date.now();
  await runAll([]);
  const noopS = (Date.now() - t1) / 1000;
  const runs = await import('node:fs/promises').then((fs) => fs.readdir(join(dir, 'reports', 'runs')));
  const second = await readJson<RunRecord>(join(dir, 'reports', 'runs', runs.sort().at(-1)!, 'run.json'));
  expect(second.stages.every((s) => s.outcome.type === 'skipped'), `an immediate rerun skips every stage (${noopS.toFixed(2)} s wall, ${second.duration_ms} ms in the orchestrator)`);
  process.stdout.write(`  cold run, ingest to report: ${coldS.toFixed(1)} s wall\n`);
  await fundingCutCheck(dir, runAll);
  // The same study at 1h (spec horizons and template lengths are durations): a non-empty plan and a PBO value.
  const t2 = Date.now();
  await runAll(['--backtest_timeframe', '1h']);
  const plan1h = await readJson<{ plan_hash: string; timeframe: string; counts: { planned: number } }>(join(dir, 'research', 'plan', 'plan.json'));
  const wf1h = await readJson<{ timeframe: string; windows: unknown[]; oos: { metrics: { sharpe: number | null; total_return: number } }; pbo: { pbo: number | null; note: string } }>(
    join(dir, 'lake', 'walkforward', 'summary.json'));
  const emptySha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  expect(plan1h.timeframe === '1h' && plan1h.counts.planned > 0 && plan1h.plan_hash !== emptySha,
    `1h: candidate plan of ${plan1h.counts.planned} candidates (hash ${plan1h.plan_hash.slice(0, 12)})`);
  expect(wf1h.timeframe === '1h' && wf1h.pbo.pbo !== null,
    `1h: walk-forward ${wf1h.windows.length} windows, OOS return ${fmt(wf1h.oos.metrics.total_return * 100, 2)}%, Sharpe ${fmt(wf1h.oos.metrics.sharpe, 2)}, ` +
      `PBO ${wf1h.pbo.pbo?.toFixed(3) ?? `not computed (${wf1h.pbo.note})`} (${((Date.now() - t2) / 1000).toFixed(1)} s wall)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
if (failures.length) {
  process.stderr.write(`real-data check failed: ${failures.length} problem(s)\n`);
  process.exit(1);
}
process.stdout.write('real-data check passed\n');
