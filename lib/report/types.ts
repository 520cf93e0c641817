/**
 * The data of the strategy report, gathered by the pipeline's last stage and rendered by html.ts / markdown.ts.
 *
 * Units (the renderers rely on them):
 * - returns, drawdowns, hit rate, exposure: FRACTIONS (0.12 = 12%); drawdowns are <= 0;
 * - Sharpe / Sortino / Calmar: annualised with `generated.bars_per_year` (24/7 market, 365.25 days);
 * - turnover: annualised multiple of mean equity (12 = the book traded 12 times a year);
 * - psr, dsr, pbo, pbo_prob_oos_loss: probabilities in [0, 1]; sr0_annual: annualised Sharpe; min_trl_*: days;
 * - times: UTC epoch milliseconds; a bar is keyed by its OPEN time; windows are [start, end) in ms;
 * - equity curves start at 1 and are sampled on `oos.ts_ms`.
 * Any number may be NaN (rendered "n/a"); any array may be empty (rendered "none").
 */
import type { ConceptFunnelRow } from '../research/concept_funnel.js';

import type { CutInstrument } from '../costs/funding_span.js';
export interface ReportMetrics {
  total_return: number;
  cagr: number;
  sharpe: number;
  sortino: number;
  max_drawdown: number;
  calmar: number;
  hit_rate: number;
  turnover: number;
  exposure: number;
  n_trades: number;
  psr?: number;
  dsr?: number;
}

export interface ReportGenerated {
  run_id: string;
  data_source: string;
  synthetic: boolean;
  timeframe: string;
  start_ms: number;
  end_ms: number;
  n_instruments: number;
  bars_per_year: number;
  /** When the report was made (ms); omitted in golden runs so the output is byte-stable. */
  created_ms?: number;
}

export interface ReportFunnelStep { step: string; count: number; note?: string }

export interface ReportGateFailure { gate: string; count: number }

export interface ReportBenchmark {
  label: string;
  /** Sampled on oos.ts_ms, starts at 1. */
  equity: number[];
  /** When omitted, total return and max drawdown are read off the curve; the rest shows "n/a". */
  metrics?: ReportMetrics | null;
}

export interface ReportOos {
  ts_ms: number[];
  equity: number[];
  benchmark?: ReportBenchmark;
  metrics: ReportMetrics | null;
}

export interface ReportWindow {
  index: number;
  train_start_ms: number;
  train_end_ms: number;
  test_start_ms: number;
  test_end_ms: number;
  selected: string[];
  oos_return: number;
  oos_sharpe: number;
}

export interface ReportBlueprint {
  id: string;
  name: string;
  source: string;
  instruments: string;
  full_sharpe: number;
  full_return: number;
  times_selected: number;
  oos_return: number | null;
  n_trades: number;
  /**
   * 'ok' = found under the report's cost config (or one that prices it the same); 'stress' = found under cheaper
   * costs and evaluated under these dearer ones (allowed, lib/costs/evaluation.ts); any other value (e.g.
   * 'cheaper_what_if', 'incomparable', 'missing') is not a validation and is a critical warning.
   */
  cost_digest_status: string;
}

/** A cost config blueprints were found under that differs from the report's (lib/costs/evaluation.ts). */
export interface ReportCostCheck {
  found_digest: string;
  /** stress: these costs are dearer (allowed); cheaper_what_if: cheaper or incomparable, run as a what-if. */
  status: 'equivalent' | 'stress' | 'cheaper_what_if';
  /** Human lines, e.g. "venues.binance.um.taker_fee_bps 6 (current) > 5 (found)". */
  costlier: string[];
  cheaper: string[];
  incomparable: string[];
}

/** Set when the result is a what-if, not a validation: rendered first (HTML banner, Markdown first line). */
export interface ReportWhatIf {
  reason: 'cheaper_costs';
  text: string;
  current_digest: string;
  found_digests: string[];
  /** The cheaper and incomparable components. */
  components: string[];
}

export interface ReportCostSensitivity { label: string; multiplier: number; total_return: number; sharpe: number }

export interface ReportClusteredDeflation {
  /** Effective number of trials: the clusters' Li & Ji effective trials + trials without a return series. */
  trials_effective: number;
  /** Trials without a return series, each counted as its own trial. */
  extra_trials: number;
  /** Per-day variance of a skill-less trial's Sharpe estimate (the V of SR0), and its long-run variance ratio. */
  null_variance_of_sharpes?: number;
  long_run_variance_ratio?: number;
  sr0_annual: number;
  dsr: number;
  /**
   * Each cluster: its members (blueprint ids), their Li & Ji effective number of trials, and the members' mean
   * annualised Sharpe.
   */
  clusters: { members: string[]; effective_trials?: number; sharpe_annual: number; candidates?: number }[];
  /** Plan candidates with a return series, assigned to the clusters (absent in summaries before they had one). */
  candidate_series?: number;
  /** The DSR with the iid (Mertens) variance of the book's Sharpe; `dsr` uses the Lo (2002) HAC variance when this is present. */
  dsr_iid?: number;
  /** HAC / iid variance of the book's Sharpe estimate, and the Newey-West lags. */
  sharpe_variance_ratio?: number;
  hac_lags?: number;
}

export interface ReportOverfitting {
  /** Number of configurations tried (the N of the DSR's expected maximum Sharpe). */
  trials: number;
  /** Expected maximum annualised Sharpe of `trials` skill-less trials (the DSR's benchmark SR0). */
  sr0_annual?: number;
  psr?: number;
  dsr?: number;
  pbo?: number;
  /** Number of CSCV splits behind the PBO. */
  pbo_splits?: number;
  /** Days of out-of-sample returns behind PSR / DSR (to compare with the MinTRLs). */
  n_days?: number;
  /** Minimum track record length (days) for PSR >= 0.95 against 0, and against SR0 (Bailey & Lopez de Prado 2012). */
  min_trl_days?: number;
  min_trl_sr0_days?: number;
  /** PBO companions (Bailey et al. 2017): P(the IS winner's OOS Sharpe < 0). */
  pbo_prob_oos_loss?: number;
  /** Slope and R^2 of the IS winners' OOS Sharpe on their IS Sharpe across the CSCV splits. */
  pbo_degradation_slope?: number;
  pbo_degradation_r2?: number;
  /** Stochastic dominance of the IS winners' OOS Sharpe over every configuration's: 'first order', 'second order' or 'none'. */
  pbo_dominance?: string;
  /**
   * The DSR with the effective number of trials (Lopez de Prado 2019): trials clustered by the correlation of their
   * daily returns (ONC); shown beside the naive trials / SR0 / DSR, with the clusters listed.
   */
  clustered?: ReportClusteredDeflation;
  /** How the PBO ranks are read, shown verbatim (e.g. "logit of the relative OOS rank of the IS best; rank 1 = worst"). */
  rank_convention: string;
  notes: string[];
}

export interface ReportStage {
  stage: string;
  seconds: number;
  rows?: number;
  /** The run that last ran the stage (its manifest's run_id): a stage reused as fresh ran in an earlier run. */
  run_id?: string;
}

/** A perpetual traded only inside its funding span (walk-forward cut_instruments; lib/costs/funding_span.ts). */
export type ReportCutInstrument = CutInstrument;

/** An event or feature with no input data on some instruments (lib/features/availability.ts). */
export interface ReportNotEvaluated {
  kind: 'feature' | 'event';
  name: string;
  needs: string[];
  instruments: string[];
  /** 'event liquidation_cascade_oi1: not evaluated on 3 of 3 instruments: needs open_interest for BTCUSDT, ...'. */
  text: string;
}

export interface ReportData {
  /** Present only for a what-if (first key of report.json): the report is not a validation. */
  what_if?: ReportWhatIf;
  title: string;
  generated: ReportGenerated;
  plan_hash: string;
  cost_digest: string;
  /** Human summary of spec/costs.yaml, one line each. */
  cost_lines: string[];
  /** Present when blueprints were found under another cost config: how these costs compare with it. */
  cost_checks?: ReportCostCheck[];
  /** candidates -> discovery -> bridge -> blueprints -> selected OOS -> profitable OOS. */
  funnel: ReportFunnelStep[];
  /**
   * Per concept: expanded, cut (infeasible by reason, budget), planned, tested, passed discovery, passed the bridge
   * (research/plan/feasibility.json + the discovery and bridge summaries; lib/research/concept_funnel.ts).
   */
  concept_funnel?: ConceptFunnelRow[];
  /** Events and features not evaluated for want of input data (from the discovery summary); absent when none. */
  not_evaluated?: ReportNotEvaluated[];
  /** Candidates by FIRST failing gate. */
  gate_failures: ReportGateFailure[];
  /** The stitched out-of-sample result. */
  oos: ReportOos;
  windows: ReportWindow[];
  blueprints: ReportBlueprint[];
  cost_sensitivity: ReportCostSensitivity[];
  overfitting: ReportOverfitting;
  /** Present when some traded perpetual's bars reach outside its funding span (rendered as its own section, cuts.ts). */
  cut_instruments?: ReportCutInstrument[];
  /** Warnings from the pipeline; the renderers add the ones derived from the data (see warnings.ts). */
  warnings: string[];
  stages: ReportStage[];
}
