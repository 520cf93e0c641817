#!/usr/bin/env node
/**
 * Planted-edge recovery over several seeds (lib/research/planted.ts): for each seed, the whole pipeline up to bridge
 * on the synthetic market with and without planted edges; prints per-seed and pooled figures as JSON and writes them
 * to data/reports/bench/planted_edges.json.
 *   node dist/bench/planted_edges.js [--seeds 1,2,3] [--symbols 6] [--days 365]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runPlantedSeed, type PlantedSeedReport } from '../lib/research/planted.js';
import { PROJECT_ROOT } from '../lib/stage/main.js';
import { writeJsonAtomic } from '../lib/fsx.js';

const argv = await yargs(hideBin(process.argv))
  .option('seeds', { type: 'string', default: '1,2,3' })
  .option('symbols', { type: 'number', default: 6 })
  .option('days', { type: 'number', default: 365 })
  .option('out', { type: 'string', default: join('data', 'reports', 'bench', 'planted_edges.json') })
  .strict().parseAsync();

const start = Date.UTC(2024, 0, 1);
const work = await mkdtemp(join(tmpdir(), 'quantlab-planted-'));
const reports: PlantedSeedReport[] = [];
try {
  for (const seed of argv.seeds.split(',').map(Number)) {
    const r = await runPlantedSeed({ seed, n_symbols: argv.symbols, start_ms: start, end_ms: start + argv.days * 86_400_000, workDir: work, projectRoot: PROJECT_ROOT });
    reports.push(r);
    const w = r.with_edges;
    process.stderr.write(
      `seed ${seed}: discovery ${w.discovery_survivors} survivors (${w.discovery_true} true, FDP ${w.discovery_fdp.toFixed(3)}), ` +
      `bridge ${w.bridge_survivors} (${w.bridge_true} true, FDP ${w.bridge_fdp.toFixed(3)}); recovered ${w.recovered_discovery}/${w.planted_pairs} ` +
      `(bridge ${w.recovered_bridge}); without edges: ${r.without_edges.discovery} discovery, ${r.without_edges.bridge} bridge survivors ` +
      `of ${r.without_edges.candidates}; ${r.seconds.toFixed(1)} s\n`,
    );
    await rm(join(work, `seed${seed}-edges`), { recursive: true, force: true });
    await rm(join(work, `seed${seed}-none`), { recursive: true, force: true });
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
const sum = (f: (r: PlantedSeedReport) => number) => reports.reduce((s, r) => s + f(r), 0);
const pooled = {
  seeds: reports.map((r) => r.seed), symbols: argv.symbols, days: argv.days,
  discovery_survivors: sum((r) => r.with_edges.discovery_survivors), discovery_true: sum((r) => r.with_edges.discovery_true),
  bridge_survivors: sum((r) => r.with_edges.bridge_survivors), bridge_true: sum((r) => r.with_edges.bridge_true),
  planted_pairs: sum((r) => r.with_edges.planted_pairs), recovered_discovery: sum((r) => r.with_edges.recovered_discovery),
  recovered_bridge: sum((r) => r.with_edges.recovered_bridge),
  null_candidates: sum((r) => r.without_edges.candidates), null_discovery_survivors: sum((r) => r.without_edges.discovery),
  null_bridge_survivors: sum((r) => r.without_edges.bridge),
};
const out = { pooled: { ...pooled, discovery_fdp: ratio(pooled.discovery_survivors - pooled.discovery_true, pooled.discovery_survivors), bridge_fdp: ratio(pooled.bridge_survivors - pooled.bridge_true, pooled.bridge_survivors) }, seeds: reports };
await writeJsonAtomic(argv.out, out);
process.stdout.write(JSON.stringify(out.pooled, null, 2) + '\n');

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}
