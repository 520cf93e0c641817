/**
 * Issue 18: a sharded run writes the bytes of an unsharded run; unchanged shards are reused and a new symbol
 * computes only its own shard; a shard that keeps failing fails the stage with its error and publishes nothing.
 * Real stage processes on the synthetic market (tests/scale/harness.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listAll, moveSymbol, outputDigests, runAll, stageRecord } from './harness.js';

const SHARDED = ['clean', 'features', 'events'];
let work: string;
let reference: string;
const refDigests: Record<string, Record<string, string>> = {};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-scale-'));
  reference = join(work, 'ref');
  const r = await runAll(reference, 'ref', ['--until', 'events']);
  expect(r.exitCode).toBe(0);
  for (const s of SHARDED) refDigests[s] = await outputDigests(reference, s);
}, 300_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('sharded runs (local executor)', () => {
  test('clean, features and events sharded by instrument write the unsharded bytes; a rerun runs nothing; new symbol = one shard', async () => {
    const d = join(work, 'sharded');
    const r = await runAll(d, 'sh1', ['--until', 'events', '--sharded', '--shard_concurrency', '2']);
    expect(r.exitCode).toBe(0);
    for (const s of SHARDED) {
      expect(await outputDigests(d, s)).toEqual(refDigests[s]);
      const sh = stageRecord(r.record, s).shards!;
      expect(sh).toMatchObject({ by: 'instrument', executor: 'local', total: 3, ran: 3, reused: 0, failed: 0 });
      expect(sh.shards.map((x) => x.label)).toEqual(['synthetic/um/SYN01USDT', 'synthetic/um/SYN02USDT', 'synthetic/um/SYN03USDT']);
    }
    expect(r.stdout).toMatch(/shards \(local, by instrument\): 3 = 3 ran \+ 0 reused/);
    // nothing of the shards is left in the data dir
    expect((await listAll(join(d, '.staging'))).filter((p) => p.includes('.shards') || p.includes('.attempt'))).toEqual([]);

    // the no-op rerun with sharding on starts nothing
    const again = await runAll(d, 'sh2', ['--until', 'events', '--sharded']);
    expect(again.exitCode).toBe(0);
    for (const s of ['ingest', ...SHARDED]) expect(stageRecord(again.record, s).outcome.type).toBe('skipped');

    // one symbol leaves the raw lake: the two others' clean shards are reused, not recomputed
    const aside = join(work, 'aside');
    expect(await moveSymbol(join(d, 'lake', 'raw'), aside, 'SYN03USDT')).toBeGreaterThan(0);
    const fewer = await runAll(d, 'sh3', ['--only', 'clean', '--force', '--sharded']);
    expect(fewer.exitCode).toBe(0);
    expect(stageRecord(fewer.record, 'clean').shards).toMatchObject({ total: 2, ran: 0, reused: 2 });
    expect(existsSync(join(d, 'lake', 'cleaned', 'bars'))).toBe(true);
    // ... and comes back: only its shard runs, and the stage's bytes are the reference's again
    await moveSymbol(aside, join(d, 'lake', 'raw'), 'SYN03USDT');
    const added = await runAll(d, 'sh4', ['--only', 'clean', '--force', '--sharded']);
    expect(added.exitCode).toBe(0);
    const sh = stageRecord(added.record, 'clean').shards!;
    expect(sh).toMatchObject({ total: 3, ran: 1, reused: 2 });
    expect(sh.shards.find((x) => x.outcome === 'ran')!.label).toBe('synthetic/um/SYN03USDT');
    expect(await outputDigests(d, 'clean')).toEqual(refDigests.clean);
  }, 600_000);

  test('a shard that fails every attempt fails the stage with its error, after the retries, and publishes nothing', async () => {
    const d = join(work, 'broken');
    expect((await runAll(d, 'b1', ['--until', 'ingest'])).exitCode).toBe(0);
    // one instrument's raw bars are not Parquet any more: its shard fails (exit 1: retried), the others succeed
    const file = join(d, 'lake/raw/klines/exchange=synthetic/market=um/symbol=SYN02USDT/interval=5m/month=2025-01/part.parquet');
    await writeFile(file, 'not parquet');
    // one shard at a time: SYN01 runs, SYN02 fails twice, then SYN03 must not start (fail fast)
    const r = await runAll(d, 'b2', ['--only', 'clean', '--sharded', '--shard_concurrency', '1', '--shard_attempts', '2', '--shard_backoff_ms', '50']);
    expect(r.exitCode).toBe(1);
    const rec = stageRecord(r.record, 'clean');
    expect(rec.outcome).toMatchObject({ type: 'failed', exit_code: 1 });
    expect(rec.outcome.type === 'failed' && rec.outcome.reason).toMatch(/^shard synthetic\/um\/SYN02USDT failed after 2 attempt\(s\): .*symbol=SYN02USDT\/interval=5m\/month=2025-01\/part\.parquet/);
    const bad = rec.shards!.shards.find((x) => x.label === 'synthetic/um/SYN02USDT')!;
    expect(bad).toMatchObject({ outcome: 'failed', attempts: 2 });
    expect(rec.shards!.failed).toBe(1);
    expect(rec.shards!.shards.map((x) => [x.label, x.outcome, x.attempts])).toEqual([
      ['synthetic/um/SYN01USDT', 'ran', 1], ['synthetic/um/SYN02USDT', 'failed', 2], ['synthetic/um/SYN03USDT', 'cancelled', 0],
    ]);
    expect(rec.shards!.shards[2]!.message).toBe('not started: shard synthetic/um/SYN02USDT failed for good');
    expect(r.stdout).toMatch(/3 = 1 ran \+ 0 reused \+ 1 FAILED \+ 1 cancelled/);
    // the stage published nothing: no cleaned lake, no manifest, no shard index
    expect(existsSync(join(d, 'lake', 'cleaned'))).toBe(false);
    expect(existsSync(join(d, 'state', 'stages', 'clean.json'))).toBe(false);
    expect(existsSync(join(d, 'state', 'shards', 'clean.json'))).toBe(false);
  }, 300_000);
});
