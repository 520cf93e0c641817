/**
 * The strategy stages refuse bad input with a named error and an unchanged lake: a blueprint that fails its schema
 * or names an unknown feature, a walk-forward under costs cheaper than a blueprint was found under (dearer costs
 * are allowed, a recorded stress), a walk-forward window longer than the data. (An order the sizing cannot size or
 * the risk allocator cannot fit is a recorded decision or rejection, not an error: tests/dsl and tests/engine.)
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, expectFailure, snapshot } from './helpers.js';
import { WF, runNode, seedStrategyLake } from '../helpers/strategy_lake.js';


let work: string;
let seed: string;
let n = 0;


const node = (script: string, args: string[]) => runNode(script, args, 120_000);
const walkforward = (dataDir: string, params: Record<string, unknown> = WF, specDir = join(ROOT, 'spec')) =>
  node('stages/walkforward.js', ['--data_dir', dataDir, '--spec_dir', specDir, '--params_json', JSON.stringify(params)]);

async function copy(): Promise<string> {
  const d = join(work, `data-${++n}`);
  await cp(seed, d, { recursive: true });
  return d;
}

/** A copy of spec/ whose costs.yaml has `from` replaced by `to`. */
async function specWith(from: string, to: string): Promise<string> {
  const d = join(work, `spec-${++n}`);
  await cp(join(ROOT, 'spec'), d, { recursive: true });
  const file = join(d, 'costs.yaml');
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`costs.yaml has no ${from}`);
  await writeFile(file, text.replace(from, to));
  return d;
}

const BLUEPRINTS = 'research/blueprints/blueprints.jsonl';

async function editFirstBlueprint(dataDir: string, edit: (bp: Record<string, any>) => void): Promise<void> {
  const file = join(dataDir, BLUEPRINTS);
  const lines = (await readFile(file, 'utf8')).split('\n');
  const bp = JSON.parse(lines[0]!) as Record<string, any>;
  edit(bp);
  lines[0] = JSON.stringify(bp);
  await writeFile(file, lines.join('\n'));
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-bad-strategy-'));
  seed = join(work, 'seed');
  await seedStrategyLake(seed);
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('walkforward refuses bad blueprints', () => {
  test('the seed blueprints pass the walk-forward (the baseline the other cases break)', async () => {
    const r = await walkforward(await copy());
    if (r.exitCode !== 0) throw new Error(r.stderr);
  });

  test('a blueprint that fails its schema: exit 3 naming the file:line, the field and the value', async () => {
    const d = await copy();
    await editFirstBlueprint(d, (bp) => { bp.sizing = { method: 'all_in' }; });
    const before = await snapshot(d);
    const msg = expectFailure(await walkforward(d), 3, 'SpecError');
    expect(msg).toContain(`${BLUEPRINTS}:1`);
    expect(msg).toContain('sizing.method');
    expect(msg).toContain('all_in');
    expect(await snapshot(d)).toEqual(before);
  });

  test('a blueprint that names an unknown feature: exit 3 with the name and a did-you-mean', async () => {
    const d = await copy();
    await editFirstBlueprint(d, (bp) => {
      bp.strategy = { type: 'rule', entries: [{ when: { feature: 'ret_12x', op: '>', value: 0 }, side: 'long' }], exit: { horizon_bars: 12 } };
    });
    const msg = expectFailure(await walkforward(d), 3, 'SpecError');
    expect(msg).toContain(`${BLUEPRINTS}:1`);
    expect(msg).toContain('ret_12x');
    expect(msg).toContain('ret_12');
  });

  test('a walk-forward under cheaper costs than the blueprints were found under is refused, naming both digests and the field', async () => {
    const d = await copy();
    const meta = JSON.parse(await readFile(join(d, 'research/blueprints/blueprints.json'), 'utf8')) as { cost_digest: string };
    const spec = await specWith('taker_fee_bps: 5 ', 'taker_fee_bps: 4 '); // the current config is now cheaper
    const before = await snapshot(d);
    const r = await walkforward(d, WF, spec);
    const msg = expectFailure(r, 3, 'DataError');
    expect(msg).toContain(`found under costs ${meta.cost_digest} is refused under cheaper costs`);
    expect(msg).toMatch(/refused under cheaper costs [0-9a-f]{64}: venues\.binance\.um\.taker_fee_bps 4 \(current\) < 5 \(found\)/);
    expect(await snapshot(d)).toEqual(before);
  });

  test('dearer current costs are allowed and recorded as a stress', async () => {
    const d = await copy();
    const spec = await specWith('taker_fee_bps: 5 ', 'taker_fee_bps: 6 '); // the blueprints were found under lower fees
    const r = await walkforward(d, WF, spec);
    if (r.exitCode !== 0) throw new Error(r.stderr);
    const s = JSON.parse(await readFile(join(d, 'lake/walkforward/summary.json'), 'utf8')) as {
      blueprint_cost_digests: Record<string, { status: string; costlier: string[] }>;
    };
    const [status] = Object.values(s.blueprint_cost_digests);
    expect(status!.status).toBe('stress');
    expect(status!.costlier).toEqual(['venues.binance.um.taker_fee_bps 6 (current) > 5 (found)']);
  });
});

describe('walkforward windows', () => {
  test('a window longer than the data: exit 3 naming the lengths in bars and the data length', async () => {
    const d = await copy();
    const before = await snapshot(d);
    const msg = expectFailure(await walkforward(d, { ...WF, train_days: 2 }), 3, 'DataError');
    expect(msg).toContain('walk-forward window longer than the data: train 576 + embargo 576 + test 72 = 1224 bars, the data has 864 bars');
    expect(await snapshot(d)).toEqual(before);
  });

  test('an embargo shorter than the longest holding period is refused', async () => {
    const msg = expectFailure(await walkforward(await copy(), { ...WF, embargo_bars: 10 }), 3, 'DataError');
    expect(msg).toContain('embargo_bars 10 is shorter than the longest holding period of a blueprint (576 bars)');
  });
});
