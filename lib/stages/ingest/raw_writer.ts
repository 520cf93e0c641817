import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { sha256File } from '../../hash.js';
import { LakeDb, TABLES, writeMonthlyPartitions, type TableSchema, type ColumnSet, type PartitionManifest } from '../../lake/index.js';
import type { AggTradeColumns } from '../../ingest/binance_vision/agg_trades.js';
import { writeJsonAtomic } from '../../fsx.js';
import { OPEN_INTEREST_EXTRAS, type InstrumentKey, type BarColumns, type FundingColumns, type OpenInterestColumns, type MarketCapColumns } from '../../market.js';

/** Where each row came from: files[file_idx[i]] at line[i] (0 for generated or API rows). */
export interface RowOrigins {
  files: string[];
  file_idx: Int32Array;
  line: Int32Array;
}

export function singleOrigin(file: string, n: number, lines?: Int32Array): RowOrigins {
  return { files: [file], file_idx: new Int32Array(n), line: lines ?? new Int32Array(n) };
}

/** One record per source file or generated series, as kept in lake/raw/_provenance.json. */
export interface ProvenanceEntry {
  table: string;
  instrument: string;
  file: string;
  sha256?: string;
  bytes?: number;
  rows: number;
  /** Rows the file holds when the ingest window kept fewer (`rows`). */
  rows_in_file?: number;
  first_ts_ms?: number;
  last_ts_ms?: number;
}

/** Writes raw tables one instrument at a time (memory stays flat) and collects provenance and row counts. */
export class RawWriter {
  constructor(
    private readonly db: LakeDb,
    /** The lake root in staging (its raw/ folder is the stage output). */
    private readonly lakeRoot: string,
    readonly entries: ProvenanceEntry[] = [],
    readonly rows: Record<string, number> = {},
  ) {}

  /** The same writer (shared provenance and counts) on another connection, for concurrent instruments. */
  on(db: LakeDb): RawWriter {
    return new RawWriter(db, this.lakeRoot, this.entries, this.rows);
  }

  async bars(table: 'rawKlines' | 'rawMarkKlines', key: InstrumentKey, interval: string, b: BarColumns, o: RowOrigins): Promise<void> {
    await this.write(TABLES[table], { ...key, interval }, { ...b, ...origins(o) });
  }

  async funding(key: InstrumentKey, f: FundingColumns, o: RowOrigins): Promise<void> {
    await this.write(TABLES.rawFunding, { ...key }, { ...f, ...origins(o) });
  }

  /** Companion metrics the source lacks (ccxt, synthetic) are written as NULL. */
  async openInterest(key: InstrumentKey, oi: OpenInterestColumns, o: RowOrigins): Promise<void> {
    const n = oi.ts_ms.length;
    const extras = Object.fromEntries(OPEN_INTEREST_EXTRAS.map((k) => [k, oi[k] ?? new Float64Array(n).fill(NaN)]));
    await this.write(TABLES.rawOpenInterest, { ...key }, { ...oi, ...extras, ...origins(o) });
  }

  /** One source file's trades (Binance Vision aggTrades), into raw/agg_trades day partitions. Returns the days written. */
  async aggTrades(key: InstrumentKey, t: AggTradeColumns, o: RowOrigins): Promise<string[]> {
    const parts = await this.write(TABLES.rawAggTrades, { ...key }, { ...t, ...origins(o) });
    return parts.map((p) => p.file.split('/').find((s) => s.startsWith('day='))!.slice(4));
  }

  async marketCap(key: InstrumentKey, mc: MarketCapColumns, o: RowOrigins): Promise<void> {
    await this.write(TABLES.rawMarketCap, { ...key }, { ...mc, ...origins(o) });
  }

  record(e: ProvenanceEntry): void {
    this.entries.push(e);
  }

  /** Record a source file read from disk, with its sha256 and size. */
  async recordFile(path: string, e: Omit<ProvenanceEntry, 'sha256' | 'bytes'>): Promise<void> {
    this.record({ ...e, sha256: await sha256File(path), bytes: (await stat(path)).size });
  }

  private async write(table: TableSchema, keys: Record<string, string>, data: ColumnSet): Promise<PartitionManifest[]> {
    const parts = await writeMonthlyPartitions(this.db, this.lakeRoot, table, keys, data, { tieBreak: ['src_file', 'src_line'] });
    this.rows[table.dir] = (this.rows[table.dir] ?? 0) + parts.reduce((s, p) => s + p.rows, 0);
    return parts;
  }

  async writeProvenance(meta: Record<string, unknown>): Promise<void> {
    const entries = [...this.entries].sort((a, b) => (a.table + a.instrument + a.file).localeCompare(b.table + b.instrument + b.file));
    const rows = Object.fromEntries(Object.entries(this.rows).sort(([a], [b]) => a.localeCompare(b)));
    await writeJsonAtomic(join(this.lakeRoot, 'raw', '_provenance.json'), { ...meta, rows, entries });
  }
}

function origins(o: RowOrigins): ColumnSet {
  return { src_file: { dict: o.files, idx: o.file_idx }, src_line: o.line };
}
