import { describe, expect, test } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEventSpecs, parseEventSpecs, requiredFeatures, eventFeatures } from '../../lib/events/index.js';
import { withTempDir } from '../helpers/tmp.js';
import { DEFAULT_FEATURES, asyncIssuesOf, issuesOf } from './helpers.js';

const KNOWN = new Set(['ret_1', 'ret_12', 'vol_z', 'ret_z', 'dist_high', 'funding_level', 'funding_new']);

/** One file with one event; `body` replaces the condition/direction/... lines (2-space indented under the item). */
function one(body: string, file = 'spec/events/a.yaml') {
  return [{ file, text: `events:\n  - name: e1\n    family: fam\n${body}` }];
}

const OK_TAIL = '    direction: long\n    cooldown_bars: 0\n';

describe('parseEventSpecs: valid specs', () => {
  test('every condition form is normalised; events are sorted by name; defaults filled', () => {
    const text = `events:
  - name: zeta
    family: f
    condition:
      all:
        - {feature: vol_z, op: '>', value: 4}
        - {feature: ret_1, op: '<', other_feature: ret_12}
        - any:
            - {abs_gt: {feature: ret_z, value: 3}}
            - not: {cross_above: {feature: ret_1, value: 0}}
            - {cross_below: {feature: ret_1, other_feature: ret_12}}
    direction: {opposite_sign_of: ret_12}
    cooldown_bars: 5
    attributes: [vol_z, ret_1]
  - name: alpha
    family: f
    description: first by name
    condition: {feature: funding_new, op: '==', value: 1}
    direction: {sign_of: funding_level}
    cooldown_bars: 0
`;
    const set = parseEventSpecs([{ file: 'spec/events/x.yaml', text }], KNOWN);
    expect(set.events.map((e) => e.name)).toEqual(['alpha', 'zeta']);
    const [alpha, zeta] = set.events;
    expect(alpha!.attributes).toEqual([]);
    expect(alpha!.description).toBe('first by name');
    expect(alpha!.source).toEqual({ file: 'spec/events/x.yaml', line: 15, col: 11 });
    expect(zeta!.description).toBe('');
    expect(zeta!.condition).toEqual({
      type: 'all',
      of: [
        { type: 'compare', feature: 'vol_z', op: '>', rhs: { value: 4 } },
        { type: 'compare', feature: 'ret_1', op: '<', rhs: { feature: 'ret_12' } },
        {
          type: 'any',
          of: [
            { type: 'abs_gt', feature: 'ret_z', value: 3 },
            { type: 'not', of: { type: 'cross_above', feature: 'ret_1', rhs: { value: 0 } } },
            { type: 'cross_below', feature: 'ret_1', rhs: { feature: 'ret_12' } },
          ],
        },
      ],
    });
    expect(zeta!.direction).toEqual({ type: 'opposite_sign_of', feature: 'ret_12' });
    expect(eventFeatures(zeta!)).toEqual(['ret_1', 'ret_12', 'ret_z', 'vol_z']);
    expect(requiredFeatures(set)).toEqual(['funding_level', 'funding_new', 'ret_1', 'ret_12', 'ret_z', 'vol_z']);
  });

  test('the shipped default spec (spec/events) loads against the default feature names', async () => {
    const dir = fileURLToPath(new URL('../../../spec/events', import.meta.url));
    const set = await loadEventSpecs(dir, DEFAULT_FEATURES);
    const families = new Set(set.events.map((e) => e.family));
    for (const f of ['breakout', 'capitulation', 'funding_extreme', 'liquidation_cascade', 'vol_shock', 'volume_spike', 'trend_cross']) {
      expect(families.has(f)).toBe(true);
    }
    for (const f of requiredFeatures(set)) expect(DEFAULT_FEATURES.has(f)).toBe(true);
    // Without a feature the liquidation proxy needs, the same files fail at the lines that name it.
    const without = new Set([...DEFAULT_FEATURES].filter((f) => f !== 'oi_change_12'));
    const issues = await asyncIssuesOf(loadEventSpecs(dir, without));
    expect(issues.length).toBeGreaterThan(1);
    for (const i of issues) expect(i).toMatch(/\.yaml:\d+:\d+ events\[\d\]\.(condition|attributes)\S*: unknown feature "oi_change_12" \(did you mean "oi_change_288"\?/);
  });
});

describe('parseEventSpecs: bad input is a located SpecError', () => {
  test('unknown feature in a comparison, with a suggestion and file:line:col', () => {
    const issues = issuesOf(() => parseEventSpecs(one(`    condition: {feature: ret_13, op: '>', value: 0}\n${OK_TAIL}`), KNOWN));
    expect(issues).toEqual([
      'spec/events/a.yaml:4:26 events[0].condition.feature: unknown feature "ret_13" (did you mean "ret_1"? known: dist_high, funding_level, funding_new, ret_1, ret_12, ret_z, vol_z)',
    ]);
  });

  test('unknown other_feature, direction feature and attribute are each reported', () => {
    const body = `    condition:
      cross_above: {feature: ret_1, other_feature: nope}
    direction: {sign_of: missing_feature}
    cooldown_bars: 0
    attributes: [ret_1, bogus]
`;
    const issues = issuesOf(() => parseEventSpecs(one(body), KNOWN));
    expect(issues).toHaveLength(3);
    expect(issues[0]).toMatch(/^spec\/events\/a\.yaml:5:52 events\[0\]\.condition\.cross_above\.other_feature: unknown feature "nope"/);
    expect(issues[1]).toMatch(/^spec\/events\/a\.yaml:6:26 events\[0\]\.direction\.sign_of: unknown feature "missing_feature"/);
    expect(issues[2]).toMatch(/^spec\/events\/a\.yaml:8:25 events\[0\]\.attributes\[1\]: unknown feature "bogus"/);
  });

  test('duplicate event names across files name both places', () => {
    const a = `events:\n  - name: dup\n    family: f\n    condition: {feature: ret_1, op: '>', value: 0}\n${OK_TAIL}`;
    const b = `events:\n  - name: other\n    family: f\n    condition: {feature: ret_1, op: '>', value: 0}\n${OK_TAIL}  - name: dup\n    family: f\n    condition: {feature: ret_1, op: '<', value: 0}\n${OK_TAIL}`;
    const issues = issuesOf(() => parseEventSpecs([{ file: 'spec/events/a.yaml', text: a }, { file: 'spec/events/b.yaml', text: b }], KNOWN));
    expect(issues).toEqual(['spec/events/b.yaml:7:11 events[1].name: duplicate event name "dup" (first defined at spec/events/a.yaml:2:11)']);
  });

  test.each([
    ['an empty mapping', '    condition: {}\n', '4:16 events[0].condition: empty condition'],
    ['no value at all', '    condition:\n', '4:5 events[0].condition: empty condition'],
    ['all: []', '    condition: {all: []}\n', '4:22 events[0].condition.all: empty condition: all: [] tests nothing'],
    ['any: [] nested under not', '    condition: {not: {any: []}}\n', '4:28 events[0].condition.not.any: empty condition: any: [] tests nothing'],
  ])('empty condition: %s', (_, cond, expected) => {
    const issues = issuesOf(() => parseEventSpecs(one(`${cond}${OK_TAIL}`), KNOWN));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(`spec/events/a.yaml:${expected}`);
  });

  test('a missing condition key is a schema error', () => {
    const issues = issuesOf(() => parseEventSpecs(one(OK_TAIL), KNOWN));
    expect(issues).toEqual(['spec/events/a.yaml:2:5 events[0]: missing required key "condition"']);
  });

  test.each([
    ['abs_gt threshold 0', `{abs_gt: {feature: ret_z, value: 0}}`, 'condition.abs_gt.value: must be > 0 (|x| > 0 holds for every non-zero x), was 0'],
    ['abs_gt threshold < 0', `{abs_gt: {feature: ret_z, value: -2}}`, 'condition.abs_gt.value: must be > 0'],
    ['value and other_feature', `{feature: ret_1, op: '>', value: 1, other_feature: ret_12}`, 'condition: give either value or other_feature, not both'],
    ['neither', `{feature: ret_1, op: '>'}`, 'condition: missing "value" or "other_feature"'],
    ['crossing without operand', `{cross_below: {feature: ret_1}}`, 'condition.cross_below: missing "value" or "other_feature"'],
    ['unknown operator', `{feature: ret_1, op: '=>', value: 1}`, `condition.op: must be one of '>', '>=', '<', '<=', '==', '!=', was "=>"`],
    ['a string value', `{feature: ret_1, op: '>', value: high}`, 'condition.value: must be a finite number, was "high"'],
    ['an infinite value', `{feature: ret_1, op: '>', value: .inf}`, 'condition.value: must be a finite number, was Infinity'],
    ['two tests in one mapping', `{abs_gt: {feature: ret_z, value: 3}, not: {feature: ret_1, op: '>', value: 0}}`, 'condition.not: one test per condition mapping, found abs_gt and not'],
    ['an unknown key', `{cross_over: {feature: ret_1, value: 0}}`, 'condition.cross_over: unknown condition key "cross_over"'],
    ['an unknown key in a comparison', `{feature: ret_1, op: '>', value: 0, window: 3}`, 'condition.window: unknown key "window" (allowed: feature, op, value, other_feature)'],
    ['a comparison of a feature with itself', `{feature: ret_1, op: '>', other_feature: ret_1}`, 'condition.other_feature: compares "ret_1" with itself'],
    ['a list instead of a mapping', `[{feature: ret_1, op: '>', value: 0}]`, 'condition: must be a condition mapping'],
    ['all with a non-list', `{all: {feature: ret_1, op: '>', value: 0}}`, 'condition.all: must be a list of conditions'],
  ])('bad condition: %s', (_, cond, expected) => {
    const issues = issuesOf(() => parseEventSpecs(one(`    condition: ${cond}\n${OK_TAIL}`), KNOWN));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^spec\/events\/a\.yaml:4:\d+ events\[0\]\./);
    expect(issues[0]).toContain(expected);
  });

  test.each([
    ['an unknown word', `direction: up`, '6:16 events[0].direction: must be \'long\', \'short\', {sign_of: feature} or {opposite_sign_of: feature}, was "up"'],
    ['an unknown key', `direction: {sign: ret_1}`, '6:17 events[0].direction.sign: unknown direction key "sign"'],
    ['two keys', `direction: {sign_of: ret_1, opposite_sign_of: ret_1}`, '6:16 events[0].direction: must be'],
  ])('bad direction: %s', (_, dir, expected) => {
    const body = `    condition: {feature: ret_1, op: '>', value: 0}\n    cooldown_bars: 0\n    ${dir}\n`;
    const issues = issuesOf(() => parseEventSpecs(one(body), KNOWN));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(`spec/events/a.yaml:${expected}`);
  });

  test('schema problems: negative or fractional cooldown, bad names, unknown keys, an attribute listed twice', () => {
    const text = `events:
  - name: Bad-Name
    family: f
    condition: {feature: ret_1, op: '>', value: 0}
    direction: long
    cooldown_bars: -1
  - name: ok
    family: f
    condition: {feature: ret_1, op: '>', value: 0}
    direction: long
    cooldown_bars: 1.5
    horizon: 3
`;
    const issues = issuesOf(() => parseEventSpecs([{ file: 'e.yaml', text }], KNOWN));
    expect(issues).toEqual([
      'e.yaml:2:11 events[0].name: must match pattern "^[a-z][a-z0-9_]{0,62}$", was "Bad-Name"',
      'e.yaml:6:20 events[0].cooldown_bars: must be >= 0, was -1',
      'e.yaml:11:20 events[1].cooldown_bars: must be integer, was 1.5',
      'e.yaml:12:5 events[1].horizon: unknown key "horizon" (allowed: name, family, description, condition, direction, cooldown_bars, attributes, variants)',
    ]);
    const dup = issuesOf(() => parseEventSpecs(one(`    condition: {feature: ret_1, op: '>', value: 0}\n${OK_TAIL}    attributes: [ret_1, vol_z, ret_1]\n`), KNOWN));
    expect(dup).toEqual(['spec/events/a.yaml:7:32 events[0].attributes[2]: attribute "ret_1" is listed twice']);
  });

  test('an empty file and an empty events list are errors', () => {
    expect(issuesOf(() => parseEventSpecs([{ file: 'e.yaml', text: 'events: []\n' }], KNOWN))).toEqual([
      'e.yaml:1:9 events: must have at least 1 item, was []',
    ]);
  });

  test('problems in several files are reported together, each file in line order', () => {
    const bad = (f: string) => ({ file: f, text: `events:\n  - name: e_${f[0]}\n    family: f\n    condition: {feature: zzz, op: '>', value: 0}\n    direction: {sign_of: yyy}\n    cooldown_bars: 0\n` });
    const issues = issuesOf(() => parseEventSpecs([bad('a.yaml'), bad('b.yaml')], KNOWN));
    expect(issues.map((i) => i.split(' ')[0])).toEqual(['a.yaml:4:26', 'a.yaml:5:26', 'b.yaml:4:26', 'b.yaml:5:26']);
  });
});

describe('loadEventSpecs', () => {
  test('reads *.yaml in name order; a missing or empty folder is a SpecError', async () => {
    await withTempDir(async (dir) => {
      expect(await asyncIssuesOf(loadEventSpecs(join(dir, 'nope'), KNOWN))).toEqual([`${join(dir, 'nope')}: cannot read the event spec folder (ENOENT)`]);
      const events = join(dir, 'events');
      await mkdir(events);
      expect(await asyncIssuesOf(loadEventSpecs(events, KNOWN))).toEqual([`${events}: no event spec files (*.yaml)`]);
      await writeFile(join(events, 'b.yaml'), `events:\n  - name: b\n    family: f\n    condition: {feature: ret_1, op: '>', value: 0}\n${OK_TAIL}`);
      await writeFile(join(events, 'a.yml'), `events:\n  - name: a\n    family: f\n    condition: {feature: ret_1, op: '<', value: 0}\n${OK_TAIL}`);
      await writeFile(join(events, 'notes.txt'), 'ignored');
      const set = await loadEventSpecs(events, KNOWN);
      expect(set.events.map((e) => [e.name, e.source.file])).toEqual([['a', join(events, 'a.yml')], ['b', join(events, 'b.yaml')]]);
    });
  });
});
