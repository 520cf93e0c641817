/**
 * Warnings derived from the report's own numbers, so the reader is told even when the pipeline forgot to: they
 * come first, then the pipeline's `data.warnings` (exact duplicates dropped). Thresholds:
 * - DSR and PSR below 0.95 (the usual 5% one-sided level of Bailey & Lopez de Prado);
 * - PBO above 0.5 (the in-sample best configuration ranks below the out-of-sample median more often than not,
 *   Bailey, Borwein, Lopez de Prado & Zhu 2017, "The Probability of Backtest Overfitting");
 * - fewer than MIN_TRADES out-of-sample trades (a Sharpe ratio from a handful of trades is mostly noise).
 */
import { fmtInt, fmtMult, fmtProb, fmtSignedPct } from './format.js';
import type { ReportData } from './types.js';

export const PROB_LEVEL = 0.95;
export const PBO_LEVEL = 0.5;
export const MIN_TRADES = 30;

export interface ReportWarning {
  /** 'critical': the result should not be trusted as shown; 'caution': read the numbers with this in mind. */
  level: 'critical' | 'caution';
  text: string;
}

export function reportWarnings(data: ReportData): ReportWarning[] {
  const out: ReportWarning[] = [];
  const crit = (text: string): void => void out.push({ level: 'critical', text });
  const caution = (text: string): void => void out.push({ level: 'caution', text });
  const g = data.generated;
  if (data.what_if) crit(data.what_if.text);
  // the pipeline may word this one itself; say it once
  if (g.synthetic && !data.warnings.some((w) => /synthetic/i.test(w))) {
    crit(`Synthetic data (${g.data_source}): generated prices with planted edges, not a market. Nothing here is evidence about real markets.`);
  }
  if (data.blueprints.length === 0) crit('No blueprint survived: nothing reached the walk-forward test.');
  const m = data.oos.metrics;
  if (m === null) {
    if (data.blueprints.length > 0) crit('No out-of-sample result: no walk-forward window selected a strategy.');
  } else {
    if (m.total_return < 0) crit(`Out-of-sample total return is negative (${fmtSignedPct(m.total_return)}).`);
    if (m.n_trades < MIN_TRADES) {
      caution(`Only ${fmtInt(m.n_trades)} out-of-sample trade(s) (< ${MIN_TRADES}): the statistics are mostly noise.`);
    }
  }
  const of = data.overfitting;
  const psr = of.psr ?? m?.psr;
  const dsr = of.dsr ?? m?.dsr;
  if (of.pbo !== undefined && of.pbo > PBO_LEVEL) {
    crit(`PBO ${fmtProb(of.pbo)} > ${PBO_LEVEL}: selection likely overfit (the in-sample best is usually below the out-of-sample median).`);
  }
  if (dsr !== undefined && dsr < PROB_LEVEL) {
    crit(`DSR ${fmtProb(dsr)} < ${PROB_LEVEL}: after ${fmtInt(of.trials)} trials the Sharpe ratio is not significant.`);
  }
  if (psr !== undefined && psr < PROB_LEVEL) {
    caution(`PSR ${fmtProb(psr)} < ${PROB_LEVEL}: the out-of-sample Sharpe ratio is not significantly above 0.`);
  }
  // the generic lines only when the pipeline gave no specific reason (lib/report/run_warnings.ts)
  const said = (prefix: string): boolean => data.warnings.some((w) => w.startsWith(prefix));
  if ((of.pbo === undefined || Number.isNaN(of.pbo)) && !said('PBO not computed')) caution('PBO not computed: the selection\'s overfitting is not measured.');
  if ((dsr === undefined || Number.isNaN(dsr)) && !said('DSR not computed')) caution('DSR not computed: the Sharpe ratio is not deflated for the number of trials.');
  const losing = data.cost_sensitivity.filter((c) => c.multiplier > 1 && c.multiplier <= 2 && c.total_return < 0);
  if (losing.length > 0 && m !== null && m.total_return > 0) {
    const c = losing.reduce((a, b) => (b.multiplier < a.multiplier ? b : a));
    caution(`Not robust to costs: the out-of-sample return turns negative at ${fmtMult(c.multiplier, 2)} costs (${fmtSignedPct(c.total_return)}).`);
  }
  // 'ok': found under these costs; 'stress': found under cheaper ones, so these are a stress (allowed)
  const badCost = data.blueprints.filter((b) => b.cost_digest_status !== 'ok' && b.cost_digest_status !== 'stress');
  if (badCost.length > 0) {
    const shown = badCost.slice(0, 5).map((b) => `${b.id} (${b.cost_digest_status})`).join(', ');
    crit(`${badCost.length} blueprint(s) not validated: evaluated under costs cheaper than (or incomparable with) the ones they were found under: ${shown}${badCost.length > 5 ? ', ...' : ''}.`);
  }
  const seen = new Set(out.map((w) => w.text));
  for (const w of data.warnings) {
    if (!seen.has(w)) {
      seen.add(w);
      out.push({ level: 'caution', text: w });
    }
  }
  return out;
}
