/**
 * Issue 12, stage start-up: the pipeline's validators are ajv standalone code generated at build time
 * (lib/spec/validators.generated.ts, `npm run gen:validators`), so a stage process does not load ajv nor compile
 * schemas. The file must be what the generator writes today (else a changed schema would silently fall back to the
 * slow path), every pipeline schema must have an entry, and a generated validator must behave exactly as ajv's own
 * compilation of the schema: same verdict, same defaults filled, same errors (message, path, params, schema, data),
 * on the repository's spec files and on many broken variants of them.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../lib/stage/root.js';
import { compileWithAjv, schemaKey, validatorFor } from '../../lib/spec/loader.js';
import { PRECOMPILED } from '../../lib/spec/validators.generated.js';
import type { SpecSchema } from '../../lib/spec/schema.js';
import { GENERATED_FILE, generateValidators, pipelineSchemas } from '../../orchestrator/spec_validators.js';

const specFile = (rel: string): unknown => parse(readFileSync(join(PROJECT_ROOT, 'spec', rel), 'utf8'));
const specDir = (rel: string): unknown[] =>
  readdirSync(join(PROJECT_ROOT, 'spec', rel)).filter((f) => f.endsWith('.yaml')).sort().map((f) => specFile(join(rel, f)));

/** Values each schema is checked on: the repository's own spec files (and parameters as the orchestrator passes them). */
function samples(name: string): unknown[] {
  if (name.endsWith(' params')) return [{}, { timeframe: '5m' }];
  const files: Record<string, () => unknown[]> = {
    'pipeline.yaml': () => [specFile('pipeline.yaml')],
    'costs.yaml': () => [specFile('costs.yaml')],
    'gates.yaml': () => [specFile('gates.yaml')],
    'plan.yaml': () => [specFile('plan.yaml')],
    'blueprints.yaml': () => [specFile('blueprints.yaml')],
    'concepts/*.yaml': () => specDir('concepts'),
    'events/*.yaml': () => specDir('events'),
    'events/*.yaml (names)': () => specDir('events'),
    'features/*.yaml': () => specDir('features'),
    'features/*.yaml (names)': () => specDir('features'),
    'universe/sectors.yaml': () => [specFile('universe/sectors.yaml')],
  };
  return files[name]?.() ?? [{}];
}

/** Every path to a value inside `v` (depth first, at most `max`). */
function paths(v: unknown, max = 150, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (out.length >= max) return out;
  if (at.length > 0) out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, max, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, max, [...at, k], out);
  return out;
}

function setAt(v: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(o)) o.splice(last as number, 1);
    else delete o[last];
  } else o[last] = value;
  return copy;
}

/** A value and broken variants of it: each inner value removed, or replaced by a wrong type, an odd string, a big number. */
function variants(v: unknown): unknown[] {
  const out: unknown[] = [v];
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push({ ...v, bogus_key: 1 });
  const replacements = [undefined, 'x', -1e9, null, [], { bogus_key: true }];
  paths(v).forEach((p, i) => out.push(setAt(v, p, replacements[i % replacements.length])));
  return out;
}

function run(schema: SpecSchema, value: unknown, how: 'generated' | 'ajv') {
  const v = how === 'generated' ? validatorFor(schema) : compileWithAjv(schema);
  const data = structuredClone(value);
  const ok = v(data);
  return { ok, data, errors: v.errors ?? null };
}

describe('precompiled spec validators', () => {
  test('lib/spec/validators.generated.ts is what `npm run gen:validators` writes today', () => {
    const committed = readFileSync(join(PROJECT_ROOT, GENERATED_FILE), 'utf8');
    expect(committed === generateValidators()).toBe(true); // not toEqual: a diff of 850 kB helps nobody; regenerate
  });

  test('every pipeline schema has a generated validator, and the loader uses it (not ajv)', () => {
    for (const [name, schema] of pipelineSchemas()) {
      expect([name, PRECOMPILED.has(schemaKey(schema))]).toEqual([name, true]);
      expect(validatorFor(schema)).not.toBe(compileWithAjv(schema));
      expect(validatorFor(schema)).toBe(validatorFor(schema)); // made once
    }
  });

  test('a schema without an entry is compiled by ajv, and a broken one is reported as before', () => {
    const schema: SpecSchema = { type: 'object', properties: { a: { type: 'integer', default: 3 } }, additionalProperties: false };
    expect(PRECOMPILED.has(schemaKey(schema))).toBe(false);
    const data: Record<string, unknown> = {};
    expect(validatorFor(schema)(data)).toBe(true);
    expect(data).toEqual({ a: 3 });
    expect(() => validatorFor({ type: 'objekt', title: 'broken' })).toThrow(/invalid JSON Schema "broken"/);
  });

  const cases = pipelineSchemas().map(([name, schema]) => [name, schema] as const);
  test.each(cases)('%s: the generated validator gives ajv\'s verdict, defaults and errors', (name, schema) => {
    let checked = 0;
    let invalid = 0;
    for (const sample of samples(name)) {
      for (const value of variants(sample)) {
        const generated = run(schema, value, 'generated');
        const ajv = run(schema, value, 'ajv');
        expect(generated).toEqual(ajv);
        checked++;
        if (!ajv.ok) invalid++;
      }
    }
    expect(checked).toBeGreaterThan(0);
    if (samples(name).some((s) => paths(s).length > 0)) expect(invalid).toBeGreaterThan(0);
  });
});
