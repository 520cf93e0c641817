/**
 * The report's content as plain-text tables and lists, rendered by html.ts and markdown.ts, so both formats say
 * exactly the same thing. Cell text is NOT escaped here (each renderer escapes for its own format).
 */
import {
  NA, fmtDateTime, fmtDays, fmtInt, fmtMult, fmtNum, fmtPct, fmtProb, fmtSeconds, fmtSignedPct, fmtSpan,
  isPresent,
} from './format.js';
import { equityMaxDrawdown, equityTotalReturn } from './series.js';
import type { ReportData, ReportMetrics } from './types.js';
import { PBO_LEVEL, PROB_LEVEL } from './warnings.js';

export interface Cell {
  text: string;
  numeric?: boolean;
  /** Shown in red: a loss or a failed check. */
  bad?: boolean;
  /** Full text when `text` is shortened (HTML tooltip; Markdown ignores it). */
  title?: string;
  strong?: boolean;
  /** Keep on one line (dates, ids); HTML only. */
  nowrap?: boolean;
}

export interface Column { label: string; numeric?: boolean; title?: string }

export interface Table {
  columns: Column[];
  rows: Cell[][];
  /** Shown instead of the table when there are no rows. */
  empty: string;
  /** Lines under the table (totals, truncation notes). */
  notes: string[];
}

/** Blueprints listed in full up to this many (the rest are counted, not hidden silently). */
export const MAX_BLUEPRINT_ROWS = 100;
/** Selected ids listed per walk-forward window before "+N more". */
export const MAX_SELECTED_SHOWN = 6;

const txt = (text: string): Cell => ({ text });
function num(text: string, value?: number | null, opts: { bad?: boolean; strong?: boolean } = {}): Cell {
  const bad = opts.bad ?? (isPresent(value) && value < 0);
  return { text, numeric: true, ...(bad ? { bad } : {}), ...(opts.strong ? { strong: true } : {}) };
}

export interface Fact { label: string; value: string; mono?: boolean; bad?: boolean }

export function headerFacts(d: ReportData): Fact[] {
  const g = d.generated;
  const facts: Fact[] = [
    { label: 'Data source', value: g.synthetic ? `${g.data_source} (SYNTHETIC)` : g.data_source, bad: g.synthetic },
    { label: 'Period', value: `${fmtDateTime(g.start_ms)} .. ${fmtDateTime(g.end_ms)} (${fmtDays(g.end_ms - g.start_ms)})` },
    { label: 'Timeframe', value: `${g.timeframe} (${fmtNum(g.bars_per_year, 0)} bars/year, 24/7)` },
    { label: 'Instruments', value: fmtInt(g.n_instruments) },
    { label: 'Run', value: g.run_id, mono: true },
  ];
  if (g.created_ms !== undefined) facts.push({ label: 'Generated', value: fmtDateTime(g.created_ms) });
  facts.push({ label: 'Plan hash', value: d.plan_hash || NA, mono: true });
  facts.push({ label: 'Cost digest', value: d.cost_digest || NA, mono: true });
  return facts;
}

/** First and last instant of the stitched out-of-sample curve with a finite equity; undefined when none. */
export function oosSpan(d: ReportData): { start: number; end: number; points: number } | undefined {
  let start = NaN;
  let end = NaN;
  let points = 0;
  const n = Math.min(d.oos.ts_ms.length, d.oos.equity.length);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(d.oos.equity[i]!)) continue;
    if (points === 0) start = d.oos.ts_ms[i]!;
    end = d.oos.ts_ms[i]!;
    points++;
  }
  return points > 0 ? { start, end, points } : undefined;
}

export function oosSummary(d: ReportData): string {
  const span = oosSpan(d);
  const w = d.windows.length;
  if (!span) return `No out-of-sample equity (${w} walk-forward window(s)).`;
  return `Stitched out-of-sample test windows: ${fmtDateTime(span.start)} .. ${fmtDateTime(span.end)} `
    + `(${fmtDays(span.end - span.start)}, ${fmtInt(span.points)} points, ${w} walk-forward window(s)). `
    + 'Each window trades only what was selected on its own training window.';
}

const METRIC_COLUMNS: { key: keyof ReportMetrics; label: string; title: string; fmt: (x: number) => string; bad?: (x: number) => boolean }[] = [
  { key: 'total_return', label: 'Total return', title: 'compounded, whole out-of-sample period', fmt: (x) => fmtSignedPct(x) },
  { key: 'cagr', label: 'CAGR', title: 'compound annual growth rate', fmt: (x) => fmtSignedPct(x) },
  { key: 'sharpe', label: 'Sharpe', title: 'annualised, risk-free 0', fmt: (x) => fmtNum(x, 2) },
  { key: 'sortino', label: 'Sortino', title: 'annualised, target 0', fmt: (x) => fmtNum(x, 2) },
  { key: 'max_drawdown', label: 'Max DD', title: 'maximum drawdown from a running peak', fmt: (x) => fmtPct(x) },
  { key: 'calmar', label: 'Calmar', title: 'CAGR / |max drawdown|', fmt: (x) => fmtNum(x, 2) },
  { key: 'hit_rate', label: 'Hit rate', title: 'share of closed round trips with a positive net PnL', fmt: (x) => fmtPct(x, 1), bad: () => false },
  { key: 'turnover', label: 'Turnover', title: 'traded notional / mean equity, per year', fmt: (x) => `${fmtNum(x, 1)}x/yr`, bad: () => false },
  { key: 'exposure', label: 'Exposure', title: 'share of periods holding a position', fmt: (x) => fmtPct(x, 1), bad: () => false },
  { key: 'n_trades', label: 'Trades', title: 'number of round trips', fmt: (x) => fmtInt(x), bad: () => false },
  { key: 'psr', label: 'PSR', title: `P(true Sharpe > 0); below ${PROB_LEVEL} fails`, fmt: fmtProb, bad: (x) => x < PROB_LEVEL },
  { key: 'dsr', label: 'DSR', title: `PSR against the expected best of the trials; below ${PROB_LEVEL} fails`, fmt: fmtProb, bad: (x) => x < PROB_LEVEL },
];

function metricsRow(name: string, m: Partial<ReportMetrics> | null): Cell[] {
  const row: Cell[] = [{ text: name, strong: true }];
  for (const c of METRIC_COLUMNS) {
    const v = m?.[c.key];
    if (!isPresent(v)) {
      row.push(num(NA, NaN));
      continue;
    }
    row.push(num(c.fmt(v), v, { bad: c.bad ? c.bad(v) : v < 0 }));
  }
  return row;
}

export function metricsTable(d: ReportData): Table {
  const rows: Cell[][] = [];
  const notes: string[] = [];
  if (d.oos.metrics) rows.push(metricsRow('Strategy', d.oos.metrics));
  const b = d.oos.benchmark;
  if (d.oos.metrics && b) {
    if (b.metrics) {
      rows.push(metricsRow(b.label, b.metrics));
    } else {
      rows.push(metricsRow(b.label, { total_return: equityTotalReturn(b.equity), max_drawdown: equityMaxDrawdown(b.equity) }));
      notes.push(`${b.label}: total return and max drawdown read off its sampled curve; other figures not supplied.`);
    }
  }
  // PSR / DSR may be given in the overfitting block only: show them in the strategy row, too
  const first = rows[0];
  if (first && d.oos.metrics) {
    const k = METRIC_COLUMNS.findIndex((c) => c.key === 'psr');
    const ext: [number, number | undefined][] = [[k, d.oos.metrics.psr ?? d.overfitting.psr], [k + 1, d.oos.metrics.dsr ?? d.overfitting.dsr]];
    for (const [j, v] of ext) {
      if (isPresent(v)) first[j + 1] = num(fmtProb(v), v, { bad: v < PROB_LEVEL });
    }
  }
  return {
    columns: [{ label: '' }, ...METRIC_COLUMNS.map((c) => ({ label: c.label, numeric: true, title: c.title }))],
    rows,
    empty: 'none: no out-of-sample result',
    notes,
  };
}

export function windowsTable(d: ReportData): Table {
  const rows = d.windows.map((w) => {
    const shown = w.selected.slice(0, MAX_SELECTED_SHOWN).join(', ');
    const more = w.selected.length > MAX_SELECTED_SHOWN ? ` +${w.selected.length - MAX_SELECTED_SHOWN} more` : '';
    const sel: Cell = w.selected.length === 0
      ? { text: 'none (flat)' }
      : { text: `${w.selected.length}: ${shown}${more}`, ...(more ? { title: w.selected.join(', ') } : {}) };
    return [
      num(String(w.index)), { text: fmtSpan(w.train_start_ms, w.train_end_ms), nowrap: true },
      { text: fmtSpan(w.test_start_ms, w.test_end_ms), nowrap: true },
      sel, num(fmtSignedPct(w.oos_return), w.oos_return), num(fmtNum(w.oos_sharpe, 2), w.oos_sharpe),
    ];
  });
  const notes: string[] = [];
  const finite = d.windows.filter((w) => Number.isFinite(w.oos_return));
  if (finite.length > 0) {
    const pos = finite.filter((w) => w.oos_return > 0).length;
    const mean = finite.reduce((s, w) => s + w.oos_return, 0) / finite.length;
    const flat = d.windows.filter((w) => w.selected.length === 0).length;
    notes.push(`${pos} of ${finite.length} test window(s) positive; mean window return ${fmtSignedPct(mean)}; `
      + `${flat} window(s) with nothing selected.`);
  }
  return {
    columns: [
      { label: '#', numeric: true }, { label: 'Train (UTC)' }, { label: 'Test (UTC)' }, { label: 'Selected' },
      { label: 'OOS return', numeric: true }, { label: 'OOS Sharpe', numeric: true, title: 'annualised' },
    ],
    rows,
    empty: 'none: no walk-forward window',
    notes,
  };
}

export function blueprintsTable(d: ReportData): Table {
  const shown = d.blueprints.slice(0, MAX_BLUEPRINT_ROWS);
  const rows = shown.map((b) => [
    { text: b.id, nowrap: true }, txt(b.name), txt(b.source), txt(b.instruments),
    num(fmtNum(b.full_sharpe, 2), b.full_sharpe), num(fmtSignedPct(b.full_return), b.full_return),
    num(fmtInt(b.times_selected)), num(b.oos_return === null ? 'never' : fmtSignedPct(b.oos_return), b.oos_return),
    num(fmtInt(b.n_trades)), { text: b.cost_digest_status, ...(b.cost_digest_status !== 'ok' ? { bad: true } : {}) },
  ]);
  const notes: string[] = [];
  if (d.blueprints.length > shown.length) {
    notes.push(`${d.blueprints.length - shown.length} more blueprint(s) not listed (${d.blueprints.length} in total).`);
  }
  return {
    columns: [
      { label: 'Id' }, { label: 'Name' }, { label: 'Source' }, { label: 'Instruments' },
      { label: 'Full Sharpe', numeric: true, title: 'annualised, whole sample: in-sample for every window, not a test' },
      { label: 'Full return', numeric: true, title: 'whole sample, in-sample' },
      { label: 'Selected', numeric: true, title: 'number of walk-forward windows that selected it' },
      { label: 'OOS return', numeric: true, title: 'compounded over the test windows it was selected in' },
      { label: 'Trades', numeric: true }, { label: 'Costs', title: "'ok': validated under these costs or costlier ones" },
    ],
    rows,
    empty: 'none: no blueprint survived',
    notes,
  };
}

export function funnelTable(d: ReportData): Table {
  const first = d.funnel[0]?.count ?? NaN;
  const rows = d.funnel.map((s, i) => {
    const prev = i > 0 ? d.funnel[i - 1]!.count : NaN;
    return [
      txt(s.step), num(fmtInt(s.count)), num(i > 0 && prev > 0 ? fmtPct(s.count / prev, 1) : NA),
      num(first > 0 ? fmtPct(s.count / first, 2) : NA), txt(s.note ?? ''),
    ];
  });
  return {
    columns: [
      { label: 'Step' }, { label: 'Count', numeric: true }, { label: 'Of previous', numeric: true },
      { label: 'Of first', numeric: true }, { label: 'Note' },
    ],
    rows,
    empty: 'none: no funnel recorded',
    notes: [],
  };
}

/** The funnel per concept: where each concept's candidates went, and why the cut ones were cut. */
export function conceptFunnelTable(d: ReportData): Table {
  const rows = (d.concept_funnel ?? []).map((c) => {
    const n = (x: number | null, bad = false) => num(x === null ? NA : fmtInt(x), x, bad ? { bad: true } : {});
    return [
      txt(c.concept_id), txt(c.event_family), txt(c.pooling ?? 'symbol'), txt(c.status), n(c.expanded), n(c.planned, c.status !== 'ready' || (c.planned === 0 && c.expanded > 0)),
      n(c.cut_infeasible, c.cut_infeasible > 0), n(c.infeasible_by.too_few_events), n(c.infeasible_by.low_ess), n(c.infeasible_by.missing_input),
      n(c.cut_budget), n(c.tested), n(c.passed_discovery), n(c.passed_bridge),
    ];
  });
  return {
    columns: [
      { label: 'Concept' }, { label: 'Family' },
      { label: 'Pooling', title: 'symbol: one candidate per instrument; universe / bucket: pooled candidates, one test over the events of several instruments' },
      { label: 'Status', title: "'blocked': a spec task (missing event family or feature), nothing expanded" },
      { label: 'Expanded', numeric: true }, { label: 'Planned', numeric: true },
      { label: 'Cut infeasible', numeric: true },
      { label: 'too few events', numeric: true, title: 'fewer than min_n usable events' },
      { label: 'ESS too low', numeric: true, title: 'enough events, expected ESS below min_ess' },
      { label: 'missing input', numeric: true, title: 'the event cannot fire on the instrument: a feature it reads has no input data there' },
      { label: 'Cut by budget', numeric: true, title: 'per-template and per-instrument budgets (spec/plan.yaml)' },
      { label: 'Tested', numeric: true, title: 'planned candidates with a finite HAC t' },
      { label: 'Pass discovery', numeric: true }, { label: 'Pass bridge', numeric: true },
    ],
    rows,
    empty: 'none: no per-concept funnel recorded',
    notes: rows.length ? ['Every cut candidate, with its numbers, is in research/plan/feasibility.md.'] : [],
  };
}

export function gateTable(d: ReportData): Table {
  const total = d.gate_failures.reduce((s, g) => s + (Number.isFinite(g.count) ? g.count : 0), 0);
  return {
    columns: [{ label: 'First failing gate' }, { label: 'Candidates', numeric: true }, { label: 'Share', numeric: true }],
    rows: d.gate_failures.map((g) => [txt(g.gate), num(fmtInt(g.count)), num(total > 0 ? fmtPct(g.count / total, 1) : NA)]),
    empty: 'none: no candidate failed a gate',
    notes: [],
  };
}

export function costSensitivityTable(d: ReportData): Table {
  return {
    columns: [
      { label: 'Scenario' }, { label: 'Cost multiplier', numeric: true }, { label: 'OOS total return', numeric: true },
      { label: 'OOS Sharpe', numeric: true },
    ],
    rows: d.cost_sensitivity.map((c) => {
      const base = c.multiplier === 1;
      return [
        { text: c.label, ...(base ? { strong: true } : {}) }, num(fmtMult(c.multiplier, 2), undefined, { strong: base }),
        num(fmtSignedPct(c.total_return), c.total_return, { strong: base }), num(fmtNum(c.sharpe, 2), c.sharpe, { strong: base }),
      ];
    }),
    empty: 'none: no cost sensitivity run',
    notes: [],
  };
}

function verdict(v: number | undefined, pass: (x: number) => boolean, rule: string): Cell {
  if (!isPresent(v)) return { text: 'not computed', bad: true };
  return pass(v) ? { text: `pass (${rule})` } : { text: `FAIL (${rule})`, bad: true, strong: true };
}

export function overfittingTable(d: ReportData): Table {
  const o = d.overfitting;
  const psr = o.psr ?? d.oos.metrics?.psr;
  const dsr = o.dsr ?? d.oos.metrics?.dsr;
  const rows: Cell[][] = [
    [txt('Trials (configurations tried)'), num(fmtInt(o.trials)), txt('N of the expected maximum Sharpe ratio')],
    [txt('SR0: expected best Sharpe of N skill-less trials'), num(isPresent(o.sr0_annual) ? fmtNum(o.sr0_annual, 2) : NA), txt('annualised; the DSR benchmark')],
    [txt('PSR: P(true Sharpe > 0)'), num(isPresent(psr) ? fmtProb(psr) : NA, undefined, { bad: isPresent(psr) && psr < PROB_LEVEL }), verdict(psr, (x) => x >= PROB_LEVEL, `>= ${PROB_LEVEL}`)],
    [txt('DSR: P(true Sharpe > SR0)'), num(isPresent(dsr) ? fmtProb(dsr) : NA, undefined, { bad: isPresent(dsr) && dsr < PROB_LEVEL }), verdict(dsr, (x) => x >= PROB_LEVEL, `>= ${PROB_LEVEL}`)],
    [
      txt(`PBO: probability of backtest overfitting${isPresent(o.pbo_splits) ? ` (${fmtInt(o.pbo_splits)} CSCV splits)` : ''}`),
      num(isPresent(o.pbo) ? fmtProb(o.pbo) : NA, undefined, { bad: isPresent(o.pbo) && o.pbo > PBO_LEVEL }),
      verdict(o.pbo, (x) => x <= PBO_LEVEL, `<= ${PBO_LEVEL}`),
    ],
  ];
  const days = isPresent(o.n_days) ? ` (${fmtInt(o.n_days)} days observed)` : '';
  const trl = (v: number | undefined): Cell => {
    if (!isPresent(v)) return { text: 'unreachable or not computed: the Sharpe ratio does not exceed the benchmark' };
    if (!isPresent(o.n_days)) return txt('days of daily returns needed at the same Sharpe, skewness and kurtosis');
    return o.n_days >= v ? txt(`met${days}`) : { text: `not met${days}`, bad: true };
  };
  if (o.min_trl_days !== undefined) rows.splice(3, 0, [txt('MinTRL for PSR >= 0.95 (days)'), num(isPresent(o.min_trl_days) ? fmtNum(o.min_trl_days, 0) : NA), trl(o.min_trl_days)]);
  if (o.min_trl_sr0_days !== undefined) rows.splice(o.min_trl_days !== undefined ? 5 : 4, 0, [txt('MinTRL for DSR >= 0.95 (days, against SR0)'), num(isPresent(o.min_trl_sr0_days) ? fmtNum(o.min_trl_sr0_days, 0) : NA), trl(o.min_trl_sr0_days)]);
  if (o.pbo_prob_oos_loss !== undefined) {
    rows.push([txt('PBO companion: P(in-sample winner loses out of sample)'), num(isPresent(o.pbo_prob_oos_loss) ? fmtProb(o.pbo_prob_oos_loss) : NA), txt('share of CSCV splits with a negative OOS Sharpe')]);
  }
  if (o.pbo_degradation_slope !== undefined) {
    const r2 = isPresent(o.pbo_degradation_r2) ? ` (R^2 ${fmtNum(o.pbo_degradation_r2, 2)})` : '';
    rows.push([txt('PBO companion: performance degradation, slope of OOS on IS Sharpe'), num(isPresent(o.pbo_degradation_slope) ? `${fmtNum(o.pbo_degradation_slope, 2)}${r2}` : NA), txt('< 0: a better in-sample Sharpe comes with a worse out-of-sample one')]);
  }
  if (o.pbo_dominance !== undefined) {
    rows.push([txt('PBO companion: stochastic dominance of the selection'), num(o.pbo_dominance), txt("'first order': the IS winners' OOS Sharpe beats a random configuration's at every quantile")]);
  }
  return {
    columns: [{ label: 'Statistic' }, { label: 'Value', numeric: true }, { label: 'Reading' }],
    rows,
    empty: 'none',
    notes: [],
  };
}

/** Naive and clustered deflation side by side (rows: trials, SR0, DSR); no rows without a clustered block. */
export function deflationTable(d: ReportData): Table {
  const o = d.overfitting;
  const c = o.clustered;
  const dsr = o.dsr ?? d.oos.metrics?.dsr;
  const prob = (v: number | undefined): Cell => num(isPresent(v) ? fmtProb(v) : NA, undefined, { bad: isPresent(v) && v < PROB_LEVEL });
  const rows: Cell[][] = c ? [
    [txt('Trials N'), num(fmtInt(o.trials)), num(Number.isInteger(c.trials_effective) ? fmtInt(c.trials_effective) : fmtNum(c.trials_effective, 1)),
      txt(c.candidate_series !== undefined
        ? `clustered: Li & Ji effective trials of ${fmtInt(c.clusters.length)} ONC clusters of the blueprints, with the ${fmtInt(c.candidate_series)} plan candidates assigned to them (correlations of hourly returns) + ${fmtInt(c.extra_trials)} trials without a return series`
        : `clustered: Li & Ji effective trials of ${fmtInt(c.clusters.length)} ONC clusters of the blueprints + ${fmtInt(c.extra_trials)} trials without a return series`)],
    [txt('SR0 (annualised)'), num(isPresent(o.sr0_annual) ? fmtNum(o.sr0_annual, 2) : NA), num(isPresent(c.sr0_annual) ? fmtNum(c.sr0_annual, 2) : NA),
      txt('naive: variance of the blueprints\' Sharpe ratios; clustered: variance of a skill-less trial\'s Sharpe estimate, 1 / (days - 1)' +
        (isPresent(c.long_run_variance_ratio) ? ` x long-run variance ratio ${fmtNum(c.long_run_variance_ratio, 2)}` : ''))],
    [txt('DSR: P(true Sharpe > SR0)'), prob(dsr), prob(c.dsr), verdict(isPresent(c.dsr) ? c.dsr : undefined, (x) => x >= PROB_LEVEL, `clustered >= ${PROB_LEVEL}`)],
    ...(c.dsr_iid !== undefined ? [[txt('DSR, iid variance of the book\'s Sharpe'), num(''), prob(c.dsr_iid),
      txt(`the clustered DSR above uses the Lo (2002) HAC variance of the book's daily Sharpe: ${isPresent(c.sharpe_variance_ratio) ? fmtNum(c.sharpe_variance_ratio, 2) : NA}x the iid one (Newey-West, ${isPresent(c.hac_lags) ? fmtInt(c.hac_lags) : NA} lags)`)]] : []),
  ] : [];
  return {
    columns: [{ label: 'Deflation' }, { label: 'Naive', numeric: true }, { label: 'Clustered (ONC)', numeric: true }, { label: 'Reading' }],
    rows, empty: 'no clustered deflation in this walk-forward summary', notes: [],
  };
}

/** The ONC clusters behind the clustered DSR: size, Li & Ji effective trials, mean member Sharpe, members (names where known). */
export function clustersTable(d: ReportData): Table {
  const c = d.overfitting.clustered;
  const nameOf = new Map(d.blueprints.map((b) => [b.id, b.name] as const));
  const withCands = (c?.clusters ?? []).some((k) => k.candidates !== undefined);
  const rows: Cell[][] = (c?.clusters ?? []).map((k, i) => [
    num(fmtInt(i + 1)), num(fmtInt(k.members.length)), ...(withCands ? [num(fmtInt(k.candidates ?? 0))] : []),
    num(isPresent(k.effective_trials) ? fmtNum(k.effective_trials, 1) : NA),
    num(isPresent(k.sharpe_annual) ? fmtNum(k.sharpe_annual, 2) : NA),
    txt(k.members.map((m) => nameOf.get(m) ?? m).join('; ')),
  ]);
  return {
    columns: [
      { label: 'Cluster', numeric: true }, { label: 'Members', numeric: true },
      ...(withCands ? [{ label: 'Plan candidates', numeric: true, title: 'plan candidates whose return series is nearest this cluster (counted in its effective trials)' }] : []),
      { label: 'Effective trials', numeric: true, title: 'Li & Ji (2005): from the eigenvalues of the members\' correlation matrix' },
      { label: 'Mean member Sharpe (annualised)', numeric: true }, { label: 'Blueprints' },
    ],
    rows, empty: 'no clusters', notes: [],
  };
}

export function timingsTable(d: ReportData): Table {
  const total = d.stages.reduce((s, x) => s + (Number.isFinite(x.seconds) ? x.seconds : 0), 0);
  const withRun = d.stages.some((s) => s.run_id !== undefined);
  const runCell = (s: ReportData['stages'][number]): Cell[] => (withRun
    ? [txt(s.run_id === undefined ? NA : s.run_id === d.generated.run_id ? 'this run' : s.run_id)] : []);
  const rows = d.stages.map((s) => [
    txt(s.stage), num(fmtSeconds(s.seconds)), num(total > 0 ? fmtPct(s.seconds / total, 1) : NA),
    num(s.rows === undefined ? '' : fmtInt(s.rows)),
    num(s.rows !== undefined && s.seconds > 0 ? fmtInt(s.rows / s.seconds) : ''),
    ...runCell(s),
  ]);
  if (rows.length > 0) rows.push([{ text: 'total', strong: true }, num(fmtSeconds(total), undefined, { strong: true }), num(''), num(''), num(''), ...(withRun ? [txt('')] : [])]);
  return {
    columns: [
      { label: 'Stage' }, { label: 'Wall time', numeric: true }, { label: 'Share', numeric: true },
      { label: 'Rows', numeric: true, title: 'rows the stage wrote (the sum over its output tables)' }, { label: 'Rows/s', numeric: true },
      ...(withRun ? [{ label: 'Ran in', title: 'the run that last ran the stage; an earlier run means its outputs were reused as fresh' }] : []),
    ],
    rows,
    empty: 'none: no stage timings recorded',
    notes: withRun ? ['From the stage manifests (state/stages/*.json), in start order; the report stage itself is still running and is not listed.'] : [],
  };
}

/**
 * Lines for the costs section when blueprints were found under other cost configs (none when every blueprint was
 * found under these costs): per found digest, how these costs compare and which components differ.
 */
export function costCheckLines(d: ReportData): string[] {
  return (d.cost_checks ?? []).map((c) => {
    const found = `found under costs ${c.found_digest.slice(0, 16)}`;
    switch (c.status) {
      case 'equivalent':
        return `Blueprints ${found}: priced the same by these costs (another digest, no component differs).`;
      case 'stress':
        return `Blueprints ${found}: STRESS, these costs are dearer (allowed): ${c.costlier.join('; ')}.`;
      case 'cheaper_what_if':
        return `Blueprints ${found}: WHAT-IF, these costs are cheaper or incomparable (not a validation): ${[...c.cheaper, ...c.incomparable].join('; ')}.`;
    }
  });
}

/** Share of the total wall time per stage, for the HTML's inline bars. */
export function stageShares(d: ReportData): number[] {
  const total = d.stages.reduce((s, x) => s + (Number.isFinite(x.seconds) ? x.seconds : 0), 0);
  return d.stages.map((s) => (total > 0 && Number.isFinite(s.seconds) ? s.seconds / total : 0));
}

/** The definitions printed in the footer (plain text). */
export function definitions(d: ReportData): { term: string; text: string }[] {
  const bpy = fmtNum(d.generated.bars_per_year, 0);
  return [
    { term: 'Time', text: 'All times UTC. A bar is keyed by its open time and known at its close; a signal at bar t trades at the open of bar t+1 at the earliest. Windows are [start, end): the end is excluded.' },
    { term: 'Returns', text: 'Simple returns, compounded; equity starts at 1. Total return = final equity - 1. CAGR = equity^(1/years) - 1, years = bars / bars per year.' },
    { term: 'Sharpe', text: `mean / standard deviation (ddof 1) of per-bar returns x sqrt(${bpy}), the number of ${d.generated.timeframe} bars in a 365.25-day year (crypto trades 24/7, not 252 days); risk-free rate 0.` },
    { term: 'Sortino', text: 'annualised mean / annualised downside deviation, the deviation below 0 averaged over all bars.' },
    { term: 'Drawdown', text: 'equity / running peak - 1 (<= 0); the starting capital counts as a peak. Max DD is its minimum; Calmar = CAGR / |Max DD|.' },
    { term: 'Hit rate, exposure, turnover', text: 'hit rate = closed round trips with a positive net PnL (after all costs) / closed round trips; exposure = share of bars holding a position; turnover = traded notional / mean equity, per year.' },
    { term: 'Walk-forward', text: 'each window selects blueprints on its training span only and trades them on the following test span; the test spans are stitched into one out-of-sample curve. Full-sample figures in the blueprint table are in-sample.' },
    { term: 'Costs', text: 'fees, slippage, square-root impact, funding over the hold and borrow, as in the cost config with the digest above; the sensitivity table scales every cost component by the multiplier.' },
    { term: 'PSR / DSR', text: 'Probabilistic Sharpe Ratio: probability that the true Sharpe exceeds 0 given the sample length, skewness and kurtosis (Bailey & Lopez de Prado 2012). Deflated Sharpe Ratio: the same against SR0, the expected maximum Sharpe of the number of trials (Bailey & Lopez de Prado 2014).' },
    { term: 'PBO', text: 'Probability of Backtest Overfitting by combinatorially symmetric cross-validation (Bailey, Borwein, Lopez de Prado & Zhu 2017): the share of splits where the in-sample best configuration ranks below the out-of-sample median. Companions from the same paper: the probability that the in-sample winner loses out of sample, the slope and R^2 of its out-of-sample on its in-sample Sharpe (performance degradation), and whether the winners\' out-of-sample Sharpe stochastically dominates that of all configurations.' },
    { term: 'MinTRL', text: 'Minimum track record length (Bailey & Lopez de Prado 2012): 1 + (1 - skew SR + (kurtosis - 1)/4 SR^2) (z_0.95 / (SR - SR*))^2 days, with the daily Sharpe SR, its skewness and Pearson (non-excess) kurtosis: the length at which the PSR against SR* (0, or SR0 for the DSR) reaches 0.95.' },
  ];
}

