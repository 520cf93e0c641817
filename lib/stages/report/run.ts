/**
 * The report stage: gathers the walk-forward result, the research funnel and the provenance into one ReportData
 * (lib/report/types.ts) and renders it: reports/strategy/report.html (self-contained, offline), report.md and
 * report.json (the data itself). Nothing is recomputed here except presentation (drawdown from equity).
 * Deterministic: the same inputs give byte-identical files (no wall-clock time in the output).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, QuantError } from '../../errors.js';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../../fsx.js';
import { LakeDb, readTableFile } from '../../lake/index.js';
import type { CostConfig } from '../../costs/schema.js';
import { MARKETS } from '../../market.js';
import type { StageContext, StageRunSummary } from '../../stage/definition.js';
import { manifestDir, type StageManifest } from '../../stage/manifest.js';
import { renderReportHtml } from '../../report/html.js';
import { renderReportMarkdown } from '../../report/markdown.js';
import { reportWarnings } from '../../report/warnings.js';
import { bridgeIdleWarning, discoveryIdleWarning, dsrWarning, emptyPlanWarning, pboWarning, type PlanWarningInput } from '../../report/run_warnings.js';
import { reportNotEvaluated } from '../../report/not_evaluated.js';
import { notEvaluatedText } from '../../features/availability.js';
import { findChromium, screenshotHtml } from '../../report/screenshot.js';
import type { ReportCostCheck, ReportData, ReportStage, ReportWhatIf } from '../../report/types.js';
import { BLUEPRINTS_META, type BlueprintsMeta } from '../blueprint/files.js';
import type { DiscoverySummary } from '../discovery/report.js';
import { OOS_COLUMNS, OOS_FILE, SUMMARY_FILE } from '../walkforward/files.js';
import type { WalkforwardSummary } from '../walkforward/summary.js';
import type { ReportParams } from './params.js';
import { cutWarning } from '../../report/cuts.js';
import { conceptCutWarning, conceptFunnel, unusedEventsWarning, type ConceptStageCounts } from '../../research/concept_funnel.js';
import type { FeasibilityJson } from '../../research/plan_report.js';

export const REPORT_HTML = 'report.html';
export const REPORT_MD = 'report.md';
export const REPORT_JSON = 'report.json';

/** The out-of-sample columns the report shows (window, ret and gross_leverage are not read). */
const OOS_READ = OOS_COLUMNS.filter((c) => c.name === 'ts_ms' || c.name === 'equity' || c.name === 'benchmark_equity');

/** A typed column as the plain array report.json serializes (a loop: Array.from walks the typed array's iterator). */
function plainArray(a: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) out.push(a[i]!);
  return out;
}

export async function runReportStage(ctx: StageContext<ReportParams>): Promise<StageRunSummary> {
  if (!ctx.costs) throw new QuantError('report needs the cost config (usesCosts)');
  const wfDir = ctx.input('lake/walkforward');
  const wf = await readRequired<WalkforwardSummary>(join(wfDir, SUMMARY_FILE), `lake/walkforward/${SUMMARY_FILE}`, 'walkforward');
  const meta = await readRequired<BlueprintsMeta>(join(ctx.input('research/blueprints'), BLUEPRINTS_META), `research/blueprints/${BLUEPRINTS_META}`, 'blueprint');
  const disc = await readRequired<DiscoverySummary>(join(ctx.input('reports/discovery'), 'summary.json'), 'reports/discovery/summary.json', 'discovery');
  const bridge = await readRequired<{ counts: { priced: number; survivors: number; pass: number }; concepts?: ConceptStageCounts[] }>(join(ctx.input('reports/bridge'), 'summary.json'), 'reports/bridge/summary.json', 'bridge');
  const planJson = await readRequired<{ plan_hash: string; timeframe: string; counts: PlanWarningInput['counts']; gates: PlanWarningInput['gates'] }>(join(ctx.input('research/plan'), 'plan.json'), 'research/plan/plan.json', 'plan');
  const feas = await readRequired<Pick<FeasibilityJson, 'concepts' | 'unused_event_families'>>(join(ctx.input('research/plan'), 'feasibility.json'), 'research/plan/feasibility.json', 'plan');
  const concepts = conceptFunnel(feas.concepts ?? [], disc.concepts, bridge.concepts);
  const provFile = join(ctx.input('lake/raw'), '_provenance.json');
  const prov = existsSync(provFile) ? await readJson<{ source?: string; synthetic?: boolean }>(provFile) : {};
  for (const [what, h] of [['walk-forward', wf.plan_hash], ['blueprints', meta.plan_hash], ['discovery', disc.plan_hash]] as const) {
    if (h !== planJson.plan_hash) {
      throw new DataError(`the ${what} outputs were computed on another plan (current plan ${planJson.plan_hash})`, { file: 'research/plan/plan.json', field: 'plan_hash', value: h }, {
        hint: 'rerun the pipeline from the stage that is stale (npm run all)',
      });
    }
  }
  if (wf.cost_digest !== ctx.costs.digest) {
    throw new DataError(`the walk-forward ran under cost config ${wf.cost_digest}, the current one is ${ctx.costs.digest}`, {
      file: `lake/walkforward/${SUMMARY_FILE}`, field: 'cost_digest', value: wf.cost_digest,
    }, { hint: 'rerun walkforward under the current spec/costs.yaml' });
  }

  const db = await LakeDb.open({ threads: 1 });
  let oos: Record<string, unknown>;
  try {
    oos = await readTableFile(db, join(wfDir, OOS_FILE), OOS_READ);
  } finally {
    db.close();
  }
  const ts = plainArray(oos.ts_ms as Float64Array);
  const equity = plainArray(oos.equity as Float64Array);
  const benchEq = plainArray(oos.benchmark_equity as Float64Array);
  const m = wf.oos.metrics;
  const selectedAny = wf.blueprints.filter((b) => b.times_selected > 0).length;
  const profitable = wf.blueprints.filter((b) => b.oos_return !== null && b.oos_return > 0).length;
  const costChecks = reportCostChecks(wf.blueprint_cost_digests);
  const whatIf = whatIfOf(costChecks, ctx.costs.digest);
  const source = prov.source ?? 'unknown';
  const data: ReportData = {
    ...(whatIf ? { what_if: whatIf } : {}),
    title: ctx.params.title,
    generated: {
      run_id: ctx.runId, data_source: source, synthetic: prov.synthetic === true, timeframe: wf.timeframe,
      start_ms: wf.grid.start_ms, end_ms: wf.grid.end_ms, n_instruments: new Set(wf.blueprints.flatMap((b) => b.instruments.split('/'))).size,
      bars_per_year: wf.bars_per_year,
    },
    plan_hash: planJson.plan_hash,
    cost_digest: ctx.costs.digest,
    cost_lines: costLines(ctx.costs.config as CostConfig),
    ...(costChecks.length > 0 ? { cost_checks: costChecks } : {}),
    ...(wf.cut_instruments?.length ? { cut_instruments: wf.cut_instruments } : {}),
    funnel: [
      { step: 'hypotheses expanded', count: planJson.counts.expanded, note: 'templates x events x instruments x horizons' },
      { step: 'candidates planned', count: planJson.counts.planned, note: 'feasible within budgets (cut on event counts only)' },
      { step: 'pass discovery gates', count: disc.counts.pass, note: `min_n, min_ess, min_mean_bps, max_q (${disc.gates.fdr})` },
      { step: 'pass the cost bridge', count: bridge.counts.pass, note: 'net of fees, slippage, impact, funding; CI > 0' },
      { step: 'blueprints', count: meta.counts.total, note: `${meta.counts.from_bridge} from the bridge + ${meta.counts.from_templates} template variants` },
      { step: 'selected out of sample', count: selectedAny, note: 'selected in at least one walk-forward window (train data only)' },
      { step: 'profitable out of sample', count: profitable, note: 'positive compounded return over the windows it traded' },
    ],
    ...(concepts.length ? { concept_funnel: concepts } : {}),
    ...reportNotEvaluated(disc.not_evaluated, notEvaluatedText),
    gate_failures: Object.entries(disc.counts.first_failed_gate).map(([gate, count]) => ({ gate, count })),
    oos: {
      ts_ms: ts, equity,
      ...(benchEq.some((x) => Number.isFinite(x)) && wf.oos.benchmark ? { benchmark: { label: wf.oos.benchmark.label, equity: benchEq } } : {}),
      metrics: ts.length ? { ...m, psr: wf.deflation.psr, dsr: wf.deflation.dsr } : null,
    },
    windows: wf.windows.map((w) => ({
      index: w.index, train_start_ms: w.train_start_ms, train_end_ms: w.train_end_ms, test_start_ms: w.test_start_ms,
      test_end_ms: w.test_end_ms, selected: w.selected, oos_return: w.oos_return, oos_sharpe: w.oos_sharpe,
    })),
    blueprints: [...wf.blueprints]
      .sort((a, b) => b.times_selected - a.times_selected || nanLast(b.full_sharpe) - nanLast(a.full_sharpe) || (a.id < b.id ? -1 : 1))
      .map((b) => ({
        id: b.id, name: b.name, source: b.source, instruments: b.instruments, full_sharpe: b.full_sharpe, full_return: b.full_return,
        times_selected: b.times_selected, oos_return: b.oos_return, n_trades: b.full_trades,
        cost_digest_status: reportCostStatus(b.cost_digest_status),
      })),
    cost_sensitivity: wf.cost_sensitivity.map((c) => ({
      label: c.multiplier === 0 ? 'no trading costs' : c.multiplier === 1 ? 'spec/costs.yaml' : `${c.multiplier}x fees, slippage, impact`,
      multiplier: c.multiplier, total_return: c.total_return, sharpe: c.sharpe,
    })),
    overfitting: {
      trials: wf.deflation.trials,
      sr0_annual: wf.deflation.sr0_annual, psr: wf.deflation.psr, dsr: wf.deflation.dsr,
      ...(wf.deflation.clustered ? {
        clustered: {
          trials_effective: wf.deflation.clustered.trials_effective, extra_trials: wf.deflation.clustered.extra_trials,
          null_variance_of_sharpes: wf.deflation.clustered.null_variance_of_sharpes,
          long_run_variance_ratio: wf.deflation.clustered.long_run_variance_ratio,
          sr0_annual: wf.deflation.clustered.sr0_annual, dsr: wf.deflation.clustered.dsr,
          clusters: wf.deflation.clustered.clusters.map((c) => ({
            members: c.members, effective_trials: c.effective_trials, sharpe_annual: c.sharpe_annual, ...(c.candidates ? { candidates: c.candidates.length } : {}),
          })),
          ...(wf.deflation.clustered.candidate_series !== undefined ? { candidate_series: wf.deflation.clustered.candidate_series } : {}),
          ...(wf.deflation.clustered.dsr_iid !== undefined ? {
            dsr_iid: wf.deflation.clustered.dsr_iid, sharpe_variance_ratio: wf.deflation.clustered.sharpe_variance_ratio, hac_lags: wf.deflation.clustered.hac_lags,
          } : {}),
        },
      } : {}),
      ...(wf.pbo.pbo !== null ? { pbo: wf.pbo.pbo } : {}),
      ...(wf.pbo.n_combinations !== null ? { pbo_splits: wf.pbo.n_combinations } : {}),
      ...mintrlAndPboCompanions(wf),
      rank_convention: wf.pbo.rank_convention,
      notes: [
        `trials = ${wf.deflation.plan_candidates} plan candidates tested by discovery + ${wf.deflation.template_variants} template variants` +
          (wf.deflation.pairs_screened_out ? ` + ${wf.deflation.pairs_screened_out} pair variants screened out` : ''),
        wf.deflation.note,
        `PBO: ${wf.pbo.note}`,
        `windows: ${wf.windows_spec.mode}, train ${wf.windows_spec.train_bars} bars, embargo ${wf.windows_spec.embargo_bars} bars, test ${wf.windows_spec.test_bars} bars; ` +
          `top ${wf.windows_spec.selection.top_k} by train Sharpe with >= ${wf.windows_spec.selection.min_train_trades} train trades and train Sharpe > ${wf.windows_spec.selection.min_train_sharpe}; ` +
          `${wf.windows_spec.unused_bars} trailing bars not traded`,
      ],
    },
    warnings: [
      ...(prov.synthetic === true ? ['SYNTHETIC DATA: the seeded synthetic market (with planted edges), not a real exchange'] : []),
      ...costChecks.filter((c) => c.status === 'stress').map((c) =>
        `Cost stress: blueprints found under cheaper costs ${c.found_digest.slice(0, 12)} are evaluated under these dearer ones (allowed): ${c.costlier.join('; ')}`),
      // what ran with nothing to do, or could not be computed: the same words as the stages' run summaries
      ...[emptyPlanWarning(planJson), discoveryIdleWarning(disc.counts.candidates), bridgeIdleWarning(bridge.counts.priced, planJson.counts.planned),
        pboWarning(wf.pbo), dsrWarning(wf.deflation)].filter((w): w is string => w !== null),
      ...[cutWarning(wf.cut_instruments)].filter((w): w is string => w !== undefined),
      // concepts the plan cut entirely (never tested), and spec/events families no concept names: the plan's words
      ...concepts.filter((c) => c.planned === 0).map((c) => conceptCutWarning(c, planJson.gates)).filter((w): w is string => w !== null),
      ...[unusedEventsWarning(feas.unused_event_families ?? [])].filter((w): w is string => w !== null),
    ],
    stages: ctx.params.timings ? await stageTimings(ctx.dataDir, 'report') : [],
  };
  const out = ctx.output('reports/strategy');
  const html = renderReportHtml(data);
  await writeFileAtomic(join(out, REPORT_HTML), html);
  await writeFileAtomic(join(out, REPORT_MD), renderReportMarkdown(data));
  // report.json carries every warning of the HTML box (derived ones first), and the critical ones apart, for gating scripts
  const boxed = reportWarnings(data);
  await writeJsonAtomic(join(out, REPORT_JSON), {
    ...data, warnings: boxed.map((w) => w.text), critical_warnings: boxed.filter((w) => w.level === 'critical').map((w) => w.text),
  });
  if (ctx.params.screenshot !== 'never') {
    const chromium = findChromium();
    if (!chromium && ctx.params.screenshot === 'always') {
      throw new DataError('screenshot: always, but no Chromium was found', { file: 'spec/pipeline.yaml', field: 'stages.report.screenshot', value: 'always' }, {
        hint: 'apt-get install chromium, or set CHROMIUM_PATH',
      });
    }
    if (chromium) await screenshotHtml(join(out, REPORT_HTML), join(out, 'report.png'), { width: 1280, height: 'auto' });
  }
  return {
    rows: { windows: data.windows.length, blueprints: data.blueprints.length, oos_bars: ts.length },
    metrics: { html_bytes: Buffer.byteLength(html), oos_total_return: m.total_return, oos_sharpe: m.sharpe },
  };
}

/**
 * Wall time of every stage with a manifest (state/stages/<stage>.json) except `self`, in start order: the run
 * that last ran it, its duration and its rows (the sum of its summary's row counts). A stage reused as fresh shows the run that ran it. A manifest that is not
 * JSON or has no finite duration_ms is a DataError naming the file and the field.
 */
export async function stageTimings(dataDir: string, self: string): Promise<ReportStage[]> {
  const dir = manifestDir(dataDir);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const found: { started: string; stage: ReportStage }[] = [];
  for (const n of names) {
    const file = join(dir, n);
    let m: Partial<StageManifest>;
    try {
      m = JSON.parse(await readFile(file, 'utf8')) as Partial<StageManifest>;
    } catch (e) {
      throw new DataError('stage manifest is not valid JSON', { file }, { cause: e, hint: 'rerun that stage (its manifest is rewritten), or delete the file' });
    }
    if (m.stage === self) continue;
    if (typeof m.duration_ms !== 'number' || !Number.isFinite(m.duration_ms) || m.duration_ms < 0) {
      throw new DataError('stage manifest has no valid duration', { file, field: 'duration_ms', value: m.duration_ms }, { hint: 'rerun that stage (its manifest is rewritten)' });
    }
    found.push({
      started: typeof m.started_at === 'string' ? m.started_at : '',
      stage: {
        stage: typeof m.stage === 'string' ? m.stage : n.slice(0, -5), seconds: m.duration_ms / 1000,
        ...(rowsOf(m.summary) !== undefined ? { rows: rowsOf(m.summary)! } : {}),
        ...(typeof m.run_id === 'string' ? { run_id: m.run_id } : {}),
      },
    });
  }
  found.sort((a, b) => (a.started < b.started ? -1 : a.started > b.started ? 1 : a.stage.stage < b.stage.stage ? -1 : 1));
  return found.map((f) => f.stage);
}

/** Sum of a stage summary's row counts (every output table), or undefined when it reports none. */
function rowsOf(summary: StageManifest['summary'] | undefined): number | undefined {
  const v = Object.values(summary?.rows ?? {}).filter((x) => typeof x === 'number' && Number.isFinite(x));
  return v.length > 0 ? v.reduce((a, b) => a + b, 0) : undefined;
}

async function readRequired<T>(file: string, display: string, stage: string): Promise<T> {
  if (!existsSync(file)) throw new DataError(`missing ${stage} output`, { file: display }, { hint: `run the ${stage} stage first` });
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

function nanLast(x: number): number {
  return Number.isFinite(x) ? x : -Infinity;
}

const COST_STATUSES: readonly string[] = ['same', 'equivalent', 'stress', 'cheaper_what_if'];

/**
 * The found digests the walk-forward's costs differ from (not 'same'), sorted by digest. An unknown status (e.g.
 * 'stricter', written before issue 9 with the comparison the wrong way round) is refused: the walk-forward must rerun.
 */
export function reportCostChecks(status: WalkforwardSummary['blueprint_cost_digests']): ReportCostCheck[] {
  for (const [d, s] of Object.entries(status)) {
    if (!COST_STATUSES.includes(s.status)) {
      throw new DataError(`unknown cost status for blueprints found under costs ${d} (expected ${COST_STATUSES.join(', ')})`, {
        file: `lake/walkforward/${SUMMARY_FILE}`, field: `blueprint_cost_digests.${d}.status`, value: s.status,
      }, { hint: 'rerun walkforward (npm run all) under the current code and spec/costs.yaml' });
    }
  }
  return Object.keys(status).sort().filter((d) => status[d]!.status !== 'same').map((d) => {
    const s = status[d]!;
    return { found_digest: d, status: s.status as ReportCostCheck['status'], costlier: s.costlier, cheaper: s.cheaper ?? [], incomparable: s.incomparable ?? [] };
  });
}

/** The what-if label, when some blueprint was evaluated under costs cheaper than (or incomparable with) its own. */
export function whatIfOf(checks: readonly ReportCostCheck[], currentDigest: string): ReportWhatIf | undefined {
  const cheaper = checks.filter((c) => c.status === 'cheaper_what_if');
  if (cheaper.length === 0) return undefined;
  return {
    reason: 'cheaper_costs',
    text: 'WHAT-IF, NOT A VALIDATION: the walk-forward evaluated blueprints under costs cheaper than (or incomparable with) ' +
      'the ones they were found under (walkforward.allow_cheaper_costs); its result overstates what they earn under their own costs.',
    current_digest: currentDigest,
    found_digests: cheaper.map((c) => c.found_digest),
    components: cheaper.flatMap((c) => [...c.cheaper, ...c.incomparable]),
  };
}

/** The report's per-blueprint cost column: 'ok' when found under these costs, else the walk-forward status. */
function reportCostStatus(s: WalkforwardSummary['blueprints'][number]['cost_digest_status']): string {
  return s === 'same' || s === 'equivalent' ? 'ok' : s;
}

/** One human line per cost component of the resolved config. */
export function costLines(c: CostConfig): string[] {
  const lines: string[] = [];
  for (const venue of Object.keys(c.venues).sort()) {
    for (const mk of MARKETS) {
      const f = c.venues[venue]?.[mk];
      if (f) lines.push(`${venue} ${mk}: maker ${f.maker_fee_bps} bps, taker ${f.taker_fee_bps} bps per fill`);
    }
  }
  lines.push(`slippage: ${c.slippage_bps} bps per fill`);
  lines.push(c.impact.model === 'sqrt'
    ? `impact: square root, ${c.impact.coefficient} x daily vol x sqrt(qty / 24h volume); max participation ${c.impact.max_participation * 100}% of the fill bar's volume`
    : `impact: linear, ${c.impact.coefficient_bps} bps per unit of qty / 24h volume; max participation ${c.impact.max_participation * 100}% of the fill bar's volume`);
  lines.push(`funding: ${c.funding.enabled ? 'paid / received at every settlement on open perp positions' : 'DISABLED'}`);
  lines.push(`borrow: spot shorts pay ${c.borrow.spot_short_bps_per_year} bps per year`);
  return lines;
}

/** MinTRL beside PSR/DSR and the PBO companions (lib/stats), for the overfitting table; JSON null reads as NaN. */
function mintrlAndPboCompanions(wf: WalkforwardSummary): Partial<ReportData['overfitting']> {
  const m = wf.oos.metrics as Partial<WalkforwardSummary['oos']['metrics']>;
  const numOf = (x: number | null | undefined): number => (typeof x === 'number' ? x : NaN);
  const p = wf.pbo;
  return {
    ...(m.min_trl_days !== undefined ? { n_days: m.n_days ?? NaN, min_trl_days: numOf(m.min_trl_days), min_trl_sr0_days: numOf(m.min_trl_sr0_days) } : {}),
    ...(p.pbo !== null && p.prob_oos_loss !== undefined ? {
      pbo_prob_oos_loss: numOf(p.prob_oos_loss),
      pbo_degradation_slope: numOf(p.degradation_slope),
      pbo_degradation_r2: numOf(p.degradation_r2),
      pbo_dominance: p.dominance_first_order ? 'first order' : p.dominance_second_order ? 'second order' : 'none',
    } : {}),
  };
}
