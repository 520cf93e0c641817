import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { acquireLock } from '../../orchestrator/lock.js';
import { ExitCode, LockedError } from '../../lib/errors.js';
import { makeFixtureProject, makeLake, run, outcomes, runningSlowPid, BUILD_ROOT, type FixtureProject } from '../fixtures/stages/harness.js';

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

async function lake(stages: Record<string, Record<string, unknown>> = {}) {
  const l = await makeLake({ stages });
  dirs.push(l.dir);
  return l;
}

/** The pid of a process that has already exited (a lock holder that died). */
async function deadPid(): Promise<number> {
  const p = execa(process.execPath, ['-e', '']);
  const pid = p.pid!;
  await p;
  return pid;
}

describe('one run at a time per lake', () => {
  test('a second run on the same lake while the first holds the lock is refused with a LockedError naming the holder', async () => {
    const l = await lake({ slow: { chunks: 2000, sleep_ms: 5 } });
    const o = { registry: project.registry(['slow']), projectRoot: project.root, ...l };
    const first = run({ ...o, runId: 'first-run' });
    let pid: number | undefined;
    let err: unknown;
    try {
      pid = await runningSlowPid(l.dataDir); // the first run holds the lock while its stage runs
      await run({ ...o, runId: 'second-run' });
    } catch (e) {
      err = e;
    } finally {
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    }
    expect(err).toBeInstanceOf(LockedError);
    expect((err as LockedError).exitCode).toBe(ExitCode.locked);
    expect((err as LockedError).message).toContain(`the lake ${l.dataDir} is in use by run first-run (pid ${process.pid}`);
    expect(existsSync(join(l.dataDir, 'reports', 'runs', 'second-run'))).toBe(false);
    expect(outcomes(await first).slow!.type).toBe('failed');
    expect(existsSync(join(l.dataDir, '.lock'))).toBe(false); // released even though the run failed
  });

  test('the run_all and stage CLIs exit with code 4 when the lake is locked', async () => {
    const l = await lake();
    const lock = await acquireLock(l.dataDir, 'holder-run');
    try {
      for (const [cli, args] of [['run_all.js', ['--allow-synthetic']], ['stage_cli.js', ['ingest', '--allow-synthetic']]] as const) {
        const res = await execa(process.execPath, [join(BUILD_ROOT, 'orchestrator', cli), ...args, '--data_dir', l.dataDir, '--spec_dir', l.specDir], {
          reject: false, env: { QUANTLAB_LOG_LEVEL: 'info' },
        });
        expect(res.exitCode).toBe(ExitCode.locked);
        expect(res.stderr).toContain('is in use by run holder-run');
      }
    } finally {
      await lock.release();
    }
    expect(existsSync(join(l.dataDir, 'lake'))).toBe(false); // nothing ran
  });

  test('a stale lock left by a dead process is taken over, and released after the run', async () => {
    const l = await lake();
    await mkdir(l.dataDir, { recursive: true });
    await writeFile(join(l.dataDir, '.lock'), JSON.stringify({ pid: await deadPid(), run_id: 'crashed-run', since: '2025-01-01T00:00:00.000Z' }));
    const r = await run({ registry: project.registry(['a']), projectRoot: project.root, ...l });
    expect(outcomes(r).a).toEqual({ type: 'ran', reason: 'no previous run', exit_code: 0 });
    expect(existsSync(join(l.dataDir, '.lock'))).toBe(false);
  });

  test('a lock taken in-process is exclusive until released', async () => {
    const l = await lake();
    const held = await acquireLock(l.dataDir, 'r1');
    await expect(acquireLock(l.dataDir, 'r2')).rejects.toBeInstanceOf(LockedError);
    const holder = JSON.parse(await readFile(join(l.dataDir, '.lock'), 'utf8')) as { pid: number; run_id: string };
    expect(holder).toMatchObject({ pid: process.pid, run_id: 'r1' });
    await held.release();
    const again = await acquireLock(l.dataDir, 'r2');
    await again.release();
  });

  // BUG (orchestrator/lock.ts acquireLock): the lock file is created empty (`open(path, 'wx')`) and filled in a
  // second step, so a competing run that reads it in between finds no holder (readHolder -> undefined), deletes it
  // and takes the lock: two runs on one lake. Fix: never expose an empty lock file: `writeFile(tmp, holderJson)`
  // with tmp = `${path}.${process.pid}.tmp`, then `link(tmp, path)` (atomic, EEXIST if held) and `rm(tmp)`; and
  // when the holder cannot be read, throw LockedError unless the file's mtime is older than a grace period (10 s)
  // (a legacy or crashed half-written lock). (Verified on a scratch copy: this test then passes.)
  // Remove `.failing` once fixed.
  test('a lock file still being written (empty, just created) is not taken over', async () => {
    const l = await lake();
    await mkdir(l.dataDir, { recursive: true });
    const path = join(l.dataDir, '.lock');
    await writeFile(path, '');
    const now = new Date();
    await utimes(path, now, now);
    await expect(acquireLock(l.dataDir, 'intruder')).rejects.toBeInstanceOf(LockedError);
  });
});
