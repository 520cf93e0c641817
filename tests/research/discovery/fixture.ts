/**
 * Fixtures for discovery and bridge: a seeded random-walk market with planted forward effects after chosen event
 * bars, a tiny lake written with the real writers (cleaned bars, cleaned funding, events), a plan folder, a spec
 * folder, and an in-process stage run (executeStage, as the orchestrator's child process would run it).
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LakeDb, TABLES, writeMonthlyPartitions, dictColumn, type ColumnSet } from '../../../lib/lake/index.js';
import { EVENTS_TABLE } from '../../../lib/lake/derived.js';
import { executeStage, PROJECT_ROOT } from '../../../lib/stage/main.js';
import { silentLogger } from '../../../lib/log.js';
import { canonicalJson, sha256Hex } from '../../../lib/hash.js';
import { Xoshiro128ss } from '../../../lib/stats/rng.js';
import type { StageDefinition } from '../../../lib/stage/definition.js';
import type { StageManifest } from '../../../lib/stage/manifest.js';
import type { PlanCandidate } from '../../../lib/research/discovery.js';

/** The compiled tree this file lives in (dist/ or build-NAME/). */
export const BUILD_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const T0 = Date.UTC(2025, 0, 1);
export const M5 = 300_000;

export interface Planted {
  /** event bar */
  t: number;
  /** +1 / -1 */
  sign: number;
  /** log move over the h bars after entry, in bps */
  bps: number;
  h: number;
}

export interface Market {
  ts_ms: Float64Array;
  open: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  quote_volume: Float64Array;
}

/**
 * n bars from T0 on the tf grid: open[k+1] = close[k] = open[k] exp(r_k), r_k = noiseBps * N(0,1) / 1e4 plus the
 * planted moves (bps / h added to r_{t+1} .. r_{t+h}, so ln(open[t+1+h] / open[t+1]) moves by exactly `bps`).
 */
export function randomWalk(n: number, o: { seed: number; noiseBps: number; planted?: Planted[]; tfMs?: number; volume?: number; start?: number }): Market {
  const rng = Xoshiro128ss.fromSeed(o.seed, 1);
  const r = new Float64Array(n);
  for (let k = 0; k < n; k++) r[k] = (o.noiseBps * rng.normal()) / 1e4;
  for (const p of o.planted ?? []) {
    for (let k = p.t + 1; k <= p.t + p.h && k < n; k++) r[k]! += (p.sign * p.bps) / p.h / 1e4;
  }
  const tf = o.tfMs ?? M5;
  const ts = Float64Array.from({ length: n }, (_, k) => (o.start ?? T0) + k * tf);
  const open = new Float64Array(n);
  const close = new Float64Array(n);
  let p = 100;
  for (let k = 0; k < n; k++) {
    open[k] = p;
    p *= Math.exp(r[k]!);
    close[k] = p;
  }
  const volume = new Float64Array(n).fill(o.volume ?? 10_000);
  const quote_volume = Float64Array.from(volume, (v, k) => v * open[k]!);
  return { ts_ms: ts, open, close, volume, quote_volume };
}

export interface LakeInstrument {
  exchange: string;
  market: string;
  symbol: string;
  timeframe: string;
  bars: Market;
  /** event name -> family, bar indices, directions */
  events: Record<string, { family: string; t: number[]; direction: number[] }>;
  /** funding settlements (ts, rate); omitted = no funding rows */
  funding?: { ts: number[]; rate: number[]; interval_hours: number };
}

/** Cleaned bars, events and funding of each instrument, written with the lake's writers under dataDir/lake. */
export async function writeLake(dataDir: string, insts: readonly LakeInstrument[]): Promise<void> {
  const root = join(dataDir, 'lake');
  await mkdir(join(root, 'events'), { recursive: true });
  await mkdir(join(root, 'cleaned', 'bars'), { recursive: true });
  const db = await LakeDb.open({ threads: 1 });
  try {
    for (const i of insts) {
      const n = i.bars.ts_ms.length;
      const data: ColumnSet = {};
      for (const c of TABLES.cleanBars.columns) {
        if (c.type === 'u8') data[c.name] = new Uint8Array(n);
        else if (c.type === 'i32') data[c.name] = new Int32Array(n).fill(1);
        else data[c.name] = new Float64Array(n).fill(NaN);
      }
      Object.assign(data, i.bars);
      data.high = Float64Array.from(i.bars.open, (x, k) => Math.max(x, i.bars.close[k]!));
      data.low = Float64Array.from(i.bars.open, (x, k) => Math.min(x, i.bars.close[k]!));
      data.is_missing = Uint8Array.from(i.bars.open, (x) => (Number.isNaN(x) ? 1 : 0));
      const keys = { exchange: i.exchange, market: i.market, symbol: i.symbol };
      await writeMonthlyPartitions(db, root, TABLES.cleanBars, { ...keys, timeframe: i.timeframe }, data);
      const rows: { ts: number; event: string; family: string; dir: number }[] = [];
      for (const [event, e] of Object.entries(i.events)) {
        e.t.forEach((t, k) => rows.push({ ts: i.bars.ts_ms[0]! + t * (i.bars.ts_ms[1]! - i.bars.ts_ms[0]!), event, family: e.family, dir: e.direction[k]! }));
      }
      rows.sort((a, b) => a.ts - b.ts || (a.event < b.event ? -1 : 1));
      if (rows.length) {
        await writeMonthlyPartitions(db, root, EVENTS_TABLE, { ...keys, timeframe: i.timeframe }, {
          ts_ms: Float64Array.from(rows, (r) => r.ts),
          event: dictColumn(rows.map((r) => r.event)),
          family: dictColumn(rows.map((r) => r.family)),
          direction: Int32Array.from(rows, (r) => r.dir),
          attributes: dictColumn(rows.map(() => '{}')),
        }, { tieBreak: ['event'] });
      }
      if (i.funding) {
        const m = i.funding.ts.length;
        await writeMonthlyPartitions(db, root, TABLES.cleanFunding, keys, {
          ts_ms: Float64Array.from(i.funding.ts),
          funding_rate: Float64Array.from(i.funding.rate),
          mark_price: new Float64Array(m).fill(NaN),
          interval_hours: new Float64Array(m).fill(i.funding.interval_hours),
          is_off_schedule: new Uint8Array(m),
        });
      }
    }
  } finally {
    db.close();
  }
}

/** A plan candidate with a content-derived id (docs/research.md "Candidates"). */
export function candidate(c: Omit<PlanCandidate, 'candidate_id' | 'events' | 'expected_ess'> & { events?: number; expected_ess?: number }): PlanCandidate {
  const key = {
    template_id: c.template_id, event: c.event, exchange: c.exchange, market: c.market, symbol: c.symbol,
    timeframe: c.timeframe, horizon_bars: c.horizon_bars,
  };
  return { events: 0, expected_ess: 0, ...c, candidate_id: 'c-' + sha256Hex(canonicalJson(key)).slice(0, 16) };
}

/** research/plan: candidate_plan.jsonl sorted by id and plan.json with its SHA-256. Returns the plan hash. */
export async function writePlan(dataDir: string, cands: readonly PlanCandidate[]): Promise<string> {
  const dir = join(dataDir, 'research', 'plan');
  await mkdir(dir, { recursive: true });
  const text = [...cands].sort((a, b) => (a.candidate_id < b.candidate_id ? -1 : 1)).map((c) => canonicalJson(c) + '\n').join('');
  const hash = sha256Hex(text);
  await writeFile(join(dir, 'candidate_plan.jsonl'), text);
  await writeFile(join(dir, 'plan.json'), JSON.stringify({ plan_hash: hash }) + '\n');
  return hash;
}

export const TEST_GATES = `discovery:
  min_n: 30
  min_ess: 20
  min_mean_bps: 5
  max_q: 0.05
  fdr: BH
bridge:
  min_net_bps: 2
  ci_level: 0.95
  bootstrap_reps: 500
  notional_usd: 10000
  min_capacity_usd: 10000
`;

/** A spec dir with gates.yaml (given text) and the repository's costs.yaml (or given text). */
export async function writeSpecDir(specDir: string, o: { gates?: string; costs?: string } = {}): Promise<void> {
  await mkdir(specDir, { recursive: true });
  await writeFile(join(specDir, 'gates.yaml'), o.gates ?? TEST_GATES);
  if (o.costs !== undefined) await writeFile(join(specDir, 'costs.yaml'), o.costs);
  else await copyFile(join(PROJECT_ROOT, 'spec', 'costs.yaml'), join(specDir, 'costs.yaml'));
}

let runs = 0;

/** Runs a stage in this process, as its executable would (fingerprint, staging, commit, manifest). */
export async function runStage<P>(def: StageDefinition<P>, dataDir: string, specDir: string, params: Record<string, unknown>): Promise<StageManifest> {
  return executeStage(def, {
    dataDir, specDir, runId: `test-${def.name}-${++runs}`, params, verbose: false, script: join(BUILD_ROOT, 'stages', `${def.name}.js`),
  }, silentLogger());
}

export const H = 6;
export const SPIKE_T = Array.from({ length: 120 }, (_, k) => 400 + k * 45);
export const SPIKE_DIR = SPIKE_T.map((_, k) => (k % 2 ? -1 : 1));
export const NOISE_T = Array.from({ length: 120 }, (_, k) => 420 + k * 45);

/**
 * A two-instrument lake at 5m (6000 bars = 20.8 days from 2025-01-01): synthetic/um/AAAUSDT with a planted 40 bp
 * follow effect after 'spike' events (h = 6) and a 'noise' event with none, funding every 8h at +1 bp; and
 * synthetic/spot/BBBUSDT with the same planted effect. Plan: spike follow / spike fade / noise follow on AAA and
 * spike follow on BBB. Options drop the funding or move one event off the grid.
 */
export async function standardLake(dir: string, o: { funding?: boolean; offGrid?: boolean } = {}): Promise<{
  dataDir: string; specDir: string; cands: PlanCandidate[]; planHash: string;
}> {
  const dataDir = join(dir, 'data');
  const specDir = join(dir, 'spec');
  const n = 6000;
  const planted = SPIKE_T.map((t, k) => ({ t, sign: SPIKE_DIR[k]!, bps: 40, h: H }));
  const fundingTs = Array.from({ length: Math.ceil((n * M5) / (8 * 3_600_000)) + 1 }, (_, k) => T0 + k * 8 * 3_600_000);
  const events = {
    spike: { family: 'spikes', t: SPIKE_T, direction: SPIKE_DIR },
    noise: { family: 'noise', t: NOISE_T, direction: NOISE_T.map((_, k) => (k % 3 ? 1 : -1)) },
  };
  await writeLake(dataDir, [
    {
      exchange: 'synthetic', market: 'um', symbol: 'AAAUSDT', timeframe: '5m',
      bars: randomWalk(n, { seed: 3, noiseBps: 10, planted }),
      events: o.offGrid ? { ...events, spike: { ...events.spike, t: [...SPIKE_T.slice(0, -1), SPIKE_T[SPIKE_T.length - 1]! + 0.5] } } : events,
      ...(o.funding === false ? {} : { funding: { ts: fundingTs, rate: fundingTs.map(() => 0.0001), interval_hours: 8 } }),
    },
    {
      exchange: 'synthetic', market: 'spot', symbol: 'BBBUSDT', timeframe: '5m',
      bars: randomWalk(n, { seed: 4, noiseBps: 10, planted }),
      events: { spike: events.spike },
    },
  ]);
  const base = { template_id: 'tpl-a', concept_id: 'spikes-follow', event_family: 'spikes', exchange: 'synthetic', timeframe: '5m', horizon_bars: H };
  const cands = [
    candidate({ ...base, market: 'um', symbol: 'AAAUSDT', event: 'spike', expected: 'follow', events: 120, expected_ess: 120 }),
    candidate({ ...base, template_id: 'tpl-b', concept_id: 'spikes-fade', market: 'um', symbol: 'AAAUSDT', event: 'spike', expected: 'fade' }),
    candidate({ ...base, template_id: 'tpl-c', concept_id: 'noise', event_family: 'noise', market: 'um', symbol: 'AAAUSDT', event: 'noise', expected: 'follow' }),
    candidate({ ...base, market: 'spot', symbol: 'BBBUSDT', event: 'spike', expected: 'follow' }),
  ].sort((a, b) => (a.candidate_id < b.candidate_id ? -1 : 1));
  const planHash = await writePlan(dataDir, cands);
  await writeSpecDir(specDir);
  return { dataDir, specDir, cands, planHash };
}
