import { describe, expect, test } from '@jest/globals';
import { DataError } from '../../lib/errors.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import {
  FALSE, TRUE, UNKNOWN, attributesJson, detectEvents, directionSigns, evaluateCondition, parseEventSpecs,
  type Condition, type EventSet, type EventSpec,
} from '../../lib/events/index.js';
import { f64, grid } from './helpers.js';

const T = TRUE;
const F = FALSE;
const U = UNKNOWN;

function cond(c: Condition, features: Record<string, Float64Array>): number[] {
  const n = Object.values(features)[0]!.length;
  return Array.from(evaluateCondition(c, features, n));
}

function ev(name: string, condition: Condition, over: Partial<EventSpec> = {}): EventSpec {
  return {
    name, family: over.family ?? 'fam', description: '', condition, direction: over.direction ?? { type: 'long' },
    cooldown_bars: over.cooldown_bars ?? 0, attributes: over.attributes ?? [], source: { file: 'test', line: 1, col: 1 },
  };
}

const gt = (feature: string, value: number): Condition => ({ type: 'compare', feature, op: '>', rhs: { value } });

describe('conditions (three-valued logic)', () => {
  test('each comparison operator against a constant; NaN gives UNKNOWN', () => {
    const x = f64([1, 2, 3, NaN, -0]);
    const cases: [string, number[]][] = [
      ['>', [F, F, T, U, F]],
      ['>=', [F, T, T, U, F]],
      ['<', [T, F, F, U, T]],
      ['<=', [T, T, F, U, T]],
      ['==', [F, T, F, U, F]],
      ['!=', [T, F, T, U, T]],
    ];
    for (const [op, want] of cases) {
      expect(cond({ type: 'compare', feature: 'x', op: op as '>', rhs: { value: 2 } }, { x })).toEqual(want);
    }
    // -0 == 0 under IEEE-754 comparison.
    expect(cond({ type: 'compare', feature: 'x', op: '==', rhs: { value: 0 } }, { x })).toEqual([F, F, F, U, T]);
  });

  test('comparison with another feature: UNKNOWN when either side is missing', () => {
    const x = f64([1, 2, NaN, 4]);
    const y = f64([0, 3, 1, NaN]);
    expect(cond({ type: 'compare', feature: 'x', op: '>', rhs: { feature: 'y' } }, { x, y })).toEqual([T, F, U, U]);
  });

  test('abs_gt is strict and UNKNOWN on NaN', () => {
    const z = f64([3, -3, 3.0001, -4, NaN, 0]);
    expect(cond({ type: 'abs_gt', feature: 'z', value: 3 }, { z })).toEqual([F, F, T, T, U, F]);
  });

  test('not keeps UNKNOWN unknown: an event never fires on missing data', () => {
    const x = f64([1, 3, NaN]);
    const c: Condition = { type: 'not', of: gt('x', 2) };
    expect(cond(c, { x })).toEqual([T, F, U]);
    const rows = detectEvents({ events: [ev('e', c)] }, grid(3), { x });
    expect(Array.from(rows.ts_ms)).toEqual([grid(3)[0]]);
  });

  test('all / any follow Kleene\'s strong three-valued logic (the SQL AND / OR truth tables)', () => {
    // Kleene (1952), Introduction to Metamathematics, section 64; the same tables as SQL's AND/OR with NULL.
    // Bars enumerate every (a, b) pair of truth values; a > 0 is T for 1, F for -1, U for NaN.
    const vals = [1, -1, NaN];
    const a = f64(vals.flatMap((v) => [v, v, v]));
    const b = f64([...vals, ...vals, ...vals]);
    const and = [T, F, U, F, F, F, U, F, U];
    const or = [T, T, T, T, F, U, T, U, U];
    expect(cond({ type: 'all', of: [gt('a', 0), gt('b', 0)] }, { a, b })).toEqual(and);
    expect(cond({ type: 'any', of: [gt('a', 0), gt('b', 0)] }, { a, b })).toEqual(or);
    // De Morgan holds in Kleene logic: not(all(a, b)) == any(not a, not b).
    const lhs = cond({ type: 'not', of: { type: 'all', of: [gt('a', 0), gt('b', 0)] } }, { a, b });
    const rhs = cond({ type: 'any', of: [{ type: 'not', of: gt('a', 0) }, { type: 'not', of: gt('b', 0) }] }, { a, b });
    expect(lhs).toEqual(rhs);
    // A single child is the child itself.
    expect(cond({ type: 'all', of: [gt('a', 0)] }, { a, b })).toEqual(cond(gt('a', 0), { a, b }));
  });

  test('cross_above: x[t-1] <= v and x[t] > v, both bars present; UNKNOWN at t = 0', () => {
    // t:         0    1    2    3    4    5    6    7    8    9
    const x = f64([0, 0.5, 1, 1, 0.4, 2, NaN, 3, 0, 0.5]);
    // t=1: 0 -> 0.5 is not > 0.5; t=2: 0.5 (<= 0.5) -> 1 crosses; t=5: 0.4 -> 2 crosses;
    // t=6, 7: a missing bar on either side; t=9: 0 -> 0.5 does not exceed.
    expect(cond({ type: 'cross_above', feature: 'x', rhs: { value: 0.5 } }, { x })).toEqual([U, F, T, F, F, T, U, U, F, F]);
    // cross_below: x[t-1] >= v and x[t] < v. t=4: 1 -> 0.4; t=8: 3 -> 0.
    expect(cond({ type: 'cross_below', feature: 'x', rhs: { value: 0.5 } }, { x })).toEqual([U, F, F, F, T, F, U, U, T, F]);
  });

  test('crossing another feature compares x - y at t-1 and t', () => {
    const x = f64([1, 2, 3, 3, 1, 5]);
    const y = f64([2, 2, 2, NaN, 2, 2]);
    expect(cond({ type: 'cross_above', feature: 'x', rhs: { feature: 'y' } }, { x, y })).toEqual([U, F, T, U, U, T]);
    expect(cond({ type: 'cross_below', feature: 'x', rhs: { feature: 'y' } }, { x, y })).toEqual([U, F, F, U, U, F]);
  });
});

describe('directions', () => {
  test('long, short, sign_of, opposite_sign_of (0 and NaN give 0: no event)', () => {
    const r = f64([0.2, -0.1, 0, NaN, -0]);
    expect(Array.from(directionSigns({ type: 'long' }, { r }, 5))).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(directionSigns({ type: 'short' }, { r }, 5))).toEqual([-1, -1, -1, -1, -1]);
    expect(Array.from(directionSigns({ type: 'sign_of', feature: 'r' }, { r }, 5))).toEqual([1, -1, 0, 0, 0]);
    expect(Array.from(directionSigns({ type: 'opposite_sign_of', feature: 'r' }, { r }, 5))).toEqual([-1, 1, 0, 0, 0]);
  });

  test('an event whose direction is 0 does not fire and does not start a cooldown', () => {
    const x = f64([1, 1, 1, 1, 1]);
    const r = f64([0, NaN, -2, 3, 4]);
    const rows = detectEvents({ events: [ev('e', gt('x', 0), { direction: { type: 'sign_of', feature: 'r' }, cooldown_bars: 1 })] }, grid(5), { x, r });
    expect(Array.from(rows.ts_ms)).toEqual([grid(5)[2], grid(5)[4]]);
    expect(Array.from(rows.direction)).toEqual([-1, 1]);
  });
});

describe('cooldown', () => {
  const always = (n: number) => ({ x: new Float64Array(n).fill(1) });
  const firedBars = (rows: { ts_ms: Float64Array }, ts: Float64Array) => Array.from(rows.ts_ms, (t) => ts.indexOf(t));

  test('counts from the last FIRED event: a condition true on every bar fires every cooldown + 1 bars', () => {
    const ts = grid(12);
    for (const [cd, want] of [[0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]], [1, [0, 2, 4, 6, 8, 10]], [3, [0, 4, 8]], [11, [0]], [12, [0]]] as const) {
      const rows = detectEvents({ events: [ev('e', gt('x', 0), { cooldown_bars: cd })] }, ts, always(12));
      expect(firedBars(rows, ts)).toEqual(want);
    }
  });

  test('blocks exactly bars t+1..t+cooldown; blocked true bars do not extend it; per event name', () => {
    const ts = grid(12);
    const x = f64([1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1]);
    // cooldown 3: fire 0; 3 is blocked (3 - 0 = 3); 4 fires; 8 fires (8 - 4 = 4 > 3); 9 blocked; 11 blocked (11 - 8 = 3).
    const set: EventSet = { events: [ev('a', gt('x', 0), { cooldown_bars: 3 }), ev('b', gt('x', 0), { cooldown_bars: 0 })] };
    const rows = detectEvents(set, ts, { x });
    const byName = (name: string) => firedBars({ ts_ms: Float64Array.from(rows.ts_ms.filter((_, i) => rows.event[i] === name)) }, ts);
    expect(byName('a')).toEqual([0, 4, 8]);
    expect(byName('b')).toEqual([0, 3, 4, 8, 9, 11]);
  });

  test('the planted breakout rule "no event in bars t-288..t-1" is cooldown 288', () => {
    // lib/ingest/synthetic/planter.ts fires when t - lastBreakout > 288; here the condition holds on every bar.
    const n = 1000;
    const ts = grid(n);
    const rows = detectEvents({ events: [ev('e', gt('x', 0), { cooldown_bars: 288 })] }, ts, always(n));
    expect(firedBars(rows, ts)).toEqual([0, 289, 578, 867]);
  });
});

describe('rows', () => {
  test('sorted by ts then event name (code-point order), with family, direction and attributes', () => {
    const ts = grid(3);
    const x = f64([1, 0, 2]);
    const y = f64([0.1, NaN, -0.25]);
    const set: EventSet = {
      events: [
        ev('zeta', gt('x', 0), { family: 'f2', direction: { type: 'short' }, attributes: ['y', 'x'] }),
        ev('Alpha_upper', gt('x', 1), { family: 'f1' }),
        ev('alpha', gt('x', 0), { family: 'f1', attributes: ['y'] }),
      ],
    };
    const rows = detectEvents(set, ts, { x, y });
    expect(Array.from(rows.ts_ms)).toEqual([ts[0], ts[0], ts[2], ts[2], ts[2]]);
    expect(rows.event).toEqual(['alpha', 'zeta', 'Alpha_upper', 'alpha', 'zeta']);
    expect(rows.family).toEqual(['f1', 'f2', 'f1', 'f1', 'f2']);
    expect(Array.from(rows.direction)).toEqual([1, -1, 1, 1, -1]);
    expect(rows.attributes).toEqual(['{"y":0.1}', '{"x":1,"y":0.1}', '{}', '{"y":-0.25}', '{"x":2,"y":-0.25}']);
  });

  test('attributes: keys sorted, shortest round-trip numbers, null for missing, -0 as 0', () => {
    const vals = [0.1 + 0.2, 1e-7, 123456789012345, -0, NaN, Infinity, 1 / 3, 5e-324];
    const features: Record<string, Float64Array> = {};
    vals.forEach((v, i) => (features[`f${i}`] = f64([v])));
    const json = attributesJson({ attributes: Object.keys(features).reverse() }, features, 0);
    expect(json).toBe(
      '{"f0":0.30000000000000004,"f1":1e-7,"f2":123456789012345,"f3":0,"f4":null,"f5":null,"f6":0.3333333333333333,"f7":5e-324}',
    );
    // ECMA-262 Number::toString is the shortest string that round-trips: parsing gives back the same doubles.
    const back = JSON.parse(json) as Record<string, number | null>;
    for (const i of [0, 1, 2, 6, 7]) expect(back[`f${i}`]).toBe(vals[i]);
  });

  test('no events: empty typed arrays', () => {
    const rows = detectEvents({ events: [ev('e', gt('x', 5))] }, grid(4), { x: f64([1, 2, 3, 4]) });
    expect(rows.ts_ms).toHaveLength(0);
    expect(rows.direction).toBeInstanceOf(Int32Array);
    expect(rows.event).toEqual([]);
  });
});

describe('point in time', () => {
  /** A random event set over random features with gaps: crossings, cooldowns, sign directions, attributes. */
  function randomCase(n: number, seed: number) {
    const rng = Xoshiro128ss.fromSeed(seed, 0);
    const feat = (missing: number) => Float64Array.from({ length: n }, () => (rng.uniform() < missing ? NaN : rng.uniform() * 2 - 1));
    const features = { a: feat(0.05), b: feat(0.2), c: feat(0) };
    const text = `events:
  - {name: up, family: x, condition: {cross_above: {feature: a, other_feature: b}}, direction: long, cooldown_bars: 7, attributes: [a, b]}
  - {name: down, family: x, condition: {all: [{cross_below: {feature: a, value: 0}}, {not: {feature: b, op: '>', value: 0.5}}]}, direction: {sign_of: c}, cooldown_bars: 3}
  - {name: spike, family: y, condition: {any: [{abs_gt: {feature: c, value: 0.95}}, {feature: b, op: '<', other_feature: a}]}, direction: {opposite_sign_of: a}, cooldown_bars: 20, attributes: [c]}
`;
    const set = parseEventSpecs([{ file: 'r.yaml', text }], new Set(['a', 'b', 'c']));
    return { set, features, ts: grid(n) };
  }

  test('events on a prefix of the bars equal the full run\'s events before the cut; later data never changes them', () => {
    const n = 3000;
    const { set, features, ts } = randomCase(n, 42);
    const full = detectEvents(set, ts, features);
    expect(full.ts_ms.length).toBeGreaterThan(300);
    for (const cut of [1, 2, 17, 500, 1499, 2999]) {
      const prefix = detectEvents(set, ts.subarray(0, cut), Object.fromEntries(Object.entries(features).map(([k, v]) => [k, v.subarray(0, cut)])));
      const keep = full.ts_ms.findIndex((t) => t >= ts[cut]!);
      const k = keep < 0 ? full.ts_ms.length : keep;
      expect(Array.from(prefix.ts_ms)).toEqual(Array.from(full.ts_ms.subarray(0, k)));
      expect(prefix.event).toEqual(full.event.slice(0, k));
      expect(Array.from(prefix.direction)).toEqual(Array.from(full.direction.subarray(0, k)));
      expect(prefix.attributes).toEqual(full.attributes.slice(0, k));
      // Scrambling everything from the cut on leaves the earlier events as they were.
      const scrambled = Object.fromEntries(Object.entries(features).map(([key, v]) => [key, v.map((x, i) => (i >= cut ? -x * 3 + 0.1 : x))]));
      const again = detectEvents(set, ts, scrambled);
      const k2 = again.ts_ms.findIndex((t) => t >= ts[cut]!);
      expect(again.event.slice(0, k2 < 0 ? again.event.length : k2)).toEqual(full.event.slice(0, k));
    }
  });
});

describe('bad input', () => {
  test('a missing or misaligned feature column is a DataError naming the feature', () => {
    const set: EventSet = { events: [ev('e', gt('x', 0), { attributes: ['y'] })] };
    expect(() => detectEvents(set, grid(2), { x: f64([1, 2]) })).toThrow(DataError);
    expect(() => detectEvents(set, grid(2), { x: f64([1, 2]) })).toThrow('y: feature column missing (needed by event e)');
    expect(() => detectEvents(set, grid(2), { x: f64([1, 2]), y: f64([1]) })).toThrow('y: feature column has 1 rows, the bar grid 2');
  });

  test('the bar grid must be strictly increasing with one step', () => {
    const set: EventSet = { events: [ev('e', gt('x', 0))] };
    const x = f64([1, 1, 1]);
    expect(() => detectEvents(set, f64([0, 300_000, 900_000]), { x })).toThrow('ts_ms: bar grid is not regular at row 2 (step 600000 ms, expected 300000 ms), was 900000');
    expect(() => detectEvents(set, f64([0, 0, 0]), { x })).toThrow(DataError);
    expect(() => detectEvents(set, f64([600_000, 300_000, 0]), { x })).toThrow('not regular at row 1');
  });
});
