/**
 * The golden baseline's data shapes. A stage's summary is a few named groups of checks (row counts, key numbers,
 * file checksums); each check is a value plus, for floating-point numbers, the tolerance it is compared with.
 */

/** A checked value. Without a tolerance it must match exactly; with one, |got - expected| <= max(abs_tol, rel_tol * |expected|). */
export interface Check {
  value: string | number | boolean | null;
  rel_tol?: number;
  abs_tol?: number;
}

/** Groups of checks, e.g. { rows: {...}, numbers: {...}, files: {...} }; keys name what is checked. */
export type StageSummary = Record<string, Record<string, Check>>;

/** Where the baseline came from: what produced it, when and why it was (re)written. */
export interface BaselineProvenance {
  commit: string;
  /** true when the working tree had uncommitted changes at refresh time */
  commit_dirty: boolean;
  date: string;
  reason: string;
  node: string;
  batch_file: string;
  batch_sha256: string;
  run_id: string;
  now_ms: number;
}

export interface Baseline {
  version: 1;
  provenance: BaselineProvenance;
  stages: Record<string, StageSummary>;
}

/** The summaries of one run of the certification batch, stages in pipeline order. */
export interface RunSummaries {
  order: string[];
  stages: Record<string, StageSummary>;
  /** stages that did not complete in the batch run, with why */
  failed: Record<string, string>;
}

/** One difference between the baseline and the run. */
export interface Drift {
  group: string;
  key: string;
  expected: Check['value'] | undefined;
  got: Check['value'] | undefined;
  /** how the two were compared: 'exact', 'rel 1e-12', ... */
  tolerance: string;
  /** relative difference for numbers compared with a tolerance */
  rel_diff?: number;
}

/** What the check found for one stage. */
export type StageVerdict =
  | { stage: string; status: 'ok'; checks: number }
  | { stage: string; status: 'drift'; checks: number; drifts: Drift[] }
  | { stage: string; status: 'not_in_baseline' }
  | { stage: string; status: 'failed'; reason: string }
  | { stage: string; status: 'not_run' };

export interface CheckReport {
  ok: boolean;
  verdicts: StageVerdict[];
  /** the first stage that did not pass; later stages were not compared */
  stopped_at?: string;
  not_compared: string[];
}
