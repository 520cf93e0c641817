/**
 * Issue 12: detectEvents evaluates each distinct condition and direction once (variants share them), runs one pass
 * per event and orders the rows by (bar, event) with a numeric sort. These tests hold it to a plain reference
 * implementation of the rules (the pre-issue-12 loop: bars outer, events inner, a comparator per bar) on random
 * features with NaNs, every operator, crossings, nested all/any/not, shared conditions, direction variants and
 * cooldowns: same rows, same order, same attributes, same cooldown counts.
 */
import { describe, expect, test } from '@jest/globals';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import {
  FALSE, TRUE, UNKNOWN, attributesJson, detectEvents, directionSigns, evaluateCondition, type Condition, type EventSet, type EventSpec,
} from '../../lib/events/index.js';
import { grid } from './helpers.js';

const OPS = ['>', '>=', '<', '<=', '==', '!='] as const;

function refCondition(c: Condition, f: Record<string, Float64Array>, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const kids = c.type === 'all' || c.type === 'any' ? c.of.map((ch) => refCondition(ch, f, n)) : c.type === 'not' ? [refCondition(c.of, f, n)] : [];
  const cmp = (op: string, a: number, b: number) =>
    op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : op === '<=' ? a <= b : op === '==' ? a === b : a !== b;
  for (let t = 0; t < n; t++) {
    switch (c.type) {
      case 'compare': {
        const a = f[c.feature]![t]!;
        const b = 'value' in c.rhs ? c.rhs.value : f[c.rhs.feature]![t]!;
        out[t] = Number.isNaN(a) || Number.isNaN(b) ? UNKNOWN : cmp(c.op, a, b) ? TRUE : FALSE;
        break;
      }
      case 'abs_gt': {
        const a = f[c.feature]![t]!;
        out[t] = Number.isNaN(a) ? UNKNOWN : Math.abs(a) > c.value ? TRUE : FALSE;
        break;
      }
      case 'cross_above':
      case 'cross_below': {
        if (t === 0) { out[t] = UNKNOWN; break; }
        const x = f[c.feature]!;
        const v = (k: number) => ('value' in c.rhs ? c.rhs.value : f[c.rhs.feature]![k]!);
        const [x0, x1, v0, v1] = [x[t - 1]!, x[t]!, v(t - 1), v(t)];
        if ([x0, x1, v0, v1].some(Number.isNaN)) out[t] = UNKNOWN;
        else out[t] = (c.type === 'cross_above' ? x0 <= v0 && x1 > v1 : x0 >= v0 && x1 < v1) ? TRUE : FALSE;
        break;
      }
      case 'all':
      case 'any': {
        const vals = kids.map((k) => k[t]!);
        const absorbing = c.type === 'all' ? FALSE : TRUE;
        out[t] = vals.includes(absorbing) ? absorbing : vals.includes(UNKNOWN) ? UNKNOWN : c.type === 'all' ? TRUE : FALSE;
        break;
      }
      case 'not': {
        const s = kids[0]![t]!;
        out[t] = s === TRUE ? FALSE : s === FALSE ? TRUE : UNKNOWN;
        break;
      }
    }
  }
  return out;
}

/** The rules, bar by bar: events sorted by name, bars outer, events inner, cooldown from the last fired bar. */
function refDetect(set: EventSet, ts: Float64Array, f: Record<string, Float64Array>) {
  const n = ts.length;
  const events = [...set.events].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const masks = events.map((e) => refCondition(e.condition, f, n));
  const signs = events.map((e) => {
    const s = directionSigns(e.direction, f, n);
    if (e.side !== undefined) for (let t = 0; t < n; t++) if (s[t] !== e.side) s[t] = 0;
    return s;
  });
  const last = events.map(() => -Infinity);
  const rows: { ts: number; event: string; family: string; direction: number; attributes: string }[] = [];
  const cooldown: Record<string, { kept: number; removed: number }> = Object.fromEntries(events.map((e) => [e.name, { kept: 0, removed: 0 }]));
  for (let t = 0; t < n; t++) {
    events.forEach((e, k) => {
      if (masks[k]![t] !== TRUE || signs[k]![t] === 0) return;
      if (t - last[k]! <= e.cooldown_bars) { cooldown[e.name]!.removed++; return; }
      last[k] = t;
      cooldown[e.name]!.kept++;
      rows.push({ ts: ts[t]!, event: e.name, family: e.family, direction: signs[k]![t]!, attributes: attributesJson(e, f, t) });
    });
  }
  return { rows, cooldown };
}

function randomFeatures(n: number, seed: number): Record<string, Float64Array> {
  const rng = Xoshiro128ss.fromSeed(seed, 3);
  const f: Record<string, Float64Array> = {};
  for (const name of ['a', 'b', 'c']) {
    const x = new Float64Array(n);
    let v = 0;
    for (let t = 0; t < n; t++) {
      v = 0.9 * v + rng.normal();
      // NaN runs and single NaNs, exact repeats (for == and !=), -0
      x[t] = rng.uniform() < 0.03 ? NaN : rng.uniform() < 0.05 ? 1 : rng.uniform() < 0.01 ? -0 : Math.round(v * 4) / 4;
    }
    f[name] = x;
  }
  return f;
}

function spec(name: string, condition: Condition, over: Partial<EventSpec> = {}): EventSpec {
  return {
    name, family: over.family ?? name.split('_')[0]!, description: '', condition, direction: over.direction ?? { type: 'sign_of', feature: 'c' },
    cooldown_bars: over.cooldown_bars ?? 0, attributes: over.attributes ?? ['c', 'a'], source: { file: 'test', line: 1, col: 1 },
    ...(over.side !== undefined ? { side: over.side } : {}),
  };
}

describe('detectEvents against the bar-by-bar reference', () => {
  const shared: Condition = { type: 'all', of: [{ type: 'abs_gt', feature: 'a', value: 1 }, { type: 'not', of: { type: 'compare', feature: 'b', op: '<', rhs: { value: -0.5 } } }] };
  const events: EventSpec[] = [
    ...OPS.map((op, i) => spec(`cmp_${i}`, { type: 'compare', feature: 'a', op, rhs: { value: 1 } }, { cooldown_bars: i })),
    ...OPS.map((op, i) => spec(`cmpf_${i}`, { type: 'compare', feature: 'a', op, rhs: { feature: 'b' } }, { direction: { type: 'long' } })),
    spec('x_up', { type: 'cross_above', feature: 'a', rhs: { value: 0.5 } }, { cooldown_bars: 3 }),
    spec('x_dn', { type: 'cross_below', feature: 'a', rhs: { feature: 'b' } }, { direction: { type: 'opposite_sign_of', feature: 'b' } }),
    // every crossing form (each is a loop of its own in detect.ts): below a constant, above another feature
    spec('x_dn_v', { type: 'cross_below', feature: 'b', rhs: { value: -0.25 } }, { direction: { type: 'sign_of', feature: 'a' } }),
    spec('x_up_f', { type: 'cross_above', feature: 'b', rhs: { feature: 'c' } }, { direction: { type: 'short' } }),
    // variants: one condition and direction, several cooldowns and sides (evaluated once, filtered apart)
    spec('v_base', shared, { cooldown_bars: 12 }),
    spec('v_base_cd2', shared, { cooldown_bars: 2 }),
    spec('v_base_up', shared, { cooldown_bars: 12, side: 1 }),
    spec('v_base_down', shared, { cooldown_bars: 12, side: -1 }),
    spec('any_nested', { type: 'any', of: [shared, { type: 'cross_above', feature: 'c', rhs: { feature: 'a' } }] }, { direction: { type: 'short' }, attributes: [] }),
  ];
  const set = { events } as unknown as EventSet;

  for (const seed of [1, 2]) {
    test(`seed ${seed}: same rows in the same order, same cooldown counts`, () => {
      const n = 3000;
      const f = randomFeatures(n, seed);
      const ts = grid(n);
      const got = detectEvents(set, ts, f);
      const want = refDetect(set, ts, f);
      expect(want.rows.length).toBeGreaterThan(600);
      expect(got.event).toEqual(want.rows.map((r) => r.event));
      expect(Array.from(got.ts_ms)).toEqual(want.rows.map((r) => r.ts));
      expect(got.family).toEqual(want.rows.map((r) => r.family));
      expect(Array.from(got.direction)).toEqual(want.rows.map((r) => r.direction));
      expect(got.attributes).toEqual(want.rows.map((r) => r.attributes));
      expect(got.cooldown).toEqual(want.cooldown);
    });
  }

  test('attribute strings: JSON.stringify\'s form for every kind of number (exponents, -0, subnormals, NaN, infinities), keys sorted', () => {
    const vals = [0, -0, 1, -1.5, 0.1, 1 / 3, 1e21, 1e-7, 123456789012345680000, 5e-324, -1.7976931348623157e308, NaN, Infinity, -Infinity, 2 ** 53 + 2];
    const n = vals.length;
    const f = { zz: Float64Array.from(vals), a: Float64Array.from(vals).reverse(), m: new Float64Array(n).fill(NaN) };
    const ev = spec('every_bar', { type: 'compare', feature: 'zz', op: '!=', rhs: { value: 12345 } }, { direction: { type: 'long' }, attributes: ['zz', 'm', 'a'] });
    const got = detectEvents({ events: [ev] } as unknown as EventSet, grid(n), f);
    expect(got.attributes.length).toBe(vals.filter((v) => !Number.isNaN(v)).length);
    for (let i = 0; i < got.attributes.length; i++) {
      const t = (got.ts_ms[i]! - grid(n)[0]!) / (grid(n)[1]! - grid(n)[0]!);
      expect(got.attributes[i]).toBe(attributesJson(ev, f, t));
      expect(got.attributes[i]).toBe(`{"a":${JSON.stringify(Number.isFinite(f.a[t]!) ? f.a[t] : null)},"m":null,"zz":${JSON.stringify(Number.isFinite(f.zz[t]!) ? f.zz[t] : null)}}`);
    }
  });

  test('all / any of every pair of truth values, at every offset of a 32-bit word and in the tail: the Kleene tables', () => {
    // a, b: each bar's pair of truth values (x NaN -> UNKNOWN, x > 0 -> TRUE, else FALSE), all 9 pairs in turn
    const vals = [-1, 1, NaN];
    for (const n of [1, 2, 3, 4, 5, 7, 9, 18, 37, 4003]) {
      const a = Float64Array.from({ length: n }, (_, t) => vals[t % 3]!);
      const b = Float64Array.from({ length: n }, (_, t) => vals[Math.floor(t / 3) % 3]!);
      const f = { a, b, c: Float64Array.from({ length: n }, (_, t) => vals[(t * 7) % 3]!) };
      const leaf = (feature: string): Condition => ({ type: 'compare', feature, op: '>', rhs: { value: 0 } });
      for (const type of ['all', 'any'] as const) {
        const c: Condition = { type, of: [leaf('a'), leaf('b'), leaf('c')] };
        expect(Array.from(evaluateCondition(c, f, n))).toEqual(Array.from(refCondition(c, f, n)));
      }
    }
  });

  test('direction signs, bar by bar: sign_of and opposite_sign_of give 0 for zero, -0 and NaN', () => {
    const f = randomFeatures(500, 4);
    for (const [type, k] of [['sign_of', 1], ['opposite_sign_of', -1]] as const) {
      const got = directionSigns({ type, feature: 'b' }, f, 500);
      expect(Array.from(got)).toEqual(Array.from(f.b!, (x) => (x > 0 ? k : x < 0 ? -k : 0)));
    }
    expect(Array.from(directionSigns({ type: 'short' }, f, 3))).toEqual([-1, -1, -1]);
  });

  test('a condition shared by several events is evaluated once per cache; masks match the reference', () => {
    const n = 2000;
    const f = randomFeatures(n, 9);
    const cache = new Map<string, Uint8Array>();
    for (const e of events) expect(Array.from(evaluateCondition(e.condition, f, n, cache))).toEqual(Array.from(refCondition(e.condition, f, n)));
    // distinct top-level conditions + the sub-conditions of all/any/not (shared ones counted once)
    const distinct = new Set<string>();
    const walk = (c: Condition): void => {
      distinct.add(JSON.stringify(c));
      if (c.type === 'all' || c.type === 'any') c.of.forEach(walk);
      if (c.type === 'not') walk(c.of);
    };
    events.forEach((e) => walk(e.condition));
    expect(cache.size).toBe(distinct.size);
    expect(cache.size).toBeLessThan(events.length + 4);
  });
});
