/**
 * Reading what discovery and bridge need: the candidate plan (validated line by line), and per instrument its
 * cleaned bars (checked to be a complete grid), its events (by name, as bar indices) and its funding.
 * Errors name the file (relative to the data dir), the line or field, and the value.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { DataError, QuantError } from '../../errors.js';
import { sha256Hex } from '../../hash.js';
import { listPartitions, readPartitions, readTableFile, TABLES, PARTITION_FILE, type LakeDb, type DictColumn, type FoundPartition } from '../../lake/index.js';
import { EVENTS_TABLE } from '../../lake/derived.js';
import { queryColumns, readExpr } from '../../lake/columns.js';
import { sqlString } from '../../lake/db.js';
import { MARKETS } from '../../market.js';
import { isTimeframe, timeframeMs } from '../../timeframe.js';
import { eventBarIndices } from '../../research/forward.js';
import type { EventSeries, PlanCandidate } from '../../research/discovery.js';
import type { BridgeBars, FundingSeries } from '../../research/bridge.js';
import { POOLED_SYMBOL } from '../../research/candidate.js';

export const PLAN_FILE = 'candidate_plan.jsonl';
export const PLAN_META = 'plan.json';

export interface LoadedPlan {
  /** display path of candidate_plan.jsonl (relative to the data dir) */
  file: string;
  candidates: PlanCandidate[];
  /** line number (1-based) of each candidate, same order */
  lines: number[];
  plan_hash: string;
}

/**
 * Reads research/plan: every line of candidate_plan.jsonl checked (types, expected, market, horizon, unique ids), and
 * plan.json's plan_hash checked against the SHA-256 of the plan file (docs/research.md "Candidates").
 */
export async function readPlan(dir: string, display = 'research/plan'): Promise<LoadedPlan> {
  const file = `${display}/${PLAN_FILE}`;
  const metaFile = `${display}/${PLAN_META}`;
  for (const [p, d] of [[join(dir, PLAN_FILE), file], [join(dir, PLAN_META), metaFile]] as const) {
    if (!existsSync(p)) throw new DataError('missing plan file', { file: d }, { hint: 'run the plan stage first' });
  }
  const bytes = await readFile(join(dir, PLAN_FILE));
  let meta: { plan_hash?: unknown };
  try {
    meta = JSON.parse(await readFile(join(dir, PLAN_META), 'utf8')) as { plan_hash?: unknown };
  } catch (e) {
    throw new DataError(`not valid JSON (${(e as Error).message})`, { file: metaFile });
  }
  const hash = sha256Hex(bytes);
  if (meta.plan_hash !== hash) {
    throw new DataError(`plan_hash does not match the SHA-256 of ${file} (${hash})`, { file: metaFile, field: 'plan_hash', value: meta.plan_hash }, {
      hint: 'the plan files were modified or written by different runs: rerun the plan stage',
    });
  }
  const candidates: PlanCandidate[] = [];
  const lines: number[] = [];
  const seen = new Map<string, number>();
  const text = bytes.toString('utf8').split('\n');
  text.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(raw) as Record<string, unknown>;
    } catch (e) {
      throw new DataError(`not valid JSON (${(e as Error).message})`, { file, line });
    }
    const c = checkCandidate(v, file, line);
    const prev = seen.get(c.candidate_id);
    if (prev !== undefined) {
      throw new DataError(`duplicate candidate_id (first on line ${prev})`, { file, line, field: 'candidate_id', value: c.candidate_id });
    }
    seen.set(c.candidate_id, line);
    candidates.push(c);
    lines.push(line);
  });
  return { file, candidates, lines, plan_hash: hash };
}

function checkCandidate(v: Record<string, unknown>, file: string, line: number): PlanCandidate {
  const bad = (field: string, what: string): never => {
    throw new DataError(what, { file, line, field, value: v[field] }, { hint: 'the plan stage writes this file; rerun it' });
  };
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new DataError('a plan line must be a JSON object', { file, line, value: v });
  for (const f of ['candidate_id', 'template_id', 'concept_id', 'event', 'event_family', 'exchange', 'market', 'symbol', 'timeframe']) {
    if (typeof v[f] !== 'string' || v[f] === '') bad(f, 'must be a non-empty string');
  }
  if (!(MARKETS as readonly unknown[]).includes(v.market)) bad('market', `must be one of ${MARKETS.join(', ')}`);
  if (!isTimeframe(v.timeframe as string)) bad('timeframe', 'unknown timeframe');
  if (!Number.isInteger(v.horizon_bars) || (v.horizon_bars as number) < 1) bad('horizon_bars', 'must be an integer >= 1');
  if (v.expected !== 'follow' && v.expected !== 'fade') bad('expected', 'must be "follow" or "fade"');
  // Planned counts: top level, or inside `feasibility` (the plan stage's layout). Informational: NaN when absent.
  const feas = (typeof v.feasibility === 'object' && v.feasibility !== null ? v.feasibility : {}) as Record<string, unknown>;
  const planned = (f: string): number => {
    const x = v[f] ?? feas[f];
    if (x === undefined) return NaN;
    if (typeof x !== 'number' || !Number.isFinite(x)) bad(f in v ? f : `feasibility.${f}`, 'must be a number');
    return x as number;
  };
  const events = planned('events');
  const expectedEss = planned('expected_ess');
  const pooled = v.pooling !== undefined;
  if (pooled) {
    if (v.pooling !== 'universe' && v.pooling !== 'bucket') bad('pooling', 'must be "universe" or "bucket" (or absent for a per-symbol candidate)');
    if ((v.pooling === 'bucket') !== (typeof v.bucket === 'string' && v.bucket !== '')) bad('bucket', 'a pooling: bucket candidate names its bucket (a non-empty string), no other candidate has one');
    if (v.symbol !== POOLED_SYMBOL) bad('symbol', `a pooled candidate has symbol "${POOLED_SYMBOL}"`);
    const mem = v.members;
    if (!Array.isArray(mem) || mem.length === 0 || !mem.every((x) => typeof x === 'string' && x !== '' && x !== POOLED_SYMBOL) || new Set(mem).size !== mem.length) {
      bad('members', 'a pooled candidate lists its member symbols: a non-empty array of distinct symbol names');
    }
  } else if (v.members !== undefined) bad('members', 'only a pooled candidate (pooling: universe or bucket) has members');
  else if (v.bucket !== undefined) bad('bucket', 'only a pooling: bucket candidate has a bucket');
  else if (v.symbol === POOLED_SYMBOL) bad('symbol', `"${POOLED_SYMBOL}" is the symbol of pooled candidates only`);
  return {
    candidate_id: v.candidate_id as string, template_id: v.template_id as string, concept_id: v.concept_id as string,
    event: v.event as string, event_family: v.event_family as string, exchange: v.exchange as string,
    market: v.market as string, symbol: v.symbol as string, timeframe: v.timeframe as string,
    horizon_bars: v.horizon_bars as number, expected: v.expected as 'follow' | 'fade',
    events, expected_ess: expectedEss,
    ...(pooled ? { pooling: v.pooling as 'universe' | 'bucket', members: [...(v.members as string[])] } : {}),
    ...(v.pooling === 'bucket' ? { bucket: v.bucket as string } : {}),
  };
}

export interface InstrumentKey {
  exchange: string;
  market: string;
  symbol: string;
  timeframe: string;
}

export function instrumentLabel(k: InstrumentKey): string {
  return `${k.exchange}/${k.market}/${k.symbol}/${k.timeframe}`;
}

/** Candidates grouped by instrument and timeframe, groups in first-seen order, candidates in plan order. */
export function groupByInstrument<C extends InstrumentKey>(cands: readonly C[]): { key: InstrumentKey; candidates: C[] }[] {
  const m = new Map<string, { key: InstrumentKey; candidates: C[] }>();
  for (const c of cands) {
    const id = instrumentLabel(c);
    let g = m.get(id);
    if (!g) m.set(id, (g = { key: { exchange: c.exchange, market: c.market, symbol: c.symbol, timeframe: c.timeframe }, candidates: [] }));
    g.candidates.push(c);
  }
  return [...m.values()];
}

function hiveDir(table: string, k: InstrumentKey, withTf: boolean): string {
  return `lake/${table}/exchange=${k.exchange}/market=${k.market}/symbol=${k.symbol}${withTf ? `/timeframe=${k.timeframe}` : ''}`;
}

export interface LoadedBars extends BridgeBars {
  /** display path of the bars (partition folder) */
  file: string;
  tfMs: number;
}

/**
 * Cleaned bars of one instrument and timeframe, checked to be one complete grid (ts_ms[i] = ts_ms[0] + i * tf).
 * `withVolume: false` reads ts_ms and open only (discovery); close, volume and quote_volume are then empty arrays.
 * A missing slot (is_missing = 1) has NULL prices by the clean contract (TABLES.cleanBars), read as NaN; the flag
 * itself is not re-read. No partitions: DataError naming the instrument's folder. `materialize`: DuckDB runs the
 * whole query on its threads before the first chunk is fetched (lib/lake queryColumns), so a read started before
 * some JS work proceeds during it.
 */
export async function loadBars(
  db: LakeDb, lakeRoot: string, k: InstrumentKey, o: { withVolume?: boolean; materialize?: boolean; list?: PartitionLister } = {},
): Promise<LoadedBars> {
  const file = hiveDir(TABLES.cleanBars.dir, k, true);
  const parts = await (o.list ?? listPartitions)(lakeRoot, TABLES.cleanBars, { exchange: k.exchange, market: k.market, symbol: k.symbol, timeframe: k.timeframe });
  if (parts.length === 0) {
    throw new DataError('no cleaned bars for an instrument of the plan', { file, field: 'instrument', value: instrumentLabel(k) }, {
      hint: 'the plan names an instrument or timeframe that clean did not produce: rerun clean (extra_timeframes) or the plan',
    });
  }
  const withVolume = o.withVolume ?? true;
  const cols = await readPartitions(db, lakeRoot, TABLES.cleanBars, parts,
    withVolume ? ['ts_ms', 'open', 'close', 'volume', 'quote_volume'] : ['ts_ms', 'open'], { materialize: o.materialize ?? false });
  const ts = cols.ts_ms as Float64Array;
  const tfMs = timeframeMs(k.timeframe as Parameters<typeof timeframeMs>[0]);
  for (let i = 1; i < ts.length; i++) {
    if (ts[i]! - ts[i - 1]! !== tfMs) {
      throw new DataError(`bars are not a complete ${k.timeframe} grid: ${ts[i - 1]} is followed by ${ts[i]}`, { file, field: 'ts_ms', value: ts[i] }, {
        hint: 'cleaned bars fill every grid slot (is_missing = 1): rerun clean',
      });
    }
  }
  const none = new Float64Array(0);
  return {
    file, tfMs, ts_ms: ts, open: cols.open as Float64Array,
    close: withVolume ? (cols.close as Float64Array) : none,
    volume: withVolume ? (cols.volume as Float64Array) : none,
    quote_volume: withVolume ? (cols.quote_volume as Float64Array) : none,
  };
}

/**
 * Events of one instrument and timeframe whose name is in `names`, as bar indices on the grid of the bars
 * (ts0, tfMs) with their directions, each name in time order. An event off the grid, a direction other than +-1 or
 * the same event twice at one time is a DataError naming the instrument's events folder.
 * All monthly files are read in one query (a glob over the instrument's partition folders): two queries per
 * instrument instead of two per month.
 */
export async function loadEvents(
  db: LakeDb, lakeRoot: string, k: InstrumentKey, names: ReadonlySet<string>, ts0: number, tfMs: number,
): Promise<Map<string, EventSeries>> {
  return eventSeries(await readEventRows(db, lakeRoot, k), names, ts0, tfMs);
}

/** Every event row of one instrument and timeframe, as stored (undefined when it has no events partition). */
export interface EventRows {
  /** display path of the instrument's events folder */
  file: string;
  ts: Float64Array;
  event: DictColumn;
  direction: Int32Array;
}

/** The read half of `loadEvents`: all event rows of one instrument and timeframe, in one query. */
export async function readEventRows(db: LakeDb, lakeRoot: string, k: InstrumentKey): Promise<EventRows | undefined> {
  const file = hiveDir(EVENTS_TABLE.dir, k, true);
  const parts: FoundPartition[] = await listPartitions(lakeRoot, EVENTS_TABLE, {
    exchange: k.exchange, market: k.market, symbol: k.symbol, timeframe: k.timeframe,
  });
  if (parts.length === 0) return undefined;
  const glob = join(lakeRoot, EVENTS_TABLE.dir, `exchange=${k.exchange}`, `market=${k.market}`, `symbol=${k.symbol}`, `timeframe=${k.timeframe}`, 'month=*', PARTITION_FILE);
  const cols = await readTableFile(db, glob, [{ name: 'ts_ms', type: 'ts' }, { name: 'event', type: 'str' }, { name: 'direction', type: 'i32' }]);
  return { file, ts: cols.ts_ms as Float64Array, event: cols.event as DictColumn, direction: cols.direction as Int32Array };
}

/**
 * `readEventRows` of several instruments in ONE pair of queries (every instrument's glob in one read_parquet, each
 * row told apart by the instrument folder of its file) instead of two per instrument: per instrument the same rows
 * in the same order, their event names through one dictionary shared by all. An instrument with no events partition
 * maps to undefined, as `readEventRows` returns.
 * `names`: read only the rows of these events (what `eventSeries` of a subset of these names uses: it reads, checks
 * and orders no other row), in one query: the dictionary is these names (sorted), not a scan of the files for it.
 */
export async function readEventRowsOf(
  db: LakeDb, lakeRoot: string, keys: readonly InstrumentKey[], list: PartitionLister = listPartitions, names?: ReadonlySet<string>,
): Promise<Map<string, EventRows | undefined>> {
  const out = new Map<string, EventRows | undefined>();
  const found: { label: string; source: EventSource }[] = [];
  for (const k of keys) {
    const label = instrumentLabel(k);
    if (out.has(label)) continue;
    const parts = await list(lakeRoot, EVENTS_TABLE, { exchange: k.exchange, market: k.market, symbol: k.symbol, timeframe: k.timeframe });
    out.set(label, undefined);
    if (parts.length === 0) continue;
    const dir = join(lakeRoot, EVENTS_TABLE.dir, `exchange=${k.exchange}`, `market=${k.market}`, `symbol=${k.symbol}`, `timeframe=${k.timeframe}`);
    found.push({ label, source: { file: hiveDir(EVENTS_TABLE.dir, k, true), dir, paths: [join(dir, 'month=*', PARTITION_FILE)] } });
  }
  const rows = await readEventSources(db, found.map((f) => f.source), names);
  found.forEach((f, j) => out.set(f.label, rows[j]!));
  return out;
}

/** Where one instrument's event rows are: `paths` (files or globs) all inside the folder `dir`; `file` for messages. */
export interface EventSource {
  file: string;
  dir: string;
  paths: readonly string[];
}

/**
 * The event rows of several sources in one pair of queries (the distinct names, then the rows), each source's rows
 * in file order as a query of its own paths returns them. Each row's source is the folder its file lies in (the
 * sources' folders must not nest). `names`: only the rows of these events, in one query (the dictionary is the
 * sorted names; no scan for the distinct names).
 */
export async function readEventSources(db: LakeDb, sources: readonly EventSource[], names?: ReadonlySet<string>): Promise<EventRows[]> {
  if (sources.length === 0) return [];
  const src = `read_parquet([${sources.flatMap((s) => s.paths.map(sqlString)).join(', ')}], filename = true)`;
  const dict = names
    ? [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    : (await db.rows(`SELECT DISTINCT COALESCE(event, '') FROM ${src} ORDER BY 1`)).map((r) => String(r[0]));
  const list = `[${dict.map(sqlString).join(', ')}]::VARCHAR[]`;
  const which = `CASE ${sources.map((s, i) => `WHEN starts_with(filename, ${sqlString(s.dir + sep)}) THEN ${i}`).join(' ')} ELSE -1 END`;
  const cols = await queryColumns(db,
    `SELECT CAST(${which} AS INTEGER) AS source, ${readExpr('ts_ms', 'ts')}, ` +
      `CAST(list_position(${list}, COALESCE(event, '')) - 1 AS INTEGER) AS event, ${readExpr('direction', 'i32')} FROM ${src}` +
      (names ? (dict.length ? ` WHERE event IN (${dict.map(sqlString).join(', ')})` : ' WHERE false') : ''), // NULL: not a name
    [{ name: 'source', type: 'i32' }, { name: 'ts_ms', type: 'ts' }, { name: 'event', type: 'i32' }, { name: 'direction', type: 'i32' }]);
  const srcOf = cols.source as Int32Array;
  const counts = new Int32Array(sources.length);
  for (let i = 0; i < srcOf.length; i++) {
    const j = srcOf[i]!;
    if (j < 0) throw new QuantError(`an event row came from a file outside the folders read (${sources.map((s) => s.file).join(', ')})`, { hint: 'a bug: report it' });
    counts[j] = counts[j]! + 1;
  }
  const ts = cols.ts_ms as Float64Array;
  const ev = cols.event as Int32Array;
  const dir = cols.direction as Int32Array;
  const out: EventRows[] = sources.map((s, j) => ({ file: s.file, ts: new Float64Array(counts[j]!), event: { dict, idx: new Int32Array(counts[j]!) }, direction: new Int32Array(counts[j]!) }));
  const at = new Int32Array(sources.length);
  for (let i = 0; i < srcOf.length; i++) {
    const j = srcOf[i]!;
    const r = out[j]!;
    const k = at[j]!;
    at[j] = k + 1;
    r.ts[k] = ts[i]!;
    r.event.idx[k] = ev[i]!;
    r.direction[k] = dir[i]!;
  }
  return out;
}

/** The checking half of `loadEvents`: the series of the events named, on the grid (ts0, tfMs). Reads nothing. */
export function eventSeries(rows: EventRows | undefined, names: ReadonlySet<string>, ts0: number, tfMs: number): Map<string, EventSeries> {
  const out = new Map<string, EventSeries>();
  if (!rows) return out;
  const { file, ts, event: ev, direction: dir } = rows;
  const wanted = ev.dict.map((name) => names.has(name)); // per dictionary entry, not a string lookup per row
  const acc = new Map<number, number[]>(); // dictionary index -> row indices
  for (let i = 0; i < ts.length; i++) {
    const e = ev.idx[i]!;
    if (!wanted[e]) continue;
    if (dir[i] !== 1 && dir[i] !== -1) throw new DataError(`event ${ev.dict[e]}: direction must be +1 or -1`, { file, field: 'direction', value: dir[i] });
    let a = acc.get(e);
    if (!a) acc.set(e, (a = []));
    a.push(i);
  }
  for (const [e, rows] of acc) {
    const name = ev.dict[e]!;
    // by time, ties by row: rows already in that order (the files are written sorted) are left as they are
    if (!inTimeOrder(ts, rows)) rows.sort((x, y) => ts[x]! - ts[y]! || x - y);
    const t = new Float64Array(rows.length);
    const d = new Int8Array(rows.length);
    for (let k = 0; k < rows.length; k++) {
      t[k] = ts[rows[k]!]!;
      d[k] = dir[rows[k]!]!;
    }
    for (let i = 1; i < t.length; i++) {
      if (t[i] === t[i - 1]) {
        throw new DataError(`event ${name} occurs twice at the same bar`, { file, field: 'ts_ms', value: t[i] }, {
          hint: 'the events stage writes one row per event and bar: rerun it',
        });
      }
    }
    out.set(name, { t: eventBarIndices(t, ts0, tfMs, { file }), direction: d });
  }
  return out;
}

/** True when the times of `rows` (ascending row indices) never decrease (NaN: false, the sort decides). */
function inTimeOrder(ts: Float64Array, rows: readonly number[]): boolean {
  for (let k = 1; k < rows.length; k++) if (!(ts[rows[k - 1]!]! <= ts[rows[k]!]!)) return false;
  return rows.length === 0 || !Number.isNaN(ts[rows[0]!]!);
}

/** `listPartitions`, or a memo of it. */
export type PartitionLister = typeof listPartitions;

const listersOf = new WeakMap<object, PartitionLister>();

/**
 * `listPartitions` once per (root, table, filter) for the run whose context this is: the shard listing, the bars and
 * the events of an instrument each list the same partitions (manifests read and parsed) otherwise. A stage's inputs
 * do not change while it runs, so a memo is what a new listing would return; callers only read the partitions.
 */
export function runPartitionLister(ctx: object): PartitionLister {
  let l = listersOf.get(ctx);
  if (!l) {
    const memo = new Map<string, Promise<FoundPartition[]>>();
    l = (root, table, filter = {}) => {
      const key = JSON.stringify([root, table.dir, Object.entries(filter).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
      let p = memo.get(key);
      if (!p) memo.set(key, (p = listPartitions(root, table, filter)));
      return p;
    };
    listersOf.set(ctx, l);
  }
  return l;
}

/**
 * `use` of each item in order, item i + 1 read (`load`) while item i is used: the read must be a materialized query
 * (loadBars `materialize`: DuckDB runs it on its threads before the first chunk is fetched) and `use` synchronous JS
 * that needs no connection, so one connection still runs one query at a time. A read that fails while the run is on
 * another item is handled where it is awaited (never an unhandled rejection, which would end the process instead of
 * the located error); none is left running when this returns or throws. `stop` is asked before each use: true ends
 * the walk (returns false).
 */
export async function eachReadAhead<G, L>(
  items: readonly G[], load: (g: G) => Promise<L>, use: (g: G, loaded: L) => void, stop: () => boolean = () => false,
): Promise<boolean> {
  const ahead = (i: number): Promise<L> | undefined => {
    if (i >= items.length) return undefined;
    const p = load(items[i]!);
    p.catch(() => undefined);
    return p;
  };
  let next = ahead(0);
  try {
    for (let i = 0; i < items.length; i++) {
      const current = await next!;
      next = ahead(i + 1);
      // `load` awaits the partition listing before it sends its query: let it get that far (the microtasks run)
      // before `use` holds the thread, or the query would only start after it (no overlap at all)
      if (next) await new Promise<void>((resolve) => setImmediate(resolve));
      if (stop()) return false;
      use(items[i]!, current);
    }
    return true;
  } finally {
    await next?.catch(() => undefined);
  }
}

/** Cleaned funding settlements of one instrument (ts ascending), or undefined when it has none. */
export async function loadFunding(db: LakeDb, lakeRoot: string, k: InstrumentKey): Promise<{ series: FundingSeries | undefined; file: string }> {
  const file = hiveDir(TABLES.cleanFunding.dir, k, false);
  const parts = await listPartitions(lakeRoot, TABLES.cleanFunding, { exchange: k.exchange, market: k.market, symbol: k.symbol });
  if (parts.length === 0) return { series: undefined, file };
  const c = await readPartitions(db, lakeRoot, TABLES.cleanFunding, parts, ['ts_ms', 'funding_rate', 'interval_hours']);
  return {
    series: { ts_ms: c.ts_ms as Float64Array, funding_rate: c.funding_rate as Float64Array, interval_hours: c.interval_hours as Float64Array },
    file,
  };
}
