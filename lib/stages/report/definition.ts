import { defineStage } from '../../stage/definition.js';
import { REPORT_PARAMS_SCHEMA, type ReportParams } from './params.js';

/**
 * report: the strategy report a quant shows a colleague: one self-contained offline HTML file (inline SVG charts),
 * plus Markdown and JSON: out-of-sample equity and drawdown, per-blueprint and per-window tables, the discovery
 * funnel, cost sensitivity, PSR/DSR/PBO, the plan hash and cost digest.
 */
export const reportStage = defineStage<ReportParams>({
  name: 'report',
  description: 'The strategy report: reports/strategy/report.{html,md,json} from the walk-forward and research outputs.',
  paramsSchema: REPORT_PARAMS_SCHEMA as never,
  inputs: () => ['lake/walkforward', 'research/blueprints', 'research/plan', 'reports/discovery', 'reports/bridge', 'lake/raw'],
  specs: () => [],
  outputs: ['reports/strategy'],
  usesCosts: true,
  stampsRunId: true, // the report header shows the run id (issue 10): identical otherwise
  run: async (ctx) => (await import('./run.js')).runReportStage(ctx),
});
