import { describe, expect, test } from '@jest/globals';
import { compareCheck, compareRun, diffStage, relDiff } from '../../lib/golden/diff.js';
import { approx, exact } from '../../lib/golden/checks.js';
import type { RunSummaries, StageSummary } from '../../lib/golden/types.js';

// Hand-made summaries: two stages with a row count, a toleranced number and a checksum each.
const ingest: StageSummary = {
  rows: { 'raw/klines X': exact(100) },
  numbers: { 'X close_mean': approx(100) },
  files: { 'lake/raw/a.parquet': exact('a'.repeat(64)) },
};
const clean: StageSummary = {
  rows: { 'cleaned/bars X 5m': exact(120) },
  numbers: { 'X outliers': exact(3), 'X close_mean': approx(50, 1e-6) },
};
const baseline = { ingest, clean };
const run = (stages: Record<string, StageSummary>, order = ['ingest', 'clean'], failed: Record<string, string> = {}): RunSummaries => ({ order, stages, failed });

describe('compareCheck', () => {
  test('a number within the relative tolerance matches; just outside it drifts', () => {
    // allowed = rel_tol * |expected| = 1e-12 * 100 = 1e-10 (hand calculation)
    expect(compareCheck(approx(100), approx(100 + 0.9e-10))).toBeUndefined();
    const d = compareCheck(approx(100), approx(100 + 2e-10));
    expect(d).toMatchObject({ expected: 100, got: 100 + 2e-10, tolerance: 'rel 1e-12' });
    // 100 + 2e-10 is not exact in binary: the difference is 2e-10 to about 5 significant digits
    expect(d!.rel_diff! / 2e-12).toBeCloseTo(1, 4);
  });

  test('the baseline tolerance decides, not the run\'s', () => {
    expect(compareCheck(exact(100), approx(100 + 1e-9))).toMatchObject({ tolerance: 'exact' });
    expect(compareCheck(approx(100, 1e-6), exact(100.00001))).toBeUndefined();
  });

  test('an absolute tolerance covers values near zero', () => {
    expect(compareCheck({ value: 0, abs_tol: 1e-9 }, exact(5e-10))).toBeUndefined();
    expect(compareCheck({ value: 0, abs_tol: 1e-9 }, exact(2e-9))).toMatchObject({ tolerance: 'abs 1e-9', rel_diff: Infinity });
  });

  test('exact values: counts, strings, null and type changes', () => {
    expect(compareCheck(exact(3), exact(3))).toBeUndefined();
    expect(compareCheck(exact(3), exact(4))).toMatchObject({ expected: 3, got: 4, tolerance: 'exact' });
    expect(compareCheck(exact('abc'), exact('abd'))).toMatchObject({ expected: 'abc', got: 'abd' });
    expect(compareCheck(exact(null), exact(null))).toBeUndefined();
    expect(compareCheck(exact(1), exact('1'))).toBeDefined();
    // NaN is stored as null, so "no finite value" compares equal run to run
    expect(compareCheck(approx(NaN), approx(NaN))).toBeUndefined();
  });

  test('a check missing on either side drifts', () => {
    expect(compareCheck(exact(1), undefined)).toMatchObject({ expected: 1, got: undefined });
    expect(compareCheck(undefined, exact(1))).toMatchObject({ expected: undefined, got: 1 });
  });

  test('relDiff', () => {
    expect(relDiff(200, 201)).toBe(0.005);
    expect(relDiff(0, 0)).toBe(0);
    expect(relDiff(0, 1)).toBe(Infinity);
  });
});

describe('diffStage', () => {
  test('counts every check and lists drifts rows, numbers, then files', () => {
    const got: StageSummary = {
      files: { 'lake/raw/a.parquet': exact('b'.repeat(64)) },
      numbers: { 'X close_mean': approx(101) },
      rows: { 'raw/klines X': exact(99), 'raw/klines Y': exact(5) },
    };
    const { checks, drifts } = diffStage(ingest, got);
    expect(checks).toBe(4);
    expect(drifts.map((d) => `${d.group}:${d.key}`)).toEqual([
      'rows:raw/klines X', 'rows:raw/klines Y', 'numbers:X close_mean', 'files:lake/raw/a.parquet',
    ]);
  });

  test('identical summaries have no drift', () => {
    expect(diffStage(clean, structuredClone(clean)).drifts).toEqual([]);
  });
});

describe('compareRun', () => {
  test('all stages match: one ok verdict per stage, in pipeline order', () => {
    const r = compareRun(baseline, run({ clean, ingest }));
    expect(r.ok).toBe(true);
    expect(r.verdicts).toEqual([
      { stage: 'ingest', status: 'ok', checks: 3 },
      { stage: 'clean', status: 'ok', checks: 3 },
    ]);
  });

  test('stops at the first stage that drifts and does not compare the ones after it', () => {
    const badIngest = { ...ingest, rows: { 'raw/klines X': exact(101) } };
    const badClean = { ...clean, numbers: { ...clean.numbers, 'X outliers': exact(9) } };
    const r = compareRun(baseline, run({ ingest: badIngest, clean: badClean }));
    expect(r.ok).toBe(false);
    expect(r.stopped_at).toBe('ingest');
    expect(r.not_compared).toEqual(['clean']);
    expect(r.verdicts).toHaveLength(1);
    expect(r.verdicts[0]).toMatchObject({ stage: 'ingest', status: 'drift', drifts: [{ key: 'raw/klines X', expected: 100, got: 101 }] });
  });

  test('a drift in a later stage is reported after the earlier stages pass', () => {
    const badClean = { ...clean, numbers: { ...clean.numbers, 'X outliers': exact(9) } };
    const r = compareRun(baseline, run({ ingest, clean: badClean }));
    expect(r.verdicts.map((v) => v.status)).toEqual(['ok', 'drift']);
    expect(r.stopped_at).toBe('clean');
  });

  test('a stage the baseline does not know fails as not in baseline', () => {
    const r = compareRun(baseline, run({ ingest, clean, features: { rows: {} } }, ['ingest', 'clean', 'features', 'events']));
    expect(r.ok).toBe(false);
    expect(r.verdicts[2]).toEqual({ stage: 'features', status: 'not_in_baseline' });
    expect(r.not_compared).toEqual(['events']);
  });

  test('a stage that failed in the batch stops the check with its reason', () => {
    const r = compareRun(baseline, run({ ingest }, ['ingest', 'clean'], { clean: 'exit code 3' }));
    expect(r.verdicts[1]).toEqual({ stage: 'clean', status: 'failed', reason: 'exit code 3' });
  });

  test('a baseline stage the run no longer produces fails', () => {
    const r = compareRun(baseline, run({ ingest }, ['ingest']));
    expect(r.ok).toBe(false);
    expect(r.verdicts[1]).toEqual({ stage: 'clean', status: 'not_run' });
  });
});
