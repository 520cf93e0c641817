/**
 * Contract cases for the real stages: for each registered stage, parameters for a tiny run and how to put its
 * inputs in place. tests/stage/contract.test.ts runs the same contract over every case; a stage added to
 * orchestrator/registry.ts without a case here fails "every registered stage has a contract case".
 */
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** 2025-01-01 00:00 UTC and 2025-01-04 00:00 UTC (3 days of 5m bars: 864 per symbol). */
export const START_MS = Date.UTC(2025, 0, 1);
export const END_MS = Date.UTC(2025, 0, 4);

export const TINY_INGEST_PARAMS = {
  source: 'synthetic',
  allow_synthetic: true,
  synthetic: { seed: 11, n_symbols: 2, start_ms: START_MS, end_ms: END_MS, timeframe: '5m' },
};

export interface ContractCase {
  /** Parameters of a small successful run. */
  params: Record<string, unknown>;
  /** Put the stage's inputs into `dataDir` (`template` holds a lake made by a tiny ingest). */
  prepare: (dataDir: string, template: string) => Promise<void>;
  /** A run whose input is missing, and what the error must say (null: the stage reads only specs). */
  missingInput: { params: Record<string, unknown>; message: string; exitCode: number } | null;
}

/**
 * The contract template is a full tiny pipeline run (every stage, in this order, with `TEMPLATE_PARAMS`). A stage's
 * case starts from a copy of it without the outputs (and manifests) of that stage and every later one.
 */
export const PIPELINE_ORDER = ['ingest', 'clean', 'features', 'events', 'templates', 'plan', 'discovery', 'bridge', 'blueprint', 'walkforward', 'report'] as const;
const OUTPUTS: Record<string, string[]> = {
  ingest: ['lake/raw'],
  clean: ['lake/cleaned', 'reports/quality'],
  features: ['lake/features'],
  events: ['lake/events'],
  templates: ['research/templates'],
  plan: ['research/plan'],
  discovery: ['lake/discovery', 'reports/discovery'],
  bridge: ['lake/bridge', 'reports/bridge'],
  blueprint: ['research/blueprints'],
  walkforward: ['lake/walkforward'],
  report: ['reports/strategy'],
};
const TF = { timeframe: '5m' };
export const TEMPLATE_PARAMS: Record<string, Record<string, unknown>> = {
  ingest: TINY_INGEST_PARAMS,
  clean: { timeframe: '5m', extra_timeframes: ['1h'] },
  features: TF,
  events: TF,
  templates: {},
  plan: TF,
  discovery: TF,
  // every candidate is priced, so the tiny run exercises the cost arithmetic even without a discovery survivor
  bridge: { ...TF, scope: 'all' },
  blueprint: TF,
  // 3 days of data: 12h train, 2-day embargo (the longest template hold), 6h test windows
  walkforward: { ...TF, train_days: 0.5, test_days: 0.25, min_train_trades: 0, min_train_sharpe: -100 },
  report: TF,
};

/** Copy the template without `stage`'s outputs and those of every later stage. */
function upTo(stage: (typeof PIPELINE_ORDER)[number]) {
  return async (dataDir: string, template: string): Promise<void> => {
    await cp(template, dataDir, { recursive: true });
    for (const later of PIPELINE_ORDER.slice(PIPELINE_ORDER.indexOf(stage))) {
      for (const o of OUTPUTS[later]!) await rm(join(dataDir, o), { recursive: true, force: true });
      await rm(join(dataDir, 'state', 'stages', `${later}.json`), { force: true });
    }
  };
}

const missing = (params: Record<string, unknown>, input: string) => ({ params, message: `missing input ${input} in`, exitCode: 1 });

export const CONTRACT_CASES: Record<string, ContractCase> = {
  ingest: {
    params: TINY_INGEST_PARAMS,
    prepare: async (dataDir) => {
      await mkdir(dataDir, { recursive: true });
    },
    missingInput: {
      params: { source: 'binance-vision', binance_vision: { path: '/nonexistent/quantlab-contract-source' } },
      message: 'Binance data folder not found: /nonexistent/quantlab-contract-source',
      exitCode: 2,
    },
  },
  clean: {
    params: { timeframe: '5m', extra_timeframes: ['1h'] },
    prepare: upTo('clean'),
    missingInput: missing(TF, 'lake/raw'),
  },
  features: { params: TF, prepare: upTo('features'), missingInput: missing(TF, 'lake/cleaned') },
  events: { params: TF, prepare: upTo('events'), missingInput: missing(TF, 'lake/features') },
  templates: { params: {}, prepare: upTo('templates'), missingInput: null },
  plan: { params: TF, prepare: upTo('plan'), missingInput: missing(TF, 'research/templates') },
  discovery: { params: TF, prepare: upTo('discovery'), missingInput: missing(TF, 'research/plan') },
  bridge: { params: TEMPLATE_PARAMS.bridge!, prepare: upTo('bridge'), missingInput: missing(TF, 'lake/discovery') },
  blueprint: { params: TF, prepare: upTo('blueprint'), missingInput: missing(TF, 'lake/bridge') },
  walkforward: { params: TEMPLATE_PARAMS.walkforward!, prepare: upTo('walkforward'), missingInput: missing(TF, 'research/blueprints') },
  report: { params: TF, prepare: upTo('report'), missingInput: missing(TF, 'lake/walkforward') },
};
