/**
 * Blueprint validation: the JSON Schema, then the checks a schema cannot express (names against the lake, the
 * condition language, cross-field rules, the content id). Every problem is reported at once in one SpecError, each
 * as `SOURCE path: message`, with the offending value and a did-you-mean for unknown names.
 */
import { SpecError, formatValue } from '../errors.js';
import { normaliseCondition } from '../events/spec.js';
import { validateSpecValue } from '../spec/loader.js';
import { formatPath } from '../spec/messages.js';
import { closestName } from '../text.js';
import { blueprintId } from './id.js';
import { BLUEPRINT_SCHEMA } from './schema.js';
import { BAR_INPUTS, type Blueprint, type ConditionSpec } from './types.js';

export interface BlueprintContext {
  /** Where the blueprint came from, for messages: `file:line` or a path. */
  source: string;
  /** Feature columns the lake provides. */
  knownFeatures: ReadonlySet<string>;
  /** Event names the lake provides. */
  knownEvents: ReadonlySet<string>;
}

type Path = readonly (string | number)[];
type Report = (path: Path, message: string) => void;

/** Validates a parsed blueprint; returns it typed (a copy) or throws a SpecError listing every problem. */
export function validateBlueprint(raw: unknown, ctx: BlueprintContext): Blueprint {
  const issues: string[] = [];
  let bp: Blueprint | undefined;
  try {
    bp = validateSpecValue<Blueprint>(raw, ctx.source, BLUEPRINT_SCHEMA);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    issues.push(...err.issues);
  }
  const report: Report = (path, message) => issues.push(`${ctx.source} ${formatPath(path.map(String))}: ${message}`);
  checkSemantics(raw, ctx, report);
  if (issues.length > 0 || bp === undefined) {
    throw new SpecError(issues, { hint: 'fix the blueprint fields shown (lib/dsl/README.md documents the format)' });
  }
  return bp;
}

/** Lake feature columns a blueprint reads (conditions and indicator inputs; not indicators or bar columns), sorted. */
export function blueprintFeatures(bp: Blueprint): string[] {
  if (bp.strategy.type !== 'rule') return [];
  const s = bp.strategy;
  const local = new Set<string>([...BAR_INPUTS, ...(s.indicators ?? []).map((i) => i.name)]);
  const out = new Set<string>();
  for (const ind of s.indicators ?? []) if (!local.has(ind.input)) out.add(ind.input);
  const conds = [...s.entries.map((e) => e.when), s.exit.when];
  for (const c of conds) if (c) for (const n of conditionNames(c)) if (!local.has(n)) out.add(n);
  return [...out].sort();
}

/** Event names a blueprint reads, sorted, without duplicates. */
export function blueprintEvents(bp: Blueprint): string[] {
  if (bp.strategy.type !== 'rule') return [];
  const out = new Set<string>();
  for (const e of bp.strategy.entries) if (e.event !== undefined) out.add(e.event);
  return [...out].sort();
}

/** Every name a condition reads (feature and other_feature at any depth). */
export function conditionNames(c: ConditionSpec): string[] {
  const out: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) { x.forEach(walk); return; }
    if (!isObject(x)) return;
    for (const [k, v] of Object.entries(x)) {
      if ((k === 'feature' || k === 'other_feature') && typeof v === 'string') out.push(v);
      else walk(v);
    }
  };
  walk(c);
  return out;
}

/** `unknown event "x" (did you mean "y"? known: ...)`. */
export function unknownNameMessage(kind: string, name: string, known: Iterable<string>): string {
  const list = [...known].sort();
  const guess = closestName(name, list);
  const shown = list.length > 40 ? `${list.slice(0, 40).join(', ')}, ...` : list.join(', ');
  return `unknown ${kind} ${formatValue(name)} (${guess ? `did you mean "${guess}"? ` : ''}known: ${shown || 'none'})`;
}

function checkSemantics(raw: unknown, ctx: BlueprintContext, report: Report): void {
  if (!isObject(raw)) return;
  const instruments = Array.isArray(raw.instruments) ? raw.instruments : undefined;
  if (instruments) {
    const seen = new Map<string, number>();
    instruments.forEach((k, i) => {
      if (!isObject(k)) return;
      const key = `${String(k.exchange)}/${String(k.market)}/${String(k.symbol)}`;
      const first = seen.get(key);
      if (first !== undefined) report(['instruments', i], `duplicate instrument ${key} (also instruments[${first}])`);
      else seen.set(key, i);
    });
  }
  const strategy = isObject(raw.strategy) ? raw.strategy : undefined;
  const sizing = isObject(raw.sizing) ? raw.sizing : undefined;
  if (strategy?.type === 'pairs') {
    if (instruments && instruments.length !== 2) {
      report(['instruments'], `a pairs strategy trades exactly 2 instruments (A then B), was ${instruments.length}`);
    }
    checkPairs(strategy, report);
    if (sizing?.method === 'risk_budget') {
      report(['sizing', 'method'], 'risk_budget sizes by a stop-loss distance in bps; pairs have none (use fixed_notional or vol_target)');
    }
  } else if (strategy?.type === 'rule') {
    checkRule(strategy, ctx, report);
    const exit = isObject(strategy.exit) ? strategy.exit : undefined;
    if (sizing?.method === 'risk_budget' && exit && exit.stop_loss_bps === undefined) {
      report(['sizing', 'method'], 'risk_budget needs strategy.exit.stop_loss_bps (notional = equity * risk_bps / stop_loss_bps)');
    }
  }
  if (typeof raw.id === 'string' && /^bp-[0-9a-f]{16}$/.test(raw.id)) {
    let expected: string | undefined;
    try {
      expected = blueprintId(raw as unknown as Blueprint);
    } catch {
      expected = undefined; // non-finite numbers: already reported by the schema
    }
    if (expected !== undefined && expected !== raw.id) {
      report(['id'], `does not match the content: expected "${expected}", was "${raw.id}" (ids are content-derived: recompute with blueprintId after any change)`);
    }
  }
}

function checkPairs(s: Record<string, unknown>, report: Report): void {
  const { entry_z: entry, exit_z: exit, stop_z: stop } = s;
  if (typeof entry === 'number' && typeof exit === 'number' && !(exit < entry)) {
    report(['strategy', 'exit_z'], `must be below entry_z (${entry}), was ${exit}`);
  }
  if (typeof entry === 'number' && typeof stop === 'number' && !(stop > entry)) {
    report(['strategy', 'stop_z'], `must be above entry_z (${entry}), was ${stop}`);
  }
}

function checkRule(s: Record<string, unknown>, ctx: BlueprintContext, report: Report): void {
  const bars = new Set<string>(BAR_INPUTS);
  const indicators = new Set<string>();
  const inds = Array.isArray(s.indicators) ? s.indicators : [];
  const allNames = inds.filter(isObject).map((x) => x.name).filter((x): x is string => typeof x === 'string');
  inds.forEach((ind, i) => {
    if (!isObject(ind)) return;
    const at = ['strategy', 'indicators', i];
    const name = ind.name;
    if (typeof name === 'string') {
      if (bars.has(name)) report([...at, 'name'], `${formatValue(name)} is a bar column; give the indicator another name`);
      else if (ctx.knownFeatures.has(name)) report([...at, 'name'], `${formatValue(name)} is a lake feature; give the indicator another name`);
      else if (indicators.has(name)) report([...at, 'name'], `duplicate indicator name ${formatValue(name)}`);
    }
    const input = ind.input;
    if (typeof input === 'string' && !bars.has(input) && !ctx.knownFeatures.has(input) && !indicators.has(input)) {
      if (input === name) report([...at, 'input'], `indicator ${formatValue(name)} reads itself`);
      else if (allNames.includes(input)) report([...at, 'input'], `indicator ${formatValue(input)} is defined after this one (indicators are computed in order)`);
      else report([...at, 'input'], unknownNameMessage('input', input, [...bars, ...ctx.knownFeatures, ...indicators]));
    }
    if (ind.kind === 'log_price' && ind.window !== undefined) report([...at, 'window'], `log_price takes no window, was ${formatValue(ind.window)}`);
    if (typeof ind.kind === 'string' && ind.kind !== 'log_price' && ind.window === undefined) {
      report(at, `missing required key "window" (${ind.kind} needs a window in bars)`);
    }
    if (typeof name === 'string' && !bars.has(name) && !ctx.knownFeatures.has(name)) indicators.add(name);
  });
  const known = new Set<string>([...ctx.knownFeatures, ...indicators, ...bars]);
  const entries = Array.isArray(s.entries) ? s.entries : [];
  entries.forEach((e, i) => {
    if (!isObject(e)) return;
    const at = ['strategy', 'entries', i];
    if (!('event' in e) && !('when' in e)) report(at, 'an entry needs an event, a when condition, or both');
    if (typeof e.event === 'string' && !ctx.knownEvents.has(e.event)) {
      report([...at, 'event'], unknownNameMessage('event', e.event, ctx.knownEvents));
    }
    if ((e.side === 'follow' || e.side === 'fade') && !('event' in e)) {
      report([...at, 'side'], `${formatValue(e.side)} takes the direction of an event: give an event, or use "long" or "short"`);
    }
    if ('when' in e && isObject(e.when)) normaliseCondition(e.when, known, report, [...at, 'when']);
  });
  const exit = isObject(s.exit) ? s.exit : undefined;
  if (exit && 'when' in exit && isObject(exit.when)) normaliseCondition(exit.when, known, report, ['strategy', 'exit', 'when']);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
