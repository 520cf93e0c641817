import { describe, expect, test } from '@jest/globals';
import { clustersTable, deflationTable, overfittingTable } from '../../lib/report/sections.js';
import { fmtProb } from '../../lib/report/format.js';
import { renderReportHtml } from '../../lib/report/html.js';
import { renderReportMarkdown } from '../../lib/report/markdown.js';
import { makeFixture } from './fixture.js';

const labels = (t: ReturnType<typeof overfittingTable>): string[] => t.rows.map((r) => r[0]!.text);

describe('overfitting table: MinTRL beside PSR / DSR and the PBO companions', () => {
  test('without the new fields the table is unchanged (5 rows)', () => {
    expect(labels(overfittingTable(makeFixture()))).toHaveLength(5);
  });

  test('MinTRL rows follow PSR and DSR; met / not met against the days observed; companions after PBO', () => {
    const d = makeFixture();
    d.overfitting = {
      ...d.overfitting, n_days: 400, min_trl_days: 250.4, min_trl_sr0_days: 912.7,
      pbo_prob_oos_loss: 0.25, pbo_degradation_slope: -0.42, pbo_degradation_r2: 0.31, pbo_dominance: 'none',
    };
    const t = overfittingTable(d);
    const l = labels(t);
    expect(l[2]).toMatch(/^PSR/);
    expect(l[3]).toBe('MinTRL for PSR >= 0.95 (days)');
    expect(l[4]).toMatch(/^DSR/);
    expect(l[5]).toBe('MinTRL for DSR >= 0.95 (days, against SR0)');
    expect(l[6]).toMatch(/^PBO: probability/);
    expect(t.rows[3]![1]!.text).toBe('250');
    expect(t.rows[3]![2]!.text).toBe('met (400 days observed)');
    expect(t.rows[5]![2]).toEqual({ text: 'not met (400 days observed)', bad: true });
    expect(l.slice(7)).toEqual([
      'PBO companion: P(in-sample winner loses out of sample)',
      'PBO companion: performance degradation, slope of OOS on IS Sharpe',
      'PBO companion: stochastic dominance of the selection',
    ]);
    expect(t.rows[8]![1]!.text).toBe('-0.42 (R^2 0.31)');
    expect(t.rows[9]![1]!.text).toBe('none');
  });

  test('an unreachable MinTRL (NaN: Sharpe <= benchmark) reads as such', () => {
    const d = makeFixture();
    d.overfitting = { ...d.overfitting, n_days: 400, min_trl_days: NaN };
    const t = overfittingTable(d);
    expect(t.rows[3]![1]!.text).toBe('n/a');
    expect(t.rows[3]![2]!.text).toMatch(/^unreachable/);
  });
});

describe('naive and clustered deflation side by side, clusters listed (issue 11 item 5)', () => {
  const withClusters = () => {
    const d = makeFixture();
    const [a, b] = [d.blueprints[0]!, d.blueprints[1]!];
    d.overfitting = {
      ...d.overfitting, trials: 224, sr0_annual: 9.34, dsr: 0.0029,
      clustered: {
        trials_effective: 7.5, extra_trials: 5, sr0_annual: 3.1, dsr: 0.97, null_variance_of_sharpes: 1.05 / 119, long_run_variance_ratio: 1.05,
        clusters: [{ members: [a.id], effective_trials: 1, sharpe_annual: 6.33 }, { members: [b.id, 'bp-unknown'], effective_trials: 1.5, sharpe_annual: -3.84 }],
      },
    };
    return { d, a, b };
  };

  test('deflation table: trials, SR0 and DSR naive vs clustered; the clustered DSR judged', () => {
    const { d } = withClusters();
    const t = deflationTable(d);
    expect(t.columns.map((c) => c.label)).toEqual(['Deflation', 'Naive', 'Clustered (ONC)', 'Reading']);
    expect(t.rows.map((r) => [r[0]!.text, r[1]!.text, r[2]!.text])).toEqual([
      ['Trials N', '224', '7.5'], ['SR0 (annualised)', '9.34', '3.10'], ['DSR: P(true Sharpe > SR0)', fmtProb(0.0029), fmtProb(0.97)],
    ]);
    expect(t.rows[0]![3]!.text).toBe('clustered: Li & Ji effective trials of 2 ONC clusters of the blueprints + 5 trials without a return series');
    expect(t.rows[1]![3]!.text).toContain('clustered: variance of a skill-less trial\'s Sharpe estimate, 1 / (days - 1) x long-run variance ratio 1.05');
    expect(t.rows[2]![1]!.bad).toBe(true);
    expect(t.rows[2]![3]!.text).toBe('pass (clustered >= 0.95)');
  });

  test('clusters table lists members by blueprint name (id when unknown); markdown and HTML carry both tables', () => {
    const { d, a, b } = withClusters();
    const t = clustersTable(d);
    expect(t.rows.map((r) => r.map((c) => c.text))).toEqual([
      ['1', '1', '1.0', '6.33', a.name], ['2', '2', '1.5', '-3.84', `${b.name}; bp-unknown`],
    ]);
    const md = renderReportMarkdown(d);
    expect(md).toContain('### Deflated Sharpe: naive and clustered trials');
    expect(md).toContain('### Trial clusters (ONC over the blueprints\' hourly returns, plan candidates assigned)');
    const html = renderReportHtml(d);
    expect(html).toContain('<h3>Deflated Sharpe: naive and clustered trials</h3>');
    expect(html).toContain('<h3>Trial clusters (ONC over the blueprints');
    expect(html).toContain('bp-unknown');
  });

  test('with plan-candidate series and the HAC DSR: the candidates are counted per cluster and the iid DSR is shown beside', () => {
    const { d, a, b } = withClusters();
    d.overfitting.clustered = {
      ...d.overfitting.clustered!, candidate_series: 9, dsr_iid: 0.93, sharpe_variance_ratio: 0.84, hac_lags: 3,
      clusters: [{ members: [a.id], effective_trials: 3, sharpe_annual: 6.33, candidates: 4 }, { members: [b.id], effective_trials: 2.5, sharpe_annual: -3.84, candidates: 5 }],
    };
    const t = deflationTable(d);
    expect(t.rows[0]![3]!.text).toBe('clustered: Li & Ji effective trials of 2 ONC clusters of the blueprints, with the 9 plan candidates assigned to them (correlations of hourly returns) + 5 trials without a return series');
    expect(t.rows[3]!.map((x) => x.text)).toEqual(['DSR, iid variance of the book\'s Sharpe', '', fmtProb(0.93),
      'the clustered DSR above uses the Lo (2002) HAC variance of the book\'s daily Sharpe: 0.84x the iid one (Newey-West, 3 lags)']);
    const c = clustersTable(d);
    expect(c.columns.map((x) => x.label)).toContain('Plan candidates');
    expect(c.rows.map((r) => r.slice(0, 4).map((x) => x.text))).toEqual([['1', '1', '4', '3.0'], ['2', '1', '5', '2.5']]);
  });

  test('without a clustered block: no rows and no extra sections', () => {
    const d = makeFixture();
    expect(deflationTable(d).rows).toEqual([]);
    expect(renderReportMarkdown(d)).not.toContain('naive and clustered');
  });
});
