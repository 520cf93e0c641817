/**
 * spec/blueprints.yaml: the template variants the blueprint stage compiles beside the bridge survivors, and the
 * sizing of every compiled blueprint. Template parameters and grids are checked by lib/dsl templateGrid (unknown
 * parameters and refused combinations are reported together); sizing by the Blueprint schema.
 */
import { SpecError } from '../../errors.js';
import { object, type SpecSchema } from '../../spec/schema.js';
import { BLUEPRINT_SCHEMA, TEMPLATE_DURATIONS, TEMPLATE_NAMES, type Sizing, type TemplateName } from '../../dsl/index.js';
import { loadLocated, specErrorPath, where } from '../../research/spec_files.js';
import { DURATION_PATTERN, durationBars, type Timeframe } from '../../timeframe.js';

export interface TemplateEntry {
  template: TemplateName;
  symbols?: 'all' | string[];
  pairs?: [string, string][];
  grid?: Record<string, (number | string)[]>;
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
    type: 'object',
    description: 'parameter -> list of values; every combination is one blueprint (a trial). Lengths of time are durations ' +
      '(slow: [1d, 3d]; converted to bars of the timeframe) or bars under their *_bars name (slow_bars: [288])',
    additionalProperties: {
      type: 'array', minItems: 1,
      items: { anyOf: [{ type: 'number' }, { type: 'string', pattern: DURATION_PATTERN }] },
    },
  },
}, { required: ['template'] });

export const BLUEPRINT_SPEC_SCHEMA: SpecSchema = {
  ...object('template variants compiled as blueprints, and the sizing of every blueprint', {
    sizing: { ...((BLUEPRINT_SCHEMA.properties as Record<string, SpecSchema>).sizing!), description: 'sizing of every compiled blueprint (default: fixed notional 10,000 USD)' },
    templates: { type: 'array', items: entry, default: [], description: 'template entries' },
  }, { required: [] }),
  title: 'spec/blueprints.yaml',
};

/**
 * Load and validate spec/blueprints.yaml; with `tf`, also check that every duration of a template grid is a whole
 * number of `tf` bars (a located SpecError per value that is not: file:line:col, templates[i].grid.k[j]).
 */
export async function loadBlueprintSpec(file: string, tf?: Timeframe): Promise<BlueprintSpec> {
  const { value, yaml } = await loadLocated<BlueprintSpec>(file, specErrorPath(file), BLUEPRINT_SPEC_SCHEMA);
  if (tf === undefined) return value;
  const issues: string[] = [];
  value.templates.forEach((t, i) => {
    const durations = TEMPLATE_DURATIONS[t.template] as Record<string, string>;
    for (const [k, vals] of Object.entries(t.grid ?? {})) {
      if (!(k in durations)) continue;
      vals.forEach((v, j) => {
        if (typeof v !== 'string') return;
        try {
          durationBars(v, tf, `${where(yaml, ['templates', i, 'grid', k, j]).text} templates[${i}].grid.${k}[${j}]`);
        } catch (err) {
          if (!(err instanceof SpecError)) throw err;
          issues.push(...err.issues);
        }
      });
    }
  });
  if (issues.length > 0) {
    throw new SpecError(issues, { hint: `at ${tf} every template length must be a whole number of ${tf} bars: change it in spec/blueprints.yaml or run a finer --backtest_timeframe` });
  }
  return value;
}
