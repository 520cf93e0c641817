/**
 * Visible cuts (issue 11 item 4): the per-concept funnel counts every cut with its reason (too few events, ESS too
 * low, missing input data, budget), carries discovery's and the bridge's counts, and the report shows it; spec/events
 * families no concept names are listed.
 */
import { describe, expect, test } from '@jest/globals';
import {
  conceptCutWarning, conceptFunnel, conceptLine, conceptPlanFunnel, conceptStageCounts, unusedEventFamilies, unusedEventsWarning,
} from '../../../lib/research/concept_funnel.js';
import type { Cut } from '../../../lib/research/budget.js';
import { renderReportHtml } from '../../../lib/report/html.js';
import { poolingLabel } from '../../../lib/research/feasibility.js';
import { renderReportMarkdown } from '../../../lib/report/markdown.js';
import { makeFixture } from '../../report/fixture.js';

const gates = { min_n: 30, min_ess: 20 };
const templates = [
  { template_id: 'tpl_cap', concept_id: 'capitulation_reversal', event_family: 'capitulation', status: 'ready' },
  { template_id: 'tpl_fund', concept_id: 'funding_fade', event_family: 'funding_extreme', status: 'ready', pooling: 'universe' },
  { template_id: 'tpl_liq', concept_id: 'liq_bounce', event_family: 'liquidation_cascade', status: 'ready' },
  { template_id: 'tpl_blk', concept_id: 'blocked_one', event_family: 'nowhere', status: 'blocked' },
];
type St = 'planned' | 'cut_infeasible' | 'cut_per_template' | 'cut_per_symbol';
const cand = (id: string, template_id: string, status: St, usable_events: number) => ({ candidate_id: id, template_id, status, usable_events });
const candidates = [
  cand('c1', 'tpl_cap', 'planned', 80), cand('c2', 'tpl_cap', 'planned', 80), cand('c3', 'tpl_cap', 'cut_per_symbol', 80),
  cand('c4', 'tpl_cap', 'cut_infeasible', 45), // enough events, ESS too low
  cand('f1', 'tpl_fund', 'cut_infeasible', 7), cand('f2', 'tpl_fund', 'cut_infeasible', 3),
  cand('l1', 'tpl_liq', 'cut_infeasible', 0), cand('l2', 'tpl_liq', 'cut_infeasible', 12),
];
const cuts: Cut[] = [
  { candidate_id: 'c3', reason: 'per_symbol', detail: 'per-instrument budget 2' },
  { candidate_id: 'c4', reason: 'infeasible', detail: 'expected ESS 12.5 < min_ess 20' },
  { candidate_id: 'f1', reason: 'infeasible', detail: 'usable events 7 < min_n 30; expected ESS 7 < min_ess 20' },
  { candidate_id: 'f2', reason: 'infeasible', detail: 'usable events 3 < min_n 30; expected ESS 3 < min_ess 20' },
  { candidate_id: 'l1', reason: 'infeasible', detail: 'not evaluated: needs open_interest (via oi_change_288); usable events 0 < min_n 30' },
  { candidate_id: 'l2', reason: 'infeasible', detail: 'usable events 12 < min_n 30' },
];

describe('per-concept funnel', () => {
  const plan = conceptPlanFunnel(templates, candidates, cuts, gates);

  test('counts every cut by reason, per concept', () => {
    expect(plan.map((p) => [p.concept_id, p.expanded, p.planned, p.cut_infeasible, p.infeasible_by, p.cut_budget])).toEqual([
      ['capitulation_reversal', 4, 2, 1, { missing_input: 0, too_few_events: 0, low_ess: 1 }, 1],
      ['funding_fade', 2, 0, 2, { missing_input: 0, too_few_events: 2, low_ess: 0 }, 0],
      ['liq_bounce', 2, 0, 2, { missing_input: 1, too_few_events: 1, low_ess: 0 }, 0],
      ['blocked_one', 0, 0, 0, { missing_input: 0, too_few_events: 0, low_ess: 0 }, 0],
    ]);
  });

  test('discovery and bridge counts join by concept; a stage that did not run gives null', () => {
    const disc = conceptStageCounts([
      { concept_id: 'capitulation_reversal', tested: true, pass: true }, { concept_id: 'capitulation_reversal', tested: false, pass: false },
    ]);
    expect(disc).toEqual([{ concept_id: 'capitulation_reversal', candidates: 2, tested: 1, pass: 1 }]);
    const rows = conceptFunnel(plan, disc, []);
    expect(rows.map((r) => [r.concept_id, r.tested, r.passed_discovery, r.passed_bridge])).toEqual([
      ['capitulation_reversal', 1, 1, 0], ['funding_fade', 0, 0, 0], ['liq_bounce', 0, 0, 0], ['blocked_one', 0, 0, 0],
    ]);
    expect(conceptFunnel(plan, undefined, undefined)[0]).toMatchObject({ tested: null, passed_discovery: null, passed_bridge: null });
    expect(conceptLine(rows[0]!)).toBe(
      'concept capitulation_reversal (family capitulation): 4 expanded, 2 planned, 1 cut infeasible (1 expected ESS too low), 1 cut by budget; ' +
      '1 tested, 1 passed discovery, 0 passed the bridge');
  });

  test('a warning for a concept with infeasible cuts, saying when nothing of it is tested; none without cuts', () => {
    expect(conceptCutWarning(plan[1]!, gates)).toMatch(
      /^concept funding_fade \(family funding_extreme\): 2 expanded, 0 planned, 2 cut infeasible \(2 too few events\) \(all of them: the concept is not tested at all\)\. To change: too few events: .*min_n 30.*feasibility\.md lists every cut$/);
    expect(conceptCutWarning(plan[1]!, gates)).not.toContain('missing input');
    expect(conceptCutWarning(plan[2]!, gates)).toContain('1 too few events, 1 missing input data');
    expect(conceptCutWarning(plan[2]!, gates)).toContain('missing input: ingest the data the event needs');
    expect(conceptCutWarning(plan[3]!, gates)).toBeNull();
  });

  test('a cut appears in the report: the funnel-by-concept table in HTML and Markdown', () => {
    const d = { ...makeFixture(), concept_funnel: conceptFunnel(plan, conceptStageCounts([]), conceptStageCounts([])) };
    const md = renderReportMarkdown(d);
    expect(md).toContain('### Funnel by concept');
    expect(md).toMatch(/\| funding_fade \| funding_extreme \| universe \| ready \| 2 \| 0 \| 2 \| 2 \| 0 \| 0 \| 0 \| 0 \| 0 \| 0 \|/);
    expect(md).toMatch(/\| liq_bounce \| liquidation_cascade \| symbol \| ready \| 2 \| 0 \| 2 \| 1 \| 0 \| 1 \| 0 \| 0 \| 0 \| 0 \|/);
    const html = renderReportHtml(d);
    expect(html).toContain('<h3 id="concepts">By concept</h3>');
    const row = html.slice(html.indexOf('funding_fade'), html.indexOf('</tr>', html.indexOf('funding_fade')));
    expect(row).toContain('funding_extreme');
    expect(row.match(/>2</g)?.length).toBe(3); // expanded, cut infeasible, too few events
    // a report without the funnel renders the empty line instead of a table
    expect(renderReportMarkdown(makeFixture())).toContain('none: no per-concept funnel recorded');
  });
});

describe('event families no concept names', () => {
  test('listed with their events and where they are defined', () => {
    const families = new Map([['capitulation', ['cap_a']], ['funding_zscore', ['funding_z21_abs_2p5']]]);
    const sources = new Map([['capitulation', ['spec/events/capitulation.yaml:4']], ['funding_zscore', ['spec/events/funding.yaml:50']]]);
    const unused = unusedEventFamilies(families, sources, ['capitulation', 'breakout']);
    expect(unused).toEqual([{ family: 'funding_zscore', events: ['funding_z21_abs_2p5'], sources: ['spec/events/funding.yaml:50'] }]);
    expect(unusedEventsWarning(unused)).toBe(
      '1 event(s) defined in spec/events are used by no concept, so they are never planned nor tested: family funding_zscore ' +
      '(funding_z21_abs_2p5; spec/events/funding.yaml:50). Add a concept with that event_family to spec/concepts, or remove the events');
    expect(unusedEventsWarning(unusedEventFamilies(families, sources, ['capitulation', 'funding_zscore']))).toBeNull();
  });
});

describe('pooling label', () => {
  test('symbol, universe, liquidity and sector buckets', () => {
    expect(poolingLabel({})).toBe('symbol');
    expect(poolingLabel({ pooling: 'universe' })).toBe('universe');
    expect(poolingLabel({ pooling: 'bucket', bucket: { by: 'liquidity', count: 3 } })).toBe('bucket liquidity/3');
    expect(poolingLabel({ pooling: 'bucket', bucket: { by: 'sector' } })).toBe('bucket sector');
  });
});
