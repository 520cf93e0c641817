/**
 * Issue 18: the local executor fails fast. Once a shard has failed for good (exit 2/3 at once, or its retries used
 * up), no new shard starts, the running ones are stopped, and the failure reported is that shard's, not the first
 * non-ok one in job order. Fake stage executables (a temp project root with dist/stages/<name>.js) make the timings
 * deterministic; the real stages are covered by tests/scale/shards.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../lib/log.js';
import { localExecutor, type ShardJob, type ShardOutcome } from '../../orchestrator/shard_exec.js';

let root: string;
const log = createLogger({ stage: 'test', run_id: '-' }, 'silent');

// Each fake stage appends "<name> <shard_id>" to started.log when it starts, so a test can tell what was started.
const PRELUDE = `
const fs = require('node:fs');
const args = process.argv.slice(2);
const id = args[args.indexOf('--shard_id') + 1];
fs.appendFileSync(__dirname + '/started.log', require('node:path').basename(__filename, '.js') + ' ' + id + '\\n');
process.on('SIGTERM', () => process.exit(130));
`;
const STAGES: Record<string, string> = {
  // a located data error after 300 ms: exit 3, the same on every attempt
  bad: `setTimeout(() => { process.stderr.write(JSON.stringify({ level: 50, msg: 'lake/raw/x.parquet row 7: field close is NaN' }) + '\\n'); process.exit(3); }, 300);`,
  // a crash: exit 1, retried
  crash: `setTimeout(() => { process.stderr.write(JSON.stringify({ level: 50, msg: 'out of memory in shard ' + id }) + '\\n'); process.exit(1); }, 100);`,
  slow: `setTimeout(() => process.exit(0), 30000);`,
  ok: `setTimeout(() => process.exit(0), 50);`,
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'quantlab-exec-'));
  await mkdir(join(root, 'dist', 'stages'), { recursive: true });
  await writeFile(join(root, 'package.json'), '{ "type": "commonjs" }\n'); // the fake stages are plain scripts
  for (const [name, body] of Object.entries(STAGES)) await writeFile(join(root, 'dist', 'stages', `${name}.js`), PRELUDE + body);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const job = (stage: string, id: string): ShardJob => ({ stage, run_id: 'r', params: {}, shard_id: id, label: `x/um/${id}`, spec_dir: root, verbose: false });

async function started(): Promise<string[]> {
  const f = join(root, 'dist', 'stages', 'started.log');
  if (!existsSync(f)) return [];
  const lines = (await readFile(f, 'utf8')).trim().split('\n');
  await rm(f);
  return lines;
}

describe('local executor: fail fast', () => {
  test('a shard failing with a data error stops the running shard, starts no other, and is the one reported', async () => {
    const ex = localExecutor({ projectRoot: root, dataDir: root, concurrency: 2, attempts: 3, backoffMs: 10, log });
    const order: ShardOutcome[] = [];
    const t0 = Date.now();
    const out = await ex.run([job('slow', 'A'), job('bad', 'B'), job('ok', 'C'), job('ok', 'D')], (x) => order.push(x));
    expect(Date.now() - t0).toBeLessThan(20_000); // A (30 s) was stopped, not waited for
    expect((await started()).sort()).toEqual(['bad B', 'slow A']); // C and D never started
    const byId = Object.fromEntries(out.map((x) => [x.id, x]));
    expect(byId.B).toMatchObject({ ok: false, exit_code: 3, attempts: 1, message: 'lake/raw/x.parquet row 7: field close is NaN' });
    expect(byId.B!.cancelled).toBeUndefined();
    expect(byId.A).toMatchObject({ ok: false, cancelled: true, attempts: 1, message: 'stopped: shard x/um/B failed for good' });
    expect(byId.C).toMatchObject({ ok: false, cancelled: true, attempts: 0, message: 'not started: shard x/um/B failed for good' });
    expect(byId.D).toMatchObject({ ok: false, cancelled: true, attempts: 0 });
    // the first failure reported (finishing order) that is not a cancellation is B's, although A comes first in job order
    expect(order.find((x) => !x.ok && !x.cancelled)?.id).toBe('B');
    expect(out.find((x) => !x.ok)?.id).toBe('A');
  }, 60_000);

  test('a shard whose retries are used up stops the run: later shards never start', async () => {
    const ex = localExecutor({ projectRoot: root, dataDir: root, concurrency: 1, attempts: 2, backoffMs: 10, log });
    const out = await ex.run([job('ok', 'A'), job('crash', 'B'), job('ok', 'C'), job('ok', 'D')], () => undefined);
    expect(await started()).toEqual(['ok A', 'crash B', 'crash B']);
    expect(out.map((x) => [x.id, x.ok, x.cancelled ?? false, x.attempts])).toEqual([
      ['A', true, false, 1], ['B', false, false, 2], ['C', false, true, 0], ['D', false, true, 0],
    ]);
    expect(out[1]).toMatchObject({ exit_code: 1, message: 'out of memory in shard B' });
  }, 60_000);

  test('without a failure every shard runs; cancel() stops the run and nothing is reported as failed', async () => {
    const ex = localExecutor({ projectRoot: root, dataDir: root, concurrency: 2, attempts: 1, backoffMs: 10, log });
    const out = await ex.run([job('ok', 'A'), job('ok', 'B'), job('ok', 'C')], () => undefined);
    expect(out.every((x) => x.ok && x.attempts === 1)).toBe(true);
    await started();
    const running = ex.run([job('slow', 'A'), job('slow', 'B'), job('ok', 'C')], () => undefined);
    await new Promise((r) => setTimeout(r, 1500));
    ex.cancel();
    const stopped = await running;
    expect(stopped.every((x) => !x.ok && x.cancelled)).toBe(true);
    expect(stopped.map((x) => x.message)).toEqual(['stopped: the run was interrupted', 'stopped: the run was interrupted', 'not started: the run was interrupted']);
  }, 60_000);
});
