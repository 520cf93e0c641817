/**
 * The blueprint interpreter: turns a Blueprint and a MarketSlice into an engine Strategy (lib/engine). Signals,
 * indicators and sizing inputs are precomputed once as typed arrays over the whole slice; the per-bar callback only
 * reads them at the current bar and the engine state, so nothing after the close of bar t can reach a decision at t
 * (tests/dsl prove it by truncation). No eval: conditions are evaluated by lib/events evaluateCondition.
 */
import { DataError, UsageError } from '../errors.js';
import type { Strategy } from '../engine/index.js';
import type { InstrumentKey } from '../market.js';
import { holdableRange } from '../costs/funding_span.js';
import { TIMEFRAME_MS } from '../timeframe.js';
import { DecisionLog, type Decision } from './decisions.js';
import { pairsStrategy } from './pairs.js';
import { ruleStrategy } from './rule.js';
import type { Blueprint } from './types.js';
import type { MarketSlice, RunWindow } from './slice.js';
import { blueprintEvents, blueprintFeatures } from './validate.js';

export interface CompileOptions {
  /** First bar (slice index) at whose close a new entry may be submitted. Default 0. */
  entryFrom?: number;
  /**
   * End (exclusive) of the entry range; positions still open at the close of bar entryUntil are closed by a market
   * order submitted then. Default: the slice length (no forced exit).
   */
  entryUntil?: number;
  /** Slice index of the engine's bar 0 (runBlueprint's `from`): the engine runs on a window of the slice. */
  barOffset?: number;
}

export interface CompiledStrategy {
  strategy: Strategy;
  /** Skipped entries and book repairs so far, in bar order. */
  decisions: () => Decision[];
}

export function compileStrategy(bp: Blueprint, data: MarketSlice, opts: CompileOptions = {}): CompiledStrategy {
  checkSlice(bp, data);
  const n = data.ts_ms.length;
  const win: RunWindow = {
    entryFrom: opts.entryFrom ?? 0,
    entryUntil: opts.entryUntil ?? n,
    offset: opts.barOffset ?? 0,
    ...holdRanges(data),
  };
  for (const [k, v] of Object.entries(win)) {
    if (typeof v !== 'number') continue;
    if (!Number.isInteger(v) || v < 0 || v > n) {
      throw new UsageError(`blueprint ${bp.id}: ${k} must be an integer bar index in [0, ${n}], was ${v}`);
    }
  }
  const log = new DecisionLog();
  const strategy = bp.strategy.type === 'rule'
    ? ruleStrategy(bp, bp.strategy, data, win, log)
    : pairsStrategy(bp, bp.strategy, data, win, log);
  return { strategy, decisions: () => log.toDecisions(data.ts_ms) };
}

/** Per instrument, the slice bars its tradable span lets a position be held in (RunWindow.holdFirst/holdLast). */
export function holdRanges(data: MarketSlice): { holdFirst: Int32Array; holdLast: Int32Array } {
  const n = data.ts_ms.length;
  const m = data.instruments.length;
  const holdFirst = new Int32Array(m);
  const holdLast = new Int32Array(m).fill(n);
  for (let i = 0; i < m; i++) {
    const sp = data.tradable?.[i];
    if (!sp) continue;
    const r = holdableRange(sp, data.ts_ms, data.tfMs);
    holdFirst[i] = r.first;
    holdLast[i] = r.first > r.last ? -1 : r.last === n - 1 ? n : r.last;
  }
  return { holdFirst, holdLast };
}

/** The slice must hold the blueprint's instruments (same order), timeframe, features and events, all aligned. */
export function checkSlice(bp: Blueprint, data: MarketSlice): void {
  const where = `blueprint ${bp.id}`;
  const n = data.ts_ms.length;
  const keyOf = (k: InstrumentKey): string => `${k.exchange}/${k.market}/${k.symbol}`;
  const want = bp.instruments.map(keyOf);
  const have = data.instruments.map(keyOf);
  if (want.join(',') !== have.join(',')) {
    throw new DataError(`the market slice holds other instruments`, { file: where, field: 'instruments', value: have }, {
      hint: `build the slice for ${want.join(', ')} in that order`,
    });
  }
  const tf = TIMEFRAME_MS[bp.timeframe];
  if (data.tfMs !== tf) {
    throw new DataError(`the market slice is on another timeframe (blueprint ${bp.timeframe} = ${tf} ms)`, { file: where, field: 'tfMs', value: data.tfMs });
  }
  const m = want.length;
  for (const [name, arr] of [['bars', data.bars], ['features', data.features], ['events', data.events]] as const) {
    if (arr.length !== m) throw new DataError(`${arr.length} ${name} entries for ${m} instruments`, { file: where, field: name });
  }
  const features = blueprintFeatures(bp);
  const events = blueprintEvents(bp);
  for (let i = 0; i < m; i++) {
    const inst = want[i]!;
    const b = data.bars[i]!;
    for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) {
      if (b[f].length !== n) throw new DataError(`bars of ${inst}: ${f} has ${b[f].length} rows, the grid ${n}`, { file: where, field: f });
    }
    for (const f of features) {
      const col = data.features[i]![f];
      if (col === undefined) {
        throw new DataError(`feature column missing for ${inst}`, { file: where, field: f }, { hint: 'load every feature blueprintFeatures(bp) lists' });
      }
      if (col.length !== n) throw new DataError(`feature column of ${inst} has ${col.length} rows, the grid ${n}`, { file: where, field: f });
    }
    for (const e of events) {
      const s = data.events[i]!.get(e);
      if (s === undefined) {
        throw new DataError(`event series missing for ${inst}`, { file: where, field: e }, {
          hint: 'pass every event blueprintEvents(bp) lists, with empty arrays when it never fired',
        });
      }
      if (s.t.length !== s.direction.length) {
        throw new DataError(`event ${e} of ${inst}: ${s.t.length} bars but ${s.direction.length} directions`, { file: where, field: e });
      }
      for (let k = 0; k < s.t.length; k++) {
        const t = s.t[k]!;
        const d = s.direction[k]!;
        if (!(t >= 0 && t < n) || (d !== 1 && d !== -1)) {
          throw new DataError(`event ${e} of ${inst}: occurrence ${k} must have a bar in [0, ${n}) and direction +1/-1`, {
            file: where, field: e, value: { t, direction: d },
          });
        }
      }
    }
  }
}
