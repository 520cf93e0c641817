/**
 * How well discovery + bridge recover the synthetic market's planted edges, and how many survivors are false.
 *
 * Two pipeline runs of one seed: with the planted edges (`default`) and without (`none`). The generator gives both
 * the same innovations, so at any bar the two markets' log returns differ by exactly the planted drift
 * (lib/ingest/synthetic/README.md). That gives every candidate an exact ground truth: its planted edge is
 *   planted_bps = mean over its occurrences of s * [ln(open'[t+1+h]/open'[t+1]) - ln(open[t+1+h]/open[t+1])] * 1e4
 * (' = with edges, same occurrences). A survivor is TRUE when planted_bps >= `trueEdgeBps` (it trades planted drift
 * in its direction), FALSE otherwise; the false discovery proportion (FDP) is false / survivors. A planted edge is
 * RECOVERED on a symbol when a true per-symbol survivor of that symbol belongs to the edge's event family. A pooled
 * survivor (planted_bps over the occurrences of every member) is counted apart: `pooled_by_edge`.
 * In the `none` run every survivor is false.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LakeDb, readTableFile, stringsOf, type DictColumn } from '../lake/index.js';
import { readPlan, loadBars, loadEvents, groupByInstrument } from '../stages/discovery/io.js';
import { openSeries, forwardOccurrences, unconditionalDrift } from './forward.js';
import type { PlanCandidate } from './discovery.js';
import { memberInstruments } from './plan.js';
import type { PlantedEdge } from '../ingest/synthetic/index.js';

/** The event family of the default specs (spec/events) that targets each planted edge. */
export const EDGE_FAMILY: Record<PlantedEdge['id'], string> = {
  capitulation_reversal: 'capitulation',
  funding_extreme_fade: 'funding_extreme',
  breakout_momentum: 'breakout',
  negative_funding_squeeze: 'funding_extreme',
  down_shock_reversal: 'vol_shock',
};

/**
 * Within a family shared by two edges, the events that target each (the funding edges: positive extremes for the
 * fade, negative ones for the squeeze). An edge not listed is targeted by every event of its family (the down-shock
 * edge by the two-sided vol_shock events: no down-only variant exists yet, issue 11 item 2).
 */
export const EDGE_EVENTS: Partial<Record<PlantedEdge['id'], RegExp>> = {
  funding_extreme_fade: /^funding_extreme_pos_/,
  negative_funding_squeeze: /^funding_extreme_neg_/,
};

/** True when a survivor of `event_family` / `event` targets edge `id`. */
export function targetsEdge(id: PlantedEdge['id'], s: { event_family: string; event: string }): boolean {
  return s.event_family === EDGE_FAMILY[id] && (EDGE_EVENTS[id]?.test(s.event) ?? true);
}

/** Discovery / bridge survivors of one event family, true ones (planted drift in their direction) and the FDP. */
export interface FamilyTruth {
  discovery_survivors: number; discovery_true: number; discovery_fdp: number;
  bridge_survivors: number; bridge_true: number; bridge_fdp: number;
  /** Discovery survivors whose family/event targets no edge planted in the market (true or not: counted false by the strict rule). */
  discovery_off_target: number;
}

/** Survivor counts per event family (every family with a survivor; FDP 0 when none survived). */
export function familyTruths(truths: readonly SurvivorTruth[]): Record<string, FamilyTruth> {
  const out: Record<string, FamilyTruth> = {};
  for (const t of truths) {
    const f = (out[t.event_family] ??= { discovery_survivors: 0, discovery_true: 0, discovery_fdp: 0, bridge_survivors: 0, bridge_true: 0, bridge_fdp: 0, discovery_off_target: 0 });
    f.discovery_survivors++;
    if (t.targets_planted_edge === false) f.discovery_off_target++;
    if (t.true_edge) f.discovery_true++;
    if (t.bridge_pass) {
      f.bridge_survivors++;
      if (t.true_edge) f.bridge_true++;
    }
  }
  for (const f of Object.values(out)) {
    f.discovery_fdp = ratio(f.discovery_survivors - f.discovery_true, f.discovery_survivors);
    f.bridge_fdp = ratio(f.bridge_survivors - f.bridge_true, f.bridge_survivors);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export interface SurvivorTruth {
  candidate_id: string;
  event_family: string;
  event: string;
  symbol: string;
  horizon_bars: number;
  expected: string;
  /** Planted drift traded at the occurrences, signed (mean over them, bps). */
  planted_bps: number;
  /**
   * The same less the planted part of the instrument's unconditional drift at the horizon (s_i times it, as
   * discovery's excess = mean(y_i - s_i drift)): the planted part of what discovery tests. TRUE when >= trueEdgeBps.
   */
  planted_excess_bps: number;
  true_edge: boolean;
  /** The survivor's family and event target an edge planted in this market (EDGE_FAMILY / EDGE_EVENTS). */
  targets_planted_edge: boolean;
  bridge_pass: boolean;
  /** A pooled survivor's member symbols (its symbol is `*`; planted_bps is over the occurrences of all members). */
  members?: string[];
}

export interface PlantedEvaluation {
  candidates: number;
  discovery_survivors: number;
  discovery_true: number;
  discovery_fdp: number;
  bridge_survivors: number;
  bridge_true: number;
  bridge_fdp: number;
  /** planted (edge, symbol) pairs, and those recovered by discovery / by the bridge */
  planted_pairs: number;
  recovered_discovery: number;
  recovered_bridge: number;
  recovered_by_edge: Record<string, { planted: number; discovery: number; bridge: number }>;
  /** Per planted edge: a true POOLED survivor targets it (discovery) and also passes the bridge; per-symbol recall above counts per-symbol survivors only. */
  pooled_by_edge: Record<string, { discovery: boolean; bridge: boolean }>;
  /** Pooled candidates in the plan (concept pooling: universe). */
  pooled_candidates: number;
  /** Per event family: survivors, true ones and FDP (discovery and bridge). */
  by_family: Record<string, FamilyTruth>;
  survivors: SurvivorTruth[];
}

/**
 * Evaluate the `default` run in `edgesDir` against the `none` run in `noneDir` (data dirs of two pipeline runs of the
 * same synthetic seed and window). `edges` = plantedEdges(params) of the default run.
 */
export async function evaluatePlanted(edgesDir: string, noneDir: string, edges: readonly PlantedEdge[], o: { trueEdgeBps?: number } = {}): Promise<PlantedEvaluation> {
  const trueEdgeBps = o.trueEdgeBps ?? 5;
  const plan = await readPlan(join(edgesDir, 'research', 'plan'));
  const db = await LakeDb.open({ threads: 2 });
  try {
    const disc = (await passSet(db, join(edgesDir, 'lake', 'discovery', 'results.parquet'))).ids;
    const bridge = (await passSet(db, join(edgesDir, 'lake', 'bridge', 'results.parquet'))).ids;
    const survivors = plan.candidates.filter((c) => disc.has(c.candidate_id));
    // a pooled survivor is measured over the occurrences of all its members: one work item per member instrument
    const items = survivors.flatMap((c) => memberInstruments(c).map((m) => ({ ...c, symbol: m.symbol, id: c.candidate_id })));
    const sums = new Map<string, { sum: number; sumExcess: number; n: number }>();
    for (const g of groupByInstrument(items)) {
      const barsA = await loadBars(db, join(edgesDir, 'lake'), g.key, { withVolume: false });
      const barsB = await loadBars(db, join(noneDir, 'lake'), g.key, { withVolume: false });
      const openA = openSeries(barsA.ts_ms, barsA.open);
      const openB = openSeries(barsB.ts_ms, barsB.open);
      const events = await loadEvents(db, join(edgesDir, 'lake'), g.key, new Set(g.candidates.map((c) => c.event)), barsA.ts_ms[0]!, barsA.tfMs);
      for (const c of g.candidates) {
        const d = plantedSum(c, events.get(c.event), openA, openB);
        const acc = sums.get(c.id) ?? { sum: 0, sumExcess: 0, n: 0 };
        sums.set(c.id, { sum: acc.sum + d.sum, sumExcess: acc.sumExcess + d.sumExcess, n: acc.n + d.n });
      }
    }
    const truths: SurvivorTruth[] = survivors.map((c) => {
      const { sum, sumExcess, n } = sums.get(c.candidate_id) ?? { sum: 0, sumExcess: 0, n: 0 };
      const planted = n ? (sum / n) * 1e4 : NaN;
      const plantedExcess = n ? (sumExcess / n) * 1e4 : NaN;
      return {
        candidate_id: c.candidate_id, event_family: c.event_family, event: c.event, symbol: c.symbol, horizon_bars: c.horizon_bars,
        expected: c.expected, planted_bps: planted, planted_excess_bps: plantedExcess, true_edge: plantedExcess >= trueEdgeBps,
        targets_planted_edge: edges.some((e) => targetsEdge(e.id, c)), bridge_pass: bridge.has(c.candidate_id),
        ...(c.members ? { members: [...c.members] } : {}),
      };
    });
    truths.sort((a, b) => (a.candidate_id < b.candidate_id ? -1 : 1));
    const recovered: PlantedEvaluation['recovered_by_edge'] = {};
    let pairs = 0;
    let recD = 0;
    let recB = 0;
    for (const e of edges) {
      const r = (recovered[e.id] = { planted: e.symbols.length, discovery: 0, bridge: 0 });
      for (const sym of e.symbols) {
        pairs++;
        const hits = truths.filter((t) => t.true_edge && t.members === undefined && t.symbol === sym && targetsEdge(e.id, t));
        if (hits.length) (r.discovery++, recD++);
        if (hits.some((t) => t.bridge_pass)) (r.bridge++, recB++);
      }
    }
    const pooled: PlantedEvaluation['pooled_by_edge'] = {};
    for (const e of edges) {
      const hits = truths.filter((t) => t.true_edge && t.members !== undefined && targetsEdge(e.id, t));
      pooled[e.id] = { discovery: hits.length > 0, bridge: hits.some((t) => t.bridge_pass) };
    }
    const dTrue = truths.filter((t) => t.true_edge).length;
    const bSurv = truths.filter((t) => t.bridge_pass);
    const bTrue = bSurv.filter((t) => t.true_edge).length;
    return {
      candidates: plan.candidates.length,
      discovery_survivors: truths.length, discovery_true: dTrue, discovery_fdp: ratio(truths.length - dTrue, truths.length),
      bridge_survivors: bSurv.length, bridge_true: bTrue, bridge_fdp: ratio(bSurv.length - bTrue, bSurv.length),
      planted_pairs: pairs, recovered_discovery: recD, recovered_bridge: recB, recovered_by_edge: recovered, pooled_by_edge: pooled, pooled_candidates: plan.candidates.filter((c) => c.members !== undefined).length, by_family: familyTruths(truths), survivors: truths,
    };
  } finally {
    db.close();
  }
}

/** Survivor counts of a run without planted edges (every survivor is a false discovery), in total and per event family. */
export async function nullSurvivors(dataDir: string): Promise<NullSurvivors> {
  const db = await LakeDb.open({ threads: 1 });
  try {
    const disc = await passSet(db, join(dataDir, 'lake', 'discovery', 'results.parquet'));
    const bridge = await passSet(db, join(dataDir, 'lake', 'bridge', 'results.parquet'));
    const plan = await readPlan(join(dataDir, 'research', 'plan'));
    const by_family: NullSurvivors['by_family'] = {};
    for (const c of plan.candidates) {
      if (!disc.ids.has(c.candidate_id)) continue;
      const f = (by_family[c.event_family] ??= { discovery: 0, bridge: 0 });
      f.discovery++;
      if (bridge.ids.has(c.candidate_id)) f.bridge++;
    }
    return { candidates: disc.rows, discovery: disc.ids.size, bridge: bridge.ids.size, by_family };
  } finally {
    db.close();
  }
}

/**
 * Sum over the candidate's occurrences on one instrument of y(with edges) - y(without) (`sum`), the same less s_i times
 * the planted part of the instrument's unconditional drift at the horizon (`sumExcess`, what discovery's excess
 * measures), and their count.
 */
export function plantedSum(
  c: PlanCandidate, ev: { t: Int32Array; direction: Int8Array } | undefined, openA: ReturnType<typeof openSeries>,
  openB: ReturnType<typeof openSeries>,
): { sum: number; sumExcess: number; n: number } {
  const t = ev?.t ?? new Int32Array(0);
  const s = Int8Array.from(ev?.direction ?? [], (d: number) => d * (c.expected === 'fade' ? -1 : 1));
  const a = forwardOccurrences(openA, t, s, c.horizon_bars);
  const b = forwardOccurrences(openB, t, s, c.horizon_bars);
  if (a.y.length !== b.y.length) throw new Error(`planted: ${c.candidate_id} has different occurrences with and without edges`);
  // the planted part of the instrument's unconditional drift at this horizon (what discovery subtracts)
  const dPlanted = unconditionalDrift(openA, c.horizon_bars).drift - unconditionalDrift(openB, c.horizon_bars).drift;
  let sum = 0;
  let sumExcess = 0;
  for (let i = 0; i < a.y.length; i++) {
    sum += a.y[i]! - b.y[i]!;
    sumExcess += a.y[i]! - b.y[i]! - a.s[i]! * dPlanted;
  }
  return { sum, sumExcess, n: a.y.length };
}

/** The ids of the passing rows of a results table, and how many rows it has. */
async function passSet(db: LakeDb, file: string): Promise<{ ids: Set<string>; rows: number }> {
  const t = await readTableFile(db, file, [{ name: 'candidate_id', type: 'str' }, { name: 'pass', type: 'u8' }]);
  const ids = stringsOf(t.candidate_id as DictColumn);
  const pass = t.pass as Uint8Array;
  return { ids: new Set(ids.filter((_, i) => pass[i] === 1)), rows: ids.length };
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export interface NullSurvivors { candidates: number; discovery: number; bridge: number; by_family: Record<string, { discovery: number; bridge: number }> }

export interface PlantedRunOptions {
  seed: number;
  n_symbols: number;
  start_ms: number;
  end_ms: number;
  /** temp folder for the two data dirs */
  workDir: string;
  projectRoot: string;
  specDir?: string;
  /** Planted edge sizes (synthetic param edge_strength_bps); unnamed edges keep the generator's default. */
  edge_strength_bps?: Partial<Record<PlantedEdge['id'], number>>;
  /** Run on through the walk-forward and report its out-of-sample book and deflated Sharpe ratios. */
  walkforward?: boolean;
}

/** The walk-forward's out-of-sample book on one market (lake/walkforward/summary.json). */
export interface WalkforwardFigures {
  oos_sharpe: number;
  oos_total_return: number;
  oos_days: number;
  psr: number;
  /** naive DSR: every trial independent, variance of the blueprints' Sharpe ratios */
  dsr: number;
  trials: number;
  /** clustered DSR: Li & Ji effective trials of the ONC clusters (+ trials without a series), null Sharpe variance */
  dsr_clustered: number;
  trials_effective: number;
  clusters: number;
  sr0_annual: number;
  sr0_clustered_annual: number;
  /** The clustered DSR with the iid variance of the book's Sharpe (dsr_clustered uses Lo's HAC variance), and HAC / iid. */
  dsr_clustered_iid?: number;
  sharpe_variance_ratio?: number;
  /** Plan candidates with a return series in the clustered count. */
  candidate_series?: number;
}

/** The figures of lake/walkforward/summary.json of a data dir. */
export async function walkforwardFigures(dataDir: string): Promise<WalkforwardFigures> {
  const s = JSON.parse(await readFile(join(dataDir, 'lake', 'walkforward', 'summary.json'), 'utf8')) as {
    oos: { metrics: { sharpe: number; total_return: number; n_days: number } };
    deflation: {
      psr: number; dsr: number; trials: number; sr0_annual: number;
      clustered?: { dsr: number; trials_effective: number; clusters: unknown[]; sr0_annual: number; dsr_iid?: number; sharpe_variance_ratio?: number; candidate_series?: number };
    };
  };
  const c = s.deflation.clustered;
  return {
    oos_sharpe: s.oos.metrics.sharpe, oos_total_return: s.oos.metrics.total_return, oos_days: s.oos.metrics.n_days,
    psr: s.deflation.psr, dsr: s.deflation.dsr, trials: s.deflation.trials, sr0_annual: s.deflation.sr0_annual,
    dsr_clustered: c?.dsr ?? NaN, trials_effective: c?.trials_effective ?? NaN, clusters: c?.clusters.length ?? 0, sr0_clustered_annual: c?.sr0_annual ?? NaN,
    ...(c?.dsr_iid !== undefined ? { dsr_clustered_iid: c.dsr_iid, sharpe_variance_ratio: c.sharpe_variance_ratio ?? NaN, candidate_series: c.candidate_series ?? 0 } : {}),
  };
}

export interface PlantedSeedReport {
  seed: number;
  n_symbols: number;
  days: number;
  with_edges: Omit<PlantedEvaluation, 'survivors'>;
  without_edges: NullSurvivors;
  /** What was planted (the generator's plantedEdges of the run with edges). */
  planted: { id: string; effect_bps: number; horizon: string; symbols: number }[];
  survivors: SurvivorTruth[];
  /** With `walkforward`: the out-of-sample book on the market with the edges and on the null market. */
  walkforward?: { with_edges: WalkforwardFigures; without_edges: WalkforwardFigures };
  seconds: number;
}

/** A null market alone (no edge planted): its passes, every one false. */
export interface NullSeedReport { seed: number; without_edges: NullSurvivors; seconds: number }

/**
 * Only the null market of one seed (the pipeline up to bridge without planted edges): the null passes of more seeds
 * than the planted markets are run for (`--null-seeds` of the bench). The data dir is `workDir/seed<N>-none`.
 */
export async function runNullSeed(o: Omit<PlantedRunOptions, 'walkforward'>): Promise<NullSeedReport> {
  const t0 = Date.now();
  const dir = join(o.workDir, `seed${o.seed}-none`);
  await runPipeline(o, 'none', dir, 'bridge');
  return { seed: o.seed, without_edges: await nullSurvivors(dir), seconds: (Date.now() - t0) / 1000 };
}

async function runPipeline(o: Omit<PlantedRunOptions, 'walkforward'>, edges: 'default' | 'none', dir: string, until: string): Promise<void> {
  const { execa } = await import('execa');
  const sets = [
    `ingest.synthetic.seed=${o.seed}`, `ingest.synthetic.n_symbols=${o.n_symbols}`, `ingest.synthetic.start_ms=${o.start_ms}`,
    `ingest.synthetic.end_ms=${o.end_ms}`, `ingest.synthetic.planted_edges=${edges}`, 'clean.extra_timeframes=[]',
    ...(o.edge_strength_bps ? [`ingest.synthetic.edge_strength_bps=${JSON.stringify(o.edge_strength_bps)}`] : []),
  ];
  await execa(process.execPath, [
    join(o.projectRoot, 'dist', 'orchestrator', 'run_all.js'), '--allow-synthetic', '--data_dir', dir, '--run_id', `planted-${o.seed}-${edges}`,
    '--until', until, ...(o.specDir ? ['--spec_dir', o.specDir] : []), ...sets.flatMap((s) => ['--set', s]),
  ], { cwd: o.projectRoot, env: { QUANTLAB_LOG_LEVEL: 'warn' } });
}

/**
 * Run the pipeline (through the real orchestrator, every stage up to bridge) on the synthetic market of one seed with
 * and without the planted edges, and evaluate. Each run goes to its own data dir under `workDir`.
 */
export async function runPlantedSeed(o: PlantedRunOptions): Promise<PlantedSeedReport> {
  const { resolveSyntheticParams, plantedEdges } = await import('../ingest/synthetic/index.js');
  const t0 = Date.now();
  const dirs = { default: join(o.workDir, `seed${o.seed}-edges`), none: join(o.workDir, `seed${o.seed}-none`) };
  for (const [edges, dir] of Object.entries(dirs) as ['default' | 'none', string][]) {
    await runPipeline(o, edges, dir, o.walkforward ? 'walkforward' : 'bridge');
  }
  const p = resolveSyntheticParams({
    seed: o.seed, n_symbols: o.n_symbols, start_ms: o.start_ms, end_ms: o.end_ms, timeframe: '5m',
    ...(o.edge_strength_bps ? { edge_strength_bps: o.edge_strength_bps } : {}),
  });
  const edges = plantedEdges(p);
  const evaluation = await evaluatePlanted(dirs.default, dirs.none, edges);
  const { survivors, ...withEdges } = evaluation;
  return {
    seed: o.seed, n_symbols: o.n_symbols, days: (o.end_ms - o.start_ms) / 86_400_000,
    with_edges: withEdges, without_edges: await nullSurvivors(dirs.none),
    planted: edges.map((e) => ({ id: e.id, effect_bps: e.effect_bps, horizon: e.horizon, symbols: e.symbols.length })),
    survivors,
    ...(o.walkforward ? { walkforward: { with_edges: await walkforwardFigures(dirs.default), without_edges: await walkforwardFigures(dirs.none) } } : {}),
    seconds: (Date.now() - t0) / 1000,
  };
}
