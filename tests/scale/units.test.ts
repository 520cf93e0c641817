/** Issue 18: the pieces of the scale-out that need no process: retry rules, backoff, shard identity, Redis URLs. */
import { describe, expect, test } from '@jest/globals';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLakeId, lakeIdPath, lakeMismatch, planSha256, readLakeId } from '../../lib/stage/lake_id.js';
import { sha256Hex } from '../../lib/hash.js';
import { ExitCode, UsageError } from '../../lib/errors.js';
import { backoffMs, retryable } from '../../orchestrator/shard_exec.js';
import { redisConnection } from '../../orchestrator/bullmq.js';
import { shardFingerprint, shardId } from '../../lib/stage/shard_main.js';
import { partitionsDigest } from '../../lib/stage/shard.js';
import type { FingerprintParts } from '../../lib/stage/fingerprint.js';
import type { FoundPartition } from '../../lib/lake/index.js';

const parts: FingerprintParts = {
  code: 'c', lockfile: 'l', node: 'v20', params: 'p', specs: { 'features/a.yaml': 's' }, inputs: { 'lake/raw': 'whole-lake' }, external: {}, costs: null,
};
const part = (file: string, sha256: string): FoundPartition => ({ keys: {}, dir: '', manifest: { file, sha256, rows: 1, bytes: 1, min_ts_ms: 0, max_ts_ms: 0 } });

describe('retries', () => {
  test('usage and data errors are not retried; crashes, kills and interruptions are', () => {
    expect(retryable(ExitCode.usage)).toBe(false);
    expect(retryable(ExitCode.invalidInput)).toBe(false);
    expect(retryable(ExitCode.stageFailed)).toBe(true);
    expect(retryable(ExitCode.interrupted)).toBe(true);
    expect(retryable(137)).toBe(true);
  });
  test('backoff doubles from the base', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(1000, a))).toEqual([1000, 2000, 4000, 8000]);
  });
});

describe('shard identity', () => {
  test('a shard id is stable, safe as a folder name, and differs between instruments', () => {
    expect(shardId('binance/um/BTCUSDT')).toBe(shardId('binance/um/BTCUSDT'));
    expect(shardId('binance/um/BTCUSDT')).toMatch(/^s[0-9a-f]{16}$/);
    expect(shardId('binance/um/BTCUSDT')).not.toBe(shardId('binance/um/ETHUSDT'));
  });
  test("a shard's fingerprint ignores the whole-stage input digest but follows its own input, the prepared bytes and the code", () => {
    const s = { label: 'x/um/A', input_digest: 'i1' };
    const base = shardFingerprint('clean', parts, s, 'prep');
    expect(shardFingerprint('clean', { ...parts, inputs: { 'lake/raw': 'another symbol was added' } }, s, 'prep')).toBe(base);
    expect(shardFingerprint('clean', parts, { ...s, input_digest: 'i2' }, 'prep')).not.toBe(base);
    expect(shardFingerprint('clean', parts, s, 'prep2')).not.toBe(base);
    expect(shardFingerprint('clean', { ...parts, code: 'c2' }, s, 'prep')).not.toBe(base);
    expect(shardFingerprint('features', parts, s, 'prep')).not.toBe(base);
  });
  test("a shard's input digest is its partitions' content hashes, whatever order they are listed in", () => {
    const a = partitionsDigest([part('k/m=1/part.parquet', 'aa'), part('k/m=2/part.parquet', 'bb')]);
    expect(partitionsDigest([part('k/m=2/part.parquet', 'bb'), part('k/m=1/part.parquet', 'aa')])).toBe(a);
    expect(partitionsDigest([part('k/m=1/part.parquet', 'aa'), part('k/m=2/part.parquet', 'bc')])).not.toBe(a);
  });
});

describe('--redis', () => {
  test('a redis URL is passed to BullMQ with the blocking-connection setting; anything else is a usage error', () => {
    expect(redisConnection('redis://127.0.0.1:6379')).toEqual({ url: 'redis://127.0.0.1:6379', maxRetriesPerRequest: null });
    expect(() => redisConnection('127.0.0.1:6379')).toThrow(UsageError);
    expect(() => redisConnection('http://127.0.0.1:6379')).toThrow(/expected redis:\/\/ or rediss:\/\//);
  });
});

describe('lake identity (BullMQ jobs name their lake)', () => {
  test('made once, kept; racing makers agree; a worker on no lake, another lake or a copy without the plan is told why', async () => {
    const work = await mkdtemp(join(tmpdir(), 'quantlab-lakeid-'));
    try {
      const a = join(work, 'a');
      const b = join(work, 'b');
      expect(await readLakeId(a)).toBeUndefined();
      const ids = await Promise.all([ensureLakeId(a), ensureLakeId(a), ensureLakeId(a)]);
      expect(new Set(ids).size).toBe(1);
      expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(await ensureLakeId(a)).toBe(ids[0]);
      expect(JSON.parse(await readFile(lakeIdPath(a), 'utf8'))).toMatchObject({ version: 1, lake_id: ids[0], created_path: a });
      const plan = join(a, '.staging', 'clean', 'r1.shards', 'plan.json');
      await mkdir(join(plan, '..'), { recursive: true });
      await writeFile(plan, '{"plan":1}');
      const want = { id: ids[0]!, path: a, plan_sha256: sha256Hex('{"plan":1}') };
      expect(await planSha256(plan)).toBe(want.plan_sha256);
      expect(await lakeMismatch(a, want, plan)).toBeUndefined();
      // another data dir: no lake id yet
      const planB = join(b, '.staging', 'clean', 'r1.shards', 'plan.json');
      expect(await lakeMismatch(b, want, planB)).toBe(
        `the data dir ${b} has no lake id (${join(b, 'state', 'lake.json')} does not exist): it is not the job's lake; the job's lake is ${ids[0]} (at ${a} on the orchestrator's machine)`);
      // another lake
      const idB = await ensureLakeId(b);
      expect(idB).not.toBe(ids[0]);
      expect(await lakeMismatch(b, want, planB)).toBe(`the data dir ${b} is lake ${idB} (${join(b, 'state', 'lake.json')}); the job's lake is ${ids[0]} (at ${a} on the orchestrator's machine)`);
      // a copy of lake a (same id) without this run's plan, then with another plan
      await writeFile(lakeIdPath(b), await readFile(lakeIdPath(a)));
      expect(await lakeMismatch(b, want, planB)).toMatch(/has the job's lake id .* but not its shard plan \(.*plan\.json does not exist\): a copy of the lake, not the lake itself\?$/);
      await mkdir(join(planB, '..'), { recursive: true });
      await writeFile(planB, '{"plan":2}');
      expect(await lakeMismatch(b, want, planB)).toMatch(/but another shard plan at .*plan\.json \(sha256 [0-9a-f]{12}, the job's [0-9a-f]{12}\)/);
      // a damaged identity file is a located error
      await writeFile(lakeIdPath(b), '{"lake_id": 7}');
      await expect(readLakeId(b)).rejects.toThrow(`${join(b, 'state', 'lake.json')}: field lake_id is 7, expected a non-empty string`);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
