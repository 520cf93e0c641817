import type { RunFigures } from './pipeline_run.js';
import type { CopyFigures, LoadFigures, StageVsYardstick } from './yardstick.js';

/** The figures the issue asks for, printed beside what was measured (the bench never passes or fails). */
export const TARGETS = {
  /** issue 4: the whole pipeline (ingest to report) on the real 5m perp dataset, cold */
  real_cold_s: 30,
  /** issue 4: ... and within this multiple of one plain Parquet read + write pass of its cleaned lake */
  real_vs_yardstick_x: 5,
  /** issue 12: a rerun that changes nothing, every stage declared (was 0.5 in issue 4) */
  noop_s: 0.3,
  /** issue 4: 50 symbols x 2 years of 5m bars end to end */
  synthetic_50_cold_s: 180,
  synthetic_50_rss_mb: 2048,
  load_10m_bars_s: 1,
} as const;

export interface DatasetFigures {
  id: string;
  label: string;
  symbols?: number;
  cold?: RunFigures;
  noop?: RunFigures;
  copy?: CopyFigures;
  load?: LoadFigures;
  /** each stage that ran cold beside a plain DuckDB pass over its inputs and outputs (bench/yardstick.ts) */
  yardstick?: StageVsYardstick[];
  error?: string;
}

export interface BenchFigures {
  version: 1;
  date: string;
  quick: boolean;
  machine: { node: string; cpus: number; cpu_model: string; mem_gb: number; platform: string; loadavg_start: number[]; loadavg_end: number[] };
  commit: string;
  targets: typeof TARGETS;
  datasets: DatasetFigures[];
  skipped: string[];
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const n = (x: number) => x.toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

function target(ms: number, limitS: number | undefined): string {
  if (limitS === undefined) return '';
  return `   [target < ${limitS} s: ${ms / 1000 < limitS ? 'within' : `${(ms / 1000 / limitS).toFixed(1)}x over`}]`;
}

function coldLines(d: DatasetFigures): string[] {
  const c = d.cold!;
  const limit = d.id === 'real' ? TARGETS.real_cold_s : d.id === 'synthetic-50' ? TARGETS.synthetic_50_cold_s : undefined;
  const inStage = c.stages.reduce((t, x) => t + (x.duration_ms ?? 0), 0);
  const lines = [`  cold, whole pipeline   ${s(c.wall_ms).padStart(9)} wall (run_all process; ${s(inStage)} inside the stages)${target(c.wall_ms, limit)}   status ${c.status}`];
  for (const st of c.stages) {
    const rows = Object.entries(st.rows).map(([k, v]) => `${k} ${n(v)}`).join(', ');
    lines.push(
      `    ${st.stage.padEnd(11)} ${st.duration_ms === null ? '     -   ' : s(st.duration_ms).padStart(9)} in stage, ${s(st.wall_ms).padStart(9)} with process start` +
        `   peak RSS ${st.peak_rss_mb === null ? '-' : `${st.peak_rss_mb} MB`}${rows ? `   rows: ${rows}` : ''}`,
    );
  }
  if (d.id === 'synthetic-50') {
    const peak = Math.max(...c.stages.map((x) => x.peak_rss_mb ?? 0));
    lines.push(`    peak RSS of any stage: ${peak} MB   [target < ${TARGETS.synthetic_50_rss_mb} MB: ${peak < TARGETS.synthetic_50_rss_mb ? 'within' : 'over'}]`);
  }
  return lines;
}

const compact = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e4 ? `${(x / 1e3).toFixed(0)}k` : String(x));

/**
 * The per-stage table: stage time (in process, and with process start as the orchestrator saw it), the DuckDB pass
 * over the same inputs and outputs, their ratio, rows, rows/s, peak RSS of the stage process; then the no-op rerun.
 */
export function formatYardstick(d: DatasetFigures): string[] {
  const y = d.yardstick;
  if (!y?.length) return [];
  const head = `  ${'stage'.padEnd(12)}${'in stage'.padStart(9)}${'wall'.padStart(9)}${'DuckDB'.padStart(9)}${'ratio'.padStart(8)}` +
    `${'rows in'.padStart(10)}${'rows out'.padStart(10)}${'rows/s'.padStart(10)}${'peak RSS'.padStart(10)}`;
  const sec = (ms: number) => (ms / 1000).toFixed(2).padStart(9);
  const body = y.map((r) =>
    `  ${r.stage.padEnd(12)}${sec(r.stage_ms)}${sec(r.wall_ms)}${sec(r.duckdb_ms)}${(r.ratio === null ? '-' : `${r.ratio.toFixed(1)}x`).padStart(8)}` +
      `${compact(r.rows_in).padStart(10)}${compact(r.rows_out).padStart(10)}${(r.rows_per_s === null ? '-' : compact(r.rows_per_s)).padStart(10)}` +
      `${(r.peak_rss_mb === null ? '-' : `${r.peak_rss_mb} MB`).padStart(10)}`,
  );
  const tot = (f: (r: StageVsYardstick) => number) => y.reduce((t, r) => t + f(r), 0);
  const total = `  ${'total'.padEnd(12)}${sec(tot((r) => r.stage_ms))}${sec(tot((r) => r.wall_ms))}${sec(tot((r) => r.duckdb_ms))}` +
    `${`${(tot((r) => r.wall_ms) / Math.max(1, tot((r) => r.duckdb_ms))).toFixed(1)}x`.padStart(8)}`;
  const cpu = d.noop?.cpu_ms != null ? `, ${(d.noop.cpu_ms / 1000).toFixed(2)} s CPU, ${d.noop.rss_mb} MB peak RSS` : '';
  const noop = d.noop ? [`  ${'noop'.padEnd(12)}${''.padStart(9)}${sec(d.noop.wall_ms)}   (whole no-op rerun: run_all process start to exit${cpu})`] : [];
  return [
    '  per stage (s) beside the yardstick: DuckDB alone reading the stage\'s inputs and writing outputs of the same shape',
    head, ...body, total, ...noop,
  ];
}

export function formatDataset(d: DatasetFigures): string[] {
  const lines = [d.label];
  if (d.error) lines.push(`  error: ${d.error}`);
  if (d.cold) lines.push(...coldLines(d));
  lines.push(...formatYardstick(d));
  if (d.noop) {
    const outcomes = d.noop.stages.map((x) => `${x.stage} ${x.outcome}`).join(', ');
    lines.push(`  no-op rerun            ${s(d.noop.wall_ms).padStart(9)} wall (${outcomes})${target(d.noop.wall_ms, TARGETS.noop_s)}`);
  }
  if (d.copy) {
    lines.push(
      `  yardstick: DuckDB Parquet read+write (zstd) of the cleaned lake (${n(d.copy.files)} files, ${n(d.copy.rows)} rows, ${mb(d.copy.bytes_in)}): ` +
        `${s(d.copy.per_file_ms)} file by file, ${s(d.copy.one_file_ms)} as one query into one file`,
    );
    if (d.cold) {
      const x = d.cold.wall_ms / Math.min(d.copy.per_file_ms, d.copy.one_file_ms);
      lines.push(`  whole pipeline / yardstick (faster of the two): ${x.toFixed(1)}x   [target <= ${TARGETS.real_vs_yardstick_x}x: ${x <= TARGETS.real_vs_yardstick_x ? 'within' : 'over'}]`);
    }
  }
  if (d.load) {
    const scaled = (d.load.per_instrument_ms * 10.5e6) / Math.max(1, d.load.rows);
    lines.push(
      `  load ts_ms+close of cleaned 5m bars (readPartitions): ${n(d.load.rows)} rows of ${d.load.instruments} instruments in ${s(d.load.per_instrument_ms)} ` +
        `one call per instrument, ${s(d.load.one_query_ms)} in one call   [target 10.5M bars < ${TARGETS.load_10m_bars_s} s; ` +
        `${d.load.rows >= 10e6 ? 'measured' : `scaled linearly: ${s(scaled)}`}]`,
    );
  }
  return lines;
}

/** Peak RSS per stage against market size: flat means memory does not grow with the number of symbols. */
export function formatMemoryTable(ds: readonly DatasetFigures[]): string[] {
  const rows = ds.filter((d) => d.symbols !== undefined && d.cold);
  if (rows.length < 2) return [];
  const stages = [...new Set(rows.flatMap((d) => d.cold!.stages.map((x) => x.stage)))];
  const head = `  ${'symbols'.padEnd(8)}${'bars'.padStart(8)}  ${stages.map((x) => `${x} RSS`.padStart(12)).join('')}  ${'pipeline wall'.padStart(18)}`;
  const body = rows.map((d) => {
    const bars = d.cold!.stages.find((x) => x.stage === 'ingest')?.rows['raw/klines'] ?? 0;
    const rss = stages.map((st) => {
      const v = d.cold!.stages.find((x) => x.stage === st)?.peak_rss_mb;
      return (v === null || v === undefined ? '-' : `${v} MB`).padStart(12);
    });
    return `  ${String(d.symbols).padEnd(8)}${`${(bars / 1e6).toFixed(2)}M`.padStart(8)}  ${rss.join('')}  ${s(d.cold!.wall_ms).padStart(18)}`;
  });
  return ['memory flatness (peak RSS per stage process by market size):', head, ...body];
}

export function formatBench(f: BenchFigures): string {
  const m = f.machine;
  const out = [
    `quantlab bench ${f.date}${f.quick ? ' (--quick)' : ''}: node ${m.node}, ${m.cpus} x ${m.cpu_model}, ${m.mem_gb} GB, ${m.platform}, commit ${f.commit.slice(0, 10)}`,
    `load average (1 min) ${m.loadavg_start[0]!.toFixed(2)} at start, ${m.loadavg_end[0]!.toFixed(2)} at end${m.loadavg_start[0]! > m.cpus / 2 ? ': the machine was busy, figures are slower than on an idle one' : ''}`,
    '',
  ];
  for (const d of f.datasets) out.push(...formatDataset(d), '');
  const mem = formatMemoryTable(f.datasets);
  if (mem.length) out.push(...mem, '');
  for (const sk of f.skipped) out.push(`skipped: ${sk}`);
  return out.join('\n') + '\n';
}
