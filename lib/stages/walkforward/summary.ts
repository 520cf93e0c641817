/**
 * lake/walkforward/summary.json: what the walk-forward stage writes beside oos.parquet and trades.parquet, and what
 * the report stage and the golden summariser read. One type for writer and readers.
 */
import type { CostStatusEntry } from '../../costs/evaluation.js';
import type { CutInstrument } from '../../costs/funding_span.js';
import type { CurveMetrics } from '../../stats/curve_metrics.js';
import type { PboSummary } from '../../walkforward/book.js';
import type { SelectionRule } from '../../walkforward/select.js';
import type { WindowSpec } from '../../walkforward/windows.js';
import type { ClusteredDeflation } from '../../walkforward/deflation.js';

export interface WalkforwardSummary {
  schema_version: 1;
  timeframe: string;
  bars_per_year: number;
  capital_usd: number;
  grid: { start_ms: number; end_ms: number; n_bars: number };
  plan_hash: string;
  cost_digest: string;
  /**
   * Per distinct blueprint cost digest (the costs it was found under), how the current config (cost_digest)
   * compares with it (lib/costs/evaluation.ts): 'same', 'equivalent', 'stress' (the current one is dearer: allowed,
   * with the costlier components) or 'cheaper_what_if' (cheaper or incomparable, run only because
   * allow_cheaper_costs was set: not a validation). A cheaper config without the flag stops the stage.
   */
  blueprint_cost_digests: Record<string, CostStatusEntry>;
  windows_spec: WindowSpec & { step_bars: number; unused_bars: number; selection: SelectionRule };
  windows: {
    index: number;
    train_start_ms: number;
    train_end_ms: number;
    test_start_ms: number;
    test_end_ms: number;
    selected: string[];
    top_ranked: { id: string; train_sharpe: number; train_trades: number; eligible: boolean }[];
    eligible: number;
    /** The annualised train Sharpe a candidate had to exceed besides min_train_sharpe (train_sharpe_floor; 0: none). */
    train_sharpe_floor: number;
    oos_return: number;
    oos_sharpe: number;
    n_trades: number;
  }[];
  blueprints: {
    id: string;
    name: string;
    source: string;
    instruments: string;
    cost_digest: string;
    cost_digest_status: CostStatusEntry['status'];
    full_sharpe: number;
    full_return: number;
    full_trades: number;
    full_daily_sharpe: number;
    times_selected: number;
    oos_return: number | null;
    /** Entries the interpreter did not send, by decision code (already_in_position left out). */
    skipped_entries: Record<string, number>;
    rejected_orders: number;
  }[];
  oos: { metrics: CurveMetrics; benchmark: { label: string; total_return: number } | null };
  deflation: {
    trials: number;
    plan_candidates: number;
    template_variants: number;
    /** Pair variants the pairs screen tested but did not compile (also trials). */
    pairs_screened_out: number;
    variance_of_daily_sharpes: number;
    sr0_annual: number;
    psr: number;
    dsr: number;
    /** Minimum track record lengths (days, PSR >= 0.95) against 0 and against SR0: beside psr and dsr (null: unreachable). */
    min_trl_days: number;
    min_trl_sr0_days: number;
    /**
     * The DSR with the effective number of trials (lib/walkforward/deflation.ts): blueprints clustered by the
     * correlation of their hourly returns (ONC), every plan candidate's return series assigned to the nearest
     * cluster, K = the clusters' Li & Ji effective trials plus the trials without a series, V = the variance of a
     * skill-less trial's Sharpe estimate (1 / (T - 1) times the long-run variance ratio), SR0 = E[max] of K such
     * trials; DSR = PSR(SR0) with the Lo (2002) HAC variance of the book's Sharpe (dsr_iid: the iid variance).
     */
    clustered: ClusteredDeflation;
    note: string;
  };
  pbo: PboSummary & { rank_convention: string };
  cost_sensitivity: { multiplier: number; total_return: number; sharpe: number; max_drawdown: number; n_trades: number }[];
  /**
   * Traded perpetuals whose bars reach outside the span their funding covers (lib/costs/funding_span.ts), sorted by
   * instrument: not traded there (no entry; a position is closed at the last covered bar). Empty when none.
   */
  cut_instruments: CutInstrument[];
}
