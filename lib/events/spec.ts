/**
 * Event specs (spec/events/*.yaml): parsing and validation into an `EventSet`. The condition language is a small
 * tree checked here by hand (no eval), so every problem is reported at file:line:col; lib/events/README.md
 * documents it. Pure apart from `loadEventSpecs`, which reads the folder.
 */
import { closestName } from '../text.js';
import { IDENTIFIER_PATTERN } from '../paths.js';
import { readdir, readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { SpecError, formatValue } from '../errors.js';
import { parseSpecText } from '../spec/loader.js';
import { positionOf, type Anchor } from '../spec/locate.js';
import { formatPath } from '../spec/messages.js';
import { integer, object, type SpecSchema } from '../spec/schema.js';
import { VARIANT_DIRECTIONS, expandVariantNames, thresholdLeaves, type RawVariants, type VariantDirection } from './variants.js';

export const COMPARE_OPS = ['>', '>=', '<', '<=', '==', '!='] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];

/** Right-hand side of a comparison or crossing: a constant, or another feature at the same bar. */
export type Operand = { value: number } | { feature: string };

/** A validated condition (normalised from the YAML form). */
export type Condition =
  | { type: 'compare'; feature: string; op: CompareOp; rhs: Operand }
  | { type: 'abs_gt'; feature: string; value: number }
  | { type: 'cross_above' | 'cross_below'; feature: string; rhs: Operand }
  | { type: 'all' | 'any'; of: Condition[] }
  | { type: 'not'; of: Condition };

export type Direction =
  | { type: 'long' }
  | { type: 'short' }
  | { type: 'sign_of' | 'opposite_sign_of'; feature: string };

export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export interface EventSpec {
  name: string;
  family: string;
  description: string;
  condition: Condition;
  direction: Direction;
  /** After a firing at bar t the event cannot fire again in bars t+1 .. t+cooldown_bars (same instrument). */
  cooldown_bars: number;
  /** Features recorded in the `attributes` JSON of each occurrence, in spec order. */
  attributes: string[];
  /** Where the event is defined (its `name` value), for messages. */
  source: SourcePos;
  /**
   * Direction variants: the event fires only where its direction is this side (+1 up, -1 down); elsewhere the bar
   * is not an occurrence and starts no cooldown. Undefined: both sides.
   */
  side?: 1 | -1;
  /** Set on every event generated from a spec entry with `variants` (lib/events/variants.ts). */
  variant?: EventVariant;
}

/** What a variant event is: its spec entry and the values of the variant dimensions. */
export interface EventVariant {
  /** Name of the spec entry it was generated from. */
  of: string;
  direction: VariantDirection;
  cooldown_bars: number;
  threshold?: { feature: string; value: number };
}

/** Every event of spec/events, sorted by name (names are unique). */
export interface EventSet {
  events: EventSpec[];
}

/** Event and family names: the one identifier pattern (lib/paths.ts), shared with features, blueprints and concepts. */
const NAME_PATTERN = IDENTIFIER_PATTERN;

interface RawEvent {
  name: string;
  family: string;
  description?: string;
  condition: unknown;
  direction: unknown;
  cooldown_bars: number;
  attributes: string[];
  variants?: RawVariants;
}

const VARIANTS_SCHEMA: SpecSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'variant dimensions: one event per combination, named <name>[_t<threshold>][_cd<cooldown>][_up|_down] (lib/events/README.md)',
  properties: {
    direction: {
      type: 'array', minItems: 1, uniqueItems: true, description: 'both (the event as declared), up (direction +1 only), down (-1 only)',
      items: { type: 'string', enum: [...VARIANT_DIRECTIONS] },
    },
    cooldown_bars: {
      type: 'array', minItems: 1, uniqueItems: true, description: 'cooldowns in bars (each a variant)',
      items: { type: 'integer', minimum: 0, maximum: 1000000 },
    },
    threshold: {
      type: 'object', additionalProperties: false, required: ['feature', 'values'],
      description: 'the constant of the one test on `feature` in the condition, replaced by each value',
      properties: {
        feature: { type: 'string', description: 'feature whose test constant varies' },
        values: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'number' }, description: 'threshold values (each a variant)' },
      },
    },
  },
};

const EVENT_SCHEMA = object(
  'one event: a condition on point-in-time features at the close of a bar',
  {
    name: { type: 'string', pattern: NAME_PATTERN, description: 'unique event name (lower case, digits, _)' },
    family: { type: 'string', pattern: NAME_PATTERN, description: 'family: events that are parameter variants of one idea' },
    description: { type: 'string', description: 'free text', default: '' },
    condition: { description: 'condition tree (lib/events/README.md); checked after the schema' },
    direction: { description: 'long, short, {sign_of: feature} or {opposite_sign_of: feature}; checked after the schema' },
    cooldown_bars: integer('bars after a firing during which the event cannot fire again', { minimum: 0 }),
    attributes: {
      type: 'array',
      description: 'features recorded with each occurrence',
      items: { type: 'string' },
      default: [],
    },
    variants: VARIANTS_SCHEMA,
  },
  { required: ['name', 'family', 'condition', 'direction', 'cooldown_bars'] },
);

/** JSON Schema of one spec/events/*.yaml file; conditions and directions are checked by `parseEventSpecs`. */
export const EVENTS_FILE_SCHEMA: SpecSchema = {
  ...object('event definitions', {
    events: { type: 'array', minItems: 1, items: EVENT_SCHEMA, description: 'events defined in this file' },
  }),
  title: 'spec/events',
};

/**
 * Parses and validates event spec files. `knownFeatures` are the feature names the features lake provides;
 * a condition, direction or attribute naming anything else is an error. All problems in all files are reported
 * together in one SpecError, each as `file:line:col path: message`.
 */
export function parseEventSpecs(
  files: readonly { file: string; text: string }[],
  knownFeatures: ReadonlySet<string>,
): EventSet {
  const issues: string[] = [];
  const events: EventSpec[] = [];
  const seen = new Map<string, SourcePos>();
  for (const { file, text } of files) {
    let value: { events: RawEvent[] };
    try {
      value = parseSpecText<{ events: RawEvent[] }>(text, file, EVENTS_FILE_SCHEMA);
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      issues.push(...err.issues);
      continue;
    }
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
    const fileIssues: { line: number; col: number; text: string }[] = [];
    const report = (segments: readonly (string | number)[], message: string, anchor: Anchor = 'value'): void => {
      const segs = segments.map(String);
      const pos = positionOf(doc, lc, segs, anchor);
      fileIssues.push({ ...pos, text: `${file}:${pos.line}:${pos.col} ${formatPath(segs)}: ${message}` });
    };
    const checker = new Checker(knownFeatures, report);
    value.events.forEach((ev, i) => {
      const at = ['events', i] as const;
      const pos = positionOf(doc, lc, [...at, 'name'].map(String), 'value');
      const source = { file, line: pos.line, col: pos.col };
      const condition = checker.condition(ev.condition, [...at, 'condition']);
      const direction = checker.direction(ev.direction, [...at, 'direction']);
      const attributes = checker.attributes(ev.attributes, [...at, 'attributes']);
      const variantsOk = condition && direction ? checkVariants(ev, direction, report, at) : false;
      const choices = variantsOk ? expandVariantNames(ev) : [{ name: ev.name, direction: 'both' as const, cooldown_bars: ev.cooldown_bars }];
      for (const choice of choices) {
        const nameAt = ev.variants && choice.name !== ev.name ? [...at, 'variants'] : [...at, 'name'];
        if (!new RegExp(NAME_PATTERN).test(choice.name)) {
          report(nameAt, `variant name ${formatValue(choice.name)} does not match ${NAME_PATTERN} (shorten the event name)`);
          continue;
        }
        const first = seen.get(choice.name);
        if (first) {
          report(nameAt, `duplicate event name ${formatValue(choice.name)} (first defined at ${first.file}:${first.line}:${first.col})`);
          continue;
        }
        seen.set(choice.name, source);
        if (!(condition && direction && attributes && variantsOk)) continue;
        const th = ev.variants?.threshold;
        events.push({
          name: choice.name, family: ev.family, description: ev.description ?? '',
          condition: th && choice.threshold !== undefined ? withThreshold(condition, th.feature, choice.threshold) : condition,
          direction, cooldown_bars: choice.cooldown_bars, attributes, source,
          ...(choice.direction === 'up' ? { side: 1 as const } : choice.direction === 'down' ? { side: -1 as const } : {}),
          ...(ev.variants ? {
            variant: {
              of: ev.name, direction: choice.direction, cooldown_bars: choice.cooldown_bars,
              ...(th && choice.threshold !== undefined ? { threshold: { feature: th.feature, value: choice.threshold } } : {}),
            },
          } : {}),
        });
      }
    });
    fileIssues.sort((a, b) => a.line - b.line || a.col - b.col);
    issues.push(...fileIssues.map((x) => x.text));
  }
  if (issues.length > 0) throw new SpecError(issues, { hint: 'fix the event specs at the positions shown and rerun' });
  events.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { events };
}

/**
 * Semantic checks of an entry's `variants` (the schema checked the shapes): up/down need a direction that depends on
 * the bar (sign_of / opposite_sign_of: a fixed long or short event has one side only); a threshold needs exactly one
 * test with a constant on its feature, and abs_gt thresholds must stay > 0. True when fine (or no variants).
 */
function checkVariants(ev: RawEvent, direction: Direction, report: Report, at: Path): boolean {
  const v = ev.variants;
  if (!v) return true;
  let ok = true;
  if (v.direction?.some((d) => d !== 'both') && (direction.type === 'long' || direction.type === 'short')) {
    report([...at, 'variants', 'direction'], `up/down variants need a direction that depends on the bar ({sign_of: x} or {opposite_sign_of: x}); this event is always ${direction.type}, so declare the other side as its own event`);
    ok = false;
  }
  if (v.threshold) {
    const leaves = thresholdLeaves(ev.condition, v.threshold.feature);
    if (leaves.count !== 1) {
      report([...at, 'variants', 'threshold', 'feature'], `threshold variants need exactly one test of ${formatValue(v.threshold.feature)} against a constant in the condition, found ${leaves.count}`);
      ok = false;
    } else if (hasAbsGt(ev.condition, v.threshold.feature)) {
      v.threshold.values.forEach((x, i) => {
        if (!(x > 0)) {
          report([...at, 'variants', 'threshold', 'values', i], `must be > 0 (abs_gt threshold), was ${x}`);
          ok = false;
        }
      });
    }
  }
  return ok;
}

function hasAbsGt(raw: unknown, feature: string): boolean {
  if (raw === null || typeof raw !== 'object') return false;
  if (Array.isArray(raw)) return raw.some((c) => hasAbsGt(c, feature));
  const o = raw as Record<string, unknown>;
  const b = o.abs_gt as Record<string, unknown> | undefined;
  if (b && typeof b === 'object' && b.feature === feature) return true;
  return ['all', 'any', 'not'].some((k) => k in o && hasAbsGt(o[k], feature));
}

/** The condition with the constant of every test on `feature` replaced by `value` (checkVariants: exactly one). */
export function withThreshold(c: Condition, feature: string, value: number): Condition {
  switch (c.type) {
    case 'compare':
    case 'cross_above':
    case 'cross_below':
      return c.feature === feature && 'value' in c.rhs ? { ...c, rhs: { value } } : c;
    case 'abs_gt':
      return c.feature === feature ? { ...c, value } : c;
    case 'all':
    case 'any':
      return { type: c.type, of: c.of.map((x) => withThreshold(x, feature, value)) };
    case 'not':
      return { type: 'not', of: withThreshold(c.of, feature, value) };
  }
}

/**
 * Loads every `.yaml`/`.yml` file of the event spec folder `dir` (e.g. `spec/events`), sorted by name. A missing
 * or empty folder is a SpecError (an events stage with no events would silently produce nothing).
 */
export async function loadEventSpecs(dir: string, knownFeatures: ReadonlySet<string>): Promise<EventSet> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => e.name);
  } catch (err) {
    throw new SpecError([`${dir}: cannot read the event spec folder (${(err as NodeJS.ErrnoException).code ?? String(err)})`], {
      hint: 'event specs live in spec/events/*.yaml',
    });
  }
  if (names.length === 0) {
    throw new SpecError([`${dir}: no event spec files (*.yaml)`], { hint: 'define at least one event in spec/events/*.yaml' });
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const files = await Promise.all(
    names.map(async (n) => ({ file: posix.join(dir, n), text: await readFile(posix.join(dir, n), 'utf8') })),
  );
  return parseEventSpecs(files, knownFeatures);
}

/** Every feature an event set reads (conditions, directions, attributes), sorted, without duplicates. */
export function requiredFeatures(set: EventSet): string[] {
  const out = new Set<string>();
  for (const ev of set.events) for (const f of eventFeatures(ev)) out.add(f);
  return [...out].sort();
}

/** The features one event reads, sorted, without duplicates. */
export function eventFeatures(ev: EventSpec): string[] {
  const out = new Set<string>(ev.attributes);
  const walk = (c: Condition): void => {
    switch (c.type) {
      case 'compare':
      case 'cross_above':
      case 'cross_below':
        out.add(c.feature);
        if ('feature' in c.rhs) out.add(c.rhs.feature);
        return;
      case 'abs_gt':
        out.add(c.feature);
        return;
      case 'all':
      case 'any':
        c.of.forEach(walk);
        return;
      case 'not':
        walk(c.of);
    }
  };
  walk(ev.condition);
  if (ev.direction.type === 'sign_of' || ev.direction.type === 'opposite_sign_of') out.add(ev.direction.feature);
  return [...out].sort();
}

/**
 * Normalises one condition written in the events condition language (the YAML/JSON form documented in
 * lib/events/README.md) into a `Condition`, with exactly the checks event specs get. Names are checked against
 * `known`; every problem is passed to `report(path, message)`, the path starting with `at`. Returns undefined when
 * there was any problem. Exported so other specs (lib/dsl blueprints) share one condition language.
 */
export function normaliseCondition(
  raw: unknown,
  known: ReadonlySet<string>,
  report: (path: readonly (string | number)[], message: string) => void,
  at: readonly (string | number)[] = [],
): Condition | undefined {
  return new Checker(known, (segments, message) => report(segments, message)).condition(raw, at);
}

const COMBINATORS = ['abs_gt', 'cross_above', 'cross_below', 'all', 'any', 'not'] as const;
const CONDITION_FORMS = 'a comparison {feature, op, value|other_feature}, abs_gt, cross_above, cross_below, all, any or not';

type Path = readonly (string | number)[];
type Report = (segments: Path, message: string, anchor?: Anchor) => void;

/** Semantic checks after the schema: condition trees, directions, feature names. Returns undefined on a problem. */
class Checker {
  constructor(
    private readonly known: ReadonlySet<string>,
    private readonly report: Report,
  ) {}

  condition(raw: unknown, at: Path): Condition | undefined {
    if (raw === null || raw === undefined || (isPlainObject(raw) && Object.keys(raw).length === 0)) {
      this.report(at, `empty condition (give ${CONDITION_FORMS})`);
      return undefined;
    }
    if (!isPlainObject(raw)) {
      this.report(at, `must be a condition mapping (${CONDITION_FORMS}), was ${short(raw)}`);
      return undefined;
    }
    const keys = Object.keys(raw);
    if ('feature' in raw) return this.compare(raw, at);
    const kinds = keys.filter((k) => (COMBINATORS as readonly string[]).includes(k));
    const unknown = keys.filter((k) => !(COMBINATORS as readonly string[]).includes(k) && !['op', 'value', 'other_feature'].includes(k));
    let ok = true;
    for (const k of unknown) {
      this.report([...at, k], `unknown condition key ${formatValue(k)} (allowed: feature, op, value, other_feature, ${COMBINATORS.join(', ')})`, 'key');
      ok = false;
    }
    if (!ok) return undefined;
    if (kinds.length === 0) {
      this.report(at, `a comparison needs "feature" (keys given: ${keys.join(', ')})`);
      return undefined;
    }
    if (keys.length > 1) {
      this.report([...at, keys[1]!], `one test per condition mapping, found ${keys.join(' and ')} (combine them with all: [...] or any: [...])`, 'key');
      return undefined;
    }
    const kind = kinds[0] as (typeof COMBINATORS)[number];
    const body = raw[kind];
    const bodyAt = [...at, kind];
    switch (kind) {
      case 'abs_gt': {
        const o = this.fields(body, bodyAt, ['feature', 'value'], ['feature', 'value']);
        if (!o) return undefined;
        const feature = this.feature(o.feature, [...bodyAt, 'feature']);
        const value = this.finite(o.value, [...bodyAt, 'value']);
        if (value !== undefined && value <= 0) {
          this.report([...bodyAt, 'value'], `must be > 0 (|x| > ${value} holds for every non-zero x), was ${value}`);
          return undefined;
        }
        return feature !== undefined && value !== undefined ? { type: 'abs_gt', feature, value } : undefined;
      }
      case 'cross_above':
      case 'cross_below': {
        const o = this.fields(body, bodyAt, ['feature', 'value', 'other_feature'], ['feature']);
        if (!o) return undefined;
        const feature = this.feature(o.feature, [...bodyAt, 'feature']);
        const rhs = this.operand(o, bodyAt, feature);
        return feature !== undefined && rhs ? { type: kind, feature, rhs } : undefined;
      }
      case 'all':
      case 'any': {
        if (!Array.isArray(body)) {
          this.report(bodyAt, `must be a list of conditions, was ${short(body)}`);
          return undefined;
        }
        if (body.length === 0) {
          this.report(bodyAt, `empty condition: ${kind}: [] tests nothing`);
          return undefined;
        }
        const of = body.map((c, i) => this.condition(c, [...bodyAt, i]));
        return of.every((c) => c !== undefined) ? { type: kind, of: of as Condition[] } : undefined;
      }
      case 'not': {
        const of = this.condition(body, bodyAt);
        return of ? { type: 'not', of } : undefined;
      }
    }
  }

  private compare(raw: Record<string, unknown>, at: Path): Condition | undefined {
    const o = this.fields(raw, at, ['feature', 'op', 'value', 'other_feature'], ['feature', 'op']);
    if (!o) return undefined;
    const feature = this.feature(o.feature, [...at, 'feature']);
    let op: CompareOp | undefined;
    if (typeof o.op === 'string' && (COMPARE_OPS as readonly string[]).includes(o.op)) op = o.op as CompareOp;
    else this.report([...at, 'op'], `must be one of ${COMPARE_OPS.map((x) => `'${x}'`).join(', ')}, was ${short(o.op)}`);
    const rhs = this.operand(o, at, feature);
    return feature !== undefined && op !== undefined && rhs ? { type: 'compare', feature, op, rhs } : undefined;
  }

  /** Exactly one of `value` (finite number) and `other_feature` (known, not the feature itself). */
  private operand(o: Record<string, unknown>, at: Path, feature: string | undefined): Operand | undefined {
    const hasValue = 'value' in o;
    const hasOther = 'other_feature' in o;
    if (hasValue === hasOther) {
      this.report(at, hasValue ? 'give either value or other_feature, not both' : 'missing "value" or "other_feature"');
      return undefined;
    }
    if (hasValue) {
      const value = this.finite(o.value, [...at, 'value']);
      return value === undefined ? undefined : { value };
    }
    const other = this.feature(o.other_feature, [...at, 'other_feature']);
    if (other !== undefined && other === feature) {
      this.report([...at, 'other_feature'], `compares ${formatValue(other)} with itself`);
      return undefined;
    }
    return other === undefined ? undefined : { feature: other };
  }

  direction(raw: unknown, at: Path): Direction | undefined {
    if (raw === 'long' || raw === 'short') return { type: raw };
    const forms = "'long', 'short', {sign_of: feature} or {opposite_sign_of: feature}";
    if (!isPlainObject(raw) || Object.keys(raw).length !== 1) {
      this.report(at, `must be ${forms}, was ${short(raw)}`);
      return undefined;
    }
    const key = Object.keys(raw)[0]!;
    if (key !== 'sign_of' && key !== 'opposite_sign_of') {
      this.report([...at, key], `unknown direction key ${formatValue(key)} (allowed: sign_of, opposite_sign_of)`, 'key');
      return undefined;
    }
    const feature = this.feature(raw[key], [...at, key]);
    return feature === undefined ? undefined : { type: key, feature };
  }

  attributes(raw: string[], at: Path): string[] | undefined {
    let ok = true;
    const seen = new Set<string>();
    raw.forEach((f, i) => {
      if (this.feature(f, [...at, i]) === undefined) ok = false;
      else if (seen.has(f)) {
        this.report([...at, i], `attribute ${formatValue(f)} is listed twice`);
        ok = false;
      }
      seen.add(f);
    });
    return ok ? [...raw] : undefined;
  }

  private feature(raw: unknown, at: Path): string | undefined {
    if (typeof raw !== 'string' || raw === '') {
      this.report(at, `must be a feature name, was ${short(raw)}`);
      return undefined;
    }
    if (!this.known.has(raw)) {
      const guess = closestName(raw, [...this.known]);
      const list = [...this.known].sort();
      const shown = list.length > 40 ? `${list.slice(0, 40).join(', ')}, ...` : list.join(', ');
      this.report(at, `unknown feature ${formatValue(raw)} (${guess ? `did you mean "${guess}"? ` : ''}known: ${shown || 'none'})`);
      return undefined;
    }
    return raw;
  }

  private finite(raw: unknown, at: Path): number | undefined {
    if (typeof raw !== 'number' || !Number.isFinite(raw)) {
      this.report(at, `must be a finite number, was ${short(raw)}`);
      return undefined;
    }
    return raw;
  }

  /** A mapping with only `allowed` keys and every `required` key. */
  private fields(raw: unknown, at: Path, allowed: readonly string[], required: readonly string[]): Record<string, unknown> | undefined {
    if (!isPlainObject(raw)) {
      this.report(at, `must be a mapping with ${allowed.join(', ')}, was ${short(raw)}`);
      return undefined;
    }
    let ok = true;
    for (const k of Object.keys(raw)) {
      if (!allowed.includes(k)) {
        this.report([...at, k], `unknown key ${formatValue(k)} (allowed: ${allowed.join(', ')})`, 'key');
        ok = false;
      }
    }
    for (const k of required) {
      if (!(k in raw)) {
        this.report(at, `missing required key ${formatValue(k)}`);
        ok = false;
      }
    }
    return ok ? raw : undefined;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function short(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  const s = formatValue(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}


