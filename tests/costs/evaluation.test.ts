/**
 * lib/costs/evaluation.ts: the cost rule of ../shared/ARCHITECTURE.md ("Validating a blueprint under a cost config
 * that is cheaper in any component is refused with a clear error; a stricter config is allowed and recorded"),
 * checked component by component in both directions. FOUND is the config a blueprint was discovered under, CURRENT
 * the one the walk-forward evaluates it under. (Issue 9: the stage used to ask the question the wrong way round,
 * accepting cheaper evaluation costs and refusing dearer ones.)
 */
import { describe, expect, test } from '@jest/globals';
import {
  checkEvaluationCosts, cheaperCostsError, costStatusEntry, formatDifference, type CostCheck, type DigestedCosts,
} from '../../lib/costs/evaluation.js';
import { compareCosts } from '../../lib/costs/compare.js';
import { costDigest } from '../../lib/costs/digest.js';
import type { CostConfig } from '../../lib/costs/schema.js';
import { DataError, ExitCode } from '../../lib/errors.js';

/** spec/costs.yaml's shape, with every market (spot, um, cm) and a second venue, so every fee field is exercised. */
function base(): CostConfig {
  return {
    venues: {
      binance: {
        spot: { maker_fee_bps: 10, taker_fee_bps: 10 },
        um: { maker_fee_bps: 2, taker_fee_bps: 5 },
        cm: { maker_fee_bps: 2, taker_fee_bps: 5 },
      },
      okx: { um: { maker_fee_bps: 2, taker_fee_bps: 5 } },
    },
    slippage_bps: 1,
    impact: { model: 'sqrt', coefficient: 1, max_participation: 0.1 },
    funding: { enabled: true },
    borrow: { spot_short_bps_per_year: 1000 },
  };
}

const linearBase = (): CostConfig => ({ ...base(), impact: { model: 'linear', coefficient_bps: 100, max_participation: 0.1 } });
const fundingOffBase = (): CostConfig => ({ ...base(), funding: { enabled: false } });

function edited(from: () => CostConfig, f: (c: CostConfig) => void): CostConfig {
  const c = from();
  f(c);
  return c;
}

const digested = (config: CostConfig): DigestedCosts => ({ digest: costDigest(config), config });

/** found = the discovery's config, current = the evaluation's. */
const check = (found: CostConfig, current: CostConfig, allowCheaper = false): CostCheck =>
  checkEvaluationCosts(digested(found), digested(current), { allowCheaper });

interface Case {
  path: string;
  /** The config the blueprint was found under (default base). */
  from?: () => CostConfig;
  /** Sets the component to a cheaper / a dearer value than in `from`. */
  cheaper: (c: CostConfig) => void;
  dearer: (c: CostConfig) => void;
  /** [current, found] in the cheaper and the dearer case. */
  cheaperValues: [number | boolean, number | boolean];
  dearerValues: [number | boolean, number | boolean];
}

const fee = (venue: string, market: 'spot' | 'um' | 'cm', side: 'maker_fee_bps' | 'taker_fee_bps', value: number): Case => ({
  path: `venues.${venue}.${market}.${side}`,
  cheaper: (c) => (c.venues[venue]![market]![side] = value - 1),
  dearer: (c) => (c.venues[venue]![market]![side] = value + 1),
  cheaperValues: [value - 1, value],
  dearerValues: [value + 1, value],
});

/** Every component of lib/costs/schema.ts CostConfig, with the direction lib/costs/compare.ts documents. */
const MATRIX: Case[] = [
  fee('binance', 'spot', 'maker_fee_bps', 10),
  fee('binance', 'spot', 'taker_fee_bps', 10),
  fee('binance', 'um', 'maker_fee_bps', 2),
  fee('binance', 'um', 'taker_fee_bps', 5),
  fee('binance', 'cm', 'maker_fee_bps', 2),
  fee('binance', 'cm', 'taker_fee_bps', 5),
  fee('okx', 'um', 'maker_fee_bps', 2),
  fee('okx', 'um', 'taker_fee_bps', 5),
  { path: 'slippage_bps', cheaper: (c) => (c.slippage_bps = 0.5), dearer: (c) => (c.slippage_bps = 2), cheaperValues: [0.5, 1], dearerValues: [2, 1] },
  {
    path: 'impact.coefficient',
    cheaper: (c) => (c.impact = { model: 'sqrt', coefficient: 0.5, max_participation: 0.1 }),
    dearer: (c) => (c.impact = { model: 'sqrt', coefficient: 1.5, max_participation: 0.1 }),
    cheaperValues: [0.5, 1], dearerValues: [1.5, 1],
  },
  {
    path: 'impact.coefficient_bps', from: linearBase,
    cheaper: (c) => (c.impact = { model: 'linear', coefficient_bps: 50, max_participation: 0.1 }),
    dearer: (c) => (c.impact = { model: 'linear', coefficient_bps: 150, max_participation: 0.1 }),
    cheaperValues: [50, 100], dearerValues: [150, 100],
  },
  // a LOWER participation cap is costlier (less size fits): a higher one is the cheaper assumption
  {
    path: 'impact.max_participation',
    cheaper: (c) => (c.impact.max_participation = 0.2), dearer: (c) => (c.impact.max_participation = 0.05),
    cheaperValues: [0.2, 0.1], dearerValues: [0.05, 0.1],
  },
  {
    path: 'impact.max_participation', from: linearBase,
    cheaper: (c) => (c.impact.max_participation = 0.2), dearer: (c) => (c.impact.max_participation = 0.05),
    cheaperValues: [0.2, 0.1], dearerValues: [0.05, 0.1],
  },
  // paying funding is costlier: found with funding on, evaluating with it off is cheaper (and the other way round)
  { path: 'funding.enabled', cheaper: (c) => (c.funding.enabled = false), dearer: () => {}, cheaperValues: [false, true], dearerValues: [true, true] },
  { path: 'funding.enabled', from: fundingOffBase, cheaper: () => {}, dearer: (c) => (c.funding.enabled = true), cheaperValues: [false, false], dearerValues: [true, false] },
  {
    path: 'borrow.spot_short_bps_per_year',
    cheaper: (c) => (c.borrow.spot_short_bps_per_year = 500), dearer: (c) => (c.borrow.spot_short_bps_per_year = 2000),
    cheaperValues: [500, 1000], dearerValues: [2000, 1000],
  },
];

const describeCase = (c: Case): string => `${c.path}${c.from === linearBase ? ' (linear impact)' : c.from === fundingOffBase ? ' (found with funding off)' : ''}`;

describe('cost refusal matrix: every component, both directions', () => {
  const cheaperCases = MATRIX.filter((c) => c.cheaperValues[0] !== c.cheaperValues[1]);
  const dearerCases = MATRIX.filter((c) => c.dearerValues[0] !== c.dearerValues[1]);

  test('the matrix covers every cost field of the schema in both directions', () => {
    const fields = ['maker_fee_bps', 'taker_fee_bps', 'slippage_bps', 'impact.coefficient', 'impact.coefficient_bps', 'impact.max_participation', 'funding.enabled', 'borrow.spot_short_bps_per_year'];
    for (const f of fields) {
      expect(cheaperCases.some((c) => c.path.endsWith(f))).toBe(true);
      expect(dearerCases.some((c) => c.path.endsWith(f))).toBe(true);
    }
    for (const m of ['spot', 'um', 'cm']) for (const side of ['maker', 'taker']) expect(cheaperCases.map((c) => c.path)).toContain(`venues.binance.${m}.${side}_fee_bps`);
  });

  test.each(cheaperCases.map((c) => [describeCase(c), c] as const))('cheaper %s: refused, naming exactly that field with both values', (_, c) => {
    const found = (c.from ?? base)();
    const current = edited(c.from ?? base, c.cheaper);
    const [cur, fnd] = c.cheaperValues;
    const r = check(found, current);
    expect(r).toEqual({ status: 'refused', cheaper: [{ path: c.path, current: cur, found: fnd }], incomparable: [], costlier: [] });
    if (r.status !== 'refused') throw new Error('unreachable');
    const err = cheaperCostsError(r, { id: 'bp-0123456789abcdef', name: 'mr_BTCUSDT_w20' }, { found: costDigest(found), current: costDigest(current) }, { file: 'f.jsonl:1', field: 'cost_digest' });
    const rel = typeof cur === 'number' ? (cur < (fnd as number) ? '<' : '>') : 'vs';
    expect(err.message).toContain(`is refused under cheaper costs ${costDigest(current)}: ${c.path} ${cur} (current) ${rel} ${fnd} (found)`);
  });

  test.each(cheaperCases.map((c) => [describeCase(c), c] as const))('cheaper %s with allow_cheaper_costs: a cheaper_what_if with the same components', (_, c) => {
    const r = check((c.from ?? base)(), edited(c.from ?? base, c.cheaper), true);
    const [cur, fnd] = c.cheaperValues;
    expect(r).toEqual({ status: 'cheaper_what_if', cheaper: [{ path: c.path, current: cur, found: fnd }], incomparable: [], costlier: [] });
  });

  test.each(dearerCases.map((c) => [describeCase(c), c] as const))('dearer %s: allowed as a stress naming that field', (_, c) => {
    const [cur, fnd] = c.dearerValues;
    const stress = { status: 'stress', costlier: [{ path: c.path, current: cur, found: fnd }] };
    expect(check((c.from ?? base)(), edited(c.from ?? base, c.dearer))).toEqual(stress);
    // the what-if flag never changes an allowed outcome
    expect(check((c.from ?? base)(), edited(c.from ?? base, c.dearer), true)).toEqual(stress);
  });
});

describe('checkEvaluationCosts', () => {
  test('the same digest is "same"; the direction is compareCosts(current, found)', () => {
    expect(check(base(), base())).toEqual({ status: 'same' });
    const cheaper = edited(base, (c) => (c.slippage_bps = 0));
    expect(compareCosts(cheaper, base()).atLeastAsCostly).toBe(false);
    expect(check(base(), cheaper).status).toBe('refused');
    expect(check(cheaper, base()).status).toBe('stress'); // the old, inverted check accepted the first and refused this
  });

  test('a current config that only adds a venue prices everything the blueprint was found under the same: equivalent', () => {
    const more = edited(base, (c) => (c.venues.bybit = { um: { maker_fee_bps: 0, taker_fee_bps: 0 } }));
    expect(check(base(), more)).toEqual({ status: 'equivalent' });
  });

  test('a different impact model is incomparable: refused, and the message says so', () => {
    const current = linearBase();
    const r = check(base(), current);
    expect(r).toEqual({ status: 'refused', cheaper: [], costlier: [], incomparable: [{ path: 'impact.model', current: 'linear', found: 'sqrt' }] });
    if (r.status !== 'refused') throw new Error('unreachable');
    const msg = cheaperCostsError(r, { id: 'bp-1', name: 'x' }, { found: 'F', current: 'C' }, { file: 'f', field: 'cost_digest' }).message;
    expect(msg).toContain('blueprint bp-1 (x) found under costs F is refused under costs C that are incomparable with them (they cannot be shown to be at least as costly): ');
    expect(msg).toContain('impact.model linear (current) vs sqrt (found) [a different impact model is incomparable]');
    expect(check(base(), current, true).status).toBe('cheaper_what_if');
  });

  test('a venue market the blueprint was found under but the current config does not price is incomparable', () => {
    const current = edited(base, (c) => delete c.venues.okx);
    const r = check(base(), current);
    expect(r).toMatchObject({
      status: 'refused', cheaper: [],
      incomparable: [{ path: 'venues.okx.um.maker_fee_bps', current: null, found: 2 }, { path: 'venues.okx.um.taker_fee_bps', current: null, found: 5 }],
    });
    if (r.status !== 'refused') throw new Error('unreachable');
    expect(formatDifference(r.incomparable[0]!)).toBe('venues.okx.um.maker_fee_bps absent (current) vs 2 (found) [the current config does not price this market: incomparable]');
  });

  test('cheaper in one component and dearer in another is refused, naming the cheaper one first and listing the dearer one', () => {
    const current = edited(base, (c) => {
      c.slippage_bps = 3;
      c.venues.binance!.um!.taker_fee_bps = 4;
      c.impact = { model: 'linear', coefficient_bps: 1, max_participation: 0.1 };
    });
    const r = check(base(), current);
    expect(r).toEqual({
      status: 'refused',
      cheaper: [{ path: 'venues.binance.um.taker_fee_bps', current: 4, found: 5 }],
      incomparable: [{ path: 'impact.model', current: 'linear', found: 'sqrt' }],
      costlier: [{ path: 'slippage_bps', current: 3, found: 1 }],
    });
    if (r.status !== 'refused') throw new Error('unreachable');
    const msg = cheaperCostsError(r, { id: 'bp-1', name: 'mr' }, { found: 'F', current: 'C' }, { file: 'f', field: 'cost_digest' }, 2).message;
    expect(msg).toBe('f cost_digest: blueprint bp-1 (mr) found under costs F is refused under cheaper costs C: ' +
      'venues.binance.um.taker_fee_bps 4 (current) < 5 (found); also incomparable: impact.model linear (current) vs sqrt (found) ' +
      '[a different impact model is incomparable] (2 other blueprint(s) are bound to the same costs)');
  });
});

describe('cheaperCostsError', () => {
  test('a located DataError (exit 3) whose hint explains the rule and names --allow-cheaper-costs', () => {
    const current = edited(base, (c) => (c.venues.binance!.um!.taker_fee_bps = 4));
    const r = check(base(), current);
    if (r.status !== 'refused') throw new Error('expected a refusal');
    const [f, c] = [costDigest(base()), costDigest(current)];
    const err = cheaperCostsError(r, { id: 'bp-0123456789abcdef', name: 'mr_BTCUSDT_w20' }, { found: f, current: c }, { file: 'research/blueprints/blueprints.jsonl:3', field: 'cost_digest' });
    expect(err).toBeInstanceOf(DataError);
    expect(err.exitCode).toBe(ExitCode.invalidInput);
    expect(err.message).toBe(`research/blueprints/blueprints.jsonl:3 cost_digest: blueprint bp-0123456789abcdef (mr_BTCUSDT_w20) found under costs ${f} ` +
      `is refused under cheaper costs ${c}: venues.binance.um.taker_fee_bps 4 (current) < 5 (found)`);
    expect(err.hint).toContain('at least as high, in every component, as the ones it was found under');
    expect(err.hint).toContain('--allow-cheaper-costs');
    expect(err.hint).toContain(`research/blueprints/costs/${f}.json`);
  });
});

describe('costStatusEntry (what summary.json records)', () => {
  test('"same" is recorded exactly as before issue 9 (the golden summary.json bytes do not move)', () => {
    expect(JSON.stringify(costStatusEntry({ status: 'same' }))).toBe('{"status":"same","costlier":[]}');
  });

  test('a stress lists the costlier components; a what-if the cheaper and incomparable ones too', () => {
    const dearer = edited(base, (c) => (c.impact.max_participation = 0.05));
    const s = check(base(), dearer);
    if (s.status !== 'stress') throw new Error('expected a stress');
    expect(costStatusEntry(s)).toEqual({ status: 'stress', costlier: ['impact.max_participation 0.05 (current) < 0.1 (found) [a lower participation cap is costlier]'] });
    const w = check(base(), edited(base, (c) => { c.funding.enabled = false; c.slippage_bps = 2; }), true);
    if (w.status !== 'cheaper_what_if') throw new Error('expected a what-if');
    expect(costStatusEntry(w)).toEqual({
      status: 'cheaper_what_if',
      costlier: ['slippage_bps 2 (current) > 1 (found)'],
      cheaper: ['funding.enabled false (current) vs true (found) [paying funding is costlier]'],
      incomparable: [],
    });
  });
});
