import { describe, expect, test } from '@jest/globals';
import { formatDrifts, formatReport, formatValue } from '../../lib/golden/format.js';
import type { CheckReport, Drift } from '../../lib/golden/types.js';

const outliers: Drift = { group: 'numbers', key: 'cleaned/bars X 5m is_outlier_count', expected: 1, got: 109, tolerance: 'exact', rel_diff: 108 };
const mean: Drift = { group: 'numbers', key: 'cleaned/bars X 5m close_mean', expected: 100, got: 100.5, tolerance: 'rel 1e-12', rel_diff: 0.005 };
const file: Drift = { group: 'files', key: 'lake/cleaned/x.parquet', expected: 'a'.repeat(64), got: 'b'.repeat(64), tolerance: 'exact' };

describe('formatDrifts', () => {
  test('each line says what, expected, got and the tolerance', () => {
    const lines = formatDrifts([outliers, mean]);
    expect(lines[0]).toMatch(/numbers\s+cleaned\/bars X 5m is_outlier_count\s+expected 1\s+got 109\s+exact \(\+108\)$/);
    expect(lines[1]).toMatch(/close_mean\s+expected 100\s+got 100.5\s+rel 1e-12 \(rel diff 5.00e-3\)$/);
  });

  test('checksums are shortened and a files-only drift gets a note', () => {
    const lines = formatDrifts([file]);
    expect(lines[0]).toContain(`expected ${'a'.repeat(12)}…`);
    expect(lines[0]).toContain(`got ${'b'.repeat(12)}…`);
    expect(lines[1]).toMatch(/only file checksums differ/);
  });

  test('long diffs are cut after maxLines with a count of the rest', () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ ...outliers, key: `k${i}` }));
    const lines = formatDrifts(many, 2);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/\.\.\. and 3 more/);
  });

  test('absent values say so', () => {
    expect(formatValue(undefined)).toBe('(absent)');
    expect(formatValue('5m')).toBe('"5m"');
    expect(formatValue(null)).toBe('null');
  });
});

describe('formatReport', () => {
  test('one OK line per stage and a final OK', () => {
    const r: CheckReport = { ok: true, verdicts: [{ stage: 'ingest', status: 'ok', checks: 3 }, { stage: 'clean', status: 'ok', checks: 4 }], not_compared: [] };
    expect(formatReport(r)).toBe('ok      ingest: 3 checks match\nok      clean: 4 checks match\ngolden: OK (2 stages match the baseline)\n');
  });

  test('a drift names the stage, the number of differences and where the check stopped', () => {
    const r: CheckReport = {
      ok: false, stopped_at: 'clean', not_compared: ['features'],
      verdicts: [{ stage: 'ingest', status: 'ok', checks: 3 }, { stage: 'clean', status: 'drift', checks: 10, drifts: [outliers] }],
    };
    const text = formatReport(r);
    expect(text).toContain('DRIFT   clean: 1 of 10 checks differ');
    expect(text).toContain('golden: FAILED at clean; not compared: features');
  });

  test('a stage missing from the baseline points at refresh', () => {
    const r: CheckReport = { ok: false, stopped_at: 'features', not_compared: [], verdicts: [{ stage: 'features', status: 'not_in_baseline' }] };
    expect(formatReport(r)).toContain('features: not in baseline (run npm run golden:refresh -- --confirm --reason "...")');
  });
});
