import type { CheckReport, Drift, StageVerdict } from './types.js';

const REFRESH_HINT = 'npm run golden:refresh -- --confirm --reason "..."';

/** A value as printed in a diff: sha256 digests shortened, strings quoted, absent said so. */
export function formatValue(v: Drift['expected']): string {
  if (v === undefined) return '(absent)';
  if (typeof v === 'string') return /^[0-9a-f]{64}$/.test(v) ? `${v.slice(0, 12)}…` : JSON.stringify(v);
  return String(v);
}

/** How far apart two numbers are: the relative difference where a tolerance applies, else the signed difference. */
function formatGap(d: Drift): string {
  if (typeof d.expected !== 'number' || typeof d.got !== 'number') return '';
  if (d.tolerance === 'exact') {
    const diff = d.got - d.expected;
    return ` (${diff > 0 ? '+' : ''}${diff})`;
  }
  return d.rel_diff === undefined ? '' : d.rel_diff === Infinity ? ' (expected 0)' : ` (rel diff ${d.rel_diff.toExponential(2)})`;
}

/** The readable lines of a stage's drifts: group, what, expected, got, tolerance; at most maxLines. */
export function formatDrifts(drifts: readonly Drift[], maxLines = 40): string[] {
  const shown = drifts.slice(0, maxLines);
  const rows = shown.map((d) => [
    d.group, d.key, `expected ${formatValue(d.expected)}`, `got ${formatValue(d.got)}`, `${d.tolerance}${formatGap(d)}`,
  ]);
  const lines: string[] = [];
  for (const group of new Set(shown.map((d) => d.group))) {
    const mine = rows.filter((r) => r[0] === group);
    const widths = [0, 1, 2, 3].map((c) => Math.max(...mine.map((r) => r[c]!.length)));
    lines.push(...mine.map((r) => `    ${r.map((cell, c) => (c < 4 ? cell.padEnd(widths[c]!) : cell)).join('  ')}`));
  }
  if (drifts.length > shown.length) lines.push(`    ... and ${drifts.length - shown.length} more (--json prints every one)`);
  const groups = new Set(drifts.map((d) => d.group));
  if (groups.size === 1 && groups.has('files')) {
    lines.push('    note: only file checksums differ; every row count and key number agrees (a writer, compression or row-order change?)');
  }
  return lines;
}

export function formatVerdict(v: StageVerdict, maxLines = 40): string[] {
  switch (v.status) {
    case 'ok':
      return [`ok      ${v.stage}: ${v.checks} checks match`];
    case 'drift':
      return [`DRIFT   ${v.stage}: ${v.drifts.length} of ${v.checks} checks differ`, ...formatDrifts(v.drifts, maxLines)];
    case 'not_in_baseline':
      return [`NEW     ${v.stage}: not in baseline (run ${REFRESH_HINT})`];
    case 'failed':
      return [`FAILED  ${v.stage}: did not complete in the certification batch: ${v.reason}`];
    case 'not_run':
      return [`MISSING ${v.stage}: in the baseline but not produced by the run (stage removed or renamed? run ${REFRESH_HINT})`];
  }
}

/** The whole check as printed: one line per passing stage, the diff of the first failing one, then the verdict. */
export function formatReport(r: CheckReport, maxLines = 40): string {
  const lines = r.verdicts.flatMap((v) => formatVerdict(v, maxLines));
  if (r.ok) lines.push(`golden: OK (${r.verdicts.length} stages match the baseline)`);
  else {
    lines.push(`golden: FAILED at ${r.stopped_at}${r.not_compared.length ? `; not compared: ${r.not_compared.join(', ')}` : ''}`);
    lines.push(`  if the change is intended, review the diff and refresh the baseline with ${REFRESH_HINT}`);
  }
  return lines.join('\n') + '\n';
}

/** The batch file is not the one the baseline certifies: nothing was compared. */
export function formatBatchChanged(file: string, c: { expected: string; got: string }): string {
  return [
    `CHANGED batch ${file}: sha256 ${c.expected.slice(0, 12)}… in the baseline, ${c.got.slice(0, 12)}… now`,
    '  the baseline certifies a different batch, so no stage was compared',
    `golden: FAILED at batch; if the batch change is intended, run ${REFRESH_HINT}`,
  ].join('\n') + '\n';
}
