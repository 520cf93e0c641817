/**
 * The catalog metrics of one experiment run, from what the engine did (its order log, round trips and equity) and
 * what the exposure decided (the ledger): per-sample values, each with the regime label of its decision, then
 * aggregated as the spec says (metrics.ts: min_samples honoured) and per regime (`metric_by_regime`). Pure.
 *
 * Samples:
 *   slippage_bps          per fill: execution price (reference +/- the charged slippage and impact) against the
 *                         decision price (the close the order was submitted at; a stop's trigger price)
 *   fill_rate             per entry order: 1 filled, 0 not (expired, rejected, cancelled)
 *   time_to_fill_seconds  per filled entry: submission (bar close) to the fill: the fill bar's open for a taker fill,
 *                         its middle for a resting (maker) fill (bars do not say when inside the bar it traded)
 *   post_only_reject_rate per post_only entry: 1 rejected for crossing, 0 not
 *   spread_bps_mean/_p95  per pair of consecutive bars of the window, every target symbol (Corwin-Schultz 2012)
 *   realized_vol_short    per entry: std of the 12 log returns up to the decision bar, percent
 *   volume_multiple       per entry: decision bar volume / median volume of the 24h before it
 *   mae_pct, mfe_pct      per closed trade: the engine's excursions over entry notional (max qty x entry price), %
 *   r_multiple            per closed trade: net PnL / (max qty x the stop distance of its entry)
 *   max_drawdown_pct      one sample: the run's equity curve
 *   *_count               one sample per run: the violation counter of the settled ledger
 */
import type { EngineBars, EngineResult, ExposureLedger } from '../engine/index.js';
import { violationCounts } from '../engine/index.js';
import { METRIC_CATALOG } from './catalog.js';
import { evaluateMetric, type MetricResult } from './metrics.js';
import { metricByRegime } from './regime.js';
import { DEFAULT_MIN_SAMPLES, REGIMES, type ExperimentSpec, type MetricSpec, type Regime } from './schema.js';
import { corwinSchultzSpreadBps } from './spread.js';
import { maxDrawdownPct, realizedVolShortPct, slippageBps, volumeMultiple } from './trade_metrics.js';

const DAY_MS = 86_400_000;
export const REALIZED_VOL_BARS = 12;

export interface RunData {
  /** Slice bars (whole history) per instrument and the engine window [from, to) on them. */
  bars: EngineBars[];
  tfMs: number;
  from: number;
  to: number;
  /** Regime label per instrument per slice bar. */
  labels: readonly (readonly (Regime | null)[])[];
  result: EngineResult;
  ledger: ExposureLedger;
}

export interface Samples {
  values: Record<string, number[]>;
  /** Regime of each sample (same length as values), for the metrics that have one. */
  regimes: Record<string, (Regime | null)[]>;
  counters: Record<string, number>;
}

export function runSamples(d: RunData): Samples {
  const values: Record<string, number[]> = {};
  const regimes: Record<string, (Regime | null)[]> = {};
  const add = (name: string, v: number, r?: Regime | null): void => {
    (values[name] ??= []).push(v);
    if (r !== undefined) (regimes[name] ??= []).push(r);
  };
  for (const name of Object.keys(METRIC_CATALOG)) { values[name] = []; }
  const { bars, from, labels, result, ledger } = d;
  const label = (i: number, engineBar: number): Regime | null => labels[i]?.[from + engineBar] ?? null;
  const subBar = new Map<number, { bar: number; price: number | undefined }>();
  const fillOf = new Map<number, { bar: number; liquidity: string | undefined }>();
  const rejected = new Map<number, string>();
  for (const e of result.orderLog) {
    if (e.event === 'submitted') subBar.set(e.orderId, { bar: e.bar, price: e.price });
    else if (e.event === 'filled') {
      fillOf.set(e.orderId, { bar: e.bar, liquidity: e.liquidity });
      const sub = subBar.get(e.orderId);
      if (!sub || e.price === undefined || e.costBps === undefined) continue;
      const side = e.qty > 0 ? 1 : -1;
      const decision = e.kind === 'stop' && sub.price !== undefined ? sub.price : bars[e.instrument]!.close[from + sub.bar]!;
      if (!(decision > 0)) continue; // forced engine exits (funding span) have no decision close
      const exec = e.price * (1 + (side * e.costBps) / 1e4);
      add('slippage_bps', slippageBps(side, decision, exec), label(e.instrument, sub.bar));
    } else if (e.event === 'rejected' && e.reason) rejected.set(e.orderId, e.reason);
  }
  const dayBars = Math.max(1, Math.round(DAY_MS / d.tfMs));
  for (const en of ledger.entries) {
    const r = en.regime as Regime | null;
    const f = fillOf.get(en.orderId);
    add('fill_rate', f ? 1 : 0, r);
    if (f) {
      const submitClose = (en.bar + 1) * d.tfMs;
      const at = f.bar * d.tfMs + (f.liquidity === 'maker' ? d.tfMs / 2 : 0);
      add('time_to_fill_seconds', (at - submitClose) / 1000, r);
    }
    if (en.postOnly) add('post_only_reject_rate', rejected.get(en.orderId)?.startsWith('post_only') ? 1 : 0, r);
    const s = from + en.bar;
    add('realized_vol_short', realizedVolShortPct(bars[en.instrument]!.close, s, REALIZED_VOL_BARS), r);
    add('volume_multiple', volumeMultiple(bars[en.instrument]!.volume, s, dayBars), r);
  }
  // trades: the entry whose order filled at the trade's entry bar gives its stop distance and regime
  const entryAt = new Map<string, (typeof ledger.entries)[number]>();
  for (const en of ledger.entries) {
    const f = fillOf.get(en.orderId);
    if (f) entryAt.set(`${en.instrument}:${f.bar}`, en);
  }
  for (const tr of result.trades) {
    if (tr.exitBar < 0) continue;
    const en = entryAt.get(`${tr.instrument}:${tr.entryBar}`);
    const r = (en?.regime ?? label(tr.instrument, tr.entryBar)) as Regime | null;
    const notional = tr.maxQty * tr.entryPrice;
    add('mae_pct', (-tr.mae / notional) * 100, r);
    add('mfe_pct', (tr.mfe / notional) * 100, r);
    add('r_multiple', en ? tr.netPnl / (tr.maxQty * en.stopDistance) : NaN, r);
  }
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    const sp = corwinSchultzSpreadBps({ high: b.high.subarray(from, d.to), low: b.low.subarray(from, d.to), close: b.close.subarray(from, d.to) });
    for (let k = 0; k < sp.length; k++) {
      const lab = label(i, k + 1);
      add('spread_bps_mean', sp[k]!, lab);
      add('spread_bps_p95', sp[k]!, lab);
    }
  }
  values.max_drawdown_pct = [maxDrawdownPct(result.equity)];
  const counters = violationCounts(ledger);
  for (const [k, v] of Object.entries(counters)) values[k] = [v];
  return { values, regimes, counters };
}

/** The spec a catalog metric the experiment does not decide on is reported with (status "info", no threshold). */
export function defaultMetricSpec(name: string): MetricSpec {
  const c = METRIC_CATALOG[name]!;
  const aggregation = c.family === 'violations' ? 'sum' : name === 'spread_bps_p95' ? 'p95' : 'mean';
  return { name, unit: c.unit, aggregation, min_samples: c.family === 'violations' || name === 'max_drawdown_pct' ? 1 : DEFAULT_MIN_SAMPLES, pass_threshold: 0, direction: 'lower_better' };
}

export interface InfoResult extends Omit<MetricResult, 'status'> {
  status: 'info';
}

export interface RegimeResult extends MetricResult {
  regime: Regime;
}

export interface RunEvaluation {
  /** The spec's deciding metrics, in spec order. */
  deciding: MetricResult[];
  /** Every other catalog metric (not deciding). */
  info: InfoResult[];
  /** metric_by_regime: each deciding metric that has per-decision samples, per regime with samples. */
  byRegime: RegimeResult[];
  counters: Record<string, number>;
}

export function evaluateRun(spec: ExperimentSpec, s: Samples): RunEvaluation {
  const deciding = spec.metrics.map((m) => evaluateMetric(m, s.values[m.name] ?? []));
  const decided = new Set(spec.metrics.map((m) => m.name));
  const info: InfoResult[] = Object.keys(METRIC_CATALOG).filter((n) => !decided.has(n)).sort().map((n) => {
    const r = evaluateMetric(defaultMetricSpec(n), s.values[n] ?? []);
    return { ...r, status: 'info' as const };
  });
  const byRegime: RegimeResult[] = [];
  for (const m of spec.metrics) {
    const labs = s.regimes[m.name];
    if (!labs) continue;
    const per = metricByRegime(m, s.values[m.name]!, labs);
    for (const regime of REGIMES) if (per[regime].n + per[regime].dropped > 0) byRegime.push({ ...per[regime], regime });
  }
  return { deciding, info, byRegime, counters: s.counters };
}
