import { describe, expect, test } from '@jest/globals';
import {
  BLUEPRINT_SCHEMA, blueprintEvents, blueprintFeatures, blueprintId, validateBlueprint, withId, type Blueprint,
} from '../../lib/dsl/index.js';
import { BTC, DIGEST, ETH, PLAN, issuesOf, ruleBp } from './helpers.js';

const ctx = {
  source: 'research/blueprints/blueprints.jsonl:7',
  knownFeatures: new Set(['ret1_z_288_excl', 'vol_z_288_excl', 'funding_level']),
  knownEvents: new Set(['capitulation_vz4', 'funding_extreme_pos_5bp']),
};

const good = (): Blueprint => ruleBp({
  indicators: [
    { name: 'lc', kind: 'log_price', input: 'close' },
    { name: 'z_lc_96', kind: 'zscore', input: 'lc', window: 96 },
    { name: 'vz_ema', kind: 'ema', input: 'vol_z_288_excl', window: 12 },
  ],
  entries: [
    { event: 'capitulation_vz4', when: { feature: 'z_lc_96', op: '<', value: -1 }, side: 'fade' },
    { when: { all: [{ abs_gt: { feature: 'ret1_z_288_excl', value: 3 } }, { feature: 'close', op: '>', value: 0 }] }, side: 'long' },
  ],
  exit: { horizon_bars: 12, stop_loss_bps: 150, take_profit_bps: 300, when: { cross_above: { feature: 'vz_ema', value: 2 } } },
});

/** JSON round trip, then an edit, then (optionally) the id recomputed. */
function edit(bp: Blueprint, f: (x: any) => void, reid = true): unknown {
  const x = JSON.parse(JSON.stringify(bp));
  f(x);
  if (reid) x.id = blueprintId(x);
  return x;
}

describe('validateBlueprint', () => {
  test('a valid blueprint passes and comes back as a copy', () => {
    const bp = good();
    const out = validateBlueprint(JSON.parse(JSON.stringify(bp)), ctx);
    expect(out).toEqual(bp);
    expect(out.id).toMatch(/^bp-[0-9a-f]{16}$/);
  });

  test('schema failures name the source, the field path and the offending value', () => {
    const issues = issuesOf(() => validateBlueprint(edit(good(), (x) => {
      x.timeframe = '7m';
      x.strategy.exit.horizon_bars = 0;
      x.strategy.exit.stop_lossbps = 150;
      x.sizing = { method: 'fixed_notional', notional_usd: -5 };
      x.cost_digest = 'abc';
    }), ctx));
    const src = 'research/blueprints/blueprints.jsonl:7';
    expect(issues).toEqual(expect.arrayContaining([
      expect.stringContaining(`${src} timeframe: must be one of "1m", "3m", "5m"`),
      `${src} strategy.exit.horizon_bars: must be >= 1, was 0`,
      expect.stringContaining(`${src} strategy.exit.stop_lossbps: unknown key "stop_lossbps" (did you mean "stop_loss_bps"?`),
      `${src} sizing.notional_usd: must be > 0, was -5`,
      expect.stringContaining(`${src} cost_digest: must match pattern`),
    ]));
    expect(issues.find((i) => i.includes('7m'))).toContain('was "7m"');
  });

  test('unknown feature, indicator input and event get a did-you-mean; every problem is listed at once', () => {
    const issues = issuesOf(() => validateBlueprint(edit(good(), (x) => {
      x.strategy.entries[0].event = 'capitulation_vz5';
      x.strategy.entries[1].when.all[0].abs_gt.feature = 'ret1_z_288';
      x.strategy.indicators[2].input = 'vol_z_288';
    }), ctx));
    const src = 'research/blueprints/blueprints.jsonl:7';
    expect(issues).toHaveLength(3);
    expect(issues).toEqual(expect.arrayContaining([
      expect.stringMatching(/^research\/blueprints\/blueprints\.jsonl:7 strategy\.entries\[0\]\.event: unknown event "capitulation_vz5" \(did you mean "capitulation_vz4"\?/),
      expect.stringContaining(`${src} strategy.entries[1].when.all[0].abs_gt.feature: unknown feature "ret1_z_288" (did you mean "ret1_z_288_excl"?`),
      expect.stringContaining(`${src} strategy.indicators[2].input: unknown input "vol_z_288" (did you mean "vol_z_288_excl"?`),
    ]));
  });

  test('follow/fade without an event, an entry with neither event nor condition, risk_budget without a stop', () => {
    const issues = issuesOf(() => validateBlueprint(edit(good(), (x) => {
      x.strategy.entries[1].side = 'follow';
      x.strategy.entries.push({ side: 'long' });
      delete x.strategy.exit.stop_loss_bps;
      x.sizing = { method: 'risk_budget', risk_bps: 50 };
    }), ctx));
    expect(issues).toEqual([
      expect.stringContaining('strategy.entries[1].side: "follow" takes the direction of an event'),
      expect.stringContaining('strategy.entries[2]: an entry needs an event, a when condition, or both'),
      expect.stringContaining('sizing.method: risk_budget needs strategy.exit.stop_loss_bps'),
    ]);
  });

  test('pairs need exactly 2 instruments, ordered z thresholds, and no risk_budget', () => {
    const pairs = withId({
      schema_version: 1, name: 'p', timeframe: '5m', instruments: [BTC, ETH, { ...ETH, symbol: 'SOLUSDT' }],
      strategy: { type: 'pairs', hedge_window_bars: 288, z_window_bars: 288, entry_z: 2, exit_z: 2.5, max_hold_bars: 576, stop_z: 1.5 },
      sizing: { method: 'risk_budget', risk_bps: 50 }, cost_digest: DIGEST, provenance: { source: 'template', plan_hash: PLAN },
    });
    const issues = issuesOf(() => validateBlueprint(pairs, ctx));
    expect(issues).toEqual([
      expect.stringContaining('instruments: a pairs strategy trades exactly 2 instruments (A then B), was 3'),
      expect.stringContaining('strategy.exit_z: must be below entry_z (2), was 2.5'),
      expect.stringContaining('strategy.stop_z: must be above entry_z (2), was 1.5'),
      expect.stringContaining('sizing.method: risk_budget sizes by a stop-loss distance in bps; pairs have none'),
    ]);
  });

  test('an id that does not match the content is refused with the expected id', () => {
    const bp = good();
    const changed = edit(bp, (x) => { x.strategy.exit.horizon_bars = 24; }, false);
    const issues = issuesOf(() => validateBlueprint(changed, ctx));
    expect(issues).toEqual([
      `${ctx.source} id: does not match the content: expected "${blueprintId(changed as Blueprint)}", was "${bp.id}" (ids are content-derived: recompute with blueprintId after any change)`,
    ]);
  });

  test('indicator rules: names must not shadow features or bar columns, inputs must be defined earlier, windows by kind', () => {
    const issues = issuesOf(() => validateBlueprint(edit(good(), (x) => {
      x.strategy.indicators = [
        { name: 'close', kind: 'sma', input: 'close', window: 3 },
        { name: 'funding_level', kind: 'ema', input: 'close', window: 3 },
        { name: 'a', kind: 'sma', input: 'b', window: 3 },
        { name: 'b', kind: 'log_price', input: 'close', window: 3 },
        { name: 'c', kind: 'zscore', input: 'close' },
        { name: 'c', kind: 'rolling_std', input: 'close', window: 4 },
      ];
      x.strategy.entries = [{ when: { feature: 'c', op: '>', value: 0 }, side: 'long' }];
      x.strategy.exit = { horizon_bars: 3 };
    }), ctx));
    expect(issues.map((i) => i.slice(ctx.source.length + 1))).toEqual([
      'strategy.indicators[0].name: "close" is a bar column; give the indicator another name',
      'strategy.indicators[1].name: "funding_level" is a lake feature; give the indicator another name',
      'strategy.indicators[2].input: indicator "b" is defined after this one (indicators are computed in order)',
      'strategy.indicators[3].window: log_price takes no window, was 3',
      'strategy.indicators[4]: missing required key "window" (zscore needs a window in bars)',
      'strategy.indicators[5].name: duplicate indicator name "c"',
    ]);
  });

  test('the schema compiles under ajv strict and closes every object', () => {
    expect(BLUEPRINT_SCHEMA.additionalProperties).toBe(false);
    const issues = issuesOf(() => validateBlueprint(edit(good(), (x) => { x.extra = 1; x.provenance.who = 'me'; }), ctx));
    expect(issues).toEqual(expect.arrayContaining([
      expect.stringContaining('extra: unknown key "extra"'),
      expect.stringContaining('provenance.who: unknown key "who"'),
    ]));
  });
});

describe('blueprintFeatures / blueprintEvents', () => {
  test('lists the lake columns and events read, not indicators or bar columns', () => {
    const bp = good();
    expect(blueprintFeatures(bp)).toEqual(['ret1_z_288_excl', 'vol_z_288_excl']);
    expect(blueprintEvents(bp)).toEqual(['capitulation_vz4']);
  });

  test('the id ignores name and provenance, and changes with any traded detail', () => {
    const bp = good();
    const renamed = { ...bp, name: 'other', provenance: { source: 'bridge' as const, plan_hash: 'c'.repeat(64) } };
    expect(blueprintId(renamed)).toBe(bp.id);
    expect(blueprintId({ ...bp, cost_digest: 'd'.repeat(64) })).not.toBe(bp.id);
    expect(blueprintId({ ...bp, instruments: [ETH] })).not.toBe(bp.id);
  });
});
