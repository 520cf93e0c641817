import { describe, expect, test } from '@jest/globals';
import { costsSchema, type CostConfig } from '../../lib/costs/schema.js';
import { parseSpecText } from '../../lib/spec/loader.js';
import { issuesOf as specIssuesOf } from '../helpers/spec_errors.js';

function issuesOf(text: string): readonly string[] {
  return specIssuesOf(() => parseSpecText<CostConfig>(text, 'spec/costs.yaml', costsSchema));
}

const valid = [
  'venues:', //                          1
  '  binance:', //                       2
  '    um:', //                          3
  '      maker_fee_bps: 2', //           4
  '      taker_fee_bps: 5', //           5
  'slippage_bps: 1', //                  6
  'impact:', //                          7
  '  model: sqrt', //                    8
  '  coefficient: 1', //                 9
  'borrow:', //                         10
  '  spot_short_bps_per_year: 1000', // 11
].join('\n');

describe('costs schema', () => {
  test('a minimal valid file resolves with defaults', () => {
    const c = parseSpecText<CostConfig>(valid, 'spec/costs.yaml', costsSchema);
    expect(c.funding).toEqual({ enabled: true });
    expect(c.impact).toEqual({ model: 'sqrt', coefficient: 1, max_participation: 0.1 });
  });

  test('a negative fee, a wrong type and an unknown key are all reported at once, located', () => {
    const text = valid
      .replace('taker_fee_bps: 5', 'taker_fee_bps: -1')
      .replace('slippage_bps: 1', 'slippage_bps: "1bp"')
      .replace('  coefficient: 1', '  coefficient: 1\n  coefficent: 3');
    expect(issuesOf(text)).toEqual([
      'spec/costs.yaml:5:22 venues.binance.um.taker_fee_bps: must be >= 0, was -1',
      'spec/costs.yaml:6:15 slippage_bps: must be number, was "1bp"',
      'spec/costs.yaml:10:3 impact.coefficent: unknown key "coefficent" ' +
        '(did you mean "coefficient"? allowed: model, coefficient, max_participation)',
    ]);
  });

  test('an unknown market is an unknown key listing the markets', () => {
    const text = valid.replace('    um:', '    usdm:');
    expect(issuesOf(text)).toEqual([
      'spec/costs.yaml:3:5 venues.binance.usdm: unknown key "usdm" (did you mean "um"? allowed: spot, um, cm)',
    ]);
  });

  test('an unknown impact model lists the models', () => {
    expect(issuesOf(valid.replace('model: sqrt', 'model: cubic'))).toEqual([
      'spec/costs.yaml:8:10 impact.model: must be one of "sqrt", "linear", was "cubic"',
    ]);
  });

  test('each impact model has its own coefficient field with its own unit', () => {
    expect(issuesOf(valid.replace('model: sqrt', 'model: linear'))).toEqual([
      'spec/costs.yaml:8:3 impact: missing required key "coefficient_bps"',
      'spec/costs.yaml:9:3 impact.coefficient: unknown key "coefficient" ' +
        '(did you mean "coefficient_bps"? allowed: model, coefficient_bps, max_participation)',
    ]);
  });

  test('participation outside (0, 1] and a missing section are refused', () => {
    const text = valid.replace('  coefficient: 1', '  coefficient: 1\n  max_participation: 1.5').replace(
      /borrow:\n {2}spot_short_bps_per_year: 1000/,
      '',
    );
    expect(issuesOf(text)).toEqual([
      'spec/costs.yaml:1:1 (top level): missing required key "borrow"',
      'spec/costs.yaml:10:22 impact.max_participation: must be <= 1, was 1.5',
    ]);
  });

  test('a fee above 100 bps is taken for a unit slip', () => {
    expect(issuesOf(valid.replace('maker_fee_bps: 2', 'maker_fee_bps: 200'))).toEqual([
      'spec/costs.yaml:4:22 venues.binance.um.maker_fee_bps: must be <= 100, was 200',
    ]);
  });

  test('a venue with no market priced is refused', () => {
    const text = valid.replace('  binance:', '  okx: {}\n  binance:');
    expect(issuesOf(text)).toEqual(['spec/costs.yaml:2:8 venues.okx: must have at least 1 key, was {}']);
  });

  test('a venue id that is not a lowercase ccxt-style id is reported at the key', () => {
    expect(issuesOf(valid.replace('  binance:', '  Binance:'))).toEqual([
      'spec/costs.yaml:2:3 venues.Binance: invalid key "Binance": must match pattern "^[a-z][a-z0-9_]*$"',
    ]);
  });

  test('an impact model of the wrong type is one error listing the models', () => {
    expect(issuesOf(valid.replace('model: sqrt', 'model: 3'))).toEqual([
      'spec/costs.yaml:8:10 impact.model: must be one of "sqrt", "linear", was 3',
    ]);
  });
});
