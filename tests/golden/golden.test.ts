/**
 * End to end: the certification batch through the real stage executables (dist/stages/*.js, so `npm run build`
 * first) against the committed golden/baseline.json. Each test runs the batch once (a few seconds).
 */
import { describe, expect, test } from '@jest/globals';
import { copyFile, readFile, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/stage/main.js';
import { REGISTRY } from '../../orchestrator/registry.js';
import { goldenPipeline } from '../../orchestrator/golden_batch.js';
import { silentLogger } from '../../lib/log.js';
import { exitCodeOf, ExitCode } from '../../lib/errors.js';
import { goldenCheck, goldenRefresh, readBaseline, type GoldenOptions } from '../../lib/golden/golden.js';
import { formatReport } from '../../lib/golden/format.js';
import type { Baseline } from '../../lib/golden/types.js';
import { withTempDir } from '../helpers/tmp.js';

const committed = {
  batchFile: join(PROJECT_ROOT, 'golden', 'batch.yaml'),
  baselineFile: join(PROJECT_ROOT, 'golden', 'baseline.json'),
};

function options(extra: Partial<GoldenOptions> = {}): GoldenOptions {
  return { pipeline: goldenPipeline(REGISTRY), projectRoot: PROJECT_ROOT, specDir: join(PROJECT_ROOT, 'spec'), log: silentLogger(), ...committed, ...extra };
}

/** The pipeline's stages in order: the baseline certifies every one. */
const STAGES = REGISTRY.map((r) => r.def.name);

describe('golden check', () => {
  test('passes on the committed baseline, stage by stage in pipeline order', async () => {
    const { report } = await goldenCheck(options());
    expect(formatReport(report)).toMatch(/golden: OK/);
    expect(report.ok).toBe(true);
    expect(report.verdicts.map((v) => [v.stage, v.status])).toEqual(STAGES.map((st) => [st, 'ok']));
  }, 300_000);

  test('fails loudly when a clean rule changes: names clean and the changed outlier counts', async () => {
    const { report } = await goldenCheck(options({ set: ['clean.outlier_mad_k=3'] }));
    expect(report.ok).toBe(false);
    expect(report.stopped_at).toBe('clean');
    expect(report.verdicts[0]).toMatchObject({ stage: 'ingest', status: 'ok' });
    const clean = report.verdicts[1]!;
    if (clean.status !== 'drift') throw new Error(`expected a drift in clean, got ${clean.status}`);
    // A tighter outlier threshold (3 instead of 12 robust sigmas) flags more bars: every symbol's count rises.
    const outliers = clean.drifts.filter((d) => d.key.startsWith('cleaned/bars') && d.key.endsWith('5m is_outlier_count'));
    expect(outliers).toHaveLength(4);
    for (const d of outliers) expect(d.got as number).toBeGreaterThan(d.expected as number);
    // Nothing else about the bars changed: row counts and closes are the same.
    expect(clean.drifts.some((d) => d.group === 'rows' || d.key.endsWith('close_mean'))).toBe(false);
    const text = formatReport(report);
    expect(text).toMatch(/DRIFT {3}clean: \d+ of \d+ checks differ/);
    expect(text).toMatch(/cleaned\/bars synthetic\/um\/SYN01USDT 5m is_outlier_count\s+expected \d+\s+got \d+\s+exact/);
    expect(text).toContain('golden: FAILED at clean');
  }, 300_000);
});

describe('golden refresh', () => {
  test('refuses without --confirm: a usage error (exit code 2), nothing run or written', async () => {
    const before = await readFile(committed.baselineFile, 'utf8');
    const err = await goldenRefresh({ ...options(), confirm: false, reason: 'x' }).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(ExitCode.usage);
    expect(String((err as Error).message)).toMatch(/--confirm/);
    await expect(goldenRefresh({ ...options(), confirm: true, reason: '  ' })).rejects.toThrow(/--reason/);
    expect(await readFile(committed.baselineFile, 'utf8')).toBe(before);
  });

  test('writes a key-sorted baseline with provenance; check then catches a changed batch and a new stage', async () => {
    await withTempDir(async (dir) => {
      const batchFile = join(dir, 'batch.yaml');
      const baselineFile = join(dir, 'baseline.json');
      await copyFile(committed.batchFile, batchFile);
      await copyFile(committed.baselineFile, baselineFile);
      const o = options({ batchFile, baselineFile });
      const { baseline, changes } = await goldenRefresh({ ...o, confirm: true, reason: 'test refresh', now: new Date('2025-03-01T00:00:00Z') });
      // Rerunning the same batch reproduces the committed baseline exactly.
      expect(changes).toEqual(STAGES.map((stage) => ({ stage, change: 'same' })));
      expect(baseline.provenance).toMatchObject({ reason: 'test refresh', date: '2025-03-01T00:00:00.000Z', node: process.version, run_id: 'golden' });
      expect(baseline.provenance.commit).toMatch(/^([0-9a-f]{40}|unknown)$/);
      const text = await readFile(baselineFile, 'utf8');
      expect(Object.keys(JSON.parse(text) as object)).toEqual(['provenance', 'stages', 'version']);

      // A baseline that lacks a stage the run produces (the last one): reported as not in baseline.
      const last = STAGES[STAGES.length - 1]!;
      const partial = (await readBaseline(baselineFile)) as Baseline;
      delete partial.stages[last];
      await writeFile(baselineFile, JSON.stringify(partial));
      const r = await goldenCheck(o);
      expect(r.report.verdicts.map((v) => v.status)).toEqual([...STAGES.slice(0, -1).map(() => 'ok'), 'not_in_baseline']);
      expect(formatReport(r.report)).toContain(`${last}: not in baseline (run npm run golden:refresh -- --confirm --reason`);

      // An edited batch file is not the certified one: refused before anything runs.
      await appendFile(batchFile, '# edited\n');
      const changed = await goldenCheck(o);
      expect(changed.report.ok).toBe(false);
      expect(changed.batch_changed?.expected).toBe(baseline.provenance.batch_sha256);
    });
  }, 600_000); // two runs of the whole certification batch: minutes on a loaded 2-core machine
});
