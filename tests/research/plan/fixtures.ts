/**
 * Fixtures for the templates and plan stages: spec folders written from strings, a tiny cleaned lake (bars are
 * constant values: the plan reads only partition manifests), a hand-made events lake, and an in-process stage run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LakeDb, TABLES, writeMonthlyPartitions, dictColumn, type ColumnSet } from '../../../lib/lake/index.js';
import { EVENTS_TABLE } from '../../../lib/lake/derived.js';
import { executeStage } from '../../../lib/stage/main.js';
import { silentLogger } from '../../../lib/log.js';
import type { StageDefinition } from '../../../lib/stage/definition.js';
import type { StageManifest } from '../../../lib/stage/manifest.js';
import { timeframeMs, type Timeframe } from '../../../lib/timeframe.js';

/** The compiled tree this file lives in (dist/ or build-NAME/). */
export const BUILD_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export async function writeSpec(specDir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(specDir, rel)), { recursive: true });
    await writeFile(join(specDir, rel), text);
  }
}

export interface FixtureInstrument {
  exchange: string;
  market: string;
  symbol: string;
  bars: number;
  start_ms: number;
  /** quote volume of bar k (default 100 like every other float column) */
  quote_volume?: (k: number) => number;
}

/** cleaned/bars of each instrument at `tf`: `bars` rows on the grid from start_ms (prices constant 100). */
export async function writeCleanedLake(dataDir: string, tf: Timeframe, insts: readonly FixtureInstrument[]): Promise<void> {
  const db = await LakeDb.open({ threads: 1 });
  try {
    for (const i of insts) {
      const n = i.bars;
      const data: ColumnSet = {};
      for (const c of TABLES.cleanBars.columns) {
        if (c.type === 'u8') data[c.name] = new Uint8Array(n);
        else if (c.type === 'i32') data[c.name] = new Int32Array(n).fill(1);
        else data[c.name] = new Float64Array(n).fill(100);
      }
      data.ts_ms = Float64Array.from({ length: n }, (_, k) => i.start_ms + k * timeframeMs(tf));
      if (i.quote_volume) data.quote_volume = Float64Array.from({ length: n }, (_, k) => i.quote_volume!(k));
      await writeMonthlyPartitions(db, join(dataDir, 'lake'), TABLES.cleanBars,
        { exchange: i.exchange, market: i.market, symbol: i.symbol, timeframe: tf }, data);
    }
  } finally {
    db.close();
  }
}

export interface FixtureEvents {
  inst: FixtureInstrument;
  /** event name -> [family, bar indices]. */
  events: Record<string, [string, number[]]>;
}

/** lake/events rows at the bar indices given (direction +1, empty attributes). */
export async function writeEventsLake(dataDir: string, tf: Timeframe, rows: readonly FixtureEvents[]): Promise<void> {
  const db = await LakeDb.open({ threads: 1 });
  await mkdir(join(dataDir, 'lake', 'events'), { recursive: true });
  try {
    for (const { inst, events } of rows) {
      const ts: number[] = [];
      const names: string[] = [];
      const fams: string[] = [];
      for (const [name, [family, idx]] of Object.entries(events)) {
        for (const k of idx) {
          ts.push(inst.start_ms + k * timeframeMs(tf));
          names.push(name);
          fams.push(family);
        }
      }
      if (ts.length === 0) continue;
      await writeMonthlyPartitions(db, join(dataDir, 'lake'), EVENTS_TABLE,
        { exchange: inst.exchange, market: inst.market, symbol: inst.symbol, timeframe: tf },
        {
          ts_ms: Float64Array.from(ts), event: dictColumn(names), family: dictColumn(fams),
          direction: new Int32Array(ts.length).fill(1), attributes: dictColumn(ts.map(() => '{}')),
        },
        { tieBreak: ['event'] });
    }
  } finally {
    db.close();
  }
}

/** Run a stage in this process exactly as its executable would (staging, commit, manifest). */
export async function runStage<P>(
  def: StageDefinition<P>, dataDir: string, specDir: string, params: Record<string, unknown>, runId = 'test-run',
): Promise<StageManifest> {
  return executeStage(def, {
    dataDir, specDir, runId, params, verbose: false, script: join(BUILD_ROOT, 'stages', `${def.name}.js`),
  }, silentLogger());
}

/** gates.yaml with discovery gates a few fixture events can pass (min_n 3), for plan-stage tests on tiny lakes. */
export const TINY_GATES = `discovery:
  min_n: 3
  min_ess: 2.5
  min_mean_bps: 5
  max_q: 0.05
bridge: {min_net_bps: 2, ci_level: 0.95, bootstrap_reps: 2000, notional_usd: 10000, min_capacity_usd: 10000}
`;
