import { describe, expect, test } from '@jest/globals';
import { overfittingTable } from '../../lib/report/sections.js';
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
