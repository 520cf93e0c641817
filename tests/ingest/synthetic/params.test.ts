import { describe, expect, test } from '@jest/globals';
import { SpecError } from '../../../lib/errors.js';
import {
  SYNTHETIC_DEFAULTS,
  SYNTHETIC_PARAMS_SCHEMA,
  barCount,
  checkSyntheticParams,
  resolveSyntheticParams,
  syntheticSymbols,
} from '../../../lib/ingest/synthetic/index.js';

function specIssues(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof SpecError) return [...e.issues];
    throw e;
  }
  throw new Error('expected a SpecError');
}

describe('synthetic params', () => {
  test('the defaults are valid: 2 years of 5m bars = 210,528 bars (731 days * 288)', () => {
    expect(checkSyntheticParams({ ...SYNTHETIC_DEFAULTS })).toEqual([]);
    expect(barCount({ ...SYNTHETIC_DEFAULTS })).toBe(731 * 288);
  });

  test('the schema lists exactly the params fields, with the defaults (edge_strength_bps: optional, no default)', () => {
    expect(Object.keys(SYNTHETIC_PARAMS_SCHEMA.properties).sort()).toEqual([...Object.keys(SYNTHETIC_DEFAULTS), 'edge_strength_bps'].sort());
    for (const [k, v] of Object.entries(SYNTHETIC_DEFAULTS)) {
      expect((SYNTHETIC_PARAMS_SCHEMA.properties as unknown as Record<string, { default: unknown }>)[k]!.default).toEqual(v);
    }
  });

  test('resolve fills defaults and keeps given values', () => {
    const p = resolveSyntheticParams({ seed: 7, n_symbols: 3 });
    expect(p).toEqual({ ...SYNTHETIC_DEFAULTS, seed: 7, n_symbols: 3 });
  });

  test('resolve reports every problem at once, naming field and value', () => {
    const issues = specIssues(() =>
      resolveSyntheticParams({ sede: 1, n_symbols: 0, start_ms: 1_000, timeframe: '7m' }, 'spec/pipeline.yaml synthetic'),
    );
    expect(issues).toEqual(expect.arrayContaining([
      expect.stringMatching(/^spec\/pipeline\.yaml synthetic\.sede: unknown key\. Available: seed, /),
      expect.stringMatching(/n_symbols: must be an integer in 1\.\.999, was 0/),
      expect.stringMatching(/timeframe: must be one of 1m, .*was "7m"/),
    ]));
  });

  test('start and end must be on the timeframe grid and ordered', () => {
    expect(specIssues(() => resolveSyntheticParams({ start_ms: 1_672_531_200_000 + 60_000 })))
      .toEqual([expect.stringMatching(/start_ms: must be a multiple of 300000 ms \(the 5m UTC grid\), was 1672531260000/)]);
    expect(specIssues(() => resolveSyntheticParams({ end_ms: SYNTHETIC_DEFAULTS.start_ms })))
      .toEqual([expect.stringMatching(/end_ms: must be after start_ms/)]);
    expect(specIssues(() => resolveSyntheticParams({ funding_interval_hours: 5 })))
      .toEqual([expect.stringMatching(/funding_interval_hours: must be one of 1, 2, 3, 4, 6, 8, 12, 24, was 5/)]);
  });

  test('symbols are SYN01USDT.. and get three digits beyond 99', () => {
    expect(syntheticSymbols({ ...SYNTHETIC_DEFAULTS, n_symbols: 3 })).toEqual(['SYN01USDT', 'SYN02USDT', 'SYN03USDT']);
    const many = syntheticSymbols({ ...SYNTHETIC_DEFAULTS, n_symbols: 120 });
    expect([many[0], many[119]]).toEqual(['SYN001USDT', 'SYN120USDT']);
  });
});
