/**
 * Precomputation for rule blueprints: conditions normalised once, then per instrument the entry side at every bar
 * (first entry rule that fires wins), the exit-condition mask, and the realised volatility used by vol_target.
 * Everything at bar t reads bars <= t only.
 */
import { SpecError } from '../errors.js';
import { evaluateCondition, TRUE } from '../events/detect.js';
import { normaliseCondition, type Condition } from '../events/spec.js';
import { logReturn, rollingStd } from '../stats/rolling.js';
import { formatPath } from '../spec/messages.js';
import type { MarketSlice } from './slice.js';
import { computeIndicators } from './indicators.js';
import { BAR_INPUTS, type Blueprint, type RuleStrategy } from './types.js';
import { blueprintFeatures } from './validate.js';

const YEAR_MS = 365.25 * 86_400_000;
const { sqrt } = Math;

export interface RuleSignals {
  /** Per instrument: +1 enter long, -1 enter short, 0 nothing, at the close of each bar. */
  entry: Int8Array[];
  /**
   * Per instrument: 1 where an entry signal starts: an event occurrence (passing its condition), or a when-only
   * condition turning TRUE. A signal skipped while in position is recorded once, at its start.
   */
  onset: Uint8Array[];
  /** Per instrument: 1 where the exit condition is TRUE (undefined without exit.when). */
  exit: (Uint8Array | undefined)[];
}

interface NormalisedRule {
  entries: { event?: string; when?: Condition; side: 'long' | 'short' | 'follow' | 'fade' }[];
  exitWhen?: Condition;
}

/** Conditions of the blueprint in the normalised form; names checked against what the interpreter will provide. */
function normalise(bp: Blueprint, s: RuleStrategy): NormalisedRule {
  const known = new Set<string>([...blueprintFeatures(bp), ...BAR_INPUTS, ...(s.indicators ?? []).map((x) => x.name)]);
  const issues: string[] = [];
  const report = (path: readonly (string | number)[], message: string): void => {
    issues.push(`blueprint ${bp.id} ${formatPath(path.map(String))}: ${message}`);
  };
  const entries = s.entries.map((e, k) => {
    if (e.event === undefined && e.when === undefined) report(['strategy', 'entries', k], 'an entry needs an event, a when condition, or both');
    if (e.event === undefined && (e.side === 'follow' || e.side === 'fade')) {
      report(['strategy', 'entries', k, 'side'], `"${e.side}" takes the direction of an event: give an event`);
    }
    const when = e.when === undefined ? undefined : normaliseCondition(e.when, known, report, ['strategy', 'entries', k, 'when']);
    return { ...(e.event !== undefined ? { event: e.event } : {}), ...(when ? { when } : {}), side: e.side };
  });
  const exitWhen = s.exit.when === undefined ? undefined : normaliseCondition(s.exit.when, known, report, ['strategy', 'exit', 'when']);
  if (issues.length > 0) throw new SpecError(issues, { hint: 'validate blueprints with validateBlueprint before running them' });
  return { entries, ...(exitWhen ? { exitWhen } : {}) };
}

export function ruleSignals(bp: Blueprint, s: RuleStrategy, data: MarketSlice): RuleSignals {
  const rule = normalise(bp, s);
  const n = data.ts_ms.length;
  const out: RuleSignals = { entry: [], onset: [], exit: [] };
  for (let i = 0; i < data.instruments.length; i++) {
    const b = data.bars[i]!;
    const cols: Record<string, Float64Array> = {
      ...data.features[i]!, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume,
    };
    Object.assign(cols, computeIndicators(s.indicators ?? [], cols, `blueprint ${bp.id}`));
    const sig = new Int8Array(n);
    const onset = new Uint8Array(n);
    for (const e of rule.entries) {
      const mask = e.when ? evaluateCondition(e.when, cols, n) : undefined;
      if (e.event !== undefined) {
        const ev = data.events[i]!.get(e.event)!;
        const k = e.side === 'long' ? 0 : e.side === 'short' ? 0 : e.side === 'follow' ? 1 : -1;
        const fixed = e.side === 'long' ? 1 : e.side === 'short' ? -1 : 0;
        for (let j = 0; j < ev.t.length; j++) {
          const t = ev.t[j]!;
          if (mask && mask[t] !== TRUE) continue;
          onset[t] = 1;
          if (sig[t] === 0) sig[t] = k === 0 ? fixed : k * ev.direction[j]!;
        }
      } else if (mask) {
        const side = e.side === 'long' ? 1 : -1;
        for (let t = 0; t < n; t++) {
          if (mask[t] !== TRUE) continue;
          if (t === 0 || mask[t - 1] !== TRUE) onset[t] = 1;
          if (sig[t] === 0) sig[t] = side;
        }
      }
    }
    out.entry.push(sig);
    out.onset.push(onset);
    if (rule.exitWhen) {
      const mask = evaluateCondition(rule.exitWhen, cols, n);
      for (let t = 0; t < n; t++) mask[t] = mask[t] === TRUE ? 1 : 0;
      out.exit.push(mask);
    } else {
      out.exit.push(undefined);
    }
  }
  return out;
}

/** Annualised realised volatility at each bar: population std of 1-bar log closes over `w` bars, x sqrt(bars/year). */
export function annualisedVolatility(close: Float64Array, w: number, tfMs: number): Float64Array {
  const sd = rollingStd(logReturn(close, 1), w);
  const k = sqrt(YEAR_MS / tfMs);
  for (let t = 0; t < sd.length; t++) sd[t] = sd[t]! * k;
  return sd;
}
