/**
 * The planted-edge benchmark's arithmetic (bench/planted_edges.ts runs the pipelines): the `--strength` flag, and
 * the figures over seeds: per planted edge the recall (planted (edge, symbol) pairs recovered by a true survivor
 * targeting it), per event family the false discovery proportion, and the passes of the null markets (no edge
 * planted, so every pass is false). Recall is per symbol (per-symbol survivors); the pooled column counts the seeds
 * on which a true pooled survivor (concept `pooling: universe`) targets the edge. Pure.
 */
import { SpecError } from '../errors.js';
import { EDGE_IDS, EDGE_SPECS, resolveSyntheticParams, type EdgeId } from '../ingest/synthetic/index.js';
import { MAX_EDGE_STRENGTH_BPS } from '../ingest/synthetic/params.js';
import type { NullSeedReport, PlantedSeedReport, WalkforwardFigures } from './planted.js';

/** Every planted edge on at its documented size (the rare and one-sided edges are off in the default market). */
export function benchStrengths(): Record<EdgeId, number> {
  return Object.fromEntries(EDGE_IDS.map((id) => [id, Math.abs(EDGE_SPECS[id].effect_bps)])) as Record<EdgeId, number>;
}

/**
 * `--strength capitulation_reversal=40,down_shock_reversal=0`: sizes in bps over benchStrengths(); an edge not named
 * keeps its documented size. Every problem is reported at once, with its position in the flag; the sizes are then
 * validated as generator params (synthetic.edge_strength_bps).
 */
export function parseStrengths(text: string | undefined, flag = '--strength'): Record<EdgeId, number> {
  const out = benchStrengths();
  if (text === undefined || text.trim() === '') return out;
  const issues: string[] = [];
  text.split(',').forEach((item, i) => {
    const at = `${flag} item ${i + 1} (${JSON.stringify(item)})`;
    const eq = item.indexOf('=');
    if (eq < 1) return void issues.push(`${at}: expected edge=bps, e.g. capitulation_reversal=40`);
    const id = item.slice(0, eq).trim();
    const raw = item.slice(eq + 1).trim();
    if (!(EDGE_IDS as readonly string[]).includes(id)) return void issues.push(`${at}: unknown edge "${id}". Available: ${EDGE_IDS.join(', ')}`);
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v) || v < 0 || v > MAX_EDGE_STRENGTH_BPS) {
      return void issues.push(`${at}: size must be a number of bps in 0..${MAX_EDGE_STRENGTH_BPS} (0 turns the edge off), was ${JSON.stringify(raw)}`);
    }
    out[id as EdgeId] = v;
  });
  if (issues.length) throw new SpecError(issues, { hint: `edges: ${EDGE_IDS.join(', ')}; sizes in bps >= 0 (0 turns an edge off)` });
  resolveSyntheticParams({ edge_strength_bps: out }, flag); // ranges: located SpecError
  return out;
}

export interface EdgeFigures {
  id: string;
  effect_bps: number;
  /** planted (edge, symbol) pairs over the seeds, recovered per symbol by discovery and by the bridge */
  planted_pairs: number;
  per_symbol: { recovered_discovery: number; recovered_bridge: number; recall_discovery: number; recall_bridge: number };
  /** seeds on which a true pooled survivor targets the edge (discovery; the bridge does not price pooled candidates yet) */
  pooled_seeds_recovered: number;
  /** seeds on which the edge was recovered on at least one symbol, of the seeds that planted it */
  seeds_recovered: number;
  seeds_planted: number;
}

export interface FamilyFigures {
  family: string;
  discovery_survivors: number; discovery_true: number; discovery_fdp: number;
  bridge_survivors: number; bridge_true: number; bridge_fdp: number;
  /** passes on the null markets (all false) */
  null_discovery: number; null_bridge: number;
  /** discovery survivors of events that target no planted edge (a family no edge was planted for) */
  discovery_off_target: number;
}

export interface BenchFigures {
  seeds: number[];
  symbols: number;
  days: number;
  strengths_bps: Record<string, number>;
  edges: EdgeFigures[];
  families: FamilyFigures[];
  total: {
    discovery_survivors: number; discovery_true: number; discovery_fdp: number; bridge_survivors: number; bridge_true: number; bridge_fdp: number;
    /** FDP when every survivor that targets no planted edge also counts false (the strict, mechanism-level rule) */
    discovery_off_target: number; discovery_fdp_strict: number;
  };
  /** Over the planted seeds' null markets and the null-only seeds (`--null-seeds`). */
  null_markets: { seeds: number; seed_list: number[]; seeds_with_no_discovery_pass: number; seeds_with_no_bridge_pass: number; candidates: number; discovery: number; bridge: number };
  /** pooled candidates tested and true pooled survivors, over the seeds */
  pooled: { candidates: number; true_survivors: number; survivors: number };
  /** Per seed, the walk-forward's out-of-sample book on both markets (only when the bench ran the walk-forward). */
  walkforward?: { seed: number; with_edges: WalkforwardFigures; without_edges: WalkforwardFigures }[];
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** The figures over seeds (reports of runPlantedSeed, all with the same symbols and days). */
export function benchFigures(
  reports: readonly PlantedSeedReport[], o: { symbols: number; days: number; strengths: Record<string, number> }, nullOnly: readonly NullSeedReport[] = [],
): BenchFigures {
  const edges = new Map<string, EdgeFigures>();
  for (const r of reports) {
    for (const p of r.planted) {
      const rec = r.with_edges.recovered_by_edge[p.id] ?? { planted: 0, discovery: 0, bridge: 0 };
      const e = edges.get(p.id) ?? {
        id: p.id, effect_bps: p.effect_bps, planted_pairs: 0,
        per_symbol: { recovered_discovery: 0, recovered_bridge: 0, recall_discovery: 0, recall_bridge: 0 },
        pooled_seeds_recovered: 0, seeds_recovered: 0, seeds_planted: 0,
      };
      e.planted_pairs += rec.planted;
      e.per_symbol.recovered_discovery += rec.discovery;
      e.per_symbol.recovered_bridge += rec.bridge;
      e.seeds_planted++;
      if (rec.discovery > 0) e.seeds_recovered++;
      if (r.with_edges.pooled_by_edge?.[p.id]?.discovery) e.pooled_seeds_recovered++;
      edges.set(p.id, e);
    }
  }
  for (const e of edges.values()) {
    e.per_symbol.recall_discovery = ratio(e.per_symbol.recovered_discovery, e.planted_pairs);
    e.per_symbol.recall_bridge = ratio(e.per_symbol.recovered_bridge, e.planted_pairs);
  }
  const fam = new Map<string, FamilyFigures>();
  const famOf = (f: string) => {
    let x = fam.get(f);
    if (!x) {
      x = { family: f, discovery_survivors: 0, discovery_true: 0, discovery_fdp: 0, bridge_survivors: 0, bridge_true: 0, bridge_fdp: 0, null_discovery: 0, null_bridge: 0, discovery_off_target: 0 };
      fam.set(f, x);
    }
    return x;
  };
  for (const r of reports) {
    for (const [f, t] of Object.entries(r.with_edges.by_family ?? {})) {
      const x = famOf(f);
      x.discovery_survivors += t.discovery_survivors; x.discovery_true += t.discovery_true;
      x.bridge_survivors += t.bridge_survivors; x.bridge_true += t.bridge_true;
      x.discovery_off_target += t.discovery_off_target ?? 0;
    }
  }
  const nulls: { seed: number; without_edges: PlantedSeedReport['without_edges'] }[] = [...reports, ...nullOnly];
  for (const r of nulls) {
    for (const [f, n] of Object.entries(r.without_edges.by_family ?? {})) {
      const x = famOf(f);
      x.null_discovery += n.discovery; x.null_bridge += n.bridge;
    }
  }
  for (const x of fam.values()) {
    x.discovery_fdp = ratio(x.discovery_survivors - x.discovery_true, x.discovery_survivors);
    x.bridge_fdp = ratio(x.bridge_survivors - x.bridge_true, x.bridge_survivors);
  }
  const sum = (f: (r: PlantedSeedReport) => number) => reports.reduce((s, r) => s + f(r), 0);
  const dS = sum((r) => r.with_edges.discovery_survivors);
  const dT = sum((r) => r.with_edges.discovery_true);
  const bS = sum((r) => r.with_edges.bridge_survivors);
  const bT = sum((r) => r.with_edges.bridge_true);
  const offT = sum((r) => r.survivors.filter((t) => t.targets_planted_edge === false).length);
  const dTOn = sum((r) => r.survivors.filter((t) => t.true_edge && t.targets_planted_edge !== false).length);
  return {
    seeds: reports.map((r) => r.seed), symbols: o.symbols, days: o.days, strengths_bps: { ...o.strengths },
    edges: [...edges.values()],
    families: [...fam.values()].sort((a, b) => (a.family < b.family ? -1 : 1)),
    total: {
      discovery_survivors: dS, discovery_true: dT, discovery_fdp: ratio(dS - dT, dS), bridge_survivors: bS, bridge_true: bT, bridge_fdp: ratio(bS - bT, bS),
      discovery_off_target: offT, discovery_fdp_strict: ratio(dS - dTOn, dS),
    },
    null_markets: {
      seeds: nulls.length, seed_list: nulls.map((r) => r.seed),
      seeds_with_no_discovery_pass: nulls.filter((r) => r.without_edges.discovery === 0).length,
      seeds_with_no_bridge_pass: nulls.filter((r) => r.without_edges.bridge === 0).length,
      candidates: nulls.reduce((a, r) => a + r.without_edges.candidates, 0), discovery: nulls.reduce((a, r) => a + r.without_edges.discovery, 0),
      bridge: nulls.reduce((a, r) => a + r.without_edges.bridge, 0),
    },
    pooled: {
      candidates: sum((r) => r.with_edges.pooled_candidates ?? 0),
      survivors: sum((r) => r.survivors.filter((t) => t.members !== undefined).length),
      true_survivors: sum((r) => r.survivors.filter((t) => t.members !== undefined && t.true_edge).length),
    },
    ...(reports.some((r) => r.walkforward)
      ? { walkforward: reports.filter((r) => r.walkforward).map((r) => ({ seed: r.seed, ...r.walkforward! })) }
      : {}),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

/** The figures as Markdown tables (for the closing note). */
export function benchMarkdown(f: BenchFigures): string {
  const L = [
    `Planted-edge benchmark: seeds ${f.seeds.join(', ')}, ${f.symbols} symbols, ${f.days} days of 5m bars.`,
    '',
    '| edge | size bps | planted pairs | recall per symbol: discovery | bridge | seeds recovered | pooled: seeds recovered |',
    '|---|---:|---:|---:|---:|---:|---|',
    ...f.edges.map((e) => `| ${e.id} | ${e.effect_bps} | ${e.planted_pairs} | ${e.per_symbol.recovered_discovery} (${pct(e.per_symbol.recall_discovery)}) | ` +
      `${e.per_symbol.recovered_bridge} (${pct(e.per_symbol.recall_bridge)}) | ${e.seeds_recovered}/${e.seeds_planted} | ${e.pooled_seeds_recovered}/${e.seeds_planted} |`),
    '',
    '| family | discovery survivors | true | FDP | targets no planted edge | bridge survivors | true | FDP | null market: discovery | bridge |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...f.families.map((x) => `| ${x.family} | ${x.discovery_survivors} | ${x.discovery_true} | ${pct(x.discovery_fdp)} | ${x.discovery_off_target ?? 0} | ${x.bridge_survivors} | ${x.bridge_true} | ${pct(x.bridge_fdp)} | ${x.null_discovery} | ${x.null_bridge} |`),
    `| all | ${f.total.discovery_survivors} | ${f.total.discovery_true} | ${pct(f.total.discovery_fdp)} | ${f.total.discovery_off_target} | ${f.total.bridge_survivors} | ${f.total.bridge_true} | ${pct(f.total.bridge_fdp)} | ${f.null_markets.discovery} | ${f.null_markets.bridge} |`,
    '',
    `True = the survivor's occurrences carry >= 5 bps of planted EXCESS drift in its direction (planted drift less the planted part of the symbol's unconditional drift, as discovery's excess). ` +
      `Counting also every survivor that targets no planted edge as false (strict rule): discovery FDP ${pct(f.total.discovery_fdp_strict)} over all families.`,
    '',
    `Null markets (seeds ${(f.null_markets.seed_list ?? []).join(', ')}): no discovery pass on ${f.null_markets.seeds_with_no_discovery_pass} of ${f.null_markets.seeds} seeds, no bridge pass on ` +
      `${f.null_markets.seeds_with_no_bridge_pass} of ${f.null_markets.seeds} (${f.null_markets.candidates} candidates tested). Pooled: ${f.pooled.candidates} pooled candidates tested, ${f.pooled.survivors} pass discovery (${f.pooled.true_survivors} true).`,
  ];
  if (f.walkforward) {
    const n2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
    const n3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
    const row = (seed: number, m: string, w: WalkforwardFigures) =>
      `| ${seed} | ${m} | ${n2(w.oos_sharpe)} | ${pct(w.oos_total_return)} | ${w.oos_days} | ${n3(w.psr)} | ${n3(w.dsr)} (N ${w.trials}, SR0 ${n2(w.sr0_annual)}) | ` +
      `${n3(w.dsr_clustered)} (K ${Number.isFinite(w.trials_effective) ? w.trials_effective.toFixed(1) : "-"}, ${w.clusters} clusters, SR0 ${n2(w.sr0_clustered_annual)}) | ` +
      `${w.dsr_clustered_iid !== undefined ? `${n3(w.dsr_clustered_iid)} (HAC/iid ${n2(w.sharpe_variance_ratio ?? NaN)})` : '-'} |`;
    L.push('', '| seed | market | OOS Sharpe | OOS return | OOS days | PSR | naive DSR | clustered DSR (HAC) | clustered DSR, iid variance |', '|---:|---|---:|---:|---:|---:|---|---|---|',
      ...f.walkforward.flatMap((w) => [row(w.seed, 'planted', w.with_edges), row(w.seed, 'null', w.without_edges)]));
  }
  return L.join('\n') + '\n';
}
