import { gatesSchema, loadGates, type Gates } from '../../research/gates.js';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LakeDb, TABLES, listPartitions, releaseResults, type FoundPartition } from '../../lake/index.js';
import { EVENTS_TABLE } from '../../lake/derived.js';
import { DataError } from '../../errors.js';
import { sha256Hex } from '../../hash.js';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../../fsx.js';
import { timeframeMs } from '../../timeframe.js';
import { parseTemplatesJsonl } from '../../research/templates.js';
import { loadLocated, specErrorPath } from '../../research/spec_files.js';
import {
  candidatePlanJsonl, expandCandidates, feasibilityOf, instrumentKey, cmp, isPooled, memberInstruments, pooledFeasibilityOf,
  type Candidate, type Instrument, type PlannedCandidate,
} from '../../research/plan.js';
import {
  PLAN_SPEC_SCHEMA, applyCuts, checkGatesPassable, checkTotal, checkVariantBudget, type PlanGates, type PlanSpec,
} from '../../research/budget.js';
import { feasibilityJson, feasibilityMarkdown, planCounts, planJson, type EventsCooldownInfo, type PlanOutcome } from '../../research/plan_report.js';
import type { StageContext, StageRunSummary } from '../../stage/definition.js';
import { emptyPlanWarning } from '../../report/run_warnings.js';
import type { PlanParams } from './params.js';
import { annotateCuts, templateNotEvaluated } from './not_evaluated.js';
import type { NotEvaluated } from '../../features/availability.js';
import { readEventsInfo } from '../discovery/not_evaluated.js';
import { readEventSources, type EventSource } from '../discovery/io.js';
import { conceptCutWarning, conceptLine, type UnusedEventFamily } from '../../research/concept_funnel.js';
import { existsSync } from 'node:fs';
import { LIQUIDITY_DAYS, UNMAPPED_SECTOR, loadSectors, startLiquidity, type BucketInputs } from '../../research/buckets.js';
import type { Template } from '../../research/templates.js';

const INSTRUMENT_KEYS = ['exchange', 'market', 'symbol'] as const;

/** The plan stage's work, loaded only when the stage runs. */
export async function runPlan(ctx: StageContext<PlanParams>): Promise<StageRunSummary> {
  const tf = ctx.params.timeframe;
  const planFile = join(ctx.specDir, 'plan.yaml');
  const gatesFile = join(ctx.specDir, 'gates.yaml');
  const plan = await loadLocated<PlanSpec>(planFile, specErrorPath(planFile), PLAN_SPEC_SCHEMA);
  await loadGates(gatesFile); // the one gates schema and its cross-field rules (lib/research/gates.ts), as discovery reads it
  const gatesSpec = await loadLocated<Gates>(gatesFile, specErrorPath(gatesFile), gatesSchema);
  const gates: PlanGates = { min_n: gatesSpec.value.discovery.min_n, min_ess: gatesSpec.value.discovery.min_ess };

  const templatesBytes = await readFile(join(ctx.input('research/templates'), 'templates.jsonl'));
  const templates = parseTemplatesJsonl(templatesBytes.toString('utf8'), 'research/templates/templates.jsonl');

  const cleanedRoot = dirname(ctx.input('lake/cleaned'));
  // one listing of the cleaned bars' partitions (manifests only) serves the instruments and the liquidity buckets
  const cleanParts = await listPartitions(cleanedRoot, TABLES.cleanBars, { timeframe: tf });
  const instruments = instrumentsOf(cleanParts);
  if (instruments.length === 0) {
    throw new DataError(`no instrument has cleaned bars at ${tf}`, { file: join(cleanedRoot, TABLES.cleanBars.dir) }, {
      hint: `run clean with timeframe ${tf} (or add it to clean.extra_timeframes in spec/pipeline.yaml)`,
    });
  }
  checkGatesPassable(gates, Math.max(...instruments.map((i) => i.bars)), gatesSpec.yaml, tf);

  checkVariantBudget(templates, plan.value, plan.yaml);
  const buckets = await bucketInputsOf(ctx.specDir, templates, cleanedRoot, cleanParts);
  const candidates = expandCandidates(templates, instruments, tf, buckets.inputs);
  const eventsRoot = dirname(ctx.input('lake/events'));
  const eventParts = await listPartitions(eventsRoot, EVENTS_TABLE, { timeframe: tf });
  const warnings: string[] = [...buckets.warnings];
  const unmapped = new Map(candidates.filter((c) => c.bucket === UNMAPPED_SECTOR).map((c) => [`${c.exchange}/${c.market}`, c.members ?? []]));
  for (const [scope, members] of unmapped) {
    warnings.push(`${scope}: ${members.join(', ')} not listed in spec/universe/sectors.yaml: pooled in the sector bucket "${UNMAPPED_SECTOR}" (add them to a sector)`);
  }
  if (eventParts.length === 0) warnings.push(`lake/events has no events at ${tf}: every candidate has 0 occurrences`);
  const expanded = await measureFeasibility(ctx, eventsRoot, eventParts, instruments, candidates, gates, tf);

  const { kept, cuts } = applyCuts(expanded, plan.value, gates);
  // one read of lake/events/_events.json: the not-evaluated list, the cooldown counts and the variant dimensions
  const eventsInfo = await readEventsInfo(ctx.input('lake/events'));
  const notEvaluated = eventsInfo.not_evaluated ?? [];
  annotateCuts(cuts, new Map(expanded.map((c) => [c.candidate_id, c])), notEvaluated);
  const events: EventsCooldownInfo = { ...(eventsInfo.cooldown ? { cooldown: eventsInfo.cooldown } : {}), ...(eventsInfo.variants ? { variants: eventsInfo.variants } : {}) };
  const unusedFile = join(ctx.input('research/templates'), 'unused_events.json');
  const unusedEventFamilies = existsSync(unusedFile)
    ? (await readJson<{ unused_event_families: UnusedEventFamily[] }>(unusedFile)).unused_event_families : [];
  const outcome: PlanOutcome = { timeframe: tf, templates, instruments, expanded, kept, cuts, spec: plan.value, gates, warnings, events, unusedEventFamilies };
  warnings.push(...templateWarnings(outcome, notEvaluated));
  const counts = planCounts(outcome);
  const empty = emptyPlanWarning({ timeframe: tf, counts, gates });
  if (empty) warnings.push(empty);
  checkTotal(kept.length, plan.value, plan.yaml,
    `cuts applied: ${counts.cut_infeasible} infeasible, ${counts.cut_per_template} per_template, ${counts.cut_per_symbol} per_symbol of ${counts.expanded} expanded`);

  const out = ctx.output('research/plan');
  const planText = candidatePlanJsonl(kept);
  const planHash = sha256Hex(planText);
  const feas = feasibilityJson(outcome);
  // the per-concept cuts in the run summary: a warning per concept with infeasible cuts, every concept's line in metrics
  warnings.push(...feas.concepts.map((c) => conceptCutWarning(c, gates)).filter((w): w is string => w !== null));
  await writeFileAtomic(join(out, 'candidate_plan.jsonl'), planText);
  await writeJsonAtomic(join(out, 'plan.json'), planJson(outcome, planHash, sha256Hex(templatesBytes)));
  await writeJsonAtomic(join(out, 'feasibility.json'), feas);
  await writeFileAtomic(join(out, 'feasibility.md'), feasibilityMarkdown(feas, planHash));
  for (const w of warnings) ctx.log.warn(w);
  return {
    rows: { candidates: kept.length, cuts: cuts.length },
    metrics: {
      ...counts, occurrences: feas.totals.occurrences, plan_hash: planHash,
      ...Object.fromEntries(feas.concepts.map((c) => [`concept ${c.concept_id}`, conceptLine(c)])),
    },
    warnings,
  };
}

/**
 * What the ready templates' `pooling: bucket` needs (lib/research/buckets.ts), loaded only when used: each
 * instrument's median daily quote volume over its first LIQUIDITY_DAYS days (one query per instrument, quote volume,
 * or close * volume where the source has none), and spec/universe/sectors.yaml. Warns about instruments without a
 * liquidity figure (ranked last) and symbols the sector map does not list (bucket `unmapped`).
 */
async function bucketInputsOf(
  specDir: string, templates: readonly Template[], cleanedRoot: string, parts: readonly FoundPartition[],
): Promise<{ inputs: BucketInputs; warnings: string[] }> {
  const used = templates.filter((t) => t.status === 'ready' && t.pooling === 'bucket');
  const inputs: BucketInputs = {};
  const warnings: string[] = [];
  if (used.some((t) => t.bucket?.by === 'sector')) inputs.sectors = await loadSectors(specDir);
  if (!used.some((t) => t.bucket?.by === 'liquidity')) return { inputs, warnings };
  const byInst = new Map<string, string[]>();
  for (const p of parts) {
    const k = instrumentKey({ exchange: p.keys.exchange!, market: p.keys.market!, symbol: p.keys.symbol! });
    byInst.set(k, [...(byInst.get(k) ?? []), join(cleanedRoot, p.manifest.file)]);
  }
  const liquidity = new Map<string, number>();
  const db = await LakeDb.open({ threads: 2, fileCache: false }); // each file read once: no DuckDB file cache
  try {
    for (const [k, files] of [...byInst].sort(([a], [b]) => cmp(a, b))) {
      const v = await startLiquidity(db, files);
      if (Number.isFinite(v)) liquidity.set(k, v);
      else warnings.push(`${k}: no quote volume in its first ${LIQUIDITY_DAYS} days: ranked last in the liquidity buckets`);
    }
  } finally {
    db.close();
  }
  inputs.liquidity = liquidity;
  return { inputs, warnings };
}

/** Instruments of the cleaned bars' partitions at one timeframe, from their manifests (bars are not read), sorted by key. */
export function instrumentsOf(parts: readonly FoundPartition[]): Instrument[] {
  const byKey = new Map<string, Instrument>();
  for (const p of parts) {
    const inst = { exchange: p.keys.exchange!, market: p.keys.market!, symbol: p.keys.symbol! };
    const k = instrumentKey(inst);
    const cur = byKey.get(k);
    const m = p.manifest;
    if (!cur) byKey.set(k, { ...inst, bars: m.rows, first_ts_ms: m.min_ts_ms, last_ts_ms: m.max_ts_ms });
    else {
      cur.bars += m.rows;
      cur.first_ts_ms = Math.min(cur.first_ts_ms, m.min_ts_ms);
      cur.last_ts_ms = Math.max(cur.last_ts_ms, m.max_ts_ms);
    }
  }
  return [...byKey.values()].sort((a, b) => cmp(instrumentKey(a), instrumentKey(b)));
}

/**
 * Occurrences of each candidate's event on its instrument (8 instruments' event partitions per query, `eventTimes`) and
 * the feasibility numbers per horizon. Event times must lie on the instrument's bar grid.
 */
async function measureFeasibility(
  ctx: StageContext<PlanParams>, eventsRoot: string, eventParts: FoundPartition[], instruments: readonly Instrument[],
  candidates: readonly Candidate[], gates: PlanGates, tf: PlanParams['timeframe'],
): Promise<PlannedCandidate[]> {
  const tfMs = timeframeMs(tf);
  const partsByInst = new Map<string, FoundPartition[]>();
  for (const p of eventParts) {
    const k = INSTRUMENT_KEYS.map((x) => p.keys[x]).join('/');
    const g = partsByInst.get(k);
    if (g) g.push(p);
    else partsByInst.set(k, [p]);
  }
  const instByKey = new Map(instruments.map((i) => [instrumentKey(i), i]));
  // instrument -> events its candidates (or pooled candidates it is a member of) need
  const groups = new Map<string, Set<string>>();
  for (const c of candidates) {
    for (const m of memberInstruments(c)) {
      const k = instrumentKey(m);
      const set = groups.get(k) ?? new Set<string>();
      set.add(c.event);
      groups.set(k, set);
    }
  }
  // `${instrument}|${event}` -> bar indices of the occurrences on the instrument's grid
  const idxOf = new Map<string, Float64Array>();
  const sorted = [...groups].sort(([a], [b]) => cmp(a, b));
  const db = await LakeDb.open({ threads: 2, fileCache: false }); // each file read once: no DuckDB file cache
  try {
    const timesOf = await eventTimes(db, eventsRoot, sorted.map(([k, events]) => ({ key: k, parts: partsByInst.get(k) ?? [], events })));
    let done = 0;
    for (const [k, events] of sorted) {
      if (ctx.signal.aborted) break;
      const inst = instByKey.get(k)!;
      const times = timesOf.get(k) ?? new Map<string, Float64Array>();
      for (const event of [...events].sort(cmp)) {
        const ts = times.get(event) ?? new Float64Array(0);
        const idx = new Float64Array(ts.length);
        for (let i = 0; i < ts.length; i++) {
          idx[i] = (ts[i]! - inst.first_ts_ms) / tfMs;
          if (!Number.isInteger(idx[i])) {
            throw new DataError(`event ${event} is not on the ${tf} bar grid of the cleaned bars (first bar ${inst.first_ts_ms})`, {
              file: join(eventsRoot, EVENTS_TABLE.dir, ...INSTRUMENT_KEYS.map((x) => `${x}=${inst[x]}`), `timeframe=${tf}`), field: 'ts_ms', value: ts[i],
            }, { hint: 'rerun the events stage on the current cleaned bars' });
          }
        }
        idxOf.set(`${k}|${event}`, idx);
      }
      ctx.progress(++done, groups.size, 'instruments');
    }
  } finally {
    db.close();
  }
  const out: PlannedCandidate[] = [];
  for (const c of candidates) {
    const member = (m: { exchange: string; market: string; symbol: string }) => {
      const inst = instByKey.get(instrumentKey(m))!;
      return {
        barIdx: idxOf.get(`${instrumentKey(m)}|${c.event}`) ?? new Float64Array(0),
        lastIdx: (inst.last_ts_ms - inst.first_ts_ms) / tfMs,
        offset: inst.first_ts_ms / tfMs,
      };
    };
    if (isPooled(c)) out.push({ ...c, feasibility: pooledFeasibilityOf(memberInstruments(c).map(member), c.horizon_bars, gates) });
    else {
      const m = member(c);
      out.push({ ...c, feasibility: feasibilityOf(m.barIdx, m.lastIdx, c.horizon_bars, gates) });
    }
  }
  return out.sort((a, b) => cmp(a.candidate_id, b.candidate_id));
}

/** Instruments whose events files one query of `eventTimes` reads. */
const EVENT_QUERY_INSTRUMENTS = 8;

/**
 * Occurrence times (ts_ms, ascending) of the named events of each instrument, from its event partitions (the files
 * their manifests list): the files of EVENT_QUERY_INSTRUMENTS instruments per query (lib/stages/discovery/io.ts
 * readEventSources), not one query per instrument. Instrument key -> event -> times; an instrument without
 * partitions is left out.
 */
async function eventTimes(
  db: LakeDb, root: string, insts: readonly { key: string; parts: readonly FoundPartition[]; events: ReadonlySet<string> }[],
): Promise<Map<string, Map<string, Float64Array>>> {
  const out = new Map<string, Map<string, Float64Array>>();
  const read = insts.filter((i) => i.parts.length > 0 && i.events.size > 0);
  const sources: EventSource[] = read.map((i) => {
    const dir = dirname(i.parts[0]!.dir);
    return { file: dir, dir, paths: i.parts.map((p) => join(root, p.manifest.file)) };
  });
  // a few instruments per query: one query over every events file held DuckDB's reads of all of them at once (peak
  // memory grew with the instruments), one per instrument paid a query each. Each query reads only the events its
  // instruments need (one pass over the files: no DISTINCT query first), and the native memory of its result chunks
  // (one part-filled chunk per file, freed only when V8 collects their wrappers) is released before the next query:
  // without that, RSS grew by ~40 KB per events file read (50 symbols x 2 years: 2,401 files, +55 MB).
  const rows: Awaited<ReturnType<typeof readEventSources>> = [];
  for (let k = 0; k < read.length; k += EVENT_QUERY_INSTRUMENTS) {
    const batch = read.slice(k, k + EVENT_QUERY_INSTRUMENTS);
    const names = new Set(batch.flatMap((i) => [...i.events]));
    rows.push(...(await readEventSources(db, sources.slice(k, k + EVENT_QUERY_INSTRUMENTS), names)));
    await releaseResults();
  }
  read.forEach((inst, j) => {
    const r = rows[j]!;
    const wanted = r.event.dict.map((name) => inst.events.has(name));
    const byName = new Map<string, number[]>();
    for (let i = 0; i < r.ts.length; i++) {
      const e = r.event.idx[i]!;
      if (!wanted[e]) continue;
      const name = r.event.dict[e]!;
      const list = byName.get(name);
      if (list) list.push(r.ts[i]!);
      else byName.set(name, [r.ts[i]!]);
    }
    out.set(inst.key, new Map([...byName].map(([name, ts]) => [name, Float64Array.from(ts).sort()])));
  });
  return out;
}

/**
 * One warning per ready template that cannot be researched on this data, each with its cause and the way out: its
 * universe matches no instrument, or its events never fire; for the latter, events that were not evaluated (a feature
 * they read has no input data on those instruments, lake/events/_events.json) are named with what they need.
 */
export function templateWarnings(o: Pick<PlanOutcome, 'templates' | 'expanded' | 'timeframe'>, notEvaluated: readonly NotEvaluated[]): string[] {
  const out: string[] = [];
  for (const t of o.templates) {
    if (t.status !== 'ready') continue;
    const mine = o.expanded.filter((c) => c.template_id === t.id);
    const where = `template ${t.id} (concept ${t.concept_id}, ${t.source})`;
    const drop = `or remove the concept from ${t.source.replace(/:\d+$/, '')} (it is skipped until then)`;
    if (mine.length === 0) {
      out.push(`${where}: its universe matches no instrument with ${o.timeframe} bars: widen its universe ${drop}`);
      continue;
    }
    if (!mine.every((c) => c.feasibility.events === 0)) continue;
    const ids = [...new Set(mine.map((c) => instrumentKey(c)))];
    const n = `no ${t.event_family} event occurs on any of its ${ids.length} instruments`;
    const ne = templateNotEvaluated(new Set(t.events), notEvaluated);
    // not evaluated on every instrument of the template: the data is missing, not the thresholds
    const everywhere = ids.every((id) => notEvaluated.some((e) => e.kind === 'event' && t.events.includes(e.name) && e.instruments.includes(id)));
    if (ne && everywhere) {
      out.push(`${where}: ${n}${ne}. Provide that data to ingest, ${drop}`);
    } else {
      out.push(`${where}: ${n}${ne}${ne ? '; elsewhere' : ':'} their conditions never held on this data. Loosen the ${t.event_family} events in spec/events, ${drop}`);
    }
  }
  return out;
}
