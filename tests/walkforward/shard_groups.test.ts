/**
 * Issue 18: walk-forward shards are groups of (blueprint, window) cells in whole blueprints (lib/stages/walkforward
 * run.ts shardGroups): about shard_cells cells each, never more than four times the target, and cut where a blueprint id's
 * hash says so, so that adding or removing a blueprint changes the shard it is in (rarely a few), not every later
 * shard as count-based chunks would.
 */
import { describe, expect, test } from '@jest/globals';
import type { Blueprint } from '../../lib/dsl/index.js';
import { shardGroups, walkforwardShards } from '../../lib/stages/walkforward/run.js';
import { shardFingerprint, shardParts } from '../../lib/stage/shard_main.js';
import { digestJson } from '../../lib/hash.js';
import type { FingerprintParts } from '../../lib/stage/fingerprint.js';
import type { WalkforwardParams } from '../../lib/stages/walkforward/params.js';

const bps = Array.from({ length: 1000 }, (_, i) => ({ id: `bp-${(i * 2654435761 % 4294967296).toString(16).padStart(8, '0')}` }) as Blueprint);
const order = bps.map((_, i) => i);
const ids = (gs: number[][], from: readonly Blueprint[]) => gs.map((g) => g.map((i) => from[i]!.id).join(','));

describe('walk-forward shard groups', () => {
  test('whole blueprints in processing order, about shard_cells / windows each, at most four times that', () => {
    const gs = shardGroups(bps, order, 20, 100); // 5 blueprints x 20 windows = 100 cells a shard, on average
    expect(gs.flat()).toEqual(order);
    expect(Math.max(...gs.map((g) => g.length))).toBeLessThanOrEqual(20);
    const mean = bps.length / gs.length;
    expect(mean).toBeGreaterThan(3.5);
    expect(mean).toBeLessThan(6.5);
    // fewer cells than windows: one blueprint a shard (its windows are never split)
    expect(shardGroups(bps, order, 20, 7)).toEqual(order.map((i) => [i]));
    expect(shardGroups([], [], 20, 100)).toEqual([]);
  });

  test('removing any one blueprint changes at most a few shards; the others keep their exact membership', () => {
    const before = new Set(ids(shardGroups(bps, order, 20, 100), bps));
    let worst = 0;
    let total = 0;
    for (let k = 0; k < bps.length; k += 7) {
      const rest = bps.filter((_, i) => i !== k);
      const after = ids(shardGroups(rest, rest.map((_, i) => i), 20, 100), rest);
      const changed = after.filter((g) => !before.has(g)).length;
      worst = Math.max(worst, changed);
      total += changed;
    }
    expect(worst).toBeLessThanOrEqual(5);
    expect(total / Math.ceil(bps.length / 7)).toBeLessThan(1.5);
    // count-based chunks of 5 would change every shard after the removed blueprint
    const chunks = (n: number) => Array.from({ length: Math.ceil(n / 5) }, (_, c) => Array.from({ length: Math.min(5, n - 5 * c) }, (_, j) => 5 * c + j));
    const rest = bps.slice(1);
    expect(ids(chunks(rest.length), rest).filter((g) => !new Set(ids(chunks(bps.length), bps)).has(g)).length).toBe(200);
  });
});

describe('walk-forward shard fingerprints', () => {
  const params = {
    timeframe: '5m', mode: 'rolling', train_days: 30, test_days: 15, last_window: 'partial', embargo: 'auto', top_k: 3, min_train_trades: 5, min_train_sharpe: 0, train_sharpe_floor: 'expected_max',
    capital_usd: 100000, max_gross_leverage: 2, cost_multipliers: [0, 1, 2], pbo_splits: 16, benchmark_symbol: 'BTCUSDT',
    venue_for: { synthetic: 'binance' }, allow_cheaper_costs: false, shard_cells: 2000,
  } as WalkforwardParams;
  const parts = (p: WalkforwardParams): FingerprintParts => ({
    code: 'c', lockfile: 'l', node: 'v20', params: digestJson(p), specs: {}, inputs: { 'research/blueprints': 'b' }, external: {}, costs: 'k',
  });
  const spec = walkforwardShards();
  const fp = (p: WalkforwardParams) => shardFingerprint('walkforward', shardParts(spec, parts(p), p), { label: 'bp-a .. bp-b', input_digest: 'i' }, 'prep');

  test('the selection rule, cost multipliers, PBO splits and shard size only rerun the reduce: the shards keep their fingerprint', () => {
    const base = fp(params);
    for (const change of [{ top_k: 1 }, { min_train_trades: 0 }, { min_train_sharpe: -1 }, { cost_multipliers: [1] }, { pbo_splits: 8 }, { shard_cells: 10 }]) {
      expect(fp({ ...params, ...change } as WalkforwardParams)).toBe(base);
    }
  });

  test('what pass 1 reads changes every shard: capital, leverage cap, windows, venues, an experiment', () => {
    const base = fp(params);
    for (const change of [{ capital_usd: 50000 }, { max_gross_leverage: 1 }, { train_days: 20 }, { test_days: 10 }, { step_days: 5 }, { embargo: '1d' },
      { mode: 'anchored' }, { venue_for: { synthetic: 'okx' } }, { experiment_id: 'e1' }, { benchmark_symbol: 'ETHUSDT' }]) {
      expect(fp({ ...params, ...change } as WalkforwardParams)).not.toBe(base);
    }
  });
});
