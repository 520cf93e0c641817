/** research/blueprints: what the blueprint stage writes and the walk-forward stage reads. */
export const BLUEPRINTS_FILE = 'blueprints.jsonl';
export const BLUEPRINTS_META = 'blueprints.json';
/** Content-addressed snapshots of the cost configs blueprints are bound to: costs/<digest>.json. */
export const COSTS_DIR = 'costs';

export interface BlueprintsMeta {
  schema_version: 1;
  plan_hash: string;
  cost_digest: string;
  timeframe: string;
  /** Blueprints by source: bridge survivors compiled, template variants from spec/blueprints.yaml. */
  counts: { bridge_survivors: number; from_bridge: number; from_templates: number; total: number };
  /** Hypotheses tried to arrive at these blueprints: the plan's candidates plus the template variants (DSR trials). */
  trials: { plan_candidates: number; template_variants: number; total: number };
  blueprints_sha256: string;
}
