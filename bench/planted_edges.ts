#!/usr/bin/env node
/**
 * Planted-edge recovery over several seeds (lib/research/planted.ts, figures: lib/research/planted_bench.ts): for each
 * seed, the whole pipeline up to bridge on the synthetic market with the planted edges and on the same market without
 * them (the null market). Reports per planted edge the recall (per-symbol discovery and bridge) and the seeds on which
 * a true pooled survivor (concept pooling: universe) targets it, per event family the false discovery proportion, and
 * the null markets' passes. Prints Markdown tables, writes the JSON (figures and per-seed reports) to --out.
 *   node dist/bench/planted_edges.js [--seeds 1,2,3] [--null-seeds 4,5] [--symbols 6] [--days 120]
 *        [--walkforward] [--strength capitulation_reversal=60,funding_extreme_fade=50,breakout_momentum=50,negative_funding_squeeze=80,down_shock_reversal=70]
 * Every planted edge is on at its documented size unless --strength says otherwise (0 turns one off). Bad flags: a
 * located message and exit 2 (usage) or 3 (invalid value).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runNullSeed, runPlantedSeed, type NullSeedReport, type PlantedSeedReport } from '../lib/research/planted.js';
import { benchFigures, benchMarkdown, parseStrengths } from '../lib/research/planted_bench.js';
import { PROJECT_ROOT } from '../lib/stage/main.js';
import { writeJsonAtomic } from '../lib/fsx.js';
import { QuantError, UsageError, exitCodeOf } from '../lib/errors.js';

try {
  const argv = await yargs(hideBin(process.argv))
    .option('seeds', { type: 'string', default: '1,2,3', describe: 'generator seeds, comma-separated' })
    .option('null-seeds', { type: 'string', default: '', describe: 'more seeds run as null markets only (no edge planted, up to bridge), comma-separated' })
    .option('symbols', { type: 'number', default: 6, describe: 'symbols per market (1..999)' })
    .option('days', { type: 'number', default: 120, describe: 'days of 5m bars from 2024-01-01' })
    .option('strength', { type: 'string', describe: 'planted edge sizes in bps: edge=bps,... (0 = off); unnamed edges keep their documented size' })
    .option('walkforward', { type: 'boolean', default: false, describe: 'run on through the walk-forward: out-of-sample book, naive and clustered DSR on both markets' })
    .option('out', { type: 'string', default: join('data', 'reports', 'bench', 'planted_edges.json') })
    .strict().parseAsync();
  const seedList = (text: string, flag: string) => (text.trim() === '' ? [] : text.split(',').map((s, i) => {
    const v = Number(s);
    if (s.trim() === '' || !Number.isSafeInteger(v)) throw new UsageError(`${flag} item ${i + 1}: must be an integer, was ${JSON.stringify(s)}`);
    return v;
  }));
  const seeds = seedList(argv.seeds, '--seeds');
  const nullSeeds = seedList(argv['null-seeds'], '--null-seeds');
  if (!Number.isInteger(argv.days) || argv.days < 30) throw new UsageError(`--days: must be an integer >= 30 (the events need 288-bar windows and discovery 30 events), was ${argv.days}`);
  if (!Number.isInteger(argv.symbols) || argv.symbols < 1 || argv.symbols > 999) throw new UsageError(`--symbols: must be an integer in 1..999, was ${argv.symbols}`);
  const strengths = parseStrengths(argv.strength);

  const start = Date.UTC(2024, 0, 1);
  const work = await mkdtemp(join(tmpdir(), 'quantlab-planted-'));
  const reports: PlantedSeedReport[] = [];
  const nullReports: NullSeedReport[] = [];
  try {
    for (const seed of seeds) {
      const r = await runPlantedSeed({
        seed, n_symbols: argv.symbols, start_ms: start, end_ms: start + argv.days * 86_400_000, workDir: work, projectRoot: PROJECT_ROOT,
        edge_strength_bps: strengths, walkforward: argv.walkforward,
      });
      reports.push(r);
      const w = r.with_edges;
      process.stderr.write(
        `seed ${seed}: discovery ${w.discovery_survivors} survivors (${w.discovery_true} true, FDP ${w.discovery_fdp.toFixed(3)}), ` +
        `bridge ${w.bridge_survivors} (${w.bridge_true} true); recovered ${Object.entries(w.recovered_by_edge).map(([id, x]) => `${id} ${x.discovery}/${x.planted}`).join(', ')}; ` +
        `null market: ${r.without_edges.discovery} discovery, ${r.without_edges.bridge} bridge passes of ${r.without_edges.candidates}` +
        (r.walkforward ? `; clustered DSR planted ${r.walkforward.with_edges.dsr_clustered.toFixed(3)} (naive ${r.walkforward.with_edges.dsr.toFixed(3)}), null ${r.walkforward.without_edges.dsr_clustered.toFixed(3)}` : '') +
        `; ${r.seconds.toFixed(1)} s\n`,
      );
      await rm(join(work, `seed${seed}-edges`), { recursive: true, force: true });
      await rm(join(work, `seed${seed}-none`), { recursive: true, force: true });
    }
    for (const seed of nullSeeds) {
      const r = await runNullSeed({ seed, n_symbols: argv.symbols, start_ms: start, end_ms: start + argv.days * 86_400_000, workDir: work, projectRoot: PROJECT_ROOT, edge_strength_bps: strengths });
      nullReports.push(r);
      process.stderr.write(`null seed ${seed}: ${r.without_edges.discovery} discovery, ${r.without_edges.bridge} bridge passes of ${r.without_edges.candidates}; ${r.seconds.toFixed(1)} s\n`);
      await rm(join(work, `seed${seed}-none`), { recursive: true, force: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const figures = benchFigures(reports, { symbols: argv.symbols, days: argv.days, strengths }, nullReports);
  await writeJsonAtomic(argv.out, { figures, seeds: reports, null_seeds: nullReports });
  process.stdout.write(benchMarkdown(figures));
} catch (err) {
  process.stderr.write(`${err instanceof QuantError ? err.describe() : String((err as Error)?.stack ?? err)}\n`);
  process.exitCode = exitCodeOf(err);
}
