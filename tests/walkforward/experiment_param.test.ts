/**
 * The walk-forward stage's experiment_spec / experiment_id params, through the real executable on the small
 * synthetic strategy lake: unset, the outputs are the plain stage's (no experiment key anywhere); set, every engine
 * run is held to the spec's exposure (the blocks reported in the manifest metrics and as a warning) and the book
 * changes; both set, or an unknown id, is exit 3 with the lake untouched. Run `npm run build` first.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WF, runNode, seedStrategyLake } from '../helpers/strategy_lake.js';

let work: string;
let seed: string;
let n = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-wf-exp-'));
  seed = join(work, 'seed');
  await seedStrategyLake(seed);
}, 300_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function copy(): Promise<string> {
  const d = join(work, `data-${++n}`);
  await cp(seed, d, { recursive: true });
  return d;
}

const wf = (d: string, extra: Record<string, unknown>) =>
  runNode('stages/walkforward.js', ['--data_dir', d, '--params_json', JSON.stringify({ ...WF, ...extra })], 180_000);

test('unset: the plain stage; set: held to the experiment, reported; bad params: exit 3', async () => {
  const plain = await copy();
  const r0 = await wf(plain, {});
  expect(r0.exitCode).toBe(0);
  expect(r0.stderr).not.toContain('held to the exposure of experiment');
  const s0 = await readFile(join(plain, 'lake/walkforward/summary.json'), 'utf8');
  expect(s0).not.toContain('experiment');

  const held = await copy();
  const r1 = await wf(held, { experiment_spec: 'experiments/micro_taker_breakout.yaml' });
  expect(r1.exitCode).toBe(0);
  const warn = r1.stderr.split('\n').filter((l) => l.includes('held to the exposure of experiment micro-taker-breakout-v1'));
  expect(warn.length).toBeGreaterThan(0);
  expect(warn[0]).toMatch(/full-grid runs: .*\w+ \d+/);
  const s1 = await readFile(join(held, 'lake/walkforward/summary.json'), 'utf8');
  expect(s1).not.toBe(s0); // the exposure changed what the blueprints could do

  const both = await copy();
  const before = await readdir(join(both, 'lake'));
  const r2 = await wf(both, { experiment_spec: 'experiments/micro_taker_breakout.yaml', experiment_id: 'x' });
  expect(r2.exitCode).toBe(3);
  expect(r2.stderr).toContain('experiment_spec and experiment_id are both set');
  expect(await readdir(join(both, 'lake'))).toEqual(before);

  const unknown = await wf(both, { experiment_id: 'no-such-experiment' });
  expect(unknown.exitCode).toBe(3);
  expect(unknown.stderr).toContain('no experiment \\"no-such-experiment\\"');
}, 600_000);
