/**
 * Reading research/blueprints for the walk-forward stage: every line validated against the Blueprint schema and
 * the features/events the lake provides, and every blueprint's cost digest checked against the current cost
 * config (lib/costs/evaluation.ts): a blueprint is refused when the current (evaluation) config is cheaper in ANY
 * component than the one it was found under, or incomparable with it (its edge would be measured with costs lower
 * than the ones it was discovered with); a dearer current config is allowed and recorded as a stress. With
 * `allowCheaper` (walkforward.allow_cheaper_costs) a refusal becomes a recorded 'cheaper_what_if'.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../../errors.js';
import { checkEvaluationCosts, cheaperCostsError, costStatusEntry, type CostStatusEntry } from '../../costs/evaluation.js';
import { costDigest, resolveCosts } from '../../costs/digest.js';
import type { CostConfig } from '../../costs/schema.js';
import { validateBlueprint, type Blueprint } from '../../dsl/index.js';
import { BLUEPRINTS_FILE, BLUEPRINTS_META, COSTS_DIR, type BlueprintsMeta } from '../blueprint/files.js';

export interface LoadedBlueprints {
  blueprints: Blueprint[];
  meta: BlueprintsMeta;
  /** Per distinct blueprint cost digest: how the current config compares with it (never 'refused': that throws). */
  costStatus: Map<string, CostStatusEntry>;
}

export async function readBlueprints(
  dir: string, display: string, known: { features: ReadonlySet<string>; events: ReadonlySet<string> },
  current: { config: CostConfig; digest: string }, opts: { allowCheaper: boolean },
): Promise<LoadedBlueprints> {
  const file = join(dir, BLUEPRINTS_FILE);
  const shown = `${display}/${BLUEPRINTS_FILE}`;
  if (!existsSync(file)) throw new DataError('missing blueprints', { file: shown }, { hint: 'run the blueprint stage first' });
  const meta = JSON.parse(await readFile(join(dir, BLUEPRINTS_META), 'utf8')) as BlueprintsMeta;
  const lines = (await readFile(file, 'utf8')).split('\n');
  const blueprints: Blueprint[] = [];
  const lineOf = new Map<string, number>();
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      throw new DataError(`not JSON: ${(e as Error).message}`, { file: `${shown}:${i + 1}`, field: 'line', value: line.slice(0, 80) });
    }
    const bp = validateBlueprint(raw, { source: `${shown}:${i + 1}`, knownFeatures: known.features, knownEvents: known.events });
    blueprints.push(bp);
    if (!lineOf.has(bp.id)) lineOf.set(bp.id, i + 1);
  });
  const seen = new Set<string>();
  for (const bp of blueprints) {
    if (seen.has(bp.id)) throw new DataError('duplicate blueprint id', { file: shown, field: 'id', value: bp.id });
    seen.add(bp.id);
  }
  const costStatus = new Map<string, CostStatusEntry>();
  for (const bp of blueprints) {
    if (costStatus.has(bp.cost_digest)) continue;
    const found = bp.cost_digest === current.digest ? current.config : await costsOf(dir, display, bp.cost_digest, bp.id);
    const check = checkEvaluationCosts({ digest: bp.cost_digest, config: found }, current, opts);
    if (check.status === 'refused') {
      const others = blueprints.filter((b) => b.cost_digest === bp.cost_digest).length - 1;
      throw cheaperCostsError(check, bp, { found: bp.cost_digest, current: current.digest },
        { file: `${shown}:${lineOf.get(bp.id)}`, field: 'cost_digest' }, others);
    }
    costStatus.set(bp.cost_digest, costStatusEntry(check));
  }
  return { blueprints, meta, costStatus };
}

/**
 * Pairs chosen by the screen (pairs: auto) must have been chosen on bars strictly before the first out-of-sample
 * bar: the screen period [from_ms, to_ms) must end at or before the open of the first test bar. Otherwise a
 * DataError (exit 3) naming the screen setting to change. A screen that chose no pair put nothing into the
 * blueprints and is not checked.
 */
export function assertScreenBeforeTest(screen: NonNullable<BlueprintsMeta['pairs_screen']>, firstTestStartMs: number): void {
  if (screen.chosen === 0 || screen.to_ms <= firstTestStartMs) return;
  const iso = (t: number) => new Date(t).toISOString();
  throw new DataError(
    `pairs were chosen on bars up to ${iso(screen.to_ms)}, after the first walk-forward test window starts (${iso(firstTestStartMs)}): the screen would have seen out-of-sample data`,
    { file: 'spec/blueprints.yaml', field: 'templates[pairs].screen.days', value: Math.round((screen.to_ms - screen.from_ms) / 86_400_000 * 1000) / 1000 },
    { hint: `make screen.days at most ${Math.floor((firstTestStartMs - screen.from_ms) / 86_400_000 * 1000) / 1000} (walk-forward train_days plus the embargo), or lengthen stages.walkforward.train_days in spec/pipeline.yaml; then rerun the blueprint stage` },
  );
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
