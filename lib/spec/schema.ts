/**
 * Small builders for spec schemas so every object is closed (`additionalProperties: false`) and every field carries
 * a description with its unit. They return plain JSON Schema objects for lib/spec/loader.ts.
 */

/** A JSON Schema object (draft-07 keywords, `additionalProperties: false` on every object). */
export type SpecSchema = Record<string, unknown>;

interface Common {
  /** Filled in by the loader when the key is absent (the one place defaults are applied). */
  default?: unknown;
}

interface NumberOptions extends Common {
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

/** A closed object: unknown keys are errors. `required` defaults to every property that has no default. */
export function object(
  description: string,
  properties: Record<string, SpecSchema>,
  options: Common & { required?: readonly string[] } = {},
): SpecSchema {
  const required = options.required ?? Object.keys(properties).filter((k) => !('default' in properties[k]!));
  return {
    type: 'object',
    description,
    properties,
    ...(required.length > 0 ? { required: [...required] } : {}),
    additionalProperties: false,
    ...defaultOf(options),
  };
}

/** An object whose keys are names chosen by the user (venues, symbols), each value checked by `value`. */
export function mapOf(
  description: string,
  value: SpecSchema,
  options: Common & { keyPattern?: string; minProperties?: number } = {},
): SpecSchema {
  return {
    type: 'object',
    description,
    additionalProperties: value,
    ...(options.keyPattern ? { propertyNames: { type: 'string', pattern: options.keyPattern } } : {}),
    ...(options.minProperties !== undefined ? { minProperties: options.minProperties } : {}),
    ...defaultOf(options),
  };
}

/** A finite number; `description` must state the unit (bps, fraction, bars). */
export function number(description: string, options: NumberOptions = {}): SpecSchema {
  return { type: 'number', description, ...options };
}

export function integer(description: string, options: NumberOptions = {}): SpecSchema {
  return { type: 'integer', description, ...options };
}

export function boolean(description: string, options: Common = {}): SpecSchema {
  return { type: 'boolean', description, ...defaultOf(options) };
}

export function oneOfStrings(values: readonly string[], description: string, options: Common = {}): SpecSchema {
  return { type: 'string', enum: [...values], description, ...defaultOf(options) };
}

function defaultOf(options: Common): SpecSchema {
  return 'default' in options ? { default: options.default } : {};
}
