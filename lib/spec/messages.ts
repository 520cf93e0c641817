/**
 * Turns ajv errors into human messages with a path and the bad value:
 *   additionalProperties -> unknown key "fee" (did you mean "fee_bps"? allowed: fee_bps, slippage_bps)
 *   type                 -> must be number, was "5m"
 *   enum                 -> must be one of "sqrt", "linear", was "cubic"
 * Pure: no I/O.
 */
import { closestName } from '../text.js';
import type { ErrorObject } from 'ajv';
import { formatValue } from '../errors.js';
import type { Anchor } from './locate.js';

/** One problem before it is located in a file: the path into the value, where to point, the message. */
export interface RawIssue {
  segments: string[];
  anchor: Anchor;
  message: string;
}

const MAX_VALUE_CHARS = 80;

/** Converts ajv's errors (run with `verbose: true`) into issues; drops errors that repeat another one. */
export function toRawIssues(errors: readonly ErrorObject[]): RawIssue[] {
  const out: RawIssue[] = [];
  for (const e of errors) {
    if (e.keyword === 'discriminator' && isCoveredDiscriminator(e, errors)) continue;
    if (e.keyword === 'propertyNames') continue; // the error on the key itself is reported (it has propertyName)
    if (e.keyword === 'type' && errors.some((o) => isEnumAt(o, e.instancePath))) continue; // the enum says more
    out.push(toRawIssue(e));
  }
  return dedupe(out);
}

function toRawIssue(e: ErrorObject): RawIssue {
  const segments = pointerToSegments(e.instancePath);
  const params = e.params as Record<string, unknown>;
  if (e.propertyName !== undefined) {
    const key = e.propertyName;
    return { segments: [...segments, key], anchor: 'key', message: `invalid key "${key}": ${e.message ?? e.keyword}` };
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(propertiesOf(e.parentSchema));
      return { segments: [...segments, key], anchor: 'key', message: unknownKeyMessage(key, allowed) };
    }
    case 'required':
      return { segments, anchor: 'value', message: `missing required key "${String(params.missingProperty)}"` };
    case 'type': {
      const finite = typeof e.data === 'number' && !Number.isFinite(e.data) ? 'finite ' : '';
      return value(e, segments, `must be ${finite}${String(params.type).split(',').join(' or ')}`);
    }
    case 'enum':
      return value(e, segments, `must be one of ${listValues(params.allowedValues)}`);
    case 'const':
      return value(e, segments, `must be ${formatValue(params.allowedValue)}`);
    case 'minProperties':
      return value(e, segments, `must have at least ${plural(params.limit, 'key')}`);
    case 'maxProperties':
      return value(e, segments, `must have at most ${plural(params.limit, 'key')}`);
    case 'minItems':
      return value(e, segments, `must have at least ${plural(params.limit, 'item')}`);
    case 'maxItems':
      return value(e, segments, `must have at most ${plural(params.limit, 'item')}`);
    case 'minLength':
      return value(e, segments, `must have at least ${plural(params.limit, 'character')}`);
    case 'maxLength':
      return value(e, segments, `must have at most ${plural(params.limit, 'character')}`);
    case 'discriminator': {
      const tag = String(params.tag);
      const allowed = discriminatorValues(e.parentSchema, tag);
      return {
        segments: [...segments, tag],
        anchor: 'value',
        message: `must be one of ${listValues(allowed)}, was ${short(params.tagValue)}`,
      };
    }
    default:
      return value(e, segments, e.message ?? `fails "${e.keyword}"`);
  }
}

function value(e: ErrorObject, segments: string[], message: string): RawIssue {
  return { segments, anchor: 'value', message: `${message}, was ${short(e.data)}` };
}

export function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const guess = closestName(key, allowed);
  const hint = guess ? `did you mean "${guess}"? ` : '';
  return allowed.length === 0
    ? `unknown key "${key}" (no keys are allowed here)`
    : `unknown key "${key}" (${hint}allowed: ${allowed.join(', ')})`;
}

/** `venues.binance.um.taker_fee_bps`, `features[3].window_bars`; '(top level)' for the document itself. */
export function formatPath(segments: readonly string[]): string {
  let out = '';
  for (const seg of segments) {
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? '(top level)' : out;
}

export function pointerToSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function plural(n: unknown, word: string): string {
  return `${String(n)} ${word}${n === 1 ? '' : 's'}`;
}

function isEnumAt(e: ErrorObject, instancePath: string): boolean {
  return (e.keyword === 'enum' || e.keyword === 'const') && e.instancePath === instancePath;
}

function short(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v); // JSON would print null
  const s = formatValue(v);
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS - 3)}...` : s;
}

function listValues(values: unknown): string {
  return Array.isArray(values) ? values.map((v) => formatValue(v)).join(', ') : formatValue(values);
}

function propertiesOf(schema: unknown): Record<string, unknown> {
  const props = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ?? {};
}

function discriminatorValues(schema: unknown, tag: string): unknown[] {
  const branches = (schema as { oneOf?: unknown[] } | undefined)?.oneOf ?? [];
  return branches.flatMap((b) => {
    const p = propertiesOf(b)[tag] as { const?: unknown; enum?: unknown[] } | undefined;
    if (p?.const !== undefined) return [p.const];
    return p?.enum ?? [];
  });
}

/** A discriminator error repeats an error already reported on its tag (wrong type, not in the enum, missing). */
function isCoveredDiscriminator(e: ErrorObject, all: readonly ErrorObject[]): boolean {
  const tag = String((e.params as { tag?: unknown }).tag);
  const tagPath = `${e.instancePath}/${tag.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return all.some(
    (o) =>
      o !== e &&
      (o.instancePath === tagPath ||
        (o.keyword === 'required' &&
          o.instancePath === e.instancePath &&
          (o.params as { missingProperty?: unknown }).missingProperty === tag)),
  );
}

function dedupe(issues: RawIssue[]): RawIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.segments.join('\u0000')}\u0001${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}


