/**
 * Issue 18: a sharded run writes the bytes of an unsharded run; unchanged shards are reused and a new symbol
 * computes only its own shard; a shard that keeps failing fails the stage with its error and publishes nothing;
 * walk-forward, sharded by blueprint x window, writes the unsharded bytes and reruns only the shard a changed
 * blueprint set touches; discovery and bridge by candidate range on a 30-day market (a plan with candidates;
 * tests/scale/candidate_shards covers pooled candidates and which ranges rerun).
 * Real stage processes on the synthetic market (tests/scale/harness.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { candidateRanges } from '../../lib/stages/discovery/shards.js';
import { listAll, moveSymbol, outputDigests, runAll, stageRecord } from './harness.js';

const SHARDED = ['ingest', 'clean', 'features', 'events'];
/** Walk-forward short enough for 10 days (12 blueprints x 6 windows here), every window selecting. */
const WF = ['--set', 'walkforward.train_days=2', '--set', 'walkforward.test_days=1', '--set', 'walkforward.min_train_trades=0',
  '--set', 'walkforward.min_train_sharpe=-100', '--set', 'bridge.scope=all'];
let work: string;
let reference: string;
const refDigests: Record<string, Record<string, string>> = {};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-scale-'));
  reference = join(work, 'ref');
  const r = await runAll(reference, 'ref', ['--until', 'walkforward', ...WF]);
  expect(r.exitCode).toBe(0);
  for (const s of [...SHARDED, 'walkforward']) refDigests[s] = await outputDigests(reference, s);
}, 300_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('sharded runs (local executor)', () => {
  test('ingest, clean, features and events sharded by instrument write the unsharded bytes; a rerun runs nothing; new symbol = one shard', async () => {
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
    for (const s of SHARDED) expect(stageRecord(again.record, s).outcome.type).toBe('skipped');

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

  test('walk-forward sharded by blueprint x window writes the unsharded bytes; a forced rerun or a new selection rule reuses every shard; a removed blueprint reruns its shard only', async () => {
    const d = join(work, 'wf');
    await cp(reference, d, { recursive: true });
    // 18 cells a shard = 3 blueprints of 6 windows (content-defined cuts: 1 to 6 blueprints)
    const args = ['--only', 'walkforward', '--force', '--sharded', ...WF, '--set', 'walkforward.shard_cells=18'];
    const r = await runAll(d, 'wf1', [...args, '--shard_concurrency', '2']);
    expect(r.exitCode).toBe(0);
    expect(await outputDigests(d, 'walkforward')).toEqual(refDigests.walkforward);
    const sh = stageRecord(r.record, 'walkforward').shards!;
    expect(sh).toMatchObject({ by: 'blueprint x window', executor: 'local', ran: sh.total, reused: 0, failed: 0 });
    expect(sh.total).toBeGreaterThanOrEqual(3);
    expect(r.stdout).toMatch(/shards \(local, by blueprint x window\): \d+ = \d+ ran \+ 0 reused/);
    // every blueprint ran in exactly one shard (the shard index holds their results)
    const index = JSON.parse(await readFile(join(d, 'state', 'shards', 'walkforward.json'), 'utf8')) as { shards: Record<string, { result: { blueprints: number; cells: number } }> };
    const summary = JSON.parse(await readFile(join(d, 'lake', 'walkforward', 'summary.json'), 'utf8')) as { blueprints: { id: string }[]; windows: unknown[] };
    const results = Object.values(index.shards).map((x) => x.result);
    expect(results.reduce((a, x) => a + x.blueprints, 0)).toBe(summary.blueprints.length);
    expect(results.reduce((a, x) => a + x.cells, 0)).toBe(summary.blueprints.length * summary.windows.length);

    // nothing changed: every shard is reused, the bytes are the same
    const again = await runAll(d, 'wf2', args);
    expect(again.exitCode).toBe(0);
    expect(stageRecord(again.record, 'walkforward').shards).toMatchObject({ total: sh.total, ran: 0, reused: sh.total });
    expect(await outputDigests(d, 'walkforward')).toEqual(refDigests.walkforward);

    // one blueprint leaves the set (not the longest holding one: the embargo and windows stay): its shard reruns,
    // the others are reused, and the bytes are those of an unsharded run on the same blueprints
    const file = join(d, 'research', 'blueprints', 'blueprints.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    const hold = (l: string) => {
      const st = (JSON.parse(l) as { strategy: { type: string; max_hold_bars?: number; exit?: { horizon_bars: number } } }).strategy;
      return st.type === 'pairs' ? st.max_hold_bars! : st.exit!.horizon_bars;
    };
    const maxHold = Math.max(...lines.map(hold));
    const grouped = sh.shards.map((x) => x.label).filter((l) => l.includes(' .. ')).map((l) => l.split(' .. ')[0]!);
    const victim = lines.find((l) => grouped.includes((JSON.parse(l) as { id: string }).id) && hold(l) < maxHold);
    expect(victim).toBeDefined();
    // a new file renamed over the committed one (committed files may be hard-linked into a kept generation)
    await writeFile(`${file}.new`, lines.filter((l) => l !== victim).map((l) => `${l}\n`).join(''));
    await rename(`${file}.new`, file);
    const fewer = await runAll(d, 'wf3', args);
    expect(fewer.exitCode).toBe(0);
    const shf = stageRecord(fewer.record, 'walkforward').shards!;
    expect(shf.ran).toBeGreaterThanOrEqual(1);
    expect(shf.ran).toBeLessThanOrEqual(2);
    expect(shf.reused).toBe(shf.total - shf.ran);
    expect(shf.reused).toBeGreaterThanOrEqual(1);
    const sharded = await outputDigests(d, 'walkforward');
    expect(sharded).not.toEqual(refDigests.walkforward);

    // a parameter only the reduce reads (the selection rule): every shard is reused, the book changes
    const topK = await runAll(d, 'wf4', [...args, '--set', 'walkforward.top_k=1']);
    expect(topK.exitCode).toBe(0);
    expect(stageRecord(topK.record, 'walkforward').shards).toMatchObject({ total: shf.total, ran: 0, reused: shf.total });
    const shardedTopK = await outputDigests(d, 'walkforward');
    expect(shardedTopK).not.toEqual(sharded);

    // the unsharded stage on the same blueprints gives both byte for byte
    for (const [id, extra, want] of [['wf5', ['--set', 'walkforward.top_k=1'], shardedTopK], ['wf6', [], sharded]] as const) {
      const plain = await runAll(d, id, ['--only', 'walkforward', '--force', ...WF, ...extra]);
      expect(plain.exitCode).toBe(0);
      expect(stageRecord(plain.record, 'walkforward').shards).toBeUndefined();
      expect(await outputDigests(d, 'walkforward')).toEqual(want);
    }
  }, 600_000);
});

describe('discovery and bridge by candidate range (local executor)', () => {
  // 30 days instead of 10: the plan keeps candidates; bridge prices all of them; 5 candidates per shard
  const LONG = ['--set', 'ingest.synthetic.end_ms=1738368000000', '--set', 'bridge.scope=all',
    '--set', 'discovery.shard_candidates=5', '--set', 'bridge.shard_candidates=5'];
  const STAGES = ['discovery', 'bridge'];
  test('sharded discovery and bridge write the unsharded bytes; a rerun runs nothing; a forced rerun reuses every range', async () => {
    const ref = join(work, 'ref30');
    expect((await runAll(ref, 'r30', ['--until', 'bridge', ...LONG])).exitCode).toBe(0);
    const d = join(work, 'sharded30');
    const r = await runAll(d, 's30', ['--until', 'bridge', '--sharded', '--shard_concurrency', '2', ...LONG]);
    expect(r.exitCode).toBe(0);
    const n = (await readFile(join(d, 'research', 'plan', 'candidate_plan.jsonl'), 'utf8')).split('\n').filter((l) => l.trim()).length;
    expect(n).toBeGreaterThan(5);
    const labels = candidateRanges(n, 5).map((x) => x.label);
    for (const s of STAGES) {
      expect(await outputDigests(d, s)).toEqual(await outputDigests(ref, s));
      const sh = stageRecord(r.record, s).shards!;
      expect(sh).toMatchObject({ by: 'candidate range', executor: 'local', total: labels.length, ran: labels.length, reused: 0, failed: 0 });
      expect(sh.shards.map((x) => x.label)).toEqual(labels);
    }
    expect(r.stdout).toContain(`shards (local, by candidate range): ${labels.length} = ${labels.length} ran + 0 reused`);

    const again = await runAll(d, 's31', ['--until', 'bridge', '--sharded', ...LONG]);
    expect(again.exitCode).toBe(0);
    for (const s of STAGES) expect(stageRecord(again.record, s).outcome.type).toBe('skipped');

    const forced = await runAll(d, 's32', ['--only', 'discovery,bridge', '--force', '--sharded', ...LONG]);
    expect(forced.exitCode).toBe(0);
    for (const s of STAGES) {
      expect(stageRecord(forced.record, s).shards).toMatchObject({ total: labels.length, ran: 0, reused: labels.length });
      expect(await outputDigests(d, s)).toEqual(await outputDigests(ref, s));
    }
  }, 900_000);
});
