import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** A dataset the bench runs the pipeline on: the run_all arguments that select it. */
export interface BenchDataset {
  id: string;
  label: string;
  args: string[];
  /** the full set of figures (no-op rerun, Parquet yardstick, typed-array load), or only the cold run */
  full: boolean;
}

export const REAL_DATASET_DIR = 'binance-um-perp-5m-2025-01_2025-08';

/**
 * ../shared/data/real/<dataset> relative to the project root (not in the repo; the bench skips it when absent), or
 * ../../shared/data/real/<dataset> for a git worktree one folder deeper (wt/<name>). The first that exists, else the first.
 */
export function realDatasetPath(projectRoot: string): string {
  const candidates = [resolve(projectRoot, '..', 'shared', 'data', 'real', REAL_DATASET_DIR), resolve(projectRoot, '..', '..', 'shared', 'data', 'real', REAL_DATASET_DIR)];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

export function realDataset(path: string): BenchDataset {
  return {
    id: 'real',
    label: `real: ${REAL_DATASET_DIR} (Binance USDT-M, 5m, 2025-01..08)`,
    args: ['--set', 'ingest.source=binance-vision', '--set', `ingest.binance_vision.path=${path}`, '--set', 'ingest.binance_vision.market=um'],
    full: true,
  };
}

/** 2023-01-01 .. 2025-01-01 UTC: 731 days, 210,528 5m bars per symbol (50 symbols: 10.5M bars). */
export const TWO_YEARS = { start_ms: Date.UTC(2023, 0, 1), end_ms: Date.UTC(2025, 0, 1) } as const;

export function syntheticDataset(nSymbols: number, full: boolean): BenchDataset {
  const bars = ((TWO_YEARS.end_ms - TWO_YEARS.start_ms) / 300_000) * nSymbols;
  return {
    id: `synthetic-${nSymbols}`,
    label: `synthetic: ${nSymbols} symbols x 2 years of 5m (${(bars / 1e6).toFixed(2)}M bars)`,
    args: [
      '--allow-synthetic',
      '--set', `ingest.synthetic.n_symbols=${nSymbols}`,
      '--set', `ingest.synthetic.start_ms=${TWO_YEARS.start_ms}`,
      '--set', `ingest.synthetic.end_ms=${TWO_YEARS.end_ms}`,
    ],
    full,
  };
}
