/**
 * May a blueprint found under cost config FOUND be evaluated (walk-forward, then the report) under cost config
 * CURRENT? The rule (../shared/ARCHITECTURE.md, "Cost digest"): validating a blueprint under costs that are cheaper
 * in any component than the ones it was found under is refused; dearer costs are allowed and recorded as a stress.
 *
 * So the question is compareCosts(CURRENT, FOUND): is the evaluation at least as costly as the discovery in every
 * component (lib/costs/compare.ts gives the direction of each component)? The outcome, per found digest:
 *
 *   same             the digests are equal (the same resolved config)
 *   equivalent       another digest, but nothing the blueprint was found under is priced differently
 *                    (e.g. the current config only adds a venue)
 *   stress           the current config is at least as costly in every component and costlier in some: allowed
 *   refused          the current config is cheaper in some component, or incomparable (a different impact model,
 *                    a venue market the blueprint was found under that the current config does not price)
 *   cheaper_what_if  what would be refused, run anyway because the caller asked for a labelled what-if
 *                    (walkforward.allow_cheaper_costs): its result is not a validation
 *
 * Pure: no I/O; the caller reads the configs and raises the error this module builds.
 */
import { DataError, formatValue } from '../errors.js';
import { compareCosts, type CostComponent, type CostLeaf } from './compare.js';
import type { CostConfig } from './schema.js';

/** One component that differs, with the value the evaluation uses (current) and the one of the discovery (found). */
export interface CostDifference {
  path: string;
  current: CostLeaf;
  found: CostLeaf;
}

/** The components of a check that is not at least as costly (refused, or run as a what-if). */
export interface CheaperComponents {
  /** The evaluation is cheaper than the discovery here. */
  cheaper: CostDifference[];
  /** Not comparable (a different impact model, a market the current config does not price). */
  incomparable: CostDifference[];
  /** The evaluation is costlier here (listed for completeness). */
  costlier: CostDifference[];
}

export type CostCheck =
  | { status: 'same' }
  | { status: 'equivalent' }
  | { status: 'stress'; costlier: CostDifference[] }
  | ({ status: 'refused' } & CheaperComponents)
  | ({ status: 'cheaper_what_if' } & CheaperComponents);

export type CostCheckStatus = CostCheck['status'];

/** A cost config with its digest (lib/costs/digest.ts costDigest). */
export interface DigestedCosts {
  digest: string;
  config: CostConfig;
}

/**
 * The decision for a blueprint found under `found` and evaluated under `current`. `allowCheaper` turns a refusal
 * into a 'cheaper_what_if' (same components), never anything else.
 */
export function checkEvaluationCosts(found: DigestedCosts, current: DigestedCosts, opts: { allowCheaper: boolean }): CostCheck {
  if (found.digest === current.digest) return { status: 'same' };
  const c = compareCosts(current.config, found.config); // A = the evaluation, B = the discovery
  const cheaper = c.cheaper.map(difference);
  const incomparable = c.incomparable.map(difference);
  const costlier = c.costlier.map(difference);
  if (!c.atLeastAsCostly) {
    return opts.allowCheaper ? { status: 'cheaper_what_if', cheaper, incomparable, costlier } : { status: 'refused', cheaper, incomparable, costlier };
  }
  return costlier.length > 0 ? { status: 'stress', costlier } : { status: 'equivalent' };
}

function difference(x: CostComponent): CostDifference {
  return { path: x.path, current: x.a, found: x.b };
}

/**
 * One human line for a differing component: `venues.binance.um.taker_fee_bps 4 (current) < 5 (found)`. Numbers are
 * compared with < or >, other values (funding on/off, impact model, an absent market) with `vs`; the list the line is
 * in (cheaper, costlier, incomparable) says which way the cost goes.
 */
export function formatDifference(d: CostDifference): string {
  const rel = typeof d.current === 'number' && typeof d.found === 'number' ? (d.current < d.found ? '<' : '>') : 'vs';
  return `${d.path} ${leaf(d.current)} (current) ${rel} ${leaf(d.found)} (found)${NOTES[noteKey(d)] ?? ''}`;
}

const NOTES: Record<string, string> = {
  'impact.max_participation': ' [a lower participation cap is costlier]',
  'funding.enabled': ' [paying funding is costlier]',
  'impact.model': ' [a different impact model is incomparable]',
  absent: ' [the current config does not price this market: incomparable]',
};

function noteKey(d: CostDifference): string {
  return d.current === null ? 'absent' : d.path;
}

function leaf(v: CostLeaf): string {
  return v === null ? 'absent' : typeof v === 'string' ? v : formatValue(v);
}

/** What walk-forward's summary.json records per found digest (and what the report reads). */
export interface CostStatusEntry {
  status: Exclude<CostCheckStatus, 'refused'>;
  /** Components in which the evaluation is costlier than the discovery (a stress). */
  costlier: string[];
  /** Only for 'cheaper_what_if': components in which the evaluation is cheaper, or incomparable. */
  cheaper?: string[];
  incomparable?: string[];
}

/** The summary form of an allowed check; a refused one has no entry (the stage stopped). */
export function costStatusEntry(c: Exclude<CostCheck, { status: 'refused' }>): CostStatusEntry {
  switch (c.status) {
    case 'same':
    case 'equivalent':
      return { status: c.status, costlier: [] };
    case 'stress':
      return { status: 'stress', costlier: c.costlier.map(formatDifference) };
    case 'cheaper_what_if':
      return {
        status: 'cheaper_what_if', costlier: c.costlier.map(formatDifference),
        cheaper: c.cheaper.map(formatDifference), incomparable: c.incomparable.map(formatDifference),
      };
  }
}

export const ALLOW_CHEAPER_HINT =
  '--allow-cheaper-costs (npm run all, npm run stage -- walkforward; or --set walkforward.allow_cheaper_costs=true) ' +
  'runs a labelled what-if instead, which is not a validation';

/**
 * The error for a refused blueprint: names the blueprint, both digests, the first cheaper (else incomparable)
 * component with both values, then the others. `where` locates it (the blueprint's line); `others` is the number of
 * further blueprints bound to the same found digest.
 */
export function cheaperCostsError(
  c: Extract<CostCheck, { status: 'refused' }>,
  bp: { id: string; name: string },
  digests: { found: string; current: string },
  where: { file: string; field: string },
  others = 0,
): DataError {
  const who = `blueprint ${bp.id}${bp.name && bp.name !== bp.id ? ` (${bp.name})` : ''} found under costs ${digests.found}`;
  const [first, ...rest] = [...c.cheaper, ...c.incomparable];
  const head = c.cheaper.length > 0
    ? `${who} is refused under cheaper costs ${digests.current}`
    : `${who} is refused under costs ${digests.current} that are incomparable with them (they cannot be shown to be at least as costly)`;
  const more = rest.length > 0 ? `; also ${rest.map((d) => `${c.cheaper.includes(d) ? 'cheaper' : 'incomparable'}: ${formatDifference(d)}`).join('; ')}` : '';
  const bound = others > 0 ? ` (${others} other blueprint(s) are bound to the same costs)` : '';
  return new DataError(`${head}: ${first ? formatDifference(first) : '(no component)'}${more}${bound}`, where, {
    hint: 'a blueprint is validated only under costs at least as high, in every component, as the ones it was found under: ' +
      'restore or raise spec/costs.yaml (npm run digest -- --costs spec/costs.yaml --compare <data_dir>/research/blueprints/costs/' +
      `${digests.found}.json shows what differs), or rerun the research from bridge under the current costs (npm run all); ${ALLOW_CHEAPER_HINT}`,
  });
}
