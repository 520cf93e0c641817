import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { SpecError } from '../../lib/errors.js';
import { featureNames, loadFeatureSpecs, parseFeatureSpecs, FEATURE_NAME_PATTERN } from '../../lib/features/index.js';
import { PROJECT_ROOT } from '../../lib/stage/main.js';

function errorsOf(files: { file: string; text: string }[]): string[] {
  try {
    parseFeatureSpecs(files);
  } catch (e) {
    if (e instanceof SpecError) return [...e.issues];
    throw e;
  }
  throw new Error('expected a SpecError');
}

describe('the default feature set (spec/features)', () => {
  test('loads, has 20+ valid column names, and the features the default events use', async () => {
    const set = await loadFeatureSpecs(join(PROJECT_ROOT, 'spec', 'features'));
    const names = featureNames(set);
    expect(names.length).toBeGreaterThanOrEqual(20);
    for (const n of names) expect(n).toMatch(new RegExp(FEATURE_NAME_PATTERN));
    for (const n of ['ret_1', 'vol_z_288_excl', 'ret1_sd_288_excl', 'ret1_z_288_excl', 'dist_high_288_excl', 'funding_level', 'funding_new']) {
      expect(names).toContain(n);
    }
    expect(set.cross_section.reference_symbols).toEqual(['BTCUSDT', 'SYN01USDT']);
    // Dependency order: ret_1 is computed before the features that read it.
    const order = set.order.map((f) => f.name);
    expect(order.indexOf('ret_1')).toBeLessThan(order.indexOf('ret1_z_288_excl'));
  });
});

describe('parseFeatureSpecs', () => {
  test('fills defaults, normalises the reference symbol, orders by dependency and keeps spec order for columns', () => {
    const set = parseFeatureSpecs([{
      file: 'spec/features/a.yaml',
      text: [
        'features:',
        '  - { name: z_of_r, family: zscore, input: r, params: { n: 5 } }',
        '  - { name: r, family: log_return, params: { n: 1 } }',
        '  - { name: lvl, family: funding_level }',
        'cross_section:',
        '  reference_symbol: BTCUSDT',
      ].join('\n'),
    }]);
    expect(featureNames(set)).toEqual(['z_of_r', 'r', 'lvl']);
    expect(set.order.map((f) => f.name)).toEqual(['r', 'z_of_r', 'lvl']);
    expect(set.features[0]!.params).toEqual({ n: 5, exclude_current: false });
    expect(set.features[0]!.deps).toEqual(['r']);
    expect(set.features[2]!.params).toEqual({ max_age_hours: 24 });
    expect(set.features[0]!.source).toEqual({ file: 'spec/features/a.yaml', line: 2, col: 13 });
    expect(set.cross_section).toEqual({ universe: {}, reference_symbols: ['BTCUSDT'], source: { file: 'spec/features/a.yaml', line: 5, col: 1 } });
  });

  test('schema errors are located: unknown family, missing input, window <= 0, unknown param', () => {
    expect(errorsOf([{
      file: 'spec/features/b.yaml',
      text: [
        'features:',
        '  - { name: ret_1, family: log_returns, params: { n: 1 } }',
        '  - { name: z, family: zscore, params: { n: 0 } }',
        '  - { name: y, family: zscore, input: close, params: { n: 3, foo: 1 } }',
        '  - { name: Bad-Name, family: range }',
      ].join('\n'),
    }])).toEqual([
      expect.stringMatching(/^spec\/features\/b\.yaml:2:28 features\[0\]\.family: must be one of "log_return", .*, was "log_returns"$/),
      'spec/features/b.yaml:3:5 features[1]: missing required key "input"',
      'spec/features/b.yaml:3:45 features[1].params.n: must be >= 1, was 0',
      'spec/features/b.yaml:4:62 features[2].params.foo: unknown key "foo" (allowed: n, exclude_current)',
      'spec/features/b.yaml:5:13 features[3].name: must match pattern "^[a-z][a-z0-9_]{0,62}$", was "Bad-Name"',
    ]);
  });

  test('semantic errors are located and reported together: cycles (named), unknown input, duplicates, reserved names', () => {
    expect(errorsOf([{
      file: 'spec/features/c.yaml',
      text: [
        'features:',
        '  - { name: a, family: zscore, input: b, params: { n: 3 } }',
        '  - { name: b, family: mean, input: a, params: { n: 3 } }',
        '  - { name: c, family: mean, input: c, params: { n: 3 } }',
        '  - { name: d, family: mean, input: closee, params: { n: 3 } }',
        '  - { name: close, family: range }',
      ].join('\n'),
    }])).toEqual([
      'spec/features/c.yaml:2:39 features[0].input: dependency cycle: a -> b -> a',
      'spec/features/c.yaml:4:37 features[2].input: dependency cycle: c -> c',
      'spec/features/c.yaml:5:37 features[3].input: unknown input "closee": not a bar field (open, high, low, close, volume, quote_volume, trades, taker_buy_base, taker_buy_quote) nor a feature (did you mean "close"?)',
      'spec/features/c.yaml:6:13 features[4].name: "close" is reserved (a bar field or a column of lake/features); choose another name',
    ]);
  });

  test('duplicate names and a second cross_section across files; a reference is required by rel_strength', () => {
    const issues = errorsOf([
      { file: 'spec/features/a.yaml', text: 'features:\n  - { name: ret_1, family: log_return, params: { n: 1 } }\ncross_section:\n  reference_symbol: BTCUSDT\n' },
      {
        file: 'spec/features/b.yaml',
        text: 'cross_section:\n  reference_symbol: ETHUSDT\nfeatures:\n  - name: ret_1\n    family: log_return\n    params: { n: 2 }\n',
      },
    ]);
    expect(issues).toEqual([
      'spec/features/b.yaml:1:1 cross_section: a second cross_section block (the first is at spec/features/a.yaml:3:1); keep one',
      'spec/features/b.yaml:4:11 features[0].name: duplicate feature name "ret_1" (first defined at spec/features/a.yaml:2:13)',
    ]);
    expect(errorsOf([{ file: 'spec/features/d.yaml', text: 'features:\n  - { name: rs, family: rel_strength, params: { n: 12 } }\n' }])).toEqual([
      'spec/features/d.yaml:2:25 features[0].family: rel_strength needs a reference symbol: add cross_section: { reference_symbol: BTCUSDT } to a spec/features file',
    ]);
  });

  test('a missing spec folder is a SpecError naming the folder', async () => {
    await expect(loadFeatureSpecs('/nonexistent/quantlab/spec/features')).rejects.toThrow('/nonexistent/quantlab/spec/features: cannot read the feature spec folder (ENOENT)');
  });
});
