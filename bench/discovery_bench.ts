#!/usr/bin/env node
/**
 * node dist/bench/discovery_bench.js [--instruments 20] [--days 730] [--events 25] [--stage]
 *
 * Times discovery over a synthetic 10,000-candidate plan (instruments x events x 4 horizons x 5 templates) held in
 * memory: random-walk 5m bars, events every ~300 bars per event name. Prints one JSON object (figures, never
 * pass/fail). --stage also writes the same market as a lake (cleaned bars + events + plan) to a temp dir and times
 * the discovery stage end to end (reads, statistics, q, Parquet and reports); the write itself is not timed.
 * KEEP=1 keeps that temp dir (its path goes to stderr).
 */
import { mkdtemp, mkdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { Xoshiro128ss } from '../lib/stats/rng.js';
import { evaluateInstrument, finalizeDiscovery, type CandidateStats, type EventSeries, type PlanCandidate } from '../lib/research/discovery.js';
import { openSeries } from '../lib/research/forward.js';
import { canonicalJson, sha256Hex } from '../lib/hash.js';
import { dictColumn, LakeDb, TABLES, writeMonthlyPartitions, type ColumnSet } from '../lib/lake/index.js';
import { EVENTS_TABLE } from '../lib/lake/derived.js';
import { executeStage, PROJECT_ROOT } from '../lib/stage/main.js';
import { silentLogger } from '../lib/log.js';
import { discoveryStage } from '../lib/stages/discovery/definition.js';

const argv = yargs(hideBin(process.argv))
  .option('instruments', { type: 'number', default: 20 })
  .option('days', { type: 'number', default: 730 })
  .option('events', { type: 'number', default: 25, describe: 'event names per instrument' })
  .option('stage', { type: 'boolean', default: false, describe: 'also time the discovery stage on a lake written to a temp dir' })
  .strict()
  .parseSync();

const M5 = 300_000;
const T0 = Date.UTC(2023, 0, 1);
const HORIZONS = [6, 12, 24, 48];
const TEMPLATES = 5;
const nBars = Math.round((argv.days * 86_400_000) / M5);

interface Inst {
  symbol: string;
  ts: Float64Array;
  open: Float64Array;
  events: Map<string, EventSeries>;
}

function market(i: number): Inst {
  const rng = Xoshiro128ss.fromSeed(2024, i + 1);
  const ts = new Float64Array(nBars);
  const open = new Float64Array(nBars);
  let p = 100;
  for (let k = 0; k < nBars; k++) {
    ts[k] = T0 + k * M5;
    open[k] = p;
    p *= Math.exp(0.001 * rng.normal());
  }
  const events = new Map<string, EventSeries>();
  for (let e = 0; e < argv.events; e++) {
    const t: number[] = [];
    for (let k = Math.floor(rng.uniform() * 300); k < nBars; k += 1 + Math.floor(rng.uniform() * 600)) t.push(k);
    events.set(`ev${e}`, { t: Int32Array.from(t), direction: Int8Array.from(t, () => (rng.uniform() < 0.5 ? -1 : 1)) });
  }
  return { symbol: `SYN${String(i + 1).padStart(2, '0')}USDT`, ts, open, events };
}

function candidates(symbol: string): PlanCandidate[] {
  const out: PlanCandidate[] = [];
  for (let tpl = 0; tpl < TEMPLATES; tpl++) {
    for (let e = 0; e < argv.events; e++) {
      for (const h of HORIZONS) {
        const c = {
          template_id: `tpl-${tpl}`, concept_id: `k${tpl}`, event: `ev${e}`, event_family: 'f', exchange: 'synthetic', market: 'um',
          symbol, timeframe: '5m', horizon_bars: h, expected: (tpl % 2 ? 'fade' : 'follow') as 'follow' | 'fade', events: 0, expected_ess: 0,
        };
        const key = { template_id: c.template_id, event: c.event, exchange: c.exchange, market: c.market, symbol, timeframe: c.timeframe, horizon_bars: h };
        out.push({ ...c, candidate_id: 'c-' + sha256Hex(canonicalJson(key)).slice(0, 16) });
      }
    }
  }
  return out;
}

const gates = { min_n: 30, min_ess: 20, min_mean_bps: 5, max_q: 0.05, fdr: 'BH' as const };
let genMs = 0;
let evalMs = 0;
let events = 0;
const stats: CandidateStats[] = [];
const plan: PlanCandidate[] = [];
const insts: Inst[] = [];
for (let i = 0; i < argv.instruments; i++) {
  let t = performance.now();
  const m = market(i);
  genMs += performance.now() - t;
  for (const e of m.events.values()) events += e.t.length;
  const cands = candidates(m.symbol);
  plan.push(...cands);
  t = performance.now();
  stats.push(...evaluateInstrument(cands, { open: openSeries(m.ts, m.open), events: m.events }));
  evalMs += performance.now() - t;
  if (argv.stage) insts.push(m);
}
let t = performance.now();
const res = finalizeDiscovery(stats, gates);
const finMs = performance.now() - t;

const out: Record<string, unknown> = {
  bench: 'discovery',
  candidates: plan.length,
  instruments: argv.instruments,
  bars_per_instrument: nBars,
  events_total: events,
  occurrences_total: res.reduce((s, r) => s + r.n, 0),
  pass: res.filter((r) => r.pass).length,
  in_memory_ms: { evaluate: Math.round(evalMs), finalize_q_gates: Math.round(finMs), total: Math.round(evalMs + finMs), generate_market_not_timed: Math.round(genMs) },
  us_per_candidate: Math.round(((evalMs + finMs) * 1000) / plan.length),
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  node: process.version,
};

if (argv.stage) {
  const dir = await mkdtemp(join(tmpdir(), 'quantlab-discovery-bench-'));
  try {
    const dataDir = join(dir, 'data');
    const specDir = join(dir, 'spec');
    const db = await LakeDb.open({ threads: 2 });
    try {
      for (const m of insts) {
        const n = m.ts.length;
        const data: ColumnSet = {};
        for (const c of TABLES.cleanBars.columns) data[c.name] = c.type === 'u8' ? new Uint8Array(n) : c.type === 'i32' ? new Int32Array(n).fill(1) : new Float64Array(n).fill(NaN);
        Object.assign(data, { ts_ms: m.ts, open: m.open, close: m.open, high: m.open, low: m.open, volume: new Float64Array(n).fill(1) });
        const keys = { exchange: 'synthetic', market: 'um', symbol: m.symbol, timeframe: '5m' };
        await writeMonthlyPartitions(db, join(dataDir, 'lake'), TABLES.cleanBars, keys, data);
        const rows: [number, string, number][] = [];
        for (const [name, e] of m.events) e.t.forEach((k, j) => rows.push([m.ts[k]!, name, e.direction[j]!]));
        rows.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
        await writeMonthlyPartitions(db, join(dataDir, 'lake'), EVENTS_TABLE, keys, {
          ts_ms: Float64Array.from(rows, (r) => r[0]), event: dictColumn(rows.map((r) => r[1])), family: dictColumn(rows.map(() => 'f')),
          direction: Int32Array.from(rows, (r) => r[2]), attributes: dictColumn(rows.map(() => '{}')),
        });
      }
    } finally {
      db.close();
    }
    const planDir = join(dataDir, 'research', 'plan');
    await mkdir(planDir, { recursive: true });
    const text = [...plan].sort((a, b) => (a.candidate_id < b.candidate_id ? -1 : 1)).map((c) => canonicalJson(c) + '\n').join('');
    await writeFile(join(planDir, 'candidate_plan.jsonl'), text);
    await writeFile(join(planDir, 'plan.json'), JSON.stringify({ plan_hash: sha256Hex(text) }));
    await mkdir(specDir, { recursive: true });
    await copyFile(join(PROJECT_ROOT, 'spec', 'gates.yaml'), join(specDir, 'gates.yaml'));
    const script = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'stages', 'discovery.js');
    t = performance.now();
    const man = await executeStage(discoveryStage, { dataDir, specDir, runId: 'bench', params: { timeframe: '5m' }, verbose: false, script }, silentLogger());
    out.stage_ms = Math.round(performance.now() - t);
    out.stage_rows = man.summary.rows;
    out.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
  } finally {
    if (!process.env.KEEP) await rm(dir, { recursive: true, force: true }); else process.stderr.write(dir + "\n");
  }
}

process.stdout.write(JSON.stringify(out, null, 2) + '\n');
