/** research/blueprints: what the blueprint stage writes and the walk-forward stage reads. */
export const BLUEPRINTS_FILE = 'blueprints.jsonl';
export const BLUEPRINTS_META = 'blueprints.json';
/** The pairs screen (pairs: auto): every pair tested, its statistics and whether it was chosen. */
export const PAIRS_SCREEN_FILE = 'pairs_screen.json';
/** Content-addressed snapshots of the cost configs blueprints are bound to: costs/<digest>.json. */
export const COSTS_DIR = 'costs';

export interface BlueprintsMeta {
  schema_version: 1;
  plan_hash: string;
  cost_digest: string;
  timeframe: string;
  /** Blueprints by source: bridge survivors compiled, template variants from spec/blueprints.yaml. */
  counts: { bridge_survivors: number; from_bridge: number; from_templates: number; total: number };
  /**
   * Hypotheses tried to arrive at these blueprints (DSR trials): the plan's candidates, the template variants, and
   * the variants the pairs screen tested but did not compile (pairs screened out x grid variants per pair).
   */
  trials: { plan_candidates: number; template_variants: number; pairs_screened_out: number; total: number };
  /** The pairs screen (pairs: auto): the period it read [from_ms, to_ms) (bar open times), the pairs tested and chosen. */
  pairs_screen?: { method: string; from_ms: number; to_ms: number; screened: number; chosen: number; file: string };
  blueprints_sha256: string;
}
