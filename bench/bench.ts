#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, totalmem, tmpdir, platform } from 'node:os';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../lib/stage/main.js';
import { writeJsonAtomic } from '../lib/fsx.js';
import { REAL_DATASET_DIR, realDataset, realDatasetPath, syntheticDataset, type BenchDataset } from './datasets.js';
import { runAll } from './pipeline_run.js';
import { loadCloses, parquetCopyPass, yardsticks } from './yardstick.js';
import { formatBench, formatDataset, TARGETS, type BenchFigures, type DatasetFigures } from './report.js';

/**
 * npm run bench [-- --datasets real,synthetic-50] [--quick] [--real_path DIR] [--out FILE] [--keep]
 * Prints figures (never pass/fail) for the whole pipeline on the real 5m dataset and on synthetic markets of
 * 10/25/50 symbols x 2 years: per stage its time beside a plain DuckDB pass over the same inputs and outputs
 * (the yardstick), the ratio, rows/s and peak RSS, and the no-op rerun. Written as JSON to
 * data/reports/bench/<date>.json (or --out). --quick: the real dataset and 10 symbols.
 */
const DATASET_IDS = ['real', 'synthetic-10', 'synthetic-25', 'synthetic-50'] as const;
const argv = yargs(hideBin(process.argv))
  .scriptName('npm run bench --')
  .option('datasets', { type: 'string', describe: `comma-separated, of ${DATASET_IDS.join(', ')} (default: all; --quick: real,synthetic-10)` })
  .option('quick', { type: 'boolean', default: false, describe: 'only the real dataset and a 10-symbol synthetic market' })
  .option('real_path', { type: 'string', describe: `the real dataset folder (default: ../shared/data/real/${REAL_DATASET_DIR} beside the repo, or one level further up)` })
  .option('yardstick', { type: 'boolean', default: true, describe: 'time the per-stage DuckDB yardstick after each cold run (--no-yardstick: skip it)' })
  .option('out', { type: 'string', describe: 'JSON file to write (default: <data_dir>/reports/bench/<date>.json)' })
  .option('keep', { type: 'boolean', default: false, describe: 'keep the temp data dirs (their path is printed)' })
  .strict()
  .fail((msg, err) => {
    process.stderr.write(`bench: ${msg ?? err?.message ?? 'bad arguments'} (npm run bench -- --help)\n`);
    process.exit(2);
  })
  .parseSync();
const picked = argv.datasets ? argv.datasets.split(',').map((x) => x.trim()).filter(Boolean) : argv.quick ? ['real', 'synthetic-10'] : [...DATASET_IDS];
for (const id of picked) {
  if (!(DATASET_IDS as readonly string[]).includes(id)) {
    process.stderr.write(`bench: --datasets ${argv.datasets}: unknown dataset "${id}"; choose from ${DATASET_IDS.join(', ')}\n`);
    process.exit(2);
  }
}

const runAllJs = join(PROJECT_ROOT, 'dist', 'orchestrator', 'run_all.js');
if (!existsSync(runAllJs)) {
  process.stderr.write(`bench: ${runAllJs} not found; run npm run build first\n`);
  process.exit(2);
}

const datasets: (BenchDataset & { symbols?: number })[] = [];
const skipped: string[] = [];
if (picked.includes('real')) {
  const realPath = argv.real_path ? resolve(argv.real_path) : realDatasetPath(PROJECT_ROOT);
  if (existsSync(realPath)) datasets.push(realDataset(realPath));
  else skipped.push(`real dataset: ${realPath} not found (it lives beside the repo, in ../shared/data/real; --real_path names it)`);
}
for (const nSym of [10, 25, 50]) {
  if (picked.includes(`synthetic-${nSym}`)) datasets.push({ ...syntheticDataset(nSym, argv.quick || nSym === 50), symbols: nSym });
}

const loadStart = loadavg();
const work = await mkdtemp(join(tmpdir(), 'quantlab-bench-'));
const results: DatasetFigures[] = [];
for (const d of datasets) {
  process.stderr.write(`bench: ${d.label} ...\n`);
  results.push(await measure(d));
  process.stderr.write(formatDataset(results[results.length - 1]!).join('\n') + '\n');
}
if (!argv.keep) await rm(work, { recursive: true, force: true });
else process.stderr.write(`bench: data kept in ${work}\n`);

const now = new Date();
const figures: BenchFigures = {
  version: 1,
  date: now.toISOString(),
  quick: argv.quick,
  machine: { node: process.version, cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', mem_gb: Math.round(totalmem() / 2 ** 30), platform: `${platform()} ${process.arch}`,
    loadavg_start: loadStart, loadavg_end: loadavg() },
  commit: await commit(),
  targets: TARGETS,
  datasets: results,
  skipped,
};
const outFile = argv.out ? resolve(argv.out) : join(resolve(process.env.QUANTLAB_DATA_DIR ?? join(PROJECT_ROOT, 'data')), 'reports', 'bench', `${now.toISOString().slice(0, 10)}${argv.quick ? '-quick' : ''}.json`);
await writeJsonAtomic(outFile, figures);
process.stdout.write(formatBench(figures) + `figures written to ${outFile}\n`);

async function measure(d: BenchDataset & { symbols?: number }): Promise<DatasetFigures> {
  const dataDir = join(work, d.id);
  const log = join(work, `${d.id}.log`);
  const out: DatasetFigures = { id: d.id, label: d.label, ...(d.symbols !== undefined ? { symbols: d.symbols } : {}) };
  try {
    out.cold = await runAll(PROJECT_ROOT, dataDir, d.args, 'bench-cold', log);
    if (out.cold.status !== 'ok') throw new Error(`cold run ${out.cold.status}; stage logs in ${log}`);
    if (argv.yardstick) out.yardstick = await yardsticks(dataDir, out.cold, join(work, `${d.id}-yardstick`));
    if (d.full) {
      out.noop = await runAll(PROJECT_ROOT, dataDir, d.args, 'bench-noop', log);
      out.copy = await parquetCopyPass(join(dataDir, 'lake'), join(work, `${d.id}-copy`));
      out.load = await loadCloses(join(dataDir, 'lake'));
    }
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e);
  } finally {
    if (!argv.keep) {
      await rm(dataDir, { recursive: true, force: true });
      await rm(join(work, `${d.id}-copy`), { recursive: true, force: true });
    }
  }
  return out;
}

async function commit(): Promise<string> {
  const r = await execa('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, reject: false });
  return r.exitCode === 0 ? String(r.stdout).trim() : 'unknown';
}
