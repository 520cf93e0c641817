/**
 * One blueprint on the walk-forward grid: its market slice is built and its signals compiled (lib/dsl
 * prepareSignals: conditions, indicators, sizing inputs over the whole grid) once, then the engine runs it on any
 * window [from, to) and any cost variant. Signals are window-free (every value at bar t reads bars <= t of the whole
 * grid), so a run with the prepared signals is the run runBlueprint makes from scratch, bit for bit; what changed
 * is that the walk-forward no longer recompiles the signals for every test window and cost multiplier (issue 12).
 */
import type { CostConfig } from '../../costs/schema.js';
import { prepareSignals, runBlueprint, type Blueprint, type BlueprintRun, type MarketSlice, type PreparedSignals } from '../../dsl/index.js';
import type { ExposurePolicy } from '../../engine/index.js';
import type { Grid, InstrumentData } from './io.js';

export class BlueprintOnGrid {
  /** Engine runs made with the one compilation. */
  runs = 0;
  private readonly slice: MarketSlice;
  private readonly prepared: PreparedSignals;

  constructor(readonly bp: Blueprint, data: readonly InstrumentData[], grid: Grid, private readonly exposure?: ExposurePolicy) {
    this.slice = {
      instruments: data.map((d) => d.key), ts_ms: grid.ts_ms, tfMs: grid.tfMs, bars: data.map((d) => d.bars),
      features: data.map((d) => d.features), events: data.map((d) => d.events), funding: data.map((d) => d.funding),
      tradable: data.map((d) => d.tradable),
      volume24h: data.map((d) => d.volume24h), dailyVolBps: data.map((d) => d.dailyVolBps),
    };
    this.prepared = prepareSignals(bp, this.slice);
  }

  /**
   * Runs the blueprint through the engine on grid bars [from, to): new entries in [from, entryUntil), anything
   * still open is closed by a market order at the close of entryUntil = to - 2 (filled at the next open).
   */
  run(costs: CostConfig, cash: number, risk: { maxGrossLeverage: number }, from: number, to: number): BlueprintRun {
    this.runs++;
    return runBlueprint(this.bp, this.slice, costs, {
      initialCash: cash, risk, from, to, entryFrom: from, entryUntil: to - 2, series: 'equity', prepared: this.prepared,
      ...(this.exposure ? { exposure: this.exposure } : {}),
    });
  }
}
