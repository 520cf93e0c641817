/**
 * The blueprint stage: every bridge survivor (pass = 1) becomes a rule blueprint (enter on its event, follow or fade,
 * exit at its horizon or the family's stops: lib/dsl/policies.ts), and the template grid of spec/blueprints.yaml
 * adds classic strategies. Every blueprint is validated against the Blueprint schema and the features and events
 * the lake provides, and bound to the digest of the current cost config, whose resolved form is kept beside them
 * (costs/<digest>.json) so a later stage can tell a stricter config from a cheaper one.
 */
import { memberInstruments } from '../../research/plan.js';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataError, QuantError } from '../../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../../fsx.js';
import { sha256Hex } from '../../hash.js';
import { LakeDb, TABLES, listPartitions, readPartitions, readTableFile, stringsOf, type DictColumn } from '../../lake/index.js';
import { timeframeMs } from '../../timeframe.js';
import type { CostConfig } from '../../costs/schema.js';
import type { InstrumentKey } from '../../market.js';
import {
  PAIRS_SCREEN_DEFAULTS, blueprintFromCandidate, screenPairs, screenedOutTrials, templateGrid, validateBlueprint, type Blueprint,
  type PairsScreenConfig, type PairsScreenResult, type ScreenInstrument, type TemplateGridSpec,
} from '../../dsl/index.js';
import type { StageContext, StageRunSummary } from '../../stage/definition.js';
import { readPlan } from '../discovery/io.js';
import { readLakeVocabulary } from './vocabulary.js';
import { BRIDGE_COLUMNS, BRIDGE_RESULTS_FILE } from '../bridge/table.js';
import { BLUEPRINTS_FILE, BLUEPRINTS_META, COSTS_DIR, PAIRS_SCREEN_FILE, type BlueprintsMeta } from './files.js';
import type { BlueprintParams } from './params.js';
import { loadBlueprintSpec, type BlueprintSpec } from './spec.js';

const BRIDGE_READ = BRIDGE_COLUMNS.filter((c) =>
  ['candidate_id', 'n_occurrences', 'net_bps', 'ci_lo_bps', 'ci_hi_bps', 'pass', 'cost_digest', 'plan_hash'].includes(c.name));

export async function runBlueprintStage(ctx: StageContext<BlueprintParams>): Promise<StageRunSummary> {
  if (!ctx.costs) throw new QuantError('blueprint needs the cost config (usesCosts)');
  const digest = ctx.costs.digest;
  const tf = ctx.params.timeframe;
  const known = await readLakeVocabulary(ctx.input('lake/features'), ctx.specDir);
  const spec = await loadBlueprintSpec(join(ctx.specDir, 'blueprints.yaml'), tf);
  const plan = await readPlan(ctx.input('research/plan'));

  const bridgeFile = join(ctx.input('lake/bridge'), BRIDGE_RESULTS_FILE);
  const display = `lake/bridge/${BRIDGE_RESULTS_FILE}`;
  if (!existsSync(bridgeFile)) throw new DataError('missing bridge results', { file: display }, { hint: 'run the bridge stage first' });
  const db = await LakeDb.open({ threads: 1 });
  let cols: Awaited<ReturnType<typeof readTableFile>>;
  try {
    cols = await readTableFile(db, bridgeFile, BRIDGE_READ);
  } finally {
    db.close();
  }
  const ids = stringsOf(cols.candidate_id as DictColumn);
  const planHashes = stringsOf(cols.plan_hash as DictColumn);
  const digests = stringsOf(cols.cost_digest as DictColumn);
  const pass = cols.pass as Uint8Array;
  const byId = new Map(plan.candidates.map((c) => [c.candidate_id, c]));
  const fromBridge: Blueprint[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (planHashes[i] !== plan.plan_hash) {
      throw new DataError(`bridge results were computed on another plan (current plan ${plan.plan_hash})`, { file: display, field: 'plan_hash', value: planHashes[i] }, {
        hint: 'rerun the bridge on the current plan',
      });
    }
    if (digests[i] !== digest) {
      throw new DataError(`bridge results were priced under cost config ${digests[i]}, the current one is ${digest}`, { file: display, field: 'cost_digest', value: digests[i] }, {
        hint: 'rerun the bridge under the current spec/costs.yaml: a blueprint is bound to the costs its edge was measured under',
      });
    }
    if (pass[i] !== 1) continue;
    const c = byId.get(ids[i]!);
    if (!c) throw new DataError('bridge survivor not in the plan', { file: display, field: 'candidate_id', value: ids[i] });
    if (c.timeframe !== tf) {
      throw new DataError(`candidate ${c.candidate_id} is for timeframe ${c.timeframe}, the pipeline runs ${tf}`, { file: plan.file, field: 'timeframe', value: c.timeframe });
    }
    const num = (name: string) => (cols[name] as Float64Array | Int32Array)[i]!;
    // a pooled survivor (one claim over several instruments) trades its event on every member: one blueprint each
    for (const m of memberInstruments(c)) {
      fromBridge.push(blueprintFromCandidate({ ...c, symbol: m.symbol }, {
        cost_digest: digest, plan_hash: plan.plan_hash, sizing: spec.sizing,
        bridge: { net_bps: num('net_bps'), ci_low_bps: num('ci_lo_bps'), ci_high_bps: num('ci_hi_bps') },
      }));
    }
  }

  const instruments = known.instruments.map(parseId);
  const skipped: string[] = [];
  const screens: Screen[] = [];
  if (ctx.params.include_templates) {
    for (const [i, t] of spec.templates.entries()) {
      if (t.template !== 'pairs' || (t.pairs !== undefined && t.pairs !== 'auto')) continue;
      const cfg: PairsScreenConfig = { ...PAIRS_SCREEN_DEFAULTS, ...t.screen };
      const result = await runPairsScreen(dirname(ctx.input('lake/cleaned')), instruments, tf, cfg);
      screens.push({ index: i, cfg, result });
      ctx.log.info({ template: i, screened: result.pairs.length, chosen: result.chosen.map((p) => p.join(' ~ ')) }, 'pairs screen');
      if (result.chosen.length === 0) {
        skipped.push(`spec/blueprints.yaml templates[${i}]: the pairs screen (${cfg.method}) kept none of the ${result.pairs.length} pairs it tested ` +
          `(research/blueprints/summary.md lists them): ${cfg.method === 'engle_granger' ? `raise screen.max_p_value (${cfg.max_p_value}) or use method: correlation` : `lower screen.min_correlation (${cfg.min_correlation})`}, or list the pairs`);
      }
    }
  }
  const fromTemplates = ctx.params.include_templates
    ? compileTemplates(spec, instruments, { cost_digest: digest, plan_hash: plan.plan_hash, timeframe: tf }, skipped, screens)
    : [];

  // One validation for all, against what the lake provides (the compilers validate against their own inputs only).
  const all = dedupe([...fromBridge, ...fromTemplates]).map((bp) =>
    validateBlueprint(bp, { source: `blueprint ${bp.id} (${bp.name})`, knownFeatures: known.features, knownEvents: known.events }));
  all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const text = all.map((bp) => JSON.stringify(bp)).join('\n') + (all.length ? '\n' : '');
  const out = ctx.output('research/blueprints');
  await writeFileAtomic(join(out, BLUEPRINTS_FILE), text);
  await writeJsonAtomic(join(out, COSTS_DIR, `${digest}.json`), ctx.costs.config as CostConfig);
  const nTemplates = all.filter((b) => b.provenance.source === 'template').length;
  // every pair the screen tested is a hypothesis tried: those not compiled count with the grid variants they would have had
  const screenedOut = screens.reduce((s, sc) => s + screenedOutTrials(sc.result, spec.templates[sc.index]!.grid), 0);
  // the latest end of any screen: the walk-forward checks it is before its first test window
  const screenMeta = screens.length ? screens.map((sc) => screenPeriod(sc.result, tf)).reduce((a, b) => (b.to_ms > a.to_ms ? b : a)) : undefined;
  const meta: BlueprintsMeta = {
    schema_version: 1, plan_hash: plan.plan_hash, cost_digest: digest, timeframe: tf,
    counts: { bridge_survivors: countPass(pass), from_bridge: all.length - nTemplates, from_templates: nTemplates, total: all.length },
    trials: {
      plan_candidates: plan.candidates.length, template_variants: nTemplates, pairs_screened_out: screenedOut,
      total: plan.candidates.length + nTemplates + screenedOut,
    },
    ...(screenMeta ? {
      pairs_screen: {
        method: screens.map((sc) => sc.cfg.method).join(', '), ...screenMeta,
        screened: screens.reduce((s, sc) => s + sc.result.pairs.length, 0), chosen: screens.reduce((s, sc) => s + sc.result.chosen.length, 0),
        file: PAIRS_SCREEN_FILE,
      },
    } : {}),
    blueprints_sha256: sha256Hex(text),
  };
  if (screens.length) {
    await writeJsonAtomic(join(out, PAIRS_SCREEN_FILE), screens.map((sc) => ({
      template: sc.index, config: sc.cfg, ...screenPeriod(sc.result, tf), ...sc.result,
    })));
  }
  await writeJsonAtomic(join(out, BLUEPRINTS_META), meta);
  await writeFileAtomic(join(out, 'summary.md'), summaryMarkdown(meta, all, skipped, screens));
  for (const s of skipped) ctx.log.warn(s);
  return {
    rows: { blueprints: all.length },
    metrics: { from_bridge: meta.counts.from_bridge, from_templates: nTemplates, trials: meta.trials.total },
    ...(skipped.length ? { warnings: skipped } : {}),
  };
}

function countPass(p: Uint8Array): number {
  let n = 0;
  for (const x of p) if (x === 1) n++;
  return n;
}

function parseId(id: string): InstrumentKey {
  const [exchange, market, symbol] = id.split('/') as [string, InstrumentKey['market'], string];
  return { exchange, market, symbol };
}

/** A blueprint compiled twice (a template variant equal to a survivor) is kept once, the first (bridge) one. */
function dedupe(bps: Blueprint[]): Blueprint[] {
  const seen = new Set<string>();
  return bps.filter((b) => (seen.has(b.id) ? false : (seen.add(b.id), true)));
}

function compileTemplates(
  spec: BlueprintSpec, instruments: readonly InstrumentKey[], common: { cost_digest: string; plan_hash: string; timeframe: BlueprintParams['timeframe'] },
  skipped: string[], screens: readonly Screen[],
): Blueprint[] {
  const out: Blueprint[] = [];
  const bySymbol = new Map<string, InstrumentKey>();
  for (const k of instruments) if (!bySymbol.has(k.symbol)) bySymbol.set(k.symbol, k);
  for (const [i, t] of spec.templates.entries()) {
    const base = { ...common, ...(spec.sizing ? { sizing: spec.sizing } : {}) };
    if (t.template === 'pairs') {
      const screen = screens.find((sc) => sc.index === i);
      if (screen) {
        for (const [a, b] of screen.result.chosen) {
          out.push(...templateGrid({ template: 'pairs', base: { ...base, instruments: [parseId(a), parseId(b)] }, grid: t.grid } as TemplateGridSpec));
        }
        continue;
      }
      for (const [a, b] of t.pairs === 'auto' ? [] : t.pairs ?? []) {
        const ka = bySymbol.get(a);
        const kb = bySymbol.get(b);
        if (!ka || !kb) {
          skipped.push(`spec/blueprints.yaml templates[${i}]: pair ${a}/${b} skipped: ${[!ka ? a : '', !kb ? b : ''].filter(Boolean).join(' and ')} not in the lake`);
          continue;
        }
        out.push(...templateGrid({ template: 'pairs', base: { ...base, instruments: [ka, kb] }, grid: t.grid } as TemplateGridSpec));
      }
      continue;
    }
    const syms = t.symbols === 'all' || t.symbols === undefined ? instruments : t.symbols.flatMap((s) => {
      const k = bySymbol.get(s);
      if (!k) skipped.push(`spec/blueprints.yaml templates[${i}]: ${s} skipped: not in the lake`);
      return k ? [k] : [];
    });
    for (const k of syms) {
      out.push(...templateGrid({ template: t.template, base: { ...base, instrument: k }, grid: t.grid } as TemplateGridSpec));
    }
  }
  return out;
}

interface Screen { index: number; cfg: PairsScreenConfig; result: PairsScreenResult & { ts0_ms: number } }

/** The screen period as bar open times: [from_ms, to_ms), to_ms = the open of the first bar after it. */
function screenPeriod(r: PairsScreenResult & { ts0_ms: number }, tf: BlueprintParams['timeframe']): { from_ms: number; to_ms: number } {
  const ms = timeframeMs(tf);
  return { from_ms: r.ts0_ms + r.from * ms, to_ms: r.ts0_ms + r.until * ms };
}

/**
 * Runs the pairs screen on the cleaned bars of every instrument of the pipeline timeframe, on the grid of the
 * first `days` from the earliest bar of any of them (only those bars are read into the screen).
 */
async function runPairsScreen(
  lakeRoot: string, instruments: readonly InstrumentKey[], tf: BlueprintParams['timeframe'], cfg: PairsScreenConfig,
): Promise<PairsScreenResult & { ts0_ms: number }> {
  const tfMs = timeframeMs(tf);
  const partsOf = await Promise.all(instruments.map((k) => listPartitions(lakeRoot, TABLES.cleanBars, { ...k, timeframe: tf })));
  let ts0 = Infinity;
  let last = -Infinity;
  for (const parts of partsOf) for (const p of parts) { ts0 = Math.min(ts0, p.manifest.min_ts_ms); last = Math.max(last, p.manifest.max_ts_ms); }
  if (!(last >= ts0)) throw new DataError(`no cleaned bars at ${tf} for the pairs screen`, { file: `lake/cleaned/bars (timeframe=${tf})` }, { hint: 'run clean first' });
  // the first `days`, or all the data when it is shorter (the period recorded is the one read)
  const n = Math.max(1, Math.min(Math.round((cfg.days * 86_400_000) / tfMs), Math.round((last - ts0) / tfMs) + 1));
  const ts_ms = Float64Array.from({ length: n }, (_, t) => ts0 + t * tfMs);
  const end = ts0 + n * tfMs;
  const series: ScreenInstrument[] = [];
  const db = await LakeDb.open({ threads: 1 });
  try {
    for (const [j, k] of instruments.entries()) {
      const parts = partsOf[j]!.filter((p) => p.manifest.min_ts_ms < end);
      const close = new Float64Array(n).fill(NaN);
      const volume = new Float64Array(n).fill(NaN);
      if (parts.length) {
        const cols = await readPartitions(db, lakeRoot, TABLES.cleanBars, parts, ['ts_ms', 'close', 'volume']);
        const ts = cols.ts_ms as Float64Array;
        for (let r = 0; r < ts.length; r++) {
          const t = Math.round((ts[r]! - ts0) / tfMs);
          if (t < 0 || t >= n) continue; // bars after the screen period are never handed to the screen
          close[t] = (cols.close as Float64Array)[r]!;
          volume[t] = (cols.volume as Float64Array)[r]!;
        }
      }
      series.push({ id: `${k.exchange}/${k.market}/${k.symbol}`, symbol: k.symbol, close, volume });
    }
  } finally {
    db.close();
  }
  return { ...screenPairs(ts_ms, series, 0, n, cfg), ts0_ms: ts0 };
}

function summaryMarkdown(meta: BlueprintsMeta, bps: readonly Blueprint[], skipped: readonly string[], screens: readonly Screen[]): string {
  const lines = [
    '# Blueprints',
    '',
    `Plan \`${meta.plan_hash.slice(0, 16)}\`, cost digest \`${meta.cost_digest.slice(0, 16)}\`, timeframe ${meta.timeframe}: ` +
      `**${meta.counts.total} blueprints** (${meta.counts.from_bridge} from ${meta.counts.bridge_survivors} bridge survivors, ${meta.counts.from_templates} template variants). ` +
      `Trials for the DSR: ${meta.trials.plan_candidates} plan candidates + ${meta.trials.template_variants} template variants` +
      (meta.trials.pairs_screened_out ? ` + ${meta.trials.pairs_screened_out} pair variants screened out` : '') + ` = ${meta.trials.total}.`,
    '',
    '| id | source | instruments | name |',
    '|---|---|---|---|',
    ...bps.map((b) => `| ${b.id} | ${b.provenance.source} | ${b.instruments.map((k) => k.symbol).join('/')} | ${b.name} |`),
    '',
  ];
  for (const sc of screens) {
    const r = sc.result;
    const p = screenPeriod(r, meta.timeframe as BlueprintParams['timeframe']);
    lines.push(`## Pairs screen (templates[${sc.index}], ${sc.cfg.method})`, '',
      `Bars ${new Date(p.from_ms).toISOString()} .. ${new Date(p.to_ms).toISOString()} (at most the first ${sc.cfg.days} days; nothing later is read), ` +
      `buckets: ${sc.cfg.buckets.join(', ') || 'none'}; ${r.pairs.length} pairs tested, ${r.chosen.length} chosen ` +
      (sc.cfg.method === 'engle_granger' ? `(Engle-Granger p <= ${sc.cfg.max_p_value}, best ${sc.cfg.max_pairs}).` : `(correlation >= ${sc.cfg.min_correlation}, best ${sc.cfg.max_pairs}).`),
      '', '| bucket | A | B | bars | return corr | EG tau | EG p | beta | chosen |', '|---|---|---|---|---|---|---|---|---|',
      ...r.pairs.map((x) => `| ${x.bucket} | ${x.a} | ${x.b} | ${x.n} | ${fmt(x.correlation, 3)} | ${fmt(x.eg_statistic, 2)} | ${fmt(x.eg_p_value, 4)} | ${fmt(x.eg_beta, 3)} | ${x.chosen ? 'yes' : ''} |`),
      '');
    if (r.excluded.length) lines.push('Not screened:', '', ...r.excluded.map((e) => `- ${e.id}: ${e.reason}`), '');
  }
  if (skipped.length) lines.push('## Skipped', '', ...skipped.map((s) => `- ${s}`), '');
  return lines.join('\n');
}


function fmt(x: number, d: number): string {
  return Number.isFinite(x) ? x.toFixed(d) : String(x);
}
