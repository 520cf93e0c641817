/**
 * The same spec gives the same decisions in a backtest and in a paper replay of the same bars: the one exposure
 * (lib/engine/exposure.ts) wraps the experiment's trigger strategy in both, once directly on the engine, once under
 * the paper loop's order generator and risk guards (lib/lab/paper/session.ts replaySession). Both example specs.
 */
import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { syntheticSource } from '../../cli/lab/synthetic.js';
import { engineInputFor } from '../../lib/dsl/index.js';
import { Engine, guardStrategy, settleLedger, violationCounts } from '../../lib/engine/index.js';
import { exposurePolicyFor, exposureRulesOf, regimeLabels } from '../../lib/experiments/enforce.js';
import { loadExperimentFile, loadLearningBook } from '../../lib/experiments/load.js';
import { evaluateRun, runSamples } from '../../lib/experiments/outcome.js';
import { triggerStrategy } from '../../lib/experiments/triggers.js';
import { replaySession } from '../../lib/lab/paper/session.js';
import { ROOT } from '../helpers/strategy_lake.js';
import type { CostConfig } from '../../lib/costs/schema.js';
import { loadCosts } from '../../lib/costs/digest.js';
import { labCosts } from '../../lib/lab/costs.js';

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);

async function setup(file: string) {
  const book = await loadLearningBook(join(ROOT, 'experiments', 'learning_book.yaml'));
  const spec = await loadExperimentFile(join(ROOT, 'experiments', file), book);
  const { slice } = syntheticSource(['SYN1USDT', 'SYN2USDT', 'SYN3USDT'].slice(0, spec.target_symbols.length), '5m', START, START + 12 * DAY, 11);
  const base = await loadCosts(join(ROOT, 'spec', 'costs.yaml'));
  const costs: CostConfig = labCosts(base.config, slice.instruments, {}).simulate;
  const from = Math.round((2 * DAY) / slice.tfMs);
  const to = slice.ts_ms.length;
  const labels = regimeLabels(slice.bars.map((b) => b.close), slice.tfMs);
  const policy = exposurePolicyFor(spec, labels);
  const fresh = () => ({ input: engineInputFor(slice, costs, { initialCash: 100_000, from, to }), strategy: triggerStrategy(spec, slice, from, to - 2) });
  return { spec, slice, costs, from, to, labels, policy, fresh };
}

describe.each(['micro_taker_breakout.yaml', 'meso_maker_post_only.yaml'])('%s', (file) => {
  test('backtest and paper replay take the same decisions on the same bars', async () => {
    const s = await setup(file);
    const b = s.fresh();
    const g = guardStrategy(b.input, b.strategy, s.policy, s.from);
    const bt = new Engine(b.input).run(g.strategy);
    const btLedger = settleLedger(g.ledger, bt.orderLog);
    const p = s.fresh();
    const paper = replaySession({
      run: p, exposure: s.policy, slice: s.slice, from: s.from, to: s.to, costs: s.costs, initialCash: 100_000,
      limits: { max_order_notional: 1e9, max_position_notional: 1e9, per_symbol: {}, max_dd_bps: 1e6, max_consecutive_rejects: 1000, stale_after_ms: 1e12, kill_switch_file: null },
      rules: { lot_size: 1e-12, tick_size: 1e-12, min_notional: 0 }, identity: {},
    }, () => false);
    const ppLedger = paper.exposure!;
    expect(paper.denied).toBe(0);
    // enough happened for the comparison to mean something
    expect(btLedger.entries.length).toBeGreaterThan(5);
    expect(btLedger.blocks.length).toBeGreaterThan(5);
    const decision = (x: { bar: number; instrument: number; rule: string; action: string }) => `${x.bar}:${x.instrument}:${x.rule}:${x.action}`;
    expect(ppLedger.blocks.map(decision)).toEqual(btLedger.blocks.map(decision));
    const entry = (e: (typeof btLedger.entries)[number]) => `${e.bar}:${e.instrument}:${e.side}:${e.kind}:${e.postOnly}:${e.regime}`;
    expect(ppLedger.entries.map(entry)).toEqual(btLedger.entries.map(entry));
    const fills = (log: typeof bt.orderLog) => log.filter((e) => e.event === 'filled').map((e) => ({ bar: e.bar, i: e.instrument, kind: e.kind, qty: e.qty, price: e.price! }));
    const fb = fills(bt.orderLog);
    const fp = fills(paper.result.orderLog);
    expect(fp.map((f) => `${f.bar}:${f.i}:${f.kind}`)).toEqual(fb.map((f) => `${f.bar}:${f.i}:${f.kind}`));
    fp.forEach((f, k) => {
      expect(f.qty).toBeCloseTo(fb[k]!.qty, 9);
      expect(f.price).toBeCloseTo(fb[k]!.price, 9);
    });
    expect(violationCounts(ppLedger)).toEqual(violationCounts(btLedger));
    // the rules of the spec held: no position above the notional cap, no short without allow_short, holds <= max
    const rules = exposureRulesOf(s.spec);
    for (const t of bt.trades) {
      expect(t.maxQty * t.entryPrice).toBeLessThanOrEqual(rules.maxNotionalUsd * (1 + 1e-9));
      if (!rules.allowShort) expect(t.side).toBe(1);
      if (t.exitBar >= 0) expect(t.exitTs - t.entryTs).toBeLessThanOrEqual(rules.maxHoldMs);
    }
    // and the run's metrics come out of it (deciding metrics in spec order)
    const ev = evaluateRun(s.spec, runSamples({ bars: s.slice.bars, tfMs: s.slice.tfMs, from: s.from, to: s.to, labels: s.labels, result: bt, ledger: btLedger }));
    expect(ev.deciding.map((m) => m.name)).toEqual(s.spec.metrics.map((m) => m.name));
    expect(ev.counters).toEqual(violationCounts(btLedger));
  }, 60_000);
});

test('the regime filter of the meso spec: every accepted entry is in a range regime, and entries elsewhere were blocked', async () => {
  const s = await setup('meso_maker_post_only.yaml');
  const b = s.fresh();
  const g = guardStrategy(b.input, b.strategy, s.policy, s.from);
  new Engine(b.input).run(g.strategy);
  expect(g.ledger.entries.length).toBeGreaterThan(0);
  for (const e of g.ledger.entries) expect(s.labels[e.instrument]![s.from + e.bar]).toBe('range');
  const blocked = g.ledger.blocks.filter((x) => x.rule === 'regime_filter');
  expect(blocked.length).toBeGreaterThan(0);
  for (const x of blocked) expect(s.labels[x.instrument]![s.from + x.bar]).not.toBe('range');
  for (const e of g.ledger.entries) expect(e.postOnly).toBe(true);
}, 60_000);
