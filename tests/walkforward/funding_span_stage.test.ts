/**
 * Issue 10.2 end to end, through the REAL executables (dist/stages/walkforward.js, dist/stages/report.js) on a small
 * synthetic lake whose cleaned funding of one perpetual is then cut to end 9 hours before its bars (as uneven real
 * downloads do):
 * - the walk-forward completes (before the fix: exit 3 for the whole run), lists the instrument in summary.json
 *   `cut_instruments` and its run warnings, and no trade of it is open after its span;
 * - the report shows the cut (its own section in HTML and Markdown, a warning, report.json);
 * - a funding gap inside the span is still exit 3 (lake unchanged), and a perp without any funding too.
 * Run `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakeDb, TABLES, listPartitions, readTableFile, stringsOf, type DictColumn } from '../../lib/lake/index.js';
import { rewriteCleanedFunding } from '../../orchestrator/funding_cut_copy.js';
import { DAY, ROOT, START, WF, WF_SET, runNode as node, seedStrategyLake, type RunResult } from '../helpers/strategy_lake.js';
import { snapshot } from '../bad_input/helpers.js';
import { readStageManifest } from '../../lib/stage/manifest.js';
import { TRADE_COLUMNS } from '../../lib/stages/walkforward/run.js';
import type { WalkforwardSummary } from '../../lib/stages/walkforward/summary.js';

const H = 3_600_000;
const TF = 300_000;

const ok = (r: RunResult): void => {
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}\n${r.stderr}`);
};
const logLines = (r: RunResult, level: number) => r.stderr.split('\n').filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === level);

const walkforward = (d: string) => node('stages/walkforward.js', ['--data_dir', d, '--spec_dir', join(ROOT, 'spec'), '--params_json', JSON.stringify(WF)]);
const report = (d: string) => node('stages/report.js', ['--data_dir', d, '--spec_dir', join(ROOT, 'spec'), '--params_json', JSON.stringify({ timeframe: '5m', screenshot: 'never' })]);

let work: string;
let seed: string;
let n = 0;
async function copy(): Promise<string> {
  const d = join(work, `data-${++n}`);
  await cp(seed, d, { recursive: true });
  return d;
}

/** The traded perp whose funding is cut: the first um symbol of the blueprints. */
let perp: { exchange: string; market: string; symbol: string };

/** Keeps the cleaned funding settlements of `perp` that `keep` accepts (orchestrator/funding_cut_copy.ts). */
const editFunding = (dataDir: string, keep: (ts: number) => boolean) => rewriteCleanedFunding(join(dataDir, 'lake'), perp, keep);

async function lastBarOpen(dataDir: string): Promise<number> {
  const parts = await listPartitions(join(dataDir, 'lake'), TABLES.cleanBars, { ...perp, timeframe: '5m' });
  return Math.max(...parts.map((p) => p.manifest.max_ts_ms));
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-wf-funding-'));
  seed = join(work, 'seed');
  await seedStrategyLake(seed);
  const lines = (await readFile(join(seed, 'research/blueprints/blueprints.jsonl'), 'utf8')).split('\n').filter(Boolean);
  const keys = lines.flatMap((l) => (JSON.parse(l) as { instruments: { exchange: string; market: string; symbol: string }[] }).instruments);
  perp = keys.filter((k) => k.market !== 'spot').sort((a, b) => (a.symbol < b.symbol ? -1 : 1))[0]!;
}, 240_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('funding that ends before the bars', () => {
  test('uncut: nothing is listed (a span ending at the last bar\'s close cuts nothing)', async () => {
    const d = await copy();
    ok(await walkforward(d));
    const s = JSON.parse(await readFile(join(d, 'lake/walkforward/summary.json'), 'utf8')) as WalkforwardSummary;
    expect(s.cut_instruments).toEqual([]);
  }, 180_000);

  test('cut 9 h short: the walk-forward completes, lists the cut, trades nothing after the span; the report shows it', async () => {
    const d = await copy();
    const barsEnd = (await lastBarOpen(d)) + TF;
    await editFunding(d, (ts) => ts <= barsEnd - 9 * H);
    const r = await walkforward(d);
    ok(r);
    const s = JSON.parse(await readFile(join(d, 'lake/walkforward/summary.json'), 'utf8')) as WalkforwardSummary;
    const label = `${perp.exchange}/${perp.market}/${perp.symbol}/5m`;
    expect(s.cut_instruments.map((c) => c.instrument)).toEqual([label]);
    const c = s.cut_instruments[0]!;
    // synthetic settlements every 8 h: the last kept one is the latest 8 h multiple <= bars end - 9 h; covered 8 h beyond
    const lastKept = Math.floor((barsEnd - 9 * H - START) / (8 * H)) * 8 * H + START;
    expect(c.tradable_end_ms).toBe(lastKept + 8 * H);
    expect(c.bars_end_ms).toBe(barsEnd);
    expect(c.cut_bars).toBe((barsEnd - TF - c.tradable_end_ms) / TF + 1);
    expect(c.reason).toContain('funding ends before the bars');
    // the run's warnings (manifest and log) name it
    const manifest = (await readStageManifest(d, 'walkforward'))!;
    expect(manifest.summary.warnings?.some((w) => w.startsWith(`${label} not traded outside its funding span`))).toBe(true);
    expect(manifest.summary.metrics?.cut_instruments).toBe(1);
    expect(logLines(r, 40).some((l) => l.msg.startsWith(`${label} not traded outside its funding span`))).toBe(true);
    // no trade of it is held after the span: every exit fill is at or before the close of the last covered bar
    const db = await LakeDb.open({ threads: 1 });
    let trades: Record<string, unknown>;
    try {
      trades = await readTableFile(db, join(d, 'lake/walkforward/trades.parquet'), TRADE_COLUMNS);
    } finally {
      db.close();
    }
    const symbols = stringsOf(trades.symbol as DictColumn);
    const exit = trades.exit_ts_ms as Float64Array;
    const entry = trades.entry_ts_ms as Float64Array;
    const mine = symbols.map((x, k) => (x === perp.symbol ? k : -1)).filter((k) => k >= 0);
    for (const k of mine) {
      expect(entry[k]! + TF).toBeLessThan(c.tradable_end_ms); // the entry bar is covered
      expect(exit[k]).toBeLessThan(c.tradable_end_ms); // closed by the close of the last covered bar
    }

    ok(await report(d));
    const md = await readFile(join(d, 'reports/strategy/report.md'), 'utf8');
    expect(md).toContain('## Instruments cut to their funding span (1)');
    expect(md).toContain(label);
    const html = await readFile(join(d, 'reports/strategy/report.html'), 'utf8');
    expect(html).toMatch(/<section id="cut-instruments" class="warnings">\n<h2>Instruments cut to their funding span \(1\)<\/h2>/);
    const json = JSON.parse(await readFile(join(d, 'reports/strategy/report.json'), 'utf8')) as { cut_instruments: unknown[]; warnings: string[] };
    expect(json.cut_instruments).toHaveLength(1);
    expect(json.warnings.some((w) => w.startsWith('1 instrument(s) traded only inside their funding span') && w.includes(label))).toBe(true);
  }, 240_000);

  test('through the orchestrator: run.json and the end-of-run log repeat the walk-forward\'s cut warning', async () => {
    const d = await copy();
    const barsEnd = (await lastBarOpen(d)) + TF;
    await editFunding(d, (ts) => ts <= barsEnd - 9 * H);
    const r = await node('orchestrator/run_all.js', ['--data_dir', d, '--only', 'walkforward', '--force', ...WF_SET]);
    ok(r);
    const runs = await readdir(join(d, 'reports/runs'));
    const rec = JSON.parse(await readFile(join(d, 'reports/runs', runs.sort().at(-1)!, 'run.json'), 'utf8')) as { stages: { name: string; warnings?: string[] }[] };
    const label = `${perp.exchange}/${perp.market}/${perp.symbol}/5m`;
    const w = rec.stages.find((x) => x.name === 'walkforward')!.warnings ?? [];
    expect(w.filter((x) => x.startsWith(`${label} not traded outside its funding span`))).toHaveLength(1);
    const fin = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; stage?: string; msg: string });
    const at = fin.findIndex((l) => l.msg === 'run finished');
    expect(fin.slice(0, at).some((l) => l.level === 40 && l.msg.startsWith(`run summary: walkforward: ${label} not traded outside its funding span`))).toBe(true);
  }, 180_000);

  test('a gap inside the span is still exit 3 naming the instrument and the gap; the lake is unchanged', async () => {
    const d = await copy();
    // drop every settlement of the second day: the series goes on after a > 24 h gap
    await editFunding(d, (ts) => ts < START + DAY || ts >= START + 2 * DAY + 8 * H);
    const before = await snapshot(d);
    const r = await walkforward(d);
    expect(r.exitCode).toBe(3);
    const err = logLines(r, 50).map((l) => l.msg).join('\n');
    expect(err).toContain(`${perp.exchange}/${perp.market}/${perp.symbol}/5m: no funding covering the hold`);
    expect(err).toMatch(/are 40 h apart/);
    expect(await snapshot(d)).toEqual(before);
  }, 180_000);

  test('a perpetual with no funding at all is still exit 3', async () => {
    const d = await copy();
    await editFunding(d, () => false);
    const r = await walkforward(d);
    expect(r.exitCode).toBe(3);
    expect(logLines(r, 50).map((l) => l.msg).join('\n')).toContain('no funding rows for a perpetual while funding is enabled');
  }, 180_000);
});
