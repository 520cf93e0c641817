/**
 * Contract cases for the real stages: for each registered stage, parameters for a tiny run and how to put its
 * inputs in place. tests/stage/contract.test.ts runs the same contract over every case; a stage added to
 * orchestrator/registry.ts without a case here fails "every registered stage has a contract case".
 */
import { cp, mkdir } from 'node:fs/promises';

/** 2025-01-01 00:00 UTC and 2025-01-04 00:00 UTC (3 days of 5m bars: 864 per symbol). */
export const START_MS = Date.UTC(2025, 0, 1);
export const END_MS = Date.UTC(2025, 0, 4);

export const TINY_INGEST_PARAMS = {
  source: 'synthetic',
  allow_synthetic: true,
  synthetic: { seed: 11, n_symbols: 2, start_ms: START_MS, end_ms: END_MS, timeframe: '5m' },
};

export interface ContractCase {
  /** Parameters of a small successful run. */
  params: Record<string, unknown>;
  /** Put the stage's inputs into `dataDir` (`template` holds a lake made by a tiny ingest). */
  prepare: (dataDir: string, template: string) => Promise<void>;
  /** A run whose input is missing, and what the error must say. */
  missingInput: { params: Record<string, unknown>; message: string; exitCode: number };
}

export const CONTRACT_CASES: Record<string, ContractCase> = {
  ingest: {
    params: TINY_INGEST_PARAMS,
    prepare: async (dataDir) => {
      await mkdir(dataDir, { recursive: true });
    },
    missingInput: {
      params: { source: 'binance-vision', binance_vision: { path: '/nonexistent/quantlab-contract-source' } },
      message: 'Binance data folder not found: /nonexistent/quantlab-contract-source',
      exitCode: 2,
    },
  },
  clean: {
    params: { timeframe: '5m', extra_timeframes: ['1h'] },
    prepare: async (dataDir, template) => {
      await cp(template, dataDir, { recursive: true });
    },
    missingInput: {
      params: { timeframe: '5m' },
      message: 'missing input lake/raw in',
      exitCode: 1,
    },
  },
};
