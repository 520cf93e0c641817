/**
 * runBlueprint: a blueprint through the engine on a window [from, to) of a market slice. Signals and the engine's
 * trailing 24h volume and daily volatility are computed on the whole slice and then viewed (subarray, no copy) on
 * the window, so a window starts with its history: the first bar of a test window sizes, prices impact and reads
 * indicators exactly as it would in a run over the whole slice.
 */
import type { CostConfig } from '../costs/schema.js';
import {
  Engine, guardStrategy, settleLedger, trailingDailyVolBps, trailingSum, type EngineInput, type EngineResult, type ExposureLedger,
  type ExposurePolicy, type RiskLimits,
} from '../engine/index.js';
import { DataError, UsageError } from '../errors.js';
import { compileStrategy, type CompiledStrategy, type PreparedSignals } from './compile.js';
import type { MarketSlice } from './slice.js';
import type { Decision } from './decisions.js';
import type { Blueprint } from './types.js';

const DAY_MS = 86_400_000;

export interface RunOptions {
  initialCash: number;
  risk?: RiskLimits;
  /** Slice index range of new entries (defaults: from, to). See CompileOptions. */
  entryFrom?: number;
  entryUntil?: number;
  /** The engine runs on slice bars [from, to) (defaults 0 and the slice length). */
  from?: number;
  to?: number;
  /** Window of the engine's default daily volatility, in bars (default 30 days, as the engine). */
  volWindowBars?: number;
  /** Engine series to record (EngineInput.series): 'equity' when only the equity curve is needed. */
  series?: 'full' | 'equity';
  /** prepareSignals(bp, data) computed once by a caller running many windows or cost variants of one slice. */
  prepared?: PreparedSignals;
  /** An experiment's exposure (lib/engine/exposure.ts) the strategy is held to; regime labels keyed by slice index. */
  exposure?: ExposurePolicy;
}

export interface BlueprintRun {
  result: EngineResult;
  decisions: Decision[];
  /** With opts.exposure: every block, resize and forced exit, and the accepted entries. */
  exposure?: ExposureLedger;
}

export function runBlueprint(bp: Blueprint, data: MarketSlice, costs: CostConfig, opts: RunOptions): BlueprintRun {
  const { input, compiled } = prepareRun(bp, data, costs, opts);
  if (opts.exposure) {
    const g = guardStrategy(input, compiled.strategy, opts.exposure, opts.from ?? 0);
    const result = new Engine(input).run(g.strategy);
    return { result, decisions: compiled.decisions(), exposure: settleLedger(g.ledger, result.orderLog) };
  }
  const result = new Engine(input).run(compiled.strategy);
  return { result, decisions: compiled.decisions() };
}

/** The engine input and the compiled strategy of a run (runBlueprint's steps, apart for benches and callers). */
export function prepareRun(
  bp: Blueprint, data: MarketSlice, costs: CostConfig, opts: RunOptions,
): { input: EngineInput; compiled: CompiledStrategy } {
  const n = data.ts_ms.length;
  const from = opts.from ?? 0;
  const to = opts.to ?? n;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > n || from >= to) {
    throw new UsageError(`blueprint ${bp.id}: from/to must be integers with 0 <= from < to <= ${n}, were ${from} and ${to}`);
  }
  const compiled = compileStrategy(bp, data, {
    entryFrom: opts.entryFrom ?? from,
    entryUntil: opts.entryUntil ?? to,
    barOffset: from,
  }, opts.prepared);
  if (costs.funding.enabled) {
    data.instruments.forEach((k, i) => {
      if (k.market !== 'spot' && data.funding?.[i] === undefined) {
        throw new DataError(`no funding series for perpetual ${k.exchange}/${k.market}/${k.symbol}`, { file: `blueprint ${bp.id}`, field: 'funding' }, {
          hint: 'pass the funding settlements in the market slice (costs.funding.enabled is on: a perp without funding would trade for free)',
        });
      }
    });
  }
  const input = engineInputFor(data, costs, { ...opts, from, to });
  return { input, compiled };
}

/**
 * The engine input of slice bars [from, to): views of the bars, the trailing 24h volume and daily volatility computed
 * on the whole slice (or taken from it), funding and tradable spans. prepareRun's input; exported for callers that
 * run a strategy of their own on a slice (lib/experiments triggers through `quantlab experiment run`).
 */
export function engineInputFor(
  data: MarketSlice, costs: CostConfig, opts: Pick<RunOptions, 'initialCash' | 'risk' | 'volWindowBars' | 'series'> & { from: number; to: number },
): EngineInput {
  const { from, to } = opts;
  const dayBars = Math.max(1, Math.round(DAY_MS / data.tfMs));
  const volW = opts.volWindowBars ?? 30 * dayBars;
  const view = (a: Float64Array): Float64Array => a.subarray(from, to);
  return {
    instruments: data.instruments,
    ts_ms: view(data.ts_ms),
    tfMs: data.tfMs,
    bars: data.bars.map((b) => ({
      open: view(b.open), high: view(b.high), low: view(b.low), close: view(b.close), volume: view(b.volume),
    })),
    costs,
    initialCash: opts.initialCash,
    // precomputed on the slice by a caller running many windows (same definitions), else computed here
    volume24h: data.bars.map((b, i) => view(data.volume24h?.[i] ?? trailingSum(b.volume, dayBars))),
    dailyVolBps: data.bars.map((b, i) => view(opts.volWindowBars === undefined && data.dailyVolBps?.[i] ? data.dailyVolBps[i]! : trailingDailyVolBps(b.close, volW, data.tfMs))),
    volWindowBars: volW,
    ...(data.funding ? { funding: data.funding } : {}),
    ...(data.tradable ? { tradable: data.tradable } : {}),
    ...(opts.risk ? { risk: opts.risk } : {}),
    ...(opts.series ? { series: opts.series } : {}),
  };
}
