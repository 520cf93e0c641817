/**
 * `node dist/bench/lab_bench.js [--bars 525600] [--write]`: the paper loop (lib/lab/paper/session.ts replaySession:
 * the engine as paper broker, the DSL momentum strategy, the order generator quantizing every order, the ordered
 * guards with the kill-switch file checked every bar) over a replay of N synthetic 1m bars (default one year,
 * 525,600), after 30 days of history. --write also runs the journaled session (runSession: the per-bar journal
 * of state.jsonl in batched writes, bars.csv on a worker thread, then the derived files) and times that, with its
 * CPU time (worker included) and the journal's checkpoint and event counts. Target: < 10 s for both.
 * Prints wall and CPU time (on a shared machine the wall time grows with the load average).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticSource } from '../cli/lab/synthetic.js';
import { PROJECT_ROOT } from '../cli/lab/common.js';
import { loadCosts } from '../lib/costs/digest.js';
import { labCosts } from '../lib/lab/costs.js';
import { labBlueprint, resolveStrategyParams } from '../lib/lab/strategy.js';
import { replaySession, runSession } from '../lib/lab/paper/session.js';
import { DEFAULT_RULES } from '../lib/lab/paper/command.js';
import { silentLogger } from '../lib/log.js';

const argv = process.argv.slice(2);
const bars = Number(argv[argv.indexOf('--bars') + 1] ?? 525_600) || 525_600;
const write = argv.includes('--write');
const MIN = 60_000;
const start = Date.UTC(2024, 0, 1);
const warm = 30 * 1440 * MIN;
const t0 = performance.now();
const { slice } = syntheticSource(['BENCH'], '1m', start - warm, start + bars * MIN, 7);
const tGen = performance.now() - t0;
const costs = labCosts((await loadCosts(join(PROJECT_ROOT, 'spec', 'costs.yaml'))).config, slice.instruments, {});
const bp = labBlueprint({ strategy: 'momentum', params: resolveStrategyParams('momentum', { fast: 10, slow: 30 }), instruments: slice.instruments, timeframe: '1m', notionalUsd: 10_000, costDigest: costs.digest });
const from = 30 * 1440;
const to = from + bars;
const limits = { max_order_notional: 50_000, max_position_notional: 100_000, per_symbol: {}, max_dd_bps: 1e6, max_consecutive_rejects: 5, stale_after_ms: 3 * MIN, kill_switch_file: '/nonexistent/KILL' };
const kill = () => existsSync(limits.kill_switch_file);
const input = { blueprint: bp, slice, from, to, costs: costs.simulate, initialCash: 100_000, limits, rules: DEFAULT_RULES, identity: { bench: bars } };
{
  // a block: the loop-only replay's result is garbage before the session runs (a session process holds one replay)
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const r = replaySession(input, kill);
  const tLoop = performance.now() - t1;
  const cpu = process.cpuUsage(c1);
  const fills = r.result.orderLog.filter((e) => e.event === 'filled').length;
  console.log(JSON.stringify({ bars, generate_ms: Math.round(tGen), paper_loop_ms: Math.round(tLoop), paper_loop_cpu_ms: Math.round((cpu.user + cpu.system) / 1000), load_avg_1m: (await import('node:os')).loadavg()[0], per_bar_us: +(tLoop * 1000 / bars).toFixed(2), fills, guard_events: r.pending.length, state: r.latch.state, target_ms: 10_000, ok: tLoop < 10_000 }));
}
if (write) {
  const dir = await mkdtemp(join(tmpdir(), 'lab-bench-'));
  const t2 = performance.now();
  const c2 = process.cpuUsage();
  const out = await runSession(input, dir, silentLogger(), kill);
  const ms = performance.now() - t2;
  const cpu2 = process.cpuUsage(c2);
  const jlines = (await readFile(join(out.dir, 'state.jsonl'), 'utf8')).split('\n');
  console.log(JSON.stringify({
    session_with_folder_ms: Math.round(ms), session_cpu_ms: Math.round((cpu2.user + cpu2.system) / 1000), load_avg_1m: (await import('node:os')).loadavg()[0],
    journal_checkpoints: jlines.filter((l) => l.startsWith('{"type":"checkpoint"')).length, journal_events: jlines.filter((l) => /^\{"seq":\d/.test(l)).length,
    fills: out.state.n_fills, target_ms: 10_000, ok: ms < 10_000,
  }));
  await rm(dir, { recursive: true, force: true });
}
