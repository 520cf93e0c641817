import { validateSpecValue } from '../spec/loader.js';
import type { JsonSchemaObject } from './definition.js';
import { assertSafeName } from '../paths.js';

/**
 * Validate resolved stage parameters against the stage's schema with the one spec validator (defaults filled
 * there, every problem at once, named `<stage> params` and the parameter path).
 */
export function validateParams<P>(stage: string, schema: JsonSchemaObject, params: unknown): P {
  return validateSpecValue<P>(params ?? {}, `${stage} params`, schema as Record<string, unknown>);
}

/**
 * Parse `--set a.b=value` style overrides into a nested object. Values are parsed as JSON when possible
 * (numbers, booleans, arrays), else taken as strings. Every key must be an identifier (lib/paths.ts): no `..`, no
 * separators, no `__proto__`; a bad key is a usage error (exit 2) naming `flag`.
 */
export function setOverride(target: Record<string, unknown>, path: string, raw: string, flag = `--set ${path}`): void {
  const where = { flag: `${flag}: a key` };
  const keys = path.split('.');
  for (const k of keys) assertSafeName('identifier', k, where);
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
