import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../../lib/stage/main.js';
import { stagingRoot } from '../../lib/stage/outputs.js';
import { ExitCode } from '../../lib/errors.js';
import type { RunRecord } from '../../orchestrator/runner.js';
import type { Registry } from '../../orchestrator/registry_types.js';
import {
  makeFixtureProject, makeLake, writePipeline, run, outcomes, outcomeTypes, shuffled, capturingLogger, listFiles,
  SHUFFLE_SEED, FIXTURE_BUILD_DIR, waitFor, runningSlowPid, type FixtureProject, type RunInput,
} from '../fixtures/stages/harness.js';
import { FIXTURE_STAGES } from '../fixtures/stages/defs.js';

let project: FixtureProject;
const lakes: string[] = [];
const savedLevel = process.env.QUANTLAB_LOG_LEVEL;

beforeAll(async () => {
  process.env.QUANTLAB_LOG_LEVEL = 'silent'; // spawned stages inherit it: keep the test output readable
  project = await makeFixtureProject();
});

afterAll(async () => {
  if (savedLevel === undefined) delete process.env.QUANTLAB_LOG_LEVEL;
  else process.env.QUANTLAB_LOG_LEVEL = savedLevel;
  await project.cleanup();
  for (const d of lakes) await rm(d, { recursive: true, force: true });
});

type Lake = Awaited<ReturnType<typeof makeLake>>;

/** A fresh lake for `names` (registered in a shuffled order, STYLE #11) and a runner bound to it. */
async function setup(names: string[], stages: Record<string, Record<string, unknown>> = {}, jobs = 2) {
  const lake = await makeLake({ timeframe: '5m', jobs, stages });
  lakes.push(lake.dir);
  return bind(lake, names, jobs);
}

/** A copy of `from` (data and spec) in a new temp folder: tests start from one completed run without rerunning it. */
async function copyLake(from: Lake, names: string[], jobs = 2) {
  const dir = await mkdtemp(join(tmpdir(), 'quantlab-orch-lake-'));
  lakes.push(dir);
  await cp(from.dir, dir, { recursive: true });
  const lake: Lake = { dir, dataDir: join(dir, 'data'), specDir: join(dir, 'spec'), pipelineFile: join(dir, 'spec', 'pipeline.yaml') };
  return bind(lake, names, jobs);
}

function bind(lake: Lake, names: string[], jobs: number) {
  const registry: Registry = project.registry(shuffled(names, SHUFFLE_SEED));
  const base: RunInput = { registry, projectRoot: project.root, ...lake };
  return {
    ...lake,
    registry,
    run: (o: Partial<RunInput> = {}) => run({ ...base, ...o }),
    out: (rel: string) => readFile(join(lake.dataDir, rel), 'utf8'),
    setStages: (s: Record<string, Record<string, unknown>>) => writePipeline(lake.pipelineFile, { timeframe: '5m', jobs, stages: s }),
  };
}

describe(`runner over fixture stages (independent stages registered in shuffled order, QUANTLAB_SHUFFLE_SEED=${SHUFFLE_SEED})`, () => {
  /** Stages a -> b, and c independent; one completed run (a.value 'v1', a.note 'n1'), copied by each test. */
  const ABC = ['a', 'b', 'c'];
  let baseline: Awaited<ReturnType<typeof setup>>;
  let firstRun: RunRecord;
  beforeAll(async () => {
    baseline = await setup(ABC, { a: { value: 'v1', note: 'n1' } });
    firstRun = await baseline.run({ runId: 'run-1' });
  });
  const fromBaseline = () => copyLake(baseline, ABC);

  test('a first run runs every stage because there is no previous run, and writes their outputs', async () => {
    expect(firstRun.status).toBe('ok');
    for (const n of ABC) expect(outcomes(firstRun)[n]).toEqual({ type: 'ran', reason: 'no previous run', exit_code: 0 });
    expect(await baseline.out('out/a/x.txt')).toBe('v1');
    expect(await baseline.out('out/b/y.txt')).toBe('v1!'); // b = a's x.txt + default suffix '!'
    expect(await baseline.out('out/c/z.txt')).toBe('c1');
    // b ran after a (its declared input), whatever the registry order.
    expect(firstRun.stages.map((s) => s.name).indexOf('a')).toBeLessThan(firstRun.stages.map((s) => s.name).indexOf('b'));
  });

  test('an immediate rerun skips every stage as fresh and records the run under reports/runs/<run_id>/run.json', async () => {
    const l = await fromBaseline();
    const cap = capturingLogger();
    const second = await l.run({ runId: 'run-2', log: cap.log, argv: ['--jobs', '2'] });
    expect(outcomes(second)).toEqual({ a: { type: 'skipped', reason: 'fresh' }, b: { type: 'skipped', reason: 'fresh' }, c: { type: 'skipped', reason: 'fresh' } });
    expect(second.status).toBe('ok');
    // The fingerprints the skip was based on are those the first run recorded.
    for (const s of second.stages) expect(s.fingerprint).toBe(firstRun.stages.find((f) => f.name === s.name)!.fingerprint);
    // The log says why each stage was skipped.
    const msgs = cap.lines().map((x) => x.msg);
    for (const n of ABC) expect(msgs).toContain(`skip ${n}: fresh (fingerprint unchanged)`);

    for (const [id, rec] of [['run-1', firstRun], ['run-2', second]] as const) {
      const onDisk = JSON.parse(await readFile(join(l.dataDir, 'reports', 'runs', id, 'run.json'), 'utf8')) as RunRecord;
      expect(onDisk).toEqual(JSON.parse(JSON.stringify(rec)));
      expect(onDisk.run_id).toBe(id);
      expect(onDisk.timeframe).toBe('5m');
    }
    const rec2 = JSON.parse(await readFile(join(l.dataDir, 'reports', 'runs', 'run-2', 'run.json'), 'utf8')) as RunRecord;
    expect(rec2.argv).toEqual(['--jobs', '2']);
    // The first run's record carries each stage's output digests, equal to the stage manifests.
    const rec1 = JSON.parse(await readFile(join(l.dataDir, 'reports', 'runs', 'run-1', 'run.json'), 'utf8')) as RunRecord;
    const manifestA = JSON.parse(await readFile(join(l.dataDir, 'state', 'stages', 'a.json'), 'utf8')) as { outputs: Record<string, { digest: string }> };
    expect(rec1.stages.find((s) => s.name === 'a')!.outputs).toEqual({ 'out/a': manifestA.outputs['out/a']!.digest });
  });

  test('changing a parameter reruns that stage and its dependents, and says what changed', async () => {
    const l = await fromBaseline();
    await l.setStages({ a: { value: 'v2', note: 'n1' } });
    const cap = capturingLogger();
    const r = await l.run({ log: cap.log });
    expect(outcomes(r)).toEqual({
      a: { type: 'ran', reason: 'changed', changed: ['params'], exit_code: 0 },
      b: { type: 'ran', reason: 'changed', changed: ['input out/a'], exit_code: 0 },
      c: { type: 'skipped', reason: 'fresh' },
    });
    expect(await l.out('out/b/y.txt')).toBe('v2!');
    const msgs = cap.lines().map((x) => x.msg);
    expect(msgs).toContain('run a: changed (params)');
    expect(msgs).toContain('run b: changed (input out/a)');
  });

  test('a --set override is a parameter change like an edit of pipeline.yaml', async () => {
    const l = await fromBaseline();
    const r = await l.run({ overrides: { set: ['b.suffix=?'] } });
    expect(outcomes(r)).toEqual({
      a: { type: 'skipped', reason: 'fresh' },
      b: { type: 'ran', reason: 'changed', changed: ['params'], exit_code: 0 },
      c: { type: 'skipped', reason: 'fresh' },
    });
    expect(await l.out('out/b/y.txt')).toBe('v1?');
  });

  test('a downstream stage is skipped when its upstream reran but produced identical output', async () => {
    const l = await fromBaseline();
    await l.setStages({ a: { value: 'v1', note: 'n2' } }); // `note` does not change a's output
    const r = await l.run();
    expect(outcomes(r)).toEqual({
      a: { type: 'ran', reason: 'changed', changed: ['params'], exit_code: 0 },
      b: { type: 'skipped', reason: 'fresh' },
      c: { type: 'skipped', reason: 'fresh' },
    });
  });

  test('reordering and reformatting pipeline.yaml reruns nothing', async () => {
    const l = await fromBaseline();
    await writeFile(l.pipelineFile, '# reordered\nstages:\n  a: {note: n1, value: v1}\njobs: 2\ntimeframe: 5m\n');
    const r = await l.run();
    expect(outcomeTypes(r)).toEqual({ a: 'skipped', b: 'skipped', c: 'skipped' });
  });

  test('a stage whose committed output was deleted reruns with reason "output missing"', async () => {
    const l = await fromBaseline();
    await rm(join(l.dataDir, 'out', 'c'), { recursive: true });
    const r = await l.run();
    expect(outcomes(r)).toEqual({
      a: { type: 'skipped', reason: 'fresh' },
      b: { type: 'skipped', reason: 'fresh' },
      c: { type: 'ran', reason: 'output missing', exit_code: 0 },
    });
    expect(await l.out('out/c/z.txt')).toBe('c1');
  });

  test('--force reruns fresh stages; with --only it reruns just those and leaves the others unselected', async () => {
    const l = await fromBaseline();
    const all = await l.run({ force: true });
    for (const n of ABC) expect(outcomes(all)[n]).toEqual({ type: 'ran', reason: 'forced', exit_code: 0 });
    const onlyB = await l.run({ force: true, only: ['b'] });
    expect(outcomes(onlyB)).toEqual({ a: { type: 'not_selected' }, b: { type: 'ran', reason: 'forced', exit_code: 0 }, c: { type: 'not_selected' } });
  });

  test('--dry-run on a run lake writes nothing and says what would run and why', async () => {
    const l = await fromBaseline();
    const before = await listFiles(l.dataDir);
    await l.setStages({ a: { value: 'new' } });
    const dry = await l.run({ dryRun: true });
    expect(dry.status).toBe('dry_run');
    expect(outcomes(dry)).toEqual({
      a: { type: 'would_run', reason: 'changed', changed: ['params'] },
      b: { type: 'would_run', reason: 'if upstream output changes' },
      c: { type: 'skipped', reason: 'fresh' },
    });
    expect(await listFiles(l.dataDir)).toEqual(before); // no outputs, manifests, run records or lock
    expect(await l.out('out/a/x.txt')).toBe('v1');
  });
});

describe(`runner failures and interruptions (QUANTLAB_SHUFFLE_SEED=${SHUFFLE_SEED})`, () => {
  test('--dry-run on a new lake runs nothing, takes no lock, and says every stage would run', async () => {
    const l = await setup(['a', 'b', 'c']);
    const fresh = await l.run({ dryRun: true });
    expect(fresh.status).toBe('dry_run');
    for (const n of ['a', 'b', 'c']) expect(outcomes(fresh)[n]).toEqual({ type: 'would_run', reason: 'no previous run' });
    expect(await listFiles(l.dataDir)).toEqual([]);
  });

  test('--on-error keep-going runs independent stages after a failure and blocks the failed stage\'s dependents', async () => {
    const l = await setup(['fails', 'after_fails', 'a', 'b', 'c']);
    const r = await l.run({ onError: 'keep-going' });
    expect(r.status).toBe('failed');
    expect(outcomes(r)).toEqual({
      fails: { type: 'failed', reason: `exit code ${ExitCode.invalidInput}`, exit_code: ExitCode.invalidInput }, // DataError -> 3
      after_fails: { type: 'blocked', reason: 'upstream fails did not complete' },
      a: { type: 'ran', reason: 'no previous run', exit_code: 0 },
      b: { type: 'ran', reason: 'no previous run', exit_code: 0 },
      c: { type: 'ran', reason: 'no previous run', exit_code: 0 },
    });
    // The failed stage committed nothing (its half-written file stayed in staging) and has no manifest.
    expect(existsSync(join(l.dataDir, 'out', 'fails'))).toBe(false);
    expect(existsSync(join(l.dataDir, 'state', 'stages', 'fails.json'))).toBe(false);
    const rec = JSON.parse(await readFile(join(l.dataDir, 'reports', 'runs', r.run_id, 'run.json'), 'utf8')) as RunRecord;
    expect(rec.status).toBe('failed');
  });

  test('--on-error fail marks the run failed and blocks the failed stage\'s dependents and every stage not yet queued', async () => {
    const l = await setup(['fails', 'after_fails', 'a', 'b', 'c'], {}, 1);
    const r = await l.run({ onError: 'fail' });
    expect(r.status).toBe('failed');
    expect(outcomes(r).fails).toEqual({ type: 'failed', reason: 'exit code 3', exit_code: 3 });
    expect(outcomes(r).after_fails!.type).toBe('blocked');
    for (const s of r.stages) {
      if (s.outcome.type === 'blocked') expect(['run stopped after a failure', 'upstream fails did not complete']).toContain(s.outcome.reason);
      else expect(['ran', 'failed']).toContain(s.outcome.type);
    }
    expect(existsSync(join(l.dataDir, 'out', 'after'))).toBe(false);
  });

  // BUG (orchestrator/runner.ts schedule/runOne): with --on-error fail, stages already handed to p-limit but still
  // waiting for a slot start and run after the failure; only stages not yet queued are blocked. Here `a` and `c`
  // queue behind `fails` (jobs 1, registry order fixed on purpose) and both run after it failed. Setting `stopping`
  // in the `.then` of the limited promise is too late: p-limit starts the next queued job before that callback runs.
  // Fix: hoist `let stopping = false` from schedule() to runPipeline's scope; in runOne, right after logging
  // "<name> failed", add `if (o.onError === 'fail') stopping = true;`, and at the top of runOne add
  // `if (stopping) return { name, outcome: { type: 'blocked', reason: 'run stopped after a failure' }, duration_ms: 0 };`.
  // (Verified on a scratch copy: this test then passes.) Remove `.failing` once fixed.
  test('--on-error fail: no stage starts after the failure, stages queued behind it are blocked', async () => {
    const lake = await makeLake({ jobs: 1, stages: {} });
    lakes.push(lake.dir);
    const cap = capturingLogger();
    const r = await run({ registry: project.registry(['fails', 'a', 'c']), projectRoot: project.root, ...lake, onError: 'fail', log: cap.log });
    const lines = cap.lines();
    const failedAt = lines.findIndex((x) => x.msg === 'fails failed: exit code 3');
    expect(failedAt).toBeGreaterThanOrEqual(0);
    expect(lines.slice(failedAt).map((x) => String(x.msg)).filter((m) => /^run \w+: /.test(m))).toEqual([]);
    expect(outcomes(r)).toEqual({
      fails: { type: 'failed', reason: 'exit code 3', exit_code: 3 },
      a: { type: 'blocked', reason: 'run stopped after a failure' },
      c: { type: 'blocked', reason: 'run stopped after a failure' },
    });
  });

  test('a stage writing outside its declared output fails and commits nothing', async () => {
    const l = await setup(['undeclared', 'c']);
    const r = await l.run({ onError: 'keep-going' });
    expect(outcomes(r)).toEqual({
      undeclared: { type: 'failed', reason: 'exit code 1', exit_code: ExitCode.stageFailed },
      c: { type: 'ran', reason: 'no previous run', exit_code: 0 },
    });
    expect(existsSync(join(l.dataDir, 'out', 'u'))).toBe(false);
    expect(existsSync(join(l.dataDir, 'out', 'stray.txt'))).toBe(false);
  });

  test('a stage SIGKILLed mid-write fails, leaves its previous output in place, and the next run cleans up and completes', async () => {
    const l = await setup(['slow'], { slow: { chunks: 2, tag: 'v1' } });
    await l.run();
    const previous = await listFiles(join(l.dataDir, 'out'));
    const previousManifest = await readFile(join(l.dataDir, 'state', 'stages', 'slow.json'), 'utf8');

    await l.setStages({ slow: { chunks: 2000, sleep_ms: 5, tag: 'v2' } }); // ~10 s if not killed
    const running = l.run({ runId: 'killed-run' });
    let pid: number | undefined;
    try {
      pid = await runningSlowPid(l.dataDir);
      await waitFor(async () => {
        const big = join(stagingRoot(l.dataDir, 'slow', 'killed-run'), 'out', 'slow', 'big.bin');
        return existsSync(big) && (await stat(big)).size > 64 * 1024 * 3 ? true : undefined;
      }, 'big.bin to grow');
    } finally {
      if (pid !== undefined) process.kill(pid, 'SIGKILL'); // also when a wait timed out, so the run ends
      else await running.catch(() => undefined);
    }
    const r = await running;
    expect(outcomes(r).slow).toEqual({ type: 'failed', reason: 'killed by SIGKILL', exit_code: ExitCode.interrupted });
    expect(await listFiles(join(l.dataDir, 'out'))).toEqual(previous);
    expect(await l.out('out/slow/done.txt')).toBe('done v1');
    expect((await stat(join(l.dataDir, 'out', 'slow', 'big.bin'))).size).toBe(2 * 64 * 1024); // v1: 2 chunks of 64 KiB
    expect(await readFile(join(l.dataDir, 'state', 'stages', 'slow.json'), 'utf8')).toBe(previousManifest);
    expect(existsSync(stagingRoot(l.dataDir, 'slow', 'killed-run'))).toBe(true); // the partial file stayed in staging

    await l.setStages({ slow: { chunks: 3, tag: 'v3' } });
    const again = await l.run();
    expect(outcomes(again).slow).toEqual({ type: 'ran', reason: 'changed', changed: ['params'], exit_code: 0 });
    expect(await l.out('out/slow/done.txt')).toBe('done v3');
    expect(existsSync(stagingRoot(l.dataDir, 'slow', 'killed-run'))).toBe(false); // swept by the next run
  });
});

describe('fixture stages run by themselves (the stage contract seen from the shell)', () => {
  const spawnFixture = (name: string, dataDir: string, params: object) =>
    execa(process.execPath, [project.script(name), '--data_dir', dataDir, '--params_json', JSON.stringify(params)], {
      reject: false, env: { QUANTLAB_LOG_LEVEL: 'info' },
    });

  test('a stage writing beside its declared output names the undeclared path', async () => {
    const lake = await makeLake({});
    lakes.push(lake.dir);
    const res = await spawnFixture('undeclared', lake.dataDir, { mode: 'sibling' });
    expect(res.exitCode).toBe(ExitCode.stageFailed);
    expect(res.stderr).toContain('undeclared wrote undeclared outputs: out/stray.txt');
  });

  test('a stage asking for an undeclared output path is stopped with the declared list', async () => {
    const lake = await makeLake({});
    lakes.push(lake.dir);
    const res = await spawnFixture('undeclared', lake.dataDir, { mode: 'ask' });
    expect(res.exitCode).toBe(ExitCode.stageFailed);
    expect(res.stderr).toContain('undeclared used undeclared output out/other; declared: out/u');
  });

  test('a DataError exits with code 3 and a message naming file, line, field and value', async () => {
    const lake = await makeLake({});
    lakes.push(lake.dir);
    const res = await spawnFixture('fails', lake.dataDir, {});
    expect(res.exitCode).toBe(ExitCode.invalidInput);
    expect(res.stderr).toContain('fixture.csv:2 close: not a number, was \\"abc\\"'); // JSON-escaped inside the log line
  });

  test('an unknown parameter is refused with exit code 3 naming the parameter', async () => {
    const lake = await makeLake({});
    lakes.push(lake.dir);
    const res = await spawnFixture('a', lake.dataDir, { value: 'x', vaule: 'typo' });
    expect(res.exitCode).toBe(ExitCode.invalidInput);
    expect(res.stderr).toContain('vaule');
    expect(existsSync(join(lake.dataDir, 'out'))).toBe(false);
  });

  // BUG (lib/stage/main.ts executeStage: `const script = join(PROJECT_ROOT, 'dist', 'stages', `${def.name}.js`)`):
  // a stage fingerprints the code of PROJECT_ROOT/dist/stages/<name>.js, not of the script that is running, while
  // the orchestrator (orchestrator/decide.ts) fingerprints the registered `script`. When they differ (any stage not
  // compiled to dist/stages: test fixtures, plugins, a build in another outDir) the manifest's fingerprint never
  // matches and the stage reruns on every run with reason "changed (code)". Fix: add `script?: string` to
  // StageInvocation; in parseStageArgs return `...(process.argv[1] ? { script: resolve(process.argv[1]) } : {})`;
  // in executeStage use `const script = inv.script ?? join(PROJECT_ROOT, 'dist', 'stages', `${def.name}.js`)`.
  // (Verified on a scratch copy: this test then passes.) Remove `.failing` once fixed; the throwaway project root
  // in tests/fixtures/stages/harness.ts can then go.
  test('a fixture stage registered with its compiled path is fresh on an immediate rerun', async () => {
    const lake = await makeLake({});
    lakes.push(lake.dir);
    const registry: Registry = [{ def: FIXTURE_STAGES.a!, script: join(FIXTURE_BUILD_DIR, 'a.js') }];
    const o = { registry, projectRoot: PROJECT_ROOT, ...lake };
    await run(o);
    expect(outcomes(await run(o)).a).toEqual({ type: 'skipped', reason: 'fresh' });
  });
});
