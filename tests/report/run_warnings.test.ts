/**
 * Warnings for what ran with nothing to do or could not be computed (lib/report/run_warnings.ts): each names the
 * reason and the setting to change, and the report shows it in its warnings box (and report.json's `warnings`)
 * instead of the generic "not computed" line.
 */
import { describe, expect, test } from '@jest/globals';
import { renderReportHtml } from '../../lib/report/html.js';
import type { ReportData } from '../../lib/report/types.js';
import { reportWarnings } from '../../lib/report/warnings.js';
import { bridgeIdleWarning, discoveryIdleWarning, dsrWarning, emptyPlanWarning, pboWarning } from '../../lib/report/run_warnings.js';
import { makeFixture } from './fixture.js';

const counts = { expanded: 40, cut_infeasible: 38, cut_per_template: 2, cut_per_symbol: 0, planned: 0, templates_ready: 3, instruments: 4 };

describe('run warnings', () => {
  test('empty plan: why (cuts, gates) and what to change; none when the plan has candidates', () => {
    expect(emptyPlanWarning({ timeframe: '4h', counts, gates: { min_n: 30, min_ess: 20 } })).toBe(
      'Empty candidate plan at 4h: all 40 expanded candidates were cut (38 infeasible: fewer than min_n 30 usable events or expected ESS below min_ess 20; ' +
        '2 by budgets); discovery and the bridge test nothing. To change: discovery.min_n / min_ess in spec/gates.yaml, the horizons in spec/concepts, ' +
        'budgets or drop_infeasible in spec/plan.yaml, or a longer dataset.');
    expect(emptyPlanWarning({ timeframe: '4h', counts: { ...counts, expanded: 0, cut_infeasible: 0, cut_per_template: 0 }, gates: { min_n: 30, min_ess: 20 } }))
      .toContain('no candidate was expanded (3 ready templates, 4 instruments with 4h bars)');
    expect(emptyPlanWarning({ timeframe: '4h', counts: { ...counts, planned: 1 }, gates: { min_n: 30, min_ess: 20 } })).toBeNull();
  });

  test('idle stages: discovery on an empty plan, the bridge with no survivor', () => {
    expect(discoveryIdleWarning(0)).toBe('Stage discovery had nothing to do: the candidate plan is empty. To change: see the plan warning (spec/gates.yaml, spec/concepts, spec/plan.yaml).');
    expect(discoveryIdleWarning(5)).toBeNull();
    expect(bridgeIdleWarning(0, 0)).toBe('Stage bridge had nothing to do: the candidate plan is empty. To change: see the plan warning.');
    expect(bridgeIdleWarning(0, 87)).toBe('Stage bridge had nothing to do: none of the 87 planned candidates passed discovery. ' +
      'To change: the discovery gates in spec/gates.yaml, or bridge.scope=all to price every candidate (a what-if, not a test).');
    expect(bridgeIdleWarning(3, 87)).toBeNull();
  });

  test('PBO and DSR: the reason from the walk-forward and the setting that matters', () => {
    expect(pboWarning({ pbo: null, note: 'PBO needs at least 2 blueprints that trade (1 of 3 do)' })).toBe(
      'PBO not computed: PBO needs at least 2 blueprints that trade (1 of 3 do). The selection\'s overfitting is not measured. ' +
        'To change: blueprint.include_templates: true (template variants enter the PBO candidate set) or more bridge survivors.');
    expect(pboWarning({ pbo: null, note: 'PBO needs at least 8 days of returns (5)' })).toContain('To change: a longer dataset or a smaller walkforward.pbo_splits.');
    expect(pboWarning({ pbo: 0.3, note: 'x' })).toBeNull();
    expect(dsrWarning({ trials: 1, variance_of_daily_sharpes: null })).toMatch(/^DSR with 1 trial: there is nothing to deflate for/);
    expect(dsrWarning({ trials: 9, variance_of_daily_sharpes: null })).toMatch(/^DSR not computed: it needs the Sharpe ratios of at least 2 blueprints \(9 trials\)/);
    expect(dsrWarning({ trials: 9, variance_of_daily_sharpes: 0.01 })).toBeNull();
  });

  test('the report box shows the specific PBO reason instead of the generic line; report.json warnings are the box', () => {
    const base = makeFixture();
    const specific = pboWarning({ pbo: null, note: 'PBO needs at least 2 blueprints that trade (1 of 3 do)' })!;
    const { pbo: _drop, ...overfitting } = base.overfitting;
    const d: ReportData = { ...base, overfitting, warnings: [specific] };
    const texts = reportWarnings(d).map((w) => w.text);
    expect(texts).toContain(specific);
    expect(texts.filter((t) => t.startsWith('PBO not computed'))).toEqual([specific]);
    expect(renderReportHtml(d)).toContain('<li class="caution">PBO not computed: PBO needs at least 2 blueprints that trade (1 of 3 do).');
    // without a specific reason the generic line stays
    expect(reportWarnings({ ...d, warnings: [] }).map((w) => w.text)).toContain('PBO not computed: the selection\'s overfitting is not measured.');
  });
});
