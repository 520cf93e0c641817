/**
 * Issue 12, the no-op rerun's fast path: the decide cache (stored import scans of the compiled modules, spec and cost
 * digests, the resolved pipeline) and the spec digests shared by the decisions give exactly the decisions and summary
 * the full path gives (no decide cache: every module scanned, every spec parsed), and a stage's code is still judged
 * by content: an edited module of a stage, or a module it starts importing, makes that stage (and only it) stale.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/stage/root.js';
import { summaryTable } from '../../orchestrator/cli_common.js';
import type { RunRecord } from '../../orchestrator/runner.js';
import { makeFixtureProject, makeLake, writePipeline, run, outcomes, type FixtureProject } from '../fixtures/stages/harness.js';

let project: FixtureProject;
let lake: Awaited<ReturnType<typeof makeLake>>;
const savedLevel = process.env.QUANTLAB_LOG_LEVEL;
const NAMES = ['a', 'b', 'specced'];

beforeAll(async () => {
  process.env.QUANTLAB_LOG_LEVEL = 'silent';
  project = await makeFixtureProject();
  lake = await makeLake({});
  const source = join(lake.dir, 'source.txt');
  await writeFile(source, 'src-1');
  await writePipeline(lake.pipelineFile, { timeframe: '5m', jobs: 1, stages: { a: { value: 'v1' }, specced: { source, factor: 1 } } });
  await writeFile(join(lake.specDir, 's.yaml'), 'threshold: 2\nname: x\n');
  await writeFile(join(lake.specDir, 'costs.yaml'), await readFile(join(PROJECT_ROOT, 'spec', 'costs.yaml'), 'utf8'));
});

afterAll(async () => {
  if (savedLevel === undefined) delete process.env.QUANTLAB_LOG_LEVEL;
  else process.env.QUANTLAB_LOG_LEVEL = savedLevel;
  await project.cleanup();
  await rm(lake.dir, { recursive: true, force: true });
});

/** fast: the decide cache as a normal run uses it; full: without it (every part computed from scratch). */
function runWith(path: 'fast' | 'full', id: string, dryRun = false): Promise<RunRecord> {
  return run({ registry: project.registry(NAMES), projectRoot: project.root, ...lake, runId: id, dryRun, decideCache: path === 'fast' });
}

/** The summary table without what differs between two runs of the same decisions (run id, durations). */
function comparable(r: RunRecord): string {
  return summaryTable(r).replace(r.run_id, 'RUN').replace(/\d+\.\d\ds/g, 'T');
}

const fixtureModule = (name: string) => join(project.root, 'dist', 'tests', 'fixtures', 'stages', name);
const cacheFile = () => join(lake.dataDir, 'state', 'decide_cache.json');

describe('no-op rerun: the fast path decides exactly as the full path', () => {
  test('same decisions, fingerprints and summary, fresh or after an edit; the stored import scans are keyed by content', async () => {
    expect((await runWith('fast', 'r1')).status).toBe('ok');
    const fast = await runWith('fast', 'r2');
    const full = await runWith('full', 'r3');
    expect(Object.values(outcomes(fast)).map((o) => o.type)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(comparable(fast)).toBe(comparable(full));
    expect(fast.stages.map((s) => s.fingerprint)).toEqual(full.stages.map((s) => s.fingerprint));

    // The decide cache holds the import scans of the stages' modules, by the sha256 of their bytes.
    const cache = JSON.parse(await readFile(cacheFile(), 'utf8')) as { imports: Record<string, string[]> };
    expect(Object.keys(cache.imports).length).toBeGreaterThan(10);
    expect(Object.keys(cache.imports).every((k) => /^[0-9a-f]{64}$/.test(k))).toBe(true);
    expect(Object.values(cache.imports)).toContainEqual(['../../../lib/stage/main.js', './defs.js']); // a.js, b.js, specced.js

    // An edited module that only stage a imports: a is stale on both paths, the others are not.
    await appendFile(fixtureModule('a.js'), '\n// edited\n');
    const fastDry = await runWith('fast', 'r4', true);
    const fullDry = await runWith('full', 'r5', true);
    expect(outcomes(fastDry).a).toEqual({ type: 'would_run', reason: 'changed', changed: ['code'] });
    expect(outcomes(fastDry).specced).toEqual({ type: 'skipped', reason: 'fresh' });
    expect(comparable(fastDry)).toBe(comparable(fullDry));
    const ran = await runWith('fast', 'r6');
    expect(outcomes(ran).a).toEqual({ type: 'ran', reason: 'changed', changed: ['code'], exit_code: 0 });
    expect(outcomes(ran).specced).toEqual({ type: 'skipped', reason: 'fresh' });
  });

  test('a module a stage starts importing is part of its code from then on: editing it makes the stage stale', async () => {
    await writeFile(fixtureModule('extra.js'), 'export const extra = 1;\n');
    await appendFile(fixtureModule('specced.js'), "\nimport './extra.js';\n"); // (the file ends in a source-map comment)
    expect(outcomes(await runWith('fast', 'r7')).specced).toEqual({ type: 'ran', reason: 'changed', changed: ['code'], exit_code: 0 });
    expect(Object.values(outcomes(await runWith('fast', 'r8'))).map((o) => o.type)).toEqual(['skipped', 'skipped', 'skipped']);

    await writeFile(fixtureModule('extra.js'), 'export const extra = 2;\n');
    const fast = await runWith('fast', 'r9', true);
    const full = await runWith('full', 'r10', true);
    expect(outcomes(fast).specced).toEqual({ type: 'would_run', reason: 'changed', changed: ['code'] });
    expect(outcomes(fast).a).toEqual({ type: 'skipped', reason: 'fresh' });
    expect(comparable(fast)).toBe(comparable(full));
  });
});
