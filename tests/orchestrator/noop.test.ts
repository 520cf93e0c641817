/**
 * The no-op rerun decides from the stage manifests and the decide cache (orchestrator/decide_cache.ts) without
 * starting any process, and is exactly as strict as computing every fingerprint part: a changed input, parameter,
 * spec, cost config or stage code still reruns the stage, and only it (plus what reads its outputs).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { appendFile, copyFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/stage/root.js';
import { execaSpawn, type RunRecord, type StageSpawn } from '../../orchestrator/runner.js';
import { makeFixtureProject, makeLake, writePipeline, run, outcomes, outcomeTypes, type FixtureProject } from '../fixtures/stages/harness.js';

let project: FixtureProject;
let lake: Awaited<ReturnType<typeof makeLake>>;
const savedLevel = process.env.QUANTLAB_LOG_LEVEL;
const NAMES = ['a', 'b', 'specced'];
/** Stages started by the runs so far, in order. */
const spawned: string[] = [];

let source: string;
let stages: Record<string, Record<string, unknown>>;

beforeAll(async () => {
  process.env.QUANTLAB_LOG_LEVEL = 'silent';
  project = await makeFixtureProject();
  lake = await makeLake({});
  source = join(lake.dir, 'source.txt');
  await writeFile(source, 'src-1');
  stages = { a: { value: 'v1' }, specced: { source, factor: 1 } };
  await writePipeline(lake.pipelineFile, { timeframe: '5m', jobs: 1, stages });
  await writeFile(join(lake.specDir, 's.yaml'), 'threshold: 2\nname: x\n');
  await copyFile(join(PROJECT_ROOT, 'spec', 'costs.yaml'), join(lake.specDir, 'costs.yaml'));
});

afterAll(async () => {
  if (savedLevel === undefined) delete process.env.QUANTLAB_LOG_LEVEL;
  else process.env.QUANTLAB_LOG_LEVEL = savedLevel;
  await project.cleanup();
  await rm(lake.dir, { recursive: true, force: true });
});

/** A spawn that records the stage it starts, then starts it for real. */
async function countingSpawn(): Promise<StageSpawn> {
  const real = await execaSpawn();
  return (file, args, opts) => {
    spawned.push(basename(args[0] ?? '', '.js')); // args[0]: <project>/dist/stages/<name>.js
    return real(file, args, opts);
  };
}

/** One run over the shared lake; returns the record and the stages it started. */
async function runOnce(id: string): Promise<{ r: RunRecord; started: string[] }> {
  const before = spawned.length;
  const r = await run({ registry: project.registry(NAMES), projectRoot: project.root, ...lake, runId: id, spawn: await countingSpawn() });
  expect(r.status).toBe('ok');
  return { r, started: spawned.slice(before) };
}

const cacheFile = () => join(lake.dataDir, 'state', 'decide_cache.json');

describe('no-op rerun: decided from manifests, no process started, as strict as before', () => {
  test('a first run starts every stage and keeps the decide cache; a rerun starts none and skips every stage as fresh', async () => {
    const first = await runOnce('r1');
    expect(first.started.sort()).toEqual(['a', 'b', 'specced']);
    const cache = JSON.parse(await readFile(cacheFile(), 'utf8')) as { specs: Record<string, string>; costs: Record<string, string>; pipeline?: unknown };
    expect(Object.keys(cache.specs)).toHaveLength(1); // s.yaml, by the sha256 of its bytes
    expect(Object.keys(cache.costs)).toHaveLength(1);
    expect(cache.pipeline).toBeDefined();
    const mtime = (await stat(cacheFile())).mtimeMs;

    const second = await runOnce('r2');
    expect(second.started).toEqual([]);
    expect(outcomeTypes(second.r)).toEqual({ a: 'skipped', b: 'skipped', specced: 'skipped' });
    for (const s of second.r.stages) expect(s.fingerprint).toBe(first.r.stages.find((f) => f.name === s.name)!.fingerprint);
    expect((await stat(cacheFile())).mtimeMs).toBe(mtime); // nothing new to keep: not rewritten
  });

  test('a changed input reruns: the external source file, and a data-dir input whose producer wrote something new', async () => {
    await writeFile(source, 'src-2');
    const r1 = await runOnce('r3');
    expect(r1.started).toEqual(['specced']);
    expect(outcomes(r1.r).specced).toEqual({ type: 'ran', reason: 'changed', changed: [`source ${source}`], exit_code: 0 });
    expect(await readFile(join(lake.dataDir, 'out/specced/s.txt'), 'utf8')).toMatch(/^src-2\|/);

    stages = { ...stages, a: { value: 'v2' } };
    await writePipeline(lake.pipelineFile, { timeframe: '5m', jobs: 1, stages });
    const r2 = await runOnce('r4');
    expect(r2.started).toEqual(['a', 'b']);
    expect(outcomes(r2.r).b).toEqual({ type: 'ran', reason: 'changed', changed: ['input out/a'], exit_code: 0 });
  });

  test('a changed config value reruns: a parameter in pipeline.yaml, a value in a spec file, a number in costs.yaml', async () => {
    stages = { ...stages, specced: { source, factor: 2 } };
    await writePipeline(lake.pipelineFile, { timeframe: '5m', jobs: 1, stages });
    const p = await runOnce('r5');
    expect(p.started).toEqual(['specced']);
    expect(outcomes(p.r).specced).toEqual({ type: 'ran', reason: 'changed', changed: ['params'], exit_code: 0 });

    await writeFile(join(lake.specDir, 's.yaml'), 'threshold: 3\nname: x\n');
    const s = await runOnce('r6');
    expect(s.started).toEqual(['specced']);
    expect(outcomes(s.r).specced).toEqual({ type: 'ran', reason: 'changed', changed: ['spec s.yaml'], exit_code: 0 });

    // Reformatting (a comment, key order) changes the bytes but not the parsed content: still fresh.
    await writeFile(join(lake.specDir, 's.yaml'), '# a comment\nname: x\nthreshold: 3\n');
    expect((await runOnce('r7')).started).toEqual([]);

    const costs = await readFile(join(lake.specDir, 'costs.yaml'), 'utf8');
    expect(costs).toMatch(/slippage_bps: 1\b/);
    await writeFile(join(lake.specDir, 'costs.yaml'), costs.replace(/slippage_bps: 1\b/, 'slippage_bps: 2'));
    const c = await runOnce('r8');
    expect(c.started).toEqual(['specced']);
    expect(outcomes(c.r).specced).toEqual({ type: 'ran', reason: 'changed', changed: ['costs'], exit_code: 0 });
  });

  test('a changed stage code digest reruns that stage only', async () => {
    await appendFile(join(project.root, 'dist', 'tests', 'fixtures', 'stages', 'specced.js'), '\n// changed\n');
    const r = await runOnce('r9');
    expect(r.started).toEqual(['specced']);
    expect(outcomes(r.r).specced).toEqual({ type: 'ran', reason: 'changed', changed: ['code'], exit_code: 0 });
    expect((await runOnce('r10')).started).toEqual([]);
  });

  test('a damaged cache file is ignored and rewritten; the decisions stay the same', async () => {
    await writeFile(cacheFile(), '{"version": 1, "salt": "x", "specs": {');
    const r = await runOnce('r11');
    expect(r.started).toEqual([]);
    expect(outcomeTypes(r.r)).toEqual({ a: 'skipped', b: 'skipped', specced: 'skipped' });
    expect(JSON.parse(await readFile(cacheFile(), 'utf8'))).toMatchObject({ version: 1 });
  });
});
