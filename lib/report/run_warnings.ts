/**
 * Warnings for a run that produced less than it looks: an empty candidate plan, a stage with nothing to do, a
 * metric that cannot be computed (PBO, DSR). Each says what happened, why, and the setting to change. The stages
 * return them in their run summary (the orchestrator's end-of-run summary and run.json) and the report stage
 * recomputes them from the same outputs for the report's warnings box and report.json, so both say the same words.
 */

/** The plan's counts (research/plan/plan.json counts) and gates a warning needs. */
export interface PlanWarningInput {
  timeframe: string;
  counts: { expanded: number; cut_infeasible: number; cut_per_template: number; cut_per_symbol: number; planned: number; templates_ready: number; instruments: number };
  gates: { min_n: number; min_ess: number };
}

/** An empty plan: nothing for discovery and the bridge to test. */
export function emptyPlanWarning(p: PlanWarningInput): string | null {
  const c = p.counts;
  if (c.planned > 0) return null;
  const why = c.expanded === 0
    ? `no candidate was expanded (${c.templates_ready} ready templates, ${c.instruments} instruments with ${p.timeframe} bars)`
    : `all ${c.expanded} expanded candidates were cut (${c.cut_infeasible} infeasible: fewer than min_n ${p.gates.min_n} usable events or expected ESS ` +
      `below min_ess ${p.gates.min_ess}; ${c.cut_per_template + c.cut_per_symbol} by budgets)`;
  return `Empty candidate plan at ${p.timeframe}: ${why}; discovery and the bridge test nothing. ` +
    'To change: discovery.min_n / min_ess in spec/gates.yaml, the horizons in spec/concepts, budgets or drop_infeasible in spec/plan.yaml, or a longer dataset.';
}

/** A stage that ran with nothing to do. */
export function nothingToDoWarning(stage: string, why: string, setting: string): string {
  return `Stage ${stage} had nothing to do: ${why}. To change: ${setting}.`;
}

/** Discovery over an empty plan. */
export function discoveryIdleWarning(candidates: number): string | null {
  return candidates > 0 ? null : nothingToDoWarning('discovery', 'the candidate plan is empty', 'see the plan warning (spec/gates.yaml, spec/concepts, spec/plan.yaml)');
}

/** The bridge with no candidate to price (`planned`: candidates in the plan). */
export function bridgeIdleWarning(priced: number, planned: number): string | null {
  if (priced > 0) return null;
  return planned === 0
    ? nothingToDoWarning('bridge', 'the candidate plan is empty', 'see the plan warning')
    : nothingToDoWarning('bridge', `none of the ${planned} planned candidates passed discovery`,
      'the discovery gates in spec/gates.yaml, or bridge.scope=all to price every candidate (a what-if, not a test)');
}

/** PBO missing, with the reason (the walk-forward summary's note) and the setting to change. */
export function pboWarning(pbo: { pbo: number | null; note: string }): string | null {
  if (pbo.pbo !== null) return null;
  const setting = /at least 2 blueprints/.test(pbo.note)
    ? 'blueprint.include_templates: true (template variants enter the PBO candidate set) or more bridge survivors'
    : /days of returns/.test(pbo.note)
      ? 'a longer dataset or a smaller walkforward.pbo_splits'
      : 'walkforward.pbo_splits, or the blueprint set (spec/blueprints.yaml)';
  return `PBO not computed: ${pbo.note}. The selection's overfitting is not measured. To change: ${setting}.`;
}

/** DSR that deflates nothing (one trial) or cannot be computed (no cross-trial variance). */
export function dsrWarning(d: { trials: number; variance_of_daily_sharpes: number | null }): string | null {
  if (d.trials <= 1) {
    return 'DSR with 1 trial: there is nothing to deflate for, so DSR is the PSR against 0 and says nothing about selection. ' +
      'To change: it counts every plan candidate and template variant; with one trial, report PSR, or widen the study (spec/concepts, spec/blueprints.yaml).';
  }
  if (d.variance_of_daily_sharpes === null || !Number.isFinite(d.variance_of_daily_sharpes)) {
    return `DSR not computed: it needs the Sharpe ratios of at least 2 blueprints (${d.trials} trials) for the cross-trial variance. ` +
      'To change: blueprint.include_templates: true, or more bridge survivors.';
  }
  return null;
}
