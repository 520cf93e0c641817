/**
 * spec/blueprints.yaml: the template variants the blueprint stage compiles beside the bridge survivors, and the
 * sizing of every compiled blueprint. Template parameters and grids are checked by lib/dsl templateGrid (unknown
 * parameters and refused combinations are reported together); sizing by the Blueprint schema.
 */
import { loadSpecFile } from '../../spec/loader.js';
import { object, type SpecSchema } from '../../spec/schema.js';
import { BLUEPRINT_SCHEMA, TEMPLATE_NAMES, type Sizing, type TemplateName } from '../../dsl/index.js';

export interface TemplateEntry {
  template: TemplateName;
  symbols?: 'all' | string[];
  pairs?: [string, string][];
  grid?: Record<string, number[]>;
}

export interface BlueprintSpec {
  sizing?: Sizing;
  templates: TemplateEntry[];
}

const SYMBOL = { type: 'string', pattern: '^[A-Z0-9_.-]+$', description: 'exchange symbol, e.g. BTCUSDT' };

const entry = object('one template and its parameter grid', {
  template: { enum: [...TEMPLATE_NAMES], description: 'mean_reversion, momentum or pairs (lib/dsl/templates.ts)' },
  symbols: {
    anyOf: [{ const: 'all' }, { type: 'array', items: SYMBOL, minItems: 1 }],
    description: 'instruments the template runs on (single-instrument templates): all, or a list of symbols',
  },
  pairs: {
    type: 'array', minItems: 1, description: 'pairs [A, B] (pairs template): A is traded against a hedge of B',
    items: { type: 'array', items: SYMBOL, minItems: 2, maxItems: 2 },
  },
  grid: {
    type: 'object', description: 'parameter -> list of values; every combination is one blueprint (a trial)',
    additionalProperties: { type: 'array', items: { type: 'number' }, minItems: 1 },
  },
}, { required: ['template'] });

export const BLUEPRINT_SPEC_SCHEMA: SpecSchema = {
  ...object('template variants compiled as blueprints, and the sizing of every blueprint', {
    sizing: { ...((BLUEPRINT_SCHEMA.properties as Record<string, SpecSchema>).sizing!), description: 'sizing of every compiled blueprint (default: fixed notional 10,000 USD)' },
    templates: { type: 'array', items: entry, default: [], description: 'template entries' },
  }, { required: [] }),
  title: 'spec/blueprints.yaml',
};

export async function loadBlueprintSpec(file: string): Promise<BlueprintSpec> {
  return loadSpecFile<BlueprintSpec>(file, BLUEPRINT_SPEC_SCHEMA);
}
