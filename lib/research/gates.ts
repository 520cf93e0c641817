/**
 * spec/gates.yaml: the thresholds of discovery (statistics) and bridge (net of costs). Schema + loader.
 *
 * Refused (SpecError located at file:line:col), because such a gate could never pass or would pass the wrong thing:
 *   discovery.min_n < 2            a mean needs two observations for a t statistic (n < 2 gets p = 1)
 *   discovery.min_ess < 0          ESS >= 1 whenever n >= 1, so 0 disables the gate; negatives are a typo
 *   discovery.min_mean_bps < 0     the excess is signed in the expected direction: a negative floor passes effects of
 *                                  the opposite sign to the claim
 *   discovery.max_q outside (0, 1] q >= 0 always: max_q <= 0 never passes (q = 0 only on underflow)
 *   bridge.ci_level outside (0, 1)
 *   bridge.bootstrap_reps with fewer than 5 replicates in each tail (reps * (1 - ci_level) / 2 < 5): the CI bound
 *                                  would be an extreme order statistic of a handful of draws
 *   bridge.min_net_bps < 0         a floor below zero passes money-losing trades (ci_lo > 0 is checked anyway)
 *   bridge.notional_usd <= 0
 *   bridge.min_capacity_usd < notional_usd   a survivor whose median capacity is below the size it was simulated at
 *                                  would breach max_participation on its median trade
 * min_ess > min_n is allowed: ESS <= n, so it only makes the ESS gate the binding one.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { SpecError } from '../errors.js';
import { loadSpecFile } from '../spec/loader.js';
import { positionOf } from '../spec/locate.js';
import { integer, number, object, oneOfStrings, type SpecSchema } from '../spec/schema.js';

export type FdrMethod = 'BH' | 'BY';

export interface DiscoveryGates {
  min_n: number;
  min_ess: number;
  min_mean_bps: number;
  max_q: number;
  fdr: FdrMethod;
}

export interface BridgeGates {
  min_net_bps: number;
  ci_level: number;
  bootstrap_reps: number;
  notional_usd: number;
  min_capacity_usd: number;
}

export interface Gates {
  discovery: DiscoveryGates;
  bridge: BridgeGates;
}

/** Minimum bootstrap replicates in each tail of the CI. */
export const MIN_TAIL_REPLICATES = 5;

export const gatesSchema: SpecSchema = {
  ...object('Gates of the research funnel.', {
    discovery: object('Discovery gates, applied in this order: min_n, min_ess, min_mean_bps, max_q.', {
      min_n: integer('Minimum occurrences with a complete forward window (count, >= 2).', { minimum: 2 }),
      min_ess: number('Minimum effective sample size n^2 / sum_ij max(0, 1 - |t_i - t_j| / h) (count, >= 0).', { minimum: 0 }),
      min_mean_bps: number(
        'Minimum mean excess log return over the unconditional drift, in bps, signed in the expected direction (>= 0).',
        { minimum: 0 },
      ),
      max_q: number('Maximum FDR q-value over the whole plan (fraction in (0, 1]).', { exclusiveMinimum: 0, maximum: 1 }),
      fdr: oneOfStrings(['BH', 'BY'], 'FDR procedure: BH (Benjamini-Hochberg 1995) or BY (Benjamini-Yekutieli 2001).', {
        default: 'BH',
      }),
    }),
    bridge: object('Bridge gates: pass needs ci_lo > 0, net >= min_net_bps and capacity >= min_capacity_usd.', {
      min_net_bps: number('Minimum mean net edge per round trip after every cost, in bps (>= 0).', { minimum: 0 }),
      ci_level: number('Two-sided confidence level of the stationary-bootstrap CI of the net mean (fraction in (0, 1)).', {
        exclusiveMinimum: 0, exclusiveMaximum: 1,
      }),
      bootstrap_reps: integer('Bootstrap replicates (count).', { minimum: 100, maximum: 1_000_000 }),
      notional_usd: number('Notional of every simulated trade, in USD (quote currency).', { exclusiveMinimum: 0 }),
      min_capacity_usd: number(
        'Minimum median capacity: max_participation x entry-bar quote volume, in USD; must be >= notional_usd.',
        { minimum: 0 },
      ),
    }),
  }),
  title: 'gates',
};

/** Loads and validates spec/gates.yaml (schema, then the cross-field rules above, each located). */
export async function loadGates(file: string): Promise<Gates> {
  const gates = await loadSpecFile<Gates>(file, gatesSchema);
  const issues = semanticIssues(gates);
  if (issues.length === 0) return gates;
  const text = await readFile(file, 'utf8');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  throw new SpecError(
    issues.map((i) => {
      const pos = positionOf(doc, lc, i.path, 'value');
      return `${file}:${pos.line}:${pos.col} ${i.path.join('.')}: ${i.message}`;
    }),
    { hint: `fix ${file} at the positions shown and rerun` },
  );
}

/** Cross-field rules the schema cannot state. Pure. */
export function semanticIssues(g: Gates): { path: string[]; message: string }[] {
  const out: { path: string[]; message: string }[] = [];
  const tail = (g.bridge.bootstrap_reps * (1 - g.bridge.ci_level)) / 2;
  if (tail < MIN_TAIL_REPLICATES) {
    out.push({
      path: ['bridge', 'bootstrap_reps'],
      message:
        `${g.bridge.bootstrap_reps} replicates leave ${tail.toFixed(2)} in each tail of a ${g.bridge.ci_level} CI ` +
        `(need >= ${MIN_TAIL_REPLICATES}); use at least ${Math.ceil((2 * MIN_TAIL_REPLICATES) / (1 - g.bridge.ci_level))}, was ${g.bridge.bootstrap_reps}`,
    });
  }
  if (g.bridge.min_capacity_usd < g.bridge.notional_usd) {
    out.push({
      path: ['bridge', 'min_capacity_usd'],
      message:
        `must be >= notional_usd (${g.bridge.notional_usd}): a survivor whose median capacity is below the simulated ` +
        `size breaches max_participation on its median trade, was ${g.bridge.min_capacity_usd}`,
    });
  }
  return out;
}
