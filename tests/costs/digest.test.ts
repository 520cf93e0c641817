import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SpecError } from '../../lib/errors.js';
import { costDigest, loadCosts, resolveCosts } from '../../lib/costs/digest.js';
import type { CostConfig } from '../../lib/costs/schema.js';
import { parseSpecText } from '../../lib/spec/loader.js';
import { costsSchema } from '../../lib/costs/schema.js';

// Repository root from build-*/tests/costs/ (or dist/tests/costs/).
const repoFile = (p: string): string => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

const ordered = `
venues:
  binance:
    spot: {maker_fee_bps: 10, taker_fee_bps: 10}
    um: {maker_fee_bps: 2, taker_fee_bps: 5}
slippage_bps: 1
impact: {model: sqrt, coefficient: 1.0, max_participation: 0.1}
funding: {enabled: true}
borrow: {spot_short_bps_per_year: 1000}
`;

// Same config: keys in another order, block style, comments, 1.0 written as 1, funding left to its default.
const reordered = `
# comment
borrow:
  spot_short_bps_per_year: 1000.0
impact:
  max_participation: 0.10
  coefficient: 1
  model: sqrt
slippage_bps: 1
venues:
  binance:
    um:
      taker_fee_bps: 5
      maker_fee_bps: 2
    spot:
      taker_fee_bps: 10
      maker_fee_bps: 10
`;

const parse = (text: string): CostConfig => parseSpecText<CostConfig>(text, 'costs.yaml', costsSchema);

describe('costDigest', () => {
  test('is the SHA-256 of the sorted-key JSON of the resolved config', () => {
    const config = parse(ordered);
    // Independent computation: the canonical JSON written out by hand, keys sorted at every level.
    const canonical =
      '{"borrow":{"spot_short_bps_per_year":1000},"funding":{"enabled":true},' +
      '"impact":{"coefficient":1,"max_participation":0.1,"model":"sqrt"},"slippage_bps":1,' +
      '"venues":{"binance":{"spot":{"maker_fee_bps":10,"taker_fee_bps":10},' +
      '"um":{"maker_fee_bps":2,"taker_fee_bps":5}}}}';
    expect(costDigest(config)).toBe(createHash('sha256').update(canonical).digest('hex'));
    expect(costDigest(config)).toMatch(/^[0-9a-f]{64}$/);
  });

  test('is stable under key reordering, YAML reformatting and defaults written out or left out', () => {
    expect(costDigest(parse(reordered))).toBe(costDigest(parse(ordered)));
  });

  test('changes when any number changes', () => {
    const base = costDigest(parse(ordered));
    expect(costDigest(parse(ordered.replace('taker_fee_bps: 5', 'taker_fee_bps: 5.5')))).not.toBe(base);
    expect(costDigest(parse(ordered.replace('max_participation: 0.1', 'max_participation: 0.2')))).not.toBe(base);
    expect(costDigest(parse(ordered.replace('enabled: true', 'enabled: false')))).not.toBe(base);
  });
});

describe('resolveCosts', () => {
  test('fills the same defaults as the file loader, so a raw object and its YAML digest alike', () => {
    const raw = {
      venues: {
        binance: { um: { maker_fee_bps: 2, taker_fee_bps: 5 }, spot: { maker_fee_bps: 10, taker_fee_bps: 10 } },
      },
      slippage_bps: 1,
      impact: { model: 'sqrt', coefficient: 1 },
      borrow: { spot_short_bps_per_year: 1000 },
    };
    const resolved = resolveCosts(raw);
    expect(resolved.funding).toEqual({ enabled: true });
    expect(resolved.impact).toEqual({ model: 'sqrt', coefficient: 1, max_participation: 0.1 });
    expect(costDigest(resolved)).toBe(costDigest(parse(ordered)));
    expect(raw.impact).toEqual({ model: 'sqrt', coefficient: 1 }); // input untouched
  });

  test('is idempotent: resolving a resolved config changes nothing', () => {
    const once = parse(ordered);
    expect(resolveCosts(once)).toEqual(once);
  });

  test('refuses an invalid raw config with paths', () => {
    expect(() => resolveCosts({ venues: {} }, 'blueprint.json')).toThrow(SpecError);
  });
});

describe('loadCosts', () => {
  test('the default spec/costs.yaml loads, is Binance VIP 0, and digests consistently', async () => {
    const { config, digest } = await loadCosts(repoFile('spec/costs.yaml'));
    expect(config.venues.binance).toEqual({
      spot: { maker_fee_bps: 10, taker_fee_bps: 10 },
      um: { maker_fee_bps: 2, taker_fee_bps: 5 },
    });
    expect(config.impact.model).toBe('sqrt');
    expect(config.funding.enabled).toBe(true);
    expect(digest).toBe(costDigest(config));
  });
});
