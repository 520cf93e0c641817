/**
 * spec/blueprints.yaml: the template variants the blueprint stage compiles beside the bridge survivors, and the
 * sizing of every compiled blueprint. Template parameters and grids are checked by lib/dsl templateGrid (unknown
 * parameters and refused combinations are reported together); sizing by the Blueprint schema.
 */
import { SpecError } from '../../errors.js';
import { object, type SpecSchema } from '../../spec/schema.js';
import {
  BLUEPRINT_SCHEMA, PAIRS_SCREEN_DEFAULTS, SCREEN_BUCKETS, SCREEN_METHODS, TEMPLATE_DURATIONS, TEMPLATE_NAMES, type PairsScreenConfig,
  type Sizing, type TemplateName,
} from '../../dsl/index.js';
import { loadLocated, specErrorPath, where } from '../../research/spec_files.js';
import { DURATION_PATTERN, durationBars, type Timeframe } from '../../timeframe.js';

export interface TemplateEntry {
  template: TemplateName;
  symbols?: 'all' | string[];
  /** 'auto' (the default): chosen by the screen on the first screen.days of data; or an explicit list. */
  pairs?: 'auto' | [string, string][];
  screen?: Partial<PairsScreenConfig>;
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
    anyOf: [
      { const: 'auto' },
      { type: 'array', minItems: 1, items: { type: 'array', items: SYMBOL, minItems: 2, maxItems: 2 } },
    ],
    description: 'pairs template: auto (default: chosen by the screen, see screen) or a list of pairs [A, B] (A is traded against a hedge of B)',
  },
  screen: object('pairs: auto: how pairs are chosen from the data (lib/dsl/pairs_screen.ts); only bars before the first walk-forward test window are read', {
    method: { enum: [...SCREEN_METHODS], description: `engle_granger (ADF p-value of the log-price OLS residuals) or correlation (of 1-bar log returns); default ${PAIRS_SCREEN_DEFAULTS.method}` },
    days: { type: 'number', exclusiveMinimum: 0, description: `screen period: the first days of the data; must end before the first walk-forward test window (at most train_days + the embargo); default ${PAIRS_SCREEN_DEFAULTS.days}` },
    buckets: { type: 'array', items: { enum: [...SCREEN_BUCKETS] }, uniqueItems: true, description: 'pairs only within a bucket: liquidity (median daily quote volume groups) and/or sector (screen.sectors); [] = one bucket; default [liquidity]' },
    liquidity_buckets: { type: 'integer', minimum: 1, description: `number of liquidity groups (equal counts); default ${PAIRS_SCREEN_DEFAULTS.liquidity_buckets} (terciles)` },
    sectors: { type: 'object', additionalProperties: { type: 'string', minLength: 1 }, description: 'symbol -> sector, for buckets: [sector]' },
    max_pairs: { type: 'integer', minimum: 1, description: `pairs chosen at most (best first); default ${PAIRS_SCREEN_DEFAULTS.max_pairs}` },
    max_p_value: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: `engle_granger: largest MacKinnon p-value kept; default ${PAIRS_SCREEN_DEFAULTS.max_p_value}` },
    min_correlation: { type: 'number', minimum: -1, maximum: 1, description: `correlation: smallest correlation kept; default ${PAIRS_SCREEN_DEFAULTS.min_correlation}` },
    min_coverage: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: `share of the screen-period bars an instrument (and a pair, jointly) must have; default ${PAIRS_SCREEN_DEFAULTS.min_coverage}` },
  }, { required: [] }),
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
 * Load and validate spec/blueprints.yaml (located errors): the pairs entry's cross-field rules, and with `tf`, that
 * every duration of a template grid is a whole number of `tf` bars (file:line:col, templates[i].grid.k[j]).
 */
export async function loadBlueprintSpec(file: string, tf?: Timeframe): Promise<BlueprintSpec> {
  const { value, yaml } = await loadLocated<BlueprintSpec>(file, specErrorPath(file), BLUEPRINT_SPEC_SCHEMA);
  const at = (path: (string | number)[]) => where(yaml, ['templates', ...path]).text;
  const pairIssues: string[] = [];
  value.templates.forEach((t, i) => {
    if (t.template !== 'pairs' && (t.pairs !== undefined || t.screen !== undefined)) {
      pairIssues.push(`${at([i])} templates[${i}]: pairs and screen belong to the pairs template, not ${t.template}`);
    }
    if (t.template === 'pairs' && Array.isArray(t.pairs) && t.screen !== undefined) {
      pairIssues.push(`${at([i, 'screen'])} templates[${i}].screen: only used with pairs: auto (this entry lists its pairs)`);
    }
    if (t.screen?.buckets?.includes('sector') && Object.keys(t.screen.sectors ?? {}).length === 0) {
      pairIssues.push(`${at([i, 'screen', 'buckets'])} templates[${i}].screen.buckets: sector needs screen.sectors (symbol -> sector)`);
    }
  });
  if (pairIssues.length > 0) throw new SpecError(pairIssues, { hint: 'fix the pairs entry of spec/blueprints.yaml (lib/dsl/pairs_screen.ts describes the screen)' });
  if (tf === undefined) return value;
  const issues: string[] = [];
  value.templates.forEach((t, i) => {
    const durations = TEMPLATE_DURATIONS[t.template] as Record<string, string>;
    for (const [k, vals] of Object.entries(t.grid ?? {})) {
      if (!(k in durations)) continue;
      vals.forEach((v, j) => {
        if (typeof v !== 'string') return;
        try {
          durationBars(v, tf, `${at([i, 'grid', k, j])} templates[${i}].grid.${k}[${j}]`);
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
