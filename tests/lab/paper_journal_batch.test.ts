/**
 * The paper journal's batched writes (issue 14, speed of a year of 1m bars): several bars' groups go out in one
 * synchronous write, and the journal they leave is the per-bar one (every bar with events ends with its own
 * checkpoint, seqs consecutive); the session files built in chunks are byte-equal to the plain construction; the
 * per-day ISO formatter gives toISOString's strings; bars.csv of a large offline replay comes from a worker thread. Kill -9 and resume: tests/lab/paper_session.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCosts } from '../../lib/costs/digest.js';
import { labCosts } from '../../lib/lab/costs.js';
import { labBlueprint, resolveStrategyParams } from '../../lib/lab/strategy.js';
import { BARS_ASIDE_ROWS, runSession } from '../../lib/lab/paper/session.js';
import { DEFAULT_RULES } from '../../lib/lab/paper/command.js';
import { silentLogger } from '../../lib/log.js';
import { isoFormatter } from '../../lib/timeframe.js';
import { syntheticSource } from '../../cli/lab/synthetic.js';
import { ROOT } from '../helpers/strategy_lake.js';

describe('isoFormatter', () => {
  test('equals toISOString on a minute grid across days, months, a leap day and years, and on odd milliseconds', () => {
    const iso = isoFormatter();
    const samples: number[] = [];
    for (let t = Date.UTC(2023, 11, 31, 23, 0); t < Date.UTC(2024, 0, 1, 1, 0); t += 60_000) samples.push(t);
    for (let t = Date.UTC(2024, 1, 28, 23, 58); t < Date.UTC(2024, 2, 1, 0, 3); t += 60_000) samples.push(t);
    samples.push(0, 1, 999, 86_399_999, 86_400_000, Date.UTC(2024, 5, 30, 12, 34, 56, 7), Date.UTC(2024, 5, 30, 12, 34, 56, 78), Date.UTC(1999, 0, 1, 9, 5, 3, 120));
    samples.push(-1, -86_400_001, 1.5); // outside the fast path: still toISOString's answer
    for (const t of samples) expect([t, iso(t)]).toEqual([t, new Date(t).toISOString()]);
  });
});

describe('batched journal', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'quantlab-journal-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  test('a 48,000-bar replay: groups batched into far fewer writes, the per-bar journal intact, bars.csv and account.csv as built row by row', async () => {
    const MIN = 60_000;
    const start = Date.UTC(2024, 0, 1);
    const bars = 48_000; // with the history, over BARS_ASIDE_ROWS: bars.csv comes from the worker thread
    const { slice } = syntheticSource(['BENCH'], '1m', start - 2 * 1440 * MIN, start + bars * MIN, 7);
    const costs = labCosts((await loadCosts(join(ROOT, 'spec', 'costs.yaml'))).config, slice.instruments, {});
    const bp = labBlueprint({ strategy: 'momentum', params: resolveStrategyParams('momentum', { fast: 10, slow: 30 }), instruments: slice.instruments, timeframe: '1m', notionalUsd: 10_000, costDigest: costs.digest });
    const from = 2 * 1440;
    const limits = { max_order_notional: 50_000, max_position_notional: 100_000, per_symbol: {}, max_dd_bps: 1e6, max_consecutive_rejects: 5, stale_after_ms: 3 * MIN, kill_switch_file: null };
    const input = { blueprint: bp, slice, from, to: from + bars, costs: costs.simulate, initialCash: 100_000, limits, rules: DEFAULT_RULES, identity: { test: 'batch' } };
    const out = await runSession(input, dir, silentLogger(), () => false);
    expect(out.state.status).toBe('complete');
    expect(out.state.n_fills).toBeGreaterThan(100);
    const sdir = join(dir, 'live', 'sessions', (await readdir(join(dir, 'live', 'sessions')))[0]!);

    // the journal: after the session line, each bar's events then that bar's checkpoint; seqs consecutive from 0
    const lines = (await readFile(join(sdir, 'state.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]!.seq).toBe(-1);
    let seq = 0;
    let openBar: number | undefined;
    let lastCkBar = -1;
    let checkpoints = 0;
    for (const e of lines.slice(1)) {
      if (e.type === 'checkpoint') {
        if (openBar !== undefined) expect(e.bar).toBe(openBar);
        expect(e.bar as number).toBeGreaterThan(lastCkBar);
        expect(e.next_seq).toBe(seq);
        lastCkBar = e.bar as number;
        openBar = undefined;
        checkpoints++;
        continue;
      }
      expect(e.seq).toBe(seq++);
      if (openBar === undefined) openBar = e.bar as number;
      expect(e.bar).toBe(openBar); // no event of a later bar before the checkpoint of this one
    }
    expect(openBar).toBeUndefined();
    expect(lastCkBar).toBe(bars - 1);
    const fills = lines.filter((e) => e.type === 'order' && e.event === 'filled').length;
    expect(fills).toBe(out.state.n_fills);

    // the run's log line counts groups and writes: one write per group before the batching
    const runLog = (await readFile(join(sdir, 'logs', 'run.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const done = runLog.find((l) => typeof l.journal_writes === 'number')!;
    expect(done.journal_groups).toBe(checkpoints);
    expect(checkpoints).toBeGreaterThan(100);
    expect(done.journal_writes as number).toBeGreaterThanOrEqual(1);
    expect(done.journal_writes as number).toBeLessThan(checkpoints / 4);

    // bars.csv (history included) and account.csv: the plain row-by-row construction, byte for byte
    const syms = slice.instruments.map((k) => k.symbol);
    const b = slice.bars[0]!;
    const barRows = ['ts_ms,symbol,open,high,low,close,volume'];
    for (let t = 0; t < from + bars; t++) barRows.push([slice.ts_ms[t], syms[0], b.open[t], b.high[t], b.low[t], b.close[t], b.volume[t]].map(String).join(','));
    expect(barRows.length - 1).toBeGreaterThanOrEqual(BARS_ASIDE_ROWS);
    expect(await readFile(join(sdir, 'bars.csv'), 'utf8')).toBe(barRows.join('\n') + '\n');
    expect((await readdir(sdir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const acct = (await readFile(join(sdir, 'account.csv'), 'utf8')).trim().split('\n');
    expect(acct).toHaveLength(bars + 1);
    expect(acct[0]).toBe('ts_utc,equity,cash,fees,slippage_impact,funding');
    for (const k of [1, 2, 777, bars]) expect(acct[k]!.split(',')[0]).toBe(new Date(slice.ts_ms[from + k - 1]!).toISOString());
    expect(Number(acct[bars]!.split(',')[1])).toBe(out.state.equity);
    const orders = (await readFile(join(sdir, 'orders.csv'), 'utf8')).trim().split('\n');
    expect(orders.slice(1).filter((l) => l.split(',')[4] === 'filled')).toHaveLength(fills);

    // killed after the last group but before the session files (and before the worker's bars.csv): the rerun
    // verifies the whole journal by replay, writes bars.csv again and reports the same session
    const ordersText = await readFile(join(sdir, 'orders.csv'), 'utf8');
    const accountText = await readFile(join(sdir, 'account.csv'), 'utf8');
    await rm(join(sdir, 'bars.csv'));
    await rm(join(sdir, 'state.json'));
    await rm(join(sdir, 'orders.csv'));
    const again = await runSession(input, dir, silentLogger(), () => false);
    expect(again.resumedAfterBars).toBe(bars);
    expect(again.state).toEqual(out.state);
    expect(await readFile(join(sdir, 'bars.csv'), 'utf8')).toBe(barRows.join('\n') + '\n');
    expect(await readFile(join(sdir, 'orders.csv'), 'utf8')).toBe(ordersText);
    expect(await readFile(join(sdir, 'account.csv'), 'utf8')).toBe(accountText);
  }, 120_000);
});
