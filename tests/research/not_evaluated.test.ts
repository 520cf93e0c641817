/**
 * "Not evaluated" (lib/features/availability.ts, lib/events/availability.ts) and its place in the discovery funnel
 * (reports/discovery/summary.{json,md}): which events cannot fire for want of a feature, the wording, and that a plan
 * with everything evaluated gets neither a key nor a section (the summary is unchanged).
 */
import { describe, expect, test } from '@jest/globals';
import { blockingFeatures, type Condition } from '../../lib/events/index.js';
import { groupNotEvaluated, instrumentNames, notApplicable, notEvaluatedText, notEvaluatedWarnings } from '../../lib/features/availability.js';
import { discoverySummary, renderDiscoveryMarkdown } from '../../lib/stages/discovery/report.js';
import { annotateCuts, templateNotEvaluated } from '../../lib/stages/plan/not_evaluated.js';
import type { Candidate } from '../../lib/research/plan.js';

const cmp = (feature: string, value = 0): Condition => ({ type: 'compare', feature, op: '<', rhs: { value } });
const U = new Set(['oi_change_12']);

describe('blockingFeatures: can the event fire with the features this instrument has?', () => {
  test('all(...) with an unavailable part never fires; the part is named', () => {
    const ev = { condition: { type: 'all', of: [cmp('ret_12'), cmp('oi_change_12')] } as Condition, direction: { type: 'long' } as const };
    expect(blockingFeatures(ev, U)).toEqual(['oi_change_12']);
    expect(blockingFeatures(ev, new Set())).toEqual([]);
    expect(blockingFeatures(ev, new Set(['funding_level']))).toEqual([]);
  });

  test('any(...) still fires on its available parts; only when every part is unavailable is it blocked', () => {
    const ev = (of: Condition[]) => ({ condition: { type: 'any', of } as Condition, direction: { type: 'short' } as const });
    expect(blockingFeatures(ev([cmp('ret_12'), cmp('oi_change_12')]), U)).toEqual([]);
    expect(blockingFeatures(ev([cmp('oi_change_12'), { type: 'abs_gt', feature: 'oi_change_288', value: 1 }]), new Set(['oi_change_12', 'oi_change_288'])))
      .toEqual(['oi_change_12', 'oi_change_288']);
  });

  test('not(x) on an unavailable x is UNKNOWN, never TRUE; a feature-to-feature comparison is blocked by either side', () => {
    const not = { condition: { type: 'not', of: cmp('oi_change_12') } as Condition, direction: { type: 'long' } as const };
    expect(blockingFeatures(not, U)).toEqual(['oi_change_12']);
    const rhs = { condition: { type: 'compare', feature: 'ret_12', op: '>', rhs: { feature: 'oi_change_12' } } as Condition, direction: { type: 'long' } as const };
    expect(blockingFeatures(rhs, U)).toEqual(['oi_change_12']);
    // not(all(a, x)) can be TRUE where a is FALSE: not blocked
    const notAll = { condition: { type: 'not', of: { type: 'all', of: [cmp('ret_12'), cmp('oi_change_12')] } } as Condition, direction: { type: 'long' } as const };
    expect(blockingFeatures(notAll, U)).toEqual([]);
  });

  test('a sign_of direction on an unavailable feature is 0 everywhere: blocked even when the condition is not', () => {
    const ev = { condition: cmp('ret_12'), direction: { type: 'sign_of', feature: 'oi_change_12' } as const };
    expect(blockingFeatures(ev, U)).toEqual(['oi_change_12']);
  });
});

describe('grouping and wording', () => {
  test('one entry per event and missing input, instruments sorted, named by symbol', () => {
    const rows = ['binance/um/SOLUSDT', 'binance/um/BTCUSDT'].map((instrument) => ({
      kind: 'event' as const, name: 'liquidation_cascade_oi1', family: 'liquidation_cascade', instrument, needs: ['open_interest'], via: ['oi_change_12'],
    }));
    const g = groupNotEvaluated(rows, 3);
    expect(g).toEqual([{ kind: 'event', name: 'liquidation_cascade_oi1', family: 'liquidation_cascade', needs: ['open_interest'], instruments: ['binance/um/BTCUSDT', 'binance/um/SOLUSDT'], of: 3, via: ['oi_change_12'] }]);
    expect(notEvaluatedText(g[0]!)).toBe('liquidation_cascade_oi1: not evaluated on 2 of 3 instruments: needs open_interest for BTCUSDT, SOLUSDT (via oi_change_12)');
  });

  test('funding on a spot instrument is not applicable (spot has no funding): not listed; on a perp it is missing data', () => {
    expect(notApplicable('binance/spot/ADAUSDT', 'funding')).toBe(true);
    expect(notApplicable('binance/um/BTCUSDT', 'funding')).toBe(false);
    expect(notApplicable('binance/spot/ADAUSDT', 'open_interest')).toBe(false);
    const rows = ['binance/spot/ADAUSDT', 'binance/um/BTCUSDT'].map((instrument) => ({ kind: 'feature' as const, name: 'funding_level', instrument, needs: ['funding'] }));
    expect(groupNotEvaluated(rows, 2)).toEqual([{ kind: 'feature', name: 'funding_level', needs: ['funding'], instruments: ['binance/um/BTCUSDT'], of: 2 }]);
    expect(groupNotEvaluated(rows.slice(0, 1), 2)).toEqual([]);
  });

  test('stage warnings: one line per cause, with the way out', () => {
    const e = (name: string, instruments: string[]) => ({ kind: 'feature' as const, name, needs: ['open_interest'], instruments, of: 3 });
    expect(notEvaluatedWarnings([e('oi_change_12', ['binance/um/BTCUSDT']), e('oi_change_288', ['binance/um/BTCUSDT']), e('oi_z', ['binance/um/ETHUSDT'])])).toEqual([
      'features oi_change_12, oi_change_288: not evaluated on 1 of 3 instruments: needs open_interest for BTCUSDT: ingest the missing data, or remove them from spec/features',
      'features oi_z: not evaluated on 1 of 3 instruments: needs open_interest for ETHUSDT: ingest the missing data, or remove them from spec/features',
    ]);
  });

  test('symbols are listed alphabetically (spot and perp ids sort apart)', () => {
    expect(instrumentNames(['binance/spot/LTCUSDT', 'binance/um/BTCUSDT'])).toEqual(['BTCUSDT', 'LTCUSDT']);
  });

  test('the same symbol on two markets is named by full id', () => {
    expect(instrumentNames(['binance/spot/BTCUSDT', 'binance/um/BTCUSDT'])).toEqual(['binance/spot/BTCUSDT', 'binance/um/BTCUSDT']);
  });
});

describe('the discovery funnel lists what was not evaluated', () => {
  const gates = { min_n: 30, min_ess: 20, min_mean_bps: 5, max_q: 0.1, fdr: 'BH' as const };
  const notEvaluated = [
    { kind: 'event' as const, name: 'liquidation_cascade_oi1', family: 'liquidation_cascade', needs: ['open_interest'], instruments: ['binance/um/BTCUSDT', 'binance/um/ETHUSDT'], of: 2, via: ['oi_change_12'] },
    { kind: 'feature' as const, name: 'oi_change_12', needs: ['open_interest'], instruments: ['binance/um/BTCUSDT', 'binance/um/ETHUSDT'], of: 2 },
  ];

  test('summary.json carries the entries and summary.md a "Not evaluated" section with each sentence', () => {
    const s = discoverySummary([], [], { plan_hash: 'a'.repeat(64), timeframe: '5m', gates, top: 5, not_evaluated: notEvaluated });
    expect(s.not_evaluated).toEqual(notEvaluated);
    const md = renderDiscoveryMarkdown(s);
    expect(md).toContain('\n## Not evaluated\n');
    expect(md).toContain('- event liquidation_cascade_oi1: not evaluated on 2 of 2 instruments: needs open_interest for BTCUSDT, ETHUSDT (via oi_change_12) [family liquidation_cascade]');
    expect(md).toContain('- feature oi_change_12: not evaluated on 2 of 2 instruments: needs open_interest for BTCUSDT, ETHUSDT');
    expect(md.indexOf('## Not evaluated')).toBeLessThan(md.indexOf('## Gates'));
  });

  test('nothing missing: no key and no section (the summary is as before)', () => {
    const s = discoverySummary([], [], { plan_hash: 'a'.repeat(64), timeframe: '5m', gates, top: 5, not_evaluated: [] });
    expect('not_evaluated' in s).toBe(false);
    expect(renderDiscoveryMarkdown(s)).not.toContain('Not evaluated');
  });
});

describe('the plan says why a candidate of a not-evaluated event was cut', () => {
  const ne = [{ kind: 'event' as const, name: 'liquidation_cascade_oi1', family: 'liquidation_cascade', needs: ['open_interest'], instruments: ['binance/um/ETHUSDT'], of: 2, via: ['oi_change_12'] }];
  const cand = (id: string, symbol: string, event = 'liquidation_cascade_oi1'): Candidate => ({
    candidate_id: id, template_id: 't', concept_id: 'c', event, event_family: 'liquidation_cascade', exchange: 'binance', market: 'um', symbol,
    timeframe: '5m', horizon_bars: 12, expected: 'fade',
  });

  test('only cuts of that event on those instruments are annotated', () => {
    const cands = [cand('a', 'ETHUSDT'), cand('b', 'BTCUSDT'), cand('c', 'ETHUSDT', 'volume_spike_z4')];
    const cuts = cands.map((c) => ({ candidate_id: c.candidate_id, reason: 'infeasible' as const, detail: 'usable events 0 < min_n 30' }));
    annotateCuts(cuts, new Map(cands.map((c) => [c.candidate_id, c])), ne);
    expect(cuts.map((c) => c.detail)).toEqual([
      'not evaluated: needs open_interest (via oi_change_12); usable events 0 < min_n 30',
      'usable events 0 < min_n 30',
      'usable events 0 < min_n 30',
    ]);
  });

  test('a template none of whose events occur is told what they need', () => {
    expect(templateNotEvaluated(new Set(['liquidation_cascade_oi1']), ne))
      .toBe(': not evaluated: liquidation_cascade_oi1: not evaluated on 1 of 2 instruments: needs open_interest for ETHUSDT (via oi_change_12)');
    expect(templateNotEvaluated(new Set(['volume_spike_z4']), ne)).toBe('');
  });
});
