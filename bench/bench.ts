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
import { realDataset, realDatasetPath, syntheticDataset, type BenchDataset } from './datasets.js';
import { runAll } from './pipeline_run.js';
import { loadCloses, parquetCopyPass } from './yardstick.js';
import { formatBench, formatDataset, TARGETS, type BenchFigures, type DatasetFigures } from './report.js';

/**
 * npm run bench [-- --quick] [--keep]
 * Prints figures (never pass/fail) for the whole pipeline on the real 5m dataset and on synthetic markets of 10/25/50
 * symbols x 2 years, and writes them to data/reports/bench/<date>.json. --quick: the real dataset and 10 symbols.
 */
const argv = yargs(hideBin(process.argv))
  .scriptName('npm run bench --')
  .option('quick', { type: 'boolean', default: false, describe: 'only the real dataset and a 10-symbol synthetic market' })
  .option('keep', { type: 'boolean', default: false, describe: 'keep the temp data dirs (their path is printed)' })
  .strict()
  .parseSync();

const runAllJs = join(PROJECT_ROOT, 'dist', 'orchestrator', 'run_all.js');
if (!existsSync(runAllJs)) {
  process.stderr.write(`bench: ${runAllJs} not found; run npm run build first\n`);
  process.exit(2);
}

const datasets: (BenchDataset & { symbols?: number })[] = [];
const skipped: string[] = [];
const realPath = realDatasetPath(PROJECT_ROOT);
if (existsSync(realPath)) datasets.push(realDataset(realPath));
else skipped.push(`real dataset: ${realPath} not found (it lives beside the repo, in ../shared/data/real)`);
for (const nSym of argv.quick ? [10] : [10, 25, 50]) {
  datasets.push({ ...syntheticDataset(nSym, argv.quick || nSym === 50), symbols: nSym });
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
const outFile = join(resolve(process.env.QUANTLAB_DATA_DIR ?? join(PROJECT_ROOT, 'data')), 'reports', 'bench', `${now.toISOString().slice(0, 10)}${argv.quick ? '-quick' : ''}.json`);
await writeJsonAtomic(outFile, figures);
process.stdout.write(formatBench(figures) + `figures written to ${outFile}\n`);

async function measure(d: BenchDataset & { symbols?: number }): Promise<DatasetFigures> {
  const dataDir = join(work, d.id);
  const log = join(work, `${d.id}.log`);
  const out: DatasetFigures = { id: d.id, label: d.label, ...(d.symbols !== undefined ? { symbols: d.symbols } : {}) };
  try {
    out.cold = await runAll(PROJECT_ROOT, dataDir, d.args, 'bench-cold', log);
    if (out.cold.status !== 'ok') throw new Error(`cold run ${out.cold.status}; stage logs in ${log}`);
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
