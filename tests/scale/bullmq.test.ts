/**
 * Issue 18: shards on BullMQ workers against a real redis-server (Debian's, started on a free port and stopped by
 * the test). A worker killed with kill -9 in the middle of a shard loses its lease; the shard reruns on the other
 * worker; the stage's bytes are those of an unsharded run and no partial output is left anywhere.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { execa } from 'execa';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from '../../lib/process.js';
import { listAll, outputDigests, runAll, stageRecord, startRedis, startWorker, stopProcess, waitFor } from './harness.js';

let work: string;
let redis: { url: string; stop: () => Promise<void> };
let refClean: Record<string, string>;
const workers: ReturnType<typeof startWorker>[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-bullmq-'));
  redis = await startRedis();
  const ref = join(work, 'ref');
  expect((await runAll(ref, 'ref', ['--until', 'clean'])).exitCode).toBe(0);
  refClean = await outputDigests(ref, 'clean');
}, 300_000);

afterAll(async () => {
  for (const w of workers) await stopProcess(w.proc, 'SIGKILL');
  await redis?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('BullMQ executor', () => {
  test('kill -9 of a worker mid-shard: the shard reruns on the other worker; same bytes as unsharded, nothing partial left', async () => {
    const d = join(work, 'lake');
    expect((await runAll(d, 'ing', ['--until', 'ingest'])).exitCode).toBe(0);
    // Worker A holds each finished attempt for 10 min before publishing it (test hook): it is killed there.
    const a = startWorker(redis.url, d, ['--concurrency', '1', '--lock_ms', '1000'], { QUANTLAB_TEST_SHARD_PAUSE_MS: '600000' });
    workers.push(a);
    await waitFor('worker A ready', () => a.lines.some((l) => l.msg === 'worker ready'), 60_000);
    const run = runAll(d, 'bq1', ['--only', 'clean', '--executor', 'bullmq', '--redis', redis.url, '--shard_backoff_ms', '100']);
    const shards = join(d, '.staging', 'clean', 'bq1.shards');
    // A's shard wrote its files and its record into its attempt folder, and waits to publish them
    let attempt = '';
    await waitFor('worker A mid-shard', async () => {
      if (!existsSync(shards)) return false;
      for (const e of await readdir(shards)) {
        if (e.includes('.attempt-') && existsSync(join(shards, e, '_shard.json'))) attempt = e;
      }
      return attempt !== '';
    }, 180_000);
    const childPid = Number(attempt.slice(attempt.lastIndexOf('-') + 1));
    expect(isProcessAlive(childPid)).toBe(true);
    a.proc.kill('SIGKILL');
    const b = startWorker(redis.url, d, ['--concurrency', '2', '--lock_ms', '1000']);
    workers.push(b);
    const r = await run;
    expect(r.exitCode).toBe(0);
    // A's stage process stopped when its worker died, without publishing its attempt
    expect(isProcessAlive(childPid)).toBe(false);
    const rec = stageRecord(r.record, 'clean');
    expect(rec.shards).toMatchObject({ executor: 'bullmq', total: 3, ran: 3, reused: 0, failed: 0 });
    const bName = b.lines.find((l) => l.msg === 'worker ready')!.worker as string;
    expect(rec.shards!.shards.every((x) => x.worker === bName)).toBe(true); // A finished none
    expect(Math.max(...rec.shards!.shards.map((x) => x.attempts))).toBeGreaterThanOrEqual(2); // the stalled one started twice
    expect(await outputDigests(d, 'clean')).toEqual(refClean);
    expect((await listAll(d)).filter((p) => p.includes('.attempt-') || p.includes('.shards'))).toEqual([]);
    expect(r.stdout).toMatch(/shards \(bullmq, by instrument\): 3 = 3 ran \+ 0 reused/);
  }, 600_000);

  test('a shard whose error is the same on every attempt fails the stage with it at once (no retry); the lake is untouched', async () => {
    const d = join(work, 'bad');
    expect((await runAll(d, 'ing', ['--until', 'ingest'])).exitCode).toBe(0);
    for (const w of workers) await stopProcess(w.proc); // they serve the other lake
    const c = startWorker(redis.url, d, ['--concurrency', '2', '--lock_ms', '1000']);
    workers.push(c);
    // 1m bars cannot be made from 5m raw bars: a usage error (exit 2) of every shard, the same on every attempt
    const r = await runAll(d, 'bq2', ['--only', 'clean', '--executor', 'bullmq', '--redis', redis.url, '--set', 'clean.extra_timeframes=["1m"]']);
    expect(r.exitCode).toBe(2);
    const rec = stageRecord(r.record, 'clean');
    expect(rec.outcome).toMatchObject({ type: 'failed', exit_code: 2 });
    expect(rec.outcome.type === 'failed' && rec.outcome.reason).toMatch(/^shard synthetic\/um\/SYN0\dUSDT failed after 1 attempt\(s\): clean shard synthetic\/um\/SYN0\dUSDT: synthetic\/um\/SYN0\dUSDT: cannot produce 1m bars from 5m raw bars\n  -> ingest 1m or finer data$/);
    // fail fast: the first shard's failure stops the stage; the others failed too (same error) or were never started
    const sh = rec.shards!.shards;
    expect(sh.every((x) => (x.outcome === 'failed' && x.attempts === 1) || x.outcome === 'cancelled')).toBe(true);
    expect(rec.shards!.failed).toBeGreaterThanOrEqual(1);
    expect(rec.shards!.failed + rec.shards!.cancelled).toBe(3);
    expect(existsSync(join(d, 'lake', 'cleaned'))).toBe(false);
    expect(existsSync(join(d, 'state', 'stages', 'clean.json'))).toBe(false);
  }, 300_000);

  test('a worker whose data dir is another lake (here a copy of it) refuses the jobs: the stage fails saying which worker and why', async () => {
    const a = join(work, 'lake'); // the first test's lake: its BullMQ run gave it a lake id
    const id = (JSON.parse(await readFile(join(a, 'state', 'lake.json'), 'utf8')) as { lake_id: string }).lake_id;
    const b = join(work, 'copy');
    await execa('cp', ['-a', a, b]); // same lake id, but not the lake: the plan of the next run is written in a only
    await rm(join(a, 'state', 'shards', 'clean.json')); // no shard index: every shard runs (none is reused)
    for (const w of workers) await stopProcess(w.proc);
    const w = startWorker(redis.url, b, ['--concurrency', '1', '--lock_ms', '1000']);
    workers.push(w);
    await waitFor('worker on the copy ready', () => w.lines.some((l) => l.msg === 'worker ready'), 60_000);
    const wName = w.lines.find((l) => l.msg === 'worker ready')!.worker as string;
    const r = await runAll(a, 'bq3', ['--only', 'clean', '--force', '--executor', 'bullmq', '--redis', redis.url, '--shard_attempts', '3', '--shard_backoff_ms', '100']);
    expect(r.exitCode).toBe(2);
    const rec = stageRecord(r.record, 'clean');
    expect(rec.outcome).toMatchObject({ type: 'failed', exit_code: 2 });
    const reason = rec.outcome.type === 'failed' ? rec.outcome.reason : '';
    const plan = join(b, '.staging', 'clean', 'bq3.shards', 'plan.json');
    expect(reason).toBe(`shard ${/shard (\S+) failed/.exec(reason)![1]} failed after 1 attempt(s): worker ${wName} refuses clean shard ${/shard (\S+) failed/.exec(reason)![1]} of run bq3: `
      + `the data dir ${b} has the job's lake id ${id} but not its shard plan (${plan} does not exist): a copy of the lake, not the lake itself?\n`
      + '  -> start this worker with --data_dir set to that lake as this machine mounts it, or give each lake its own queue (--queue)');
    // refused, not retried (unrecoverable); the others were refused too or never started
    expect(rec.shards!.shards.every((x) => (x.outcome === 'failed' && x.attempts === 1 && x.worker === wName) || x.outcome === 'cancelled')).toBe(true);
    expect(rec.shards!.failed + rec.shards!.cancelled).toBe(3);
    // lake a is as it was (the run rolled back), and the worker wrote nothing into the copy
    expect(await outputDigests(a, 'clean')).toEqual(refClean);
    expect(existsSync(join(b, '.staging', 'clean', 'bq3.shards'))).toBe(false);
    expect(w.lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith(`worker ${wName} refuses clean shard`))).toBe(true);
  }, 300_000);
});
