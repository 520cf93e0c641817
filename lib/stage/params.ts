import { Ajv, type ErrorObject } from 'ajv';
import { UsageError } from '../errors.js';
import type { JsonSchemaObject } from './definition.js';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, coerceTypes: false });
const compiled = new WeakMap<object, ReturnType<typeof ajv.compile>>();

/**
 * Validate resolved stage parameters against the stage's schema, filling defaults. Errors name the
 * parameter path, the rule and the value; all at once.
 */
export function validateParams<P>(stage: string, schema: JsonSchemaObject, params: unknown): P {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  const copy = structuredClone(params ?? {});
  if (!validate(copy)) {
    const lines = (validate.errors ?? []).map((e) => describe(e, copy));
    throw new UsageError(`${stage}: invalid parameters:\n  ${lines.join('\n  ')}`, {
      hint: 'see the stage parameters with --help, or spec/pipeline.yaml',
    });
  }
  return copy as P;
}

function describe(e: ErrorObject, root: unknown): string {
  const path = e.instancePath.split('/').slice(1).join('.') || '(params)';
  const value = e.instancePath.split('/').slice(1).reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], root);
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return `${path === '(params)' ? '' : path + '.'}${extra}: unknown parameter`;
  }
  if (e.keyword === 'enum') return `${path}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((x) => JSON.stringify(x)).join(', ')}, was ${JSON.stringify(value)}`;
  return `${path}: ${e.message ?? e.keyword}, was ${JSON.stringify(value)}`;
}

/**
 * Parse `--set a.b=value` style overrides into a nested object. Values are parsed as JSON when possible
 * (numbers, booleans, arrays), else taken as strings; `a=x,y` gives ['x','y'] only for array parameters (the
 * caller decides with the schema).
 */
export function setOverride(target: Record<string, unknown>, path: string, raw: string): void {
  const keys = path.split('.');
  let obj = target;
  for (const k of keys.slice(0, -1)) {
    if (typeof obj[k] !== 'object' || obj[k] === null || Array.isArray(obj[k])) obj[k] = {};
    obj = obj[k] as Record<string, unknown>;
  }
  obj[keys[keys.length - 1]!] = parseScalar(raw);
}

export function parseScalar(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
