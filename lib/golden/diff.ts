import type { Check, CheckReport, Drift, RunSummaries, StageSummary, StageVerdict } from './types.js';

/** Groups are compared and printed in this order (others after, alphabetically): the meaningful numbers before bytes. */
export const GROUP_ORDER = ['rows', 'numbers', 'metrics', 'files'] as const;

export function toleranceText(c: Check | undefined): string {
  if (!c || (c.rel_tol === undefined && c.abs_tol === undefined)) return 'exact';
  const parts: string[] = [];
  if (c.rel_tol !== undefined) parts.push(`rel ${c.rel_tol}`);
  if (c.abs_tol !== undefined) parts.push(`abs ${c.abs_tol}`);
  return parts.join(', ');
}

/** Relative difference |got - expected| / |expected| (Infinity when expected is 0 and got is not). */
export function relDiff(expected: number, got: number): number {
  const d = Math.abs(got - expected);
  if (d === 0) return 0;
  return expected === 0 ? Infinity : d / Math.abs(expected);
}

/**
 * Compare one check; the baseline's tolerance decides. Returns undefined when they agree, else the drift
 * without its group and key.
 */
export function compareCheck(expected: Check | undefined, got: Check | undefined): Omit<Drift, 'group' | 'key'> | undefined {
  const tolerance = toleranceText(expected);
  if (!expected || !got) return { expected: expected?.value, got: got?.value, tolerance };
  const e = expected.value;
  const g = got.value;
  if (typeof e === 'number' && typeof g === 'number' && tolerance !== 'exact') {
    const allowed = Math.max(expected.abs_tol ?? 0, (expected.rel_tol ?? 0) * Math.abs(e));
    if (Math.abs(g - e) <= allowed) return undefined;
    return { expected: e, got: g, tolerance, rel_diff: relDiff(e, g) };
  }
  if (Object.is(e, g)) return undefined;
  return typeof e === 'number' && typeof g === 'number'
    ? { expected: e, got: g, tolerance, rel_diff: relDiff(e, g) }
    : { expected: e, got: g, tolerance };
}

export function orderedGroups(groups: Iterable<string>): string[] {
  const known = GROUP_ORDER as readonly string[];
  const all = [...new Set(groups)];
  return [
    ...known.filter((g) => all.includes(g)),
    ...all.filter((g) => !known.includes(g)).sort(),
  ];
}

/** Every difference between a stage's baseline summary and the run's, groups in GROUP_ORDER, keys sorted. */
export function diffStage(expected: StageSummary, got: StageSummary): { checks: number; drifts: Drift[] } {
  const drifts: Drift[] = [];
  let checks = 0;
  for (const group of orderedGroups([...Object.keys(expected), ...Object.keys(got)])) {
    const e = expected[group] ?? {};
    const g = got[group] ?? {};
    const keys = [...new Set([...Object.keys(e), ...Object.keys(g)])].sort();
    for (const key of keys) {
      checks++;
      const d = compareCheck(e[key], g[key]);
      if (d) drifts.push({ group, key, ...d });
    }
  }
  return { checks, drifts };
}

/**
 * Compare a run with the baseline stage by stage in pipeline order, stopping at the first stage that does not
 * pass (failed in the batch, absent from the baseline, or drifted): what is downstream of a drift would drift too,
 * and reporting it would only bury the cause. Baseline stages the run did not produce fail after the rest passed.
 */
export function compareRun(baseline: Record<string, StageSummary>, run: RunSummaries): CheckReport {
  const verdicts: StageVerdict[] = [];
  const stop = (i: number): CheckReport => ({
    ok: false, verdicts, stopped_at: run.order[i]!, not_compared: run.order.slice(i + 1),
  });
  for (let i = 0; i < run.order.length; i++) {
    const stage = run.order[i]!;
    const failed = run.failed[stage];
    if (failed !== undefined) {
      verdicts.push({ stage, status: 'failed', reason: failed });
      return stop(i);
    }
    const expected = baseline[stage];
    if (!expected) {
      verdicts.push({ stage, status: 'not_in_baseline' });
      return stop(i);
    }
    const { checks, drifts } = diffStage(expected, run.stages[stage] ?? {});
    if (drifts.length) {
      verdicts.push({ stage, status: 'drift', checks, drifts });
      return stop(i);
    }
    verdicts.push({ stage, status: 'ok', checks });
  }
  const missing = Object.keys(baseline).filter((s) => !run.order.includes(s)).sort();
  for (const stage of missing) verdicts.push({ stage, status: 'not_run' });
  return missing.length
    ? { ok: false, verdicts, stopped_at: missing[0]!, not_compared: [] }
    : { ok: true, verdicts, not_compared: [] };
}
