import type { LakeDb } from '../../lake/index.js';
import type { StageManifest } from '../../stage/manifest.js';
import type { StageSummary } from '../types.js';

/** What a summariser gets: the batch's data dir, an open lake connection, and the stage's manifest. */
export interface SummariseContext {
  dataDir: string;
  /** <dataDir>/lake */
  lakeRoot: string;
  db: LakeDb;
  manifest: StageManifest;
  /** the stage's declared outputs, relative to dataDir */
  outputs: readonly string[];
}

/** Key numbers of one stage's outputs (beyond the generic row counts and checksums every stage gets). */
export type StageSummariser = (ctx: SummariseContext) => Promise<StageSummary>;

/** Union of summaries, group by group; a key produced twice is a summariser bug. */
export function mergeSummaries(...parts: StageSummary[]): StageSummary {
  const out: StageSummary = {};
  for (const p of parts) {
    for (const [group, checks] of Object.entries(p)) {
      const g = (out[group] ??= {});
      for (const [key, c] of Object.entries(checks)) {
        if (key in g) throw new Error(`golden summary: ${group}.${key} produced twice`);
        g[key] = c;
      }
    }
  }
  return out;
}
