/**
 * A run publishes its stages' outputs together (issue 9.3), its exit code is the documented one (9.5), and its lock
 * covers its stage children (9.6). Fixture stages; the orchestrator runs as its own process where a test must
 * signal or kill it (tests/fixtures/stages/run_fixture.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { ExitCode } from '../../lib/errors.js';
import { isProcessAlive } from '../../lib/process.js';
import type { RunRecord } from '../../orchestrator/runner.js';
import {
  listFiles, makeFixtureProject, makeLake, outcomes, run, runningSlowPid, waitFor, writePipeline, type FixtureProject,
} from '../fixtures/stages/harness.js';
import { snapshot } from '../bad_input/helpers.js';

let project: FixtureProject;
const dirs: string[] = [];
const savedLevel = process.env.QUANTLAB_LOG_LEVEL;
beforeAll(async () => {
  process.env.QUANTLAB_LOG_LEVEL = 'silent';
  project = await makeFixtureProject();
});
afterAll(async () => {
  if (savedLevel === undefined) delete process.env.QUANTLAB_LOG_LEVEL;
  else process.env.QUANTLAB_LOG_LEVEL = savedLevel;
  await project.cleanup();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function lake(stages: Record<string, Record<string, unknown>> = {}, jobs = 2) {
  const l = await makeLake({ timeframe: '5m', jobs, stages });
  dirs.push(l.dir);
  return l;
}

/** The lake without this run's record and the lock (both expected to differ). */
async function lakeState(dataDir: string): Promise<Record<string, string>> {
  const s = await snapshot(dataDir);
  return Object.fromEntries(Object.entries(s).filter(([k]) => !k.startsWith('reports/runs/') && k !== '.lock'));
}

/** The fixture orchestrator CLI as a child process. */
function cli(l: { dataDir: string; specDir: string }, stages: string[], more: string[] = []): ResultPromise<{ reject: false }> {
  return execa(process.execPath, [project.cli, '--stages', stages.join(','), '--data_dir', l.dataDir, '--spec_dir', l.specDir, ...more], {
    reject: false, env: { QUANTLAB_LOG_LEVEL: 'info' },
  });
}

describe('a failed run leaves the lake as it was', () => {
  test('a downstream stage rejecting what its upstream accepted rolls the upstream back: every file as before the run', async () => {
    const l = await lake({ a: { value: 'v1' } });
    const o = { registry: project.registry(['a', 'picky']), projectRoot: project.root, ...l };
    expect((await run(o)).status).toBe('ok');
    const before = await lakeState(l.dataDir);
    await writePipeline(l.pipelineFile, { timeframe: '5m', jobs: 2, stages: { a: { value: 'bad' } } });
    const r = await run(o);
    expect(r.status).toBe('failed');
    expect(outcomes(r).a).toEqual({ type: 'ran', reason: 'changed', changed: ['params'], exit_code: 0 });
    expect(outcomes(r).picky).toEqual({ type: 'failed', reason: 'exit code 3', exit_code: 3 });
    expect(r.rolled_back).toEqual(['a']);
    expect(await lakeState(l.dataDir)).toEqual(before);
    expect(await readFile(join(l.dataDir, 'out/a/x.txt'), 'utf8')).toBe('v1');
    const rec = JSON.parse(await readFile(join(l.dataDir, 'reports', 'runs', r.run_id, 'run.json'), 'utf8')) as RunRecord;
    expect(rec.rolled_back).toEqual(['a']);
    // the next run with the good value again: a is fresh (its manifest was restored), picky reruns
    await writePipeline(l.pipelineFile, { timeframe: '5m', jobs: 2, stages: { a: { value: 'v1' } } });
    const again = await run(o);
    expect(outcomes(again).a).toEqual({ type: 'skipped', reason: 'fresh' });
  });

  test('a first run that fails leaves no outputs and no manifests behind', async () => {
    const l = await lake({ a: { value: 'bad' } });
    const r = await run({ registry: project.registry(['a', 'picky', 'c']), projectRoot: project.root, ...l, onError: 'keep-going' });
    expect(r.status).toBe('failed');
    expect(r.rolled_back).toEqual(['a', 'c']); // keep-going still shows every failure, but the run publishes nothing
    expect(await lakeState(l.dataDir)).toEqual({});
  });

  test('a successful run leaves no generation folder', async () => {
    const l = await lake();
    const r = await run({ registry: project.registry(['a', 'picky']), projectRoot: project.root, ...l });
    expect(r.status).toBe('ok');
    expect(r.rolled_back).toBeUndefined();
    expect(existsSync(join(l.dataDir, '.generations'))).toBe(false);
  });
});

describe('exit codes as documented (README: 0 ok, 1 stage failed, 3 spec or data, 130 interrupted)', () => {
  test('the orchestrator exits with 0, 1 and 3 as its stages do, and always prints the summary table', async () => {
    for (const [stages, code] of [[['a'], 0], [['crashes'], ExitCode.stageFailed], [['fails'], ExitCode.invalidInput]] as const) {
      const l = await lake();
      const r = await cli(l, [...stages]);
      expect({ stages, code: r.exitCode }).toEqual({ stages, code });
      expect(String(r.stdout)).toMatch(new RegExp(`^run \\S+: ${code === 0 ? 'ok' : 'failed'} in `));
    }
  });

  test('SIGINT: exit 130, the summary table of what finished, and the lake rolled back', async () => {
    const l = await lake();
    const first = await cli(l, ['a']);
    expect(first.exitCode).toBe(0);
    const before = await lakeState(l.dataDir);
    await writePipeline(l.pipelineFile, { timeframe: '5m', jobs: 2, stages: { a: { value: 'v2' }, slow: { chunks: 2000, sleep_ms: 5 } } });
    const child = cli(l, ['a', 'slow']);
    await runningSlowPid(l.dataDir);
    // a has committed and exited when the lock lists only slow (a child leaves the list once it exited)
    await waitFor(async () => {
      const lock = JSON.parse(await readFile(join(l.dataDir, '.lock'), 'utf8')) as { children: { stage: string }[] };
      const committed = existsSync(join(l.dataDir, '.generations')) && (await listFiles(join(l.dataDir, '.generations'))).some((f) => f.endsWith('/a/journal.json'));
      const stages = lock.children.map((c) => c.stage);
      return committed && stages.includes('slow') && !stages.includes('a') ? true : undefined;
    }, 'a to commit and exit');
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(ExitCode.interrupted);
    const out = String(r.stdout);
    expect(out).toMatch(/^run \S+: interrupted in /);
    expect(out).toMatch(/\n {2}a +ran /);
    expect(out).toMatch(/\n {2}slow +failed /);
    expect(out).toContain('rolled back: a (the run was interrupted');
    expect(await lakeState(l.dataDir)).toEqual(before);
  });
});

describe('the lock covers the whole run', () => {
  test('kill -9 of the orchestrator: its stage child stops by itself and commits nothing', async () => {
    const l = await lake({ slow: { chunks: 400, sleep_ms: 10, tag: 'orphan' } }); // ~4 s if it ran to the end
    const child = cli(l, ['slow']);
    const stagePid = await runningSlowPid(l.dataDir);
    const lock = JSON.parse(await readFile(join(l.dataDir, '.lock'), 'utf8')) as { pid: number; children: { pid: number; stage: string }[] };
    expect(lock.pid).toBe(child.pid);
    expect(lock.children).toEqual([expect.objectContaining({ pid: stagePid, stage: 'slow' })]);
    child.kill('SIGKILL');
    await child;
    const t0 = Date.now();
    await waitFor(async () => (isProcessAlive(stagePid) ? undefined : true), 'the orphaned stage to stop', 3000);
    expect(Date.now() - t0).toBeLessThan(2000);
    await sleep(4500); // past the time the stage would have finished
    expect(existsSync(join(l.dataDir, 'out', 'slow'))).toBe(false);
    expect(existsSync(join(l.dataDir, 'state', 'stages', 'slow.json'))).toBe(false);
  });

  test('a new run started at once after kill -9 never runs while the old run\'s child lives, and then completes', async () => {
    const l = await lake({ slow: { chunks: 300, sleep_ms: 10, tag: 'old' } });
    const old = cli(l, ['a', 'slow']);
    const stagePid = await runningSlowPid(l.dataDir);
    old.kill('SIGKILL');
    await old;
    await writePipeline(l.pipelineFile, { timeframe: '5m', jobs: 2, stages: { slow: { chunks: 2, sleep_ms: 0, tag: 'new' } } });
    const r = await cli(l, ['a', 'slow']); // at once
    expect(isProcessAlive(stagePid)).toBe(false);
    expect(r.exitCode).toBe(0);
    expect(await readFile(join(l.dataDir, 'out', 'slow', 'done.txt'), 'utf8')).toBe('done new');
    const runs = (await listFiles(join(l.dataDir, 'reports', 'runs'))).length;
    expect(runs).toBe(1); // the killed run left no record; the new one did
  });
});
