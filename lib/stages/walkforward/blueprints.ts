/**
 * Reading research/blueprints for the walk-forward stage: every line validated against the Blueprint schema and
 * the features/events the lake provides, and every blueprint's cost digest checked against the current cost
 * config. A blueprint found under a config that is cheaper in ANY component than the current one is refused (its
 * edge was measured with costs we no longer believe); one found under a stricter config is allowed and recorded.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../../errors.js';
import { compareCosts, type CostComparison } from '../../costs/compare.js';
import { costDigest, resolveCosts } from '../../costs/digest.js';
import type { CostConfig } from '../../costs/schema.js';
import { validateBlueprint, type Blueprint } from '../../dsl/index.js';
import { BLUEPRINTS_FILE, BLUEPRINTS_META, COSTS_DIR, type BlueprintsMeta } from '../blueprint/files.js';

export interface LoadedBlueprints {
  blueprints: Blueprint[];
  meta: BlueprintsMeta;
  /** Per distinct blueprint cost digest: 'same' or 'stricter' (with the costlier components). */
  costStatus: Map<string, { status: 'same' | 'stricter'; costlier: string[] }>;
}

export async function readBlueprints(
  dir: string, display: string, known: { features: ReadonlySet<string>; events: ReadonlySet<string> },
  current: { config: CostConfig; digest: string },
): Promise<LoadedBlueprints> {
  const file = join(dir, BLUEPRINTS_FILE);
  const shown = `${display}/${BLUEPRINTS_FILE}`;
  if (!existsSync(file)) throw new DataError('missing blueprints', { file: shown }, { hint: 'run the blueprint stage first' });
  const meta = JSON.parse(await readFile(join(dir, BLUEPRINTS_META), 'utf8')) as BlueprintsMeta;
  const lines = (await readFile(file, 'utf8')).split('\n');
  const blueprints: Blueprint[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      throw new DataError(`not JSON: ${(e as Error).message}`, { file: `${shown}:${i + 1}`, field: 'line', value: line.slice(0, 80) });
    }
    blueprints.push(validateBlueprint(raw, { source: `${shown}:${i + 1}`, knownFeatures: known.features, knownEvents: known.events }));
  });
  const seen = new Set<string>();
  for (const bp of blueprints) {
    if (seen.has(bp.id)) throw new DataError('duplicate blueprint id', { file: shown, field: 'id', value: bp.id });
    seen.add(bp.id);
  }
  const costStatus = new Map<string, { status: 'same' | 'stricter'; costlier: string[] }>();
  for (const bp of blueprints) {
    if (costStatus.has(bp.cost_digest)) continue;
    if (bp.cost_digest === current.digest) {
      costStatus.set(bp.cost_digest, { status: 'same', costlier: [] });
      continue;
    }
    const found = await costsOf(dir, display, bp.cost_digest, bp.id);
    const cmp = compareCosts(found, current.config);
    if (!cmp.atLeastAsCostly) throw cheaperError(bp, current.digest, cmp, shown);
    costStatus.set(bp.cost_digest, { status: 'stricter', costlier: cmp.costlier.map((c) => `${c.path}: ${c.a} (found) vs ${c.b} (current)`) });
  }
  return { blueprints, meta, costStatus };
}

/** The cost config a blueprint was found under, from the content-addressed snapshot beside the blueprints. */
async function costsOf(dir: string, display: string, digest: string, id: string): Promise<CostConfig> {
  const file = join(dir, COSTS_DIR, `${digest}.json`);
  const shown = `${display}/${COSTS_DIR}/${digest}.json`;
  if (!/^[0-9a-f]{64}$/.test(digest) || !existsSync(file)) {
    throw new DataError(`blueprint ${id}: no snapshot of the cost config it was found under`, { file: shown, field: 'cost_digest', value: digest }, {
      hint: 'a blueprint is bound to the digest of its cost config; recompile it (blueprint stage) under the current spec/costs.yaml',
    });
  }
  const config = resolveCosts(JSON.parse(await readFile(file, 'utf8')), shown);
  const actual = costDigest(config);
  if (actual !== digest) {
    throw new DataError('cost config snapshot does not match its digest', { file: shown, field: 'digest', value: actual });
  }
  return config;
}

function cheaperError(bp: Blueprint, currentDigest: string, cmp: CostComparison, file: string): DataError {
  const parts = [
    ...cmp.cheaper.map((c) => `${c.path} ${c.a} < ${c.b}`),
    ...cmp.incomparable.map((c) => `${c.path} ${c.a} vs ${c.b} (incomparable)`),
  ];
  return new DataError(
    `blueprint ${bp.id} was found under cost config ${bp.cost_digest}, cheaper than the current config ${currentDigest} in: ${parts.join('; ')}`,
    { file, field: 'cost_digest', value: bp.cost_digest },
    { hint: 'a blueprint must be re-validated under costs at least as high as the ones it was found under: rerun the blueprint stage (and the research before it) with the current spec/costs.yaml' },
  );
}
