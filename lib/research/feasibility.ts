/**
 * The per-template and per-candidate rows of research/plan/feasibility.json: types only, read by plan_report.ts
 * (which writes the file) and concept_funnel.ts (which counts them), so neither imports the other's module.
 */
import type { CutReason } from './budget.js';

export interface TemplateFeasibility {
  template_id: string;
  concept_id: string;
  event_family: string;
  expected: string;
  status: string;
  variants: number;
  instruments: number;
  expanded: number;
  infeasible: number;
  cut_infeasible: number;
  cut_per_template: number;
  cut_per_symbol: number;
  planned: number;
  max_expected_ess: number | null;
}

export interface CandidateFeasibility {
  candidate_id: string;
  template_id: string;
  event: string;
  instrument: string;
  horizon_bars: number;
  events: number;
  usable_events: number;
  expected_ess: number;
  feasible: boolean;
  status: 'planned' | `cut_${CutReason}`;
  /** Condition bars of the event on the instrument removed by its cooldown (null: not known, lake from before). */
  cooldown_removed: number | null;
}
