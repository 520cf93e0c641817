import { describe, expect, test } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { detectEvents, expandVariantNames, loadEventSpecs, parseEventSpecs, type EventSet } from '../../lib/events/index.js';
import { loadCatalog } from '../../lib/research/catalog.js';
import { withTempDir } from '../helpers/tmp.js';
import { f64, grid, issuesOf } from './helpers.js';

const KNOWN = new Set(['z', 'ret_1', 'vol', 'x']);

/** One shock entry: |z| > 4, direction = sign of ret_1, cooldown 3, with the given variants block (YAML flow). */
function shockSpec(variants: string, extra = ''): string {
  return `events:
  - name: shock
    family: shock
    condition: {abs_gt: {feature: z, value: 4}}
    direction: {sign_of: ret_1}
    cooldown_bars: 3
    variants: ${variants}
${extra}`;
}

describe('event variants: expansion', () => {
  test('threshold x cooldown x direction: one event per combination, the entry\'s own values keep its name', () => {
    const set = parseEventSpecs([{ file: 'e.yaml', text: shockSpec('{direction: [both, up, down], cooldown_bars: [3, 12], threshold: {feature: z, values: [4, 2.5]}}') }], KNOWN);
    expect(set.events.map((e) => e.name)).toEqual([
      'shock', 'shock_cd12', 'shock_cd12_down', 'shock_cd12_up', 'shock_down',
      'shock_t2p5', 'shock_t2p5_cd12', 'shock_t2p5_cd12_down', 'shock_t2p5_cd12_up', 'shock_t2p5_down', 'shock_t2p5_up', 'shock_up',
    ]);
    const byName = new Map(set.events.map((e) => [e.name, e]));
    const v = byName.get('shock_t2p5_cd12_down')!;
    expect(v.condition).toEqual({ type: 'abs_gt', feature: 'z', value: 2.5 });
    expect(v.cooldown_bars).toBe(12);
    expect(v.side).toBe(-1);
    expect(v.variant).toEqual({ of: 'shock', direction: 'down', cooldown_bars: 12, threshold: { feature: 'z', value: 2.5 } });
    expect(byName.get('shock')!.side).toBeUndefined();
    expect(byName.get('shock_up')!.side).toBe(1);
    expect(byName.get('shock')!.condition).toEqual({ type: 'abs_gt', feature: 'z', value: 4 });
    // A list without the entry's own value drops the entry's name.
    const only = parseEventSpecs([{ file: 'e.yaml', text: shockSpec('{direction: [down]}') }], KNOWN);
    expect(only.events.map((e) => e.name)).toEqual(['shock_down']);
    expect(numberNames([-0.001, 1e-7])).toEqual(['x_t1em7', 'x_tm0p001']);
  });

  test('the templates stage\'s catalog lists exactly the names the events loader generates', async () => {
    await withTempDir(async (d) => {
      await mkdir(join(d, 'events'));
      await writeFile(join(d, 'events', 'a.yaml'), shockSpec('{direction: [both, down], cooldown_bars: [3, 72]}', `  - name: plain
    family: shock
    condition: {feature: x, op: '>', value: 1}
    direction: long
    cooldown_bars: 0
`));
      const set = await loadEventSpecs(join(d, 'events'), KNOWN);
      const catalog = await loadCatalog(d);
      expect(catalog.eventFamilies.get('shock')).toEqual(set.events.map((e) => e.name));
      expect(catalog.eventFamilies.get('shock')).toEqual(['plain', 'shock', 'shock_cd72', 'shock_cd72_down', 'shock_down']);
    });
  });
});

function numberNames(values: number[]): string[] {
  return expandVariantNames({ name: 'x', cooldown_bars: 0, condition: { feature: 'x', op: '>', value: 1 }, variants: { threshold: { feature: 'x', values } } }).map((c) => c.name);
}

describe('event variants: detection', () => {
  // Shocks (|z| > 4) at bars 5 (up), 7 (down), 9 (down), 20 (down), 30 (up); cooldown 3 bars.
  const n = 40;
  const ts = grid(n);
  const z = new Float64Array(n);
  const ret = new Float64Array(n).fill(0.001);
  for (const [t, sign] of [[5, 1], [7, -1], [9, -1], [20, -1], [30, 1]] as const) {
    z[t] = 5 * sign;
    ret[t] = 0.01 * sign;
  }
  const features = { z, ret_1: ret };
  const set: EventSet = parseEventSpecs([{ file: 'e.yaml', text: shockSpec('{direction: [both, up, down]}') }], KNOWN);
  const at = (rows: ReturnType<typeof detectEvents>, name: string) =>
    Array.from(rows.ts_ms).flatMap((t, i) => (rows.event[i] === name ? [[(t - ts[0]!) / 300_000, rows.direction[i]]] : []));

  test('a down variant fires only on down moves, and its cooldown counts from its own occurrences', () => {
    const rows = detectEvents(set, ts, features);
    // Both sides: 5 fires, 7 is within 3 bars of 5 (removed), 9 fires (4 bars after 5), 20, 30.
    expect(at(rows, 'shock')).toEqual([[5, 1], [9, -1], [20, -1], [30, 1]]);
    // Down only: 7 fires (the up shock at 5 is not an occurrence and starts no cooldown), 9 is removed, 20.
    expect(at(rows, 'shock_down')).toEqual([[7, -1], [20, -1]]);
    expect(at(rows, 'shock_up')).toEqual([[5, 1], [30, 1]]);
    expect(rows.cooldown).toEqual({
      shock: { kept: 4, removed: 1 }, shock_down: { kept: 2, removed: 1 }, shock_up: { kept: 2, removed: 0 },
    });
  });

  test('point in time: detection on every prefix gives the full run\'s events before the cut', () => {
    const full = detectEvents(set, ts, features);
    for (let cut = 1; cut <= n; cut++) {
      const part = detectEvents(set, ts.subarray(0, cut), { z: z.subarray(0, cut), ret_1: ret.subarray(0, cut) });
      const want = full.event.filter((_, i) => full.ts_ms[i]! < ts[cut - 1]! + 1);
      expect(part.event).toEqual(want);
    }
  });
});

describe('event variants: bad input is a located SpecError', () => {
  test('up/down on a fixed side, a threshold feature tested twice or not at all, abs_gt <= 0, colliding and too-long names', () => {
    const text = `events:
  - name: always_long
    family: f
    condition: {feature: x, op: '>', value: 1}
    direction: long
    cooldown_bars: 0
    variants: {direction: [both, down]}
  - name: twice
    family: f
    condition:
      all:
        - {feature: x, op: '>', value: 1}
        - {feature: x, op: '<', value: 5}
    direction: long
    cooldown_bars: 0
    variants: {threshold: {feature: x, values: [2]}}
  - name: shock
    family: f
    condition: {abs_gt: {feature: z, value: 4}}
    direction: {sign_of: ret_1}
    cooldown_bars: 3
    variants: {threshold: {feature: z, values: [4, -1]}}
  - name: other
    family: f
    condition: {abs_gt: {feature: z, value: 4}}
    direction: {sign_of: ret_1}
    cooldown_bars: 3
    variants: {direction: [up]}
  - name: other_up
    family: f
    condition: {feature: x, op: '>', value: 1}
    direction: long
    cooldown_bars: 0
  - name: ${'e'.repeat(60)}
    family: f
    condition: {abs_gt: {feature: z, value: 4}}
    direction: {sign_of: ret_1}
    cooldown_bars: 3
    variants: {cooldown_bars: [3, 1000]}
  - name: bad_dim
    family: f
    condition: {abs_gt: {feature: z, value: 4}}
    direction: {sign_of: ret_1}
    cooldown_bars: 3
    variants: {direction: [sideways]}
`;
    const issues = issuesOf(() => parseEventSpecs([{ file: 'e.yaml', text }], KNOWN));
    expect(issues).toEqual([
      'e.yaml:45:28 events[6].variants.direction[0]: must be one of "both", "up", "down", was "sideways"',
    ]);
    const fixed = text.replace('[sideways]', '[up]');
    expect(issuesOf(() => parseEventSpecs([{ file: 'e.yaml', text: fixed }], KNOWN))).toEqual([
      'e.yaml:7:27 events[0].variants.direction: up/down variants need a direction that depends on the bar ({sign_of: x} or {opposite_sign_of: x}); this event is always long, so declare the other side as its own event',
      'e.yaml:16:37 events[1].variants.threshold.feature: threshold variants need exactly one test of "x" against a constant in the condition, found 2',
      'e.yaml:22:52 events[2].variants.threshold.values[1]: must be > 0 (abs_gt threshold), was -1',
      'e.yaml:29:11 events[4].name: duplicate event name "other_up" (first defined at e.yaml:23:11)',
      `e.yaml:39:15 events[5].variants: variant name "${'e'.repeat(60)}_cd1000" does not match ^[a-z][a-z0-9_]{0,62}$ (shorten the event name)`,
    ]);
  });
});
