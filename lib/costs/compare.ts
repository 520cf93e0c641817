/**
 * Is cost config A at least as costly as B in every component? lib/costs/evaluation.ts asks it with A = the config a
 * blueprint is evaluated under and B = the one it was found under: a blueprint is refused when the evaluation is
 * cheaper (or incomparable) in any component; a dearer evaluation is allowed and recorded as a stress.
 *
 * Direction of each component:
 *   fees, slippage, impact coefficient, borrow   higher is costlier
 *   impact.max_participation                      lower is costlier (a tighter capacity cap)
 *   funding.enabled                               true is costlier than false
 *   impact.model                                  a different model is incomparable
 *   a venue market present in B but missing in A  incomparable (A does not price what B traded)
 * Incomparable components count as "not at least as costly". Pure.
 */
import { formatValue } from '../errors.js';
import { MARKETS, type CostConfig, type ImpactModel } from './schema.js';

/** A leaf value; null when the component is absent from that config. */
export type CostLeaf = number | boolean | string | null;

export interface CostComponent {
  path: string;
  a: CostLeaf;
  b: CostLeaf;
}

export interface CostComparison {
  atLeastAsCostly: boolean;
  cheaper: CostComponent[];
  costlier: CostComponent[];
  incomparable: CostComponent[];
}

type Sink = Omit<CostComparison, 'atLeastAsCostly'>;

export function compareCosts(a: CostConfig, b: CostConfig): CostComparison {
  const sink: Sink = { cheaper: [], costlier: [], incomparable: [] };
  compareVenues(a, b, sink);
  higherIsCostlier(sink, 'slippage_bps', a.slippage_bps, b.slippage_bps);
  compareImpact(a.impact, b.impact, sink);
  const [fa, fb] = [a.funding.enabled, b.funding.enabled];
  ordered(sink, 'funding.enabled', fa, fb, Number(fa) - Number(fb)); // paying funding is the costlier assumption
  higherIsCostlier(
    sink,
    'borrow.spot_short_bps_per_year',
    a.borrow.spot_short_bps_per_year,
    b.borrow.spot_short_bps_per_year,
  );
  return { atLeastAsCostly: sink.cheaper.length === 0 && sink.incomparable.length === 0, ...sink };
}

function compareVenues(a: CostConfig, b: CostConfig, sink: Sink): void {
  for (const venue of Object.keys(b.venues).sort()) {
    for (const market of MARKETS) {
      const fb = b.venues[venue]?.[market];
      if (fb === undefined) continue; // only what B prices matters
      const fa = a.venues[venue]?.[market];
      const base = `venues.${venue}.${market}`;
      for (const side of ['maker_fee_bps', 'taker_fee_bps'] as const) {
        if (fa === undefined) sink.incomparable.push({ path: `${base}.${side}`, a: null, b: fb[side] });
        else higherIsCostlier(sink, `${base}.${side}`, fa[side], fb[side]);
      }
      // a maker rebate (absent = 0) is cheaper the higher it is; compared only when either side sets one
      if (fa !== undefined && (fa.maker_rebate_bps !== undefined || fb.maker_rebate_bps !== undefined)) {
        const [ra, rb] = [fa.maker_rebate_bps ?? 0, fb.maker_rebate_bps ?? 0];
        ordered(sink, `${base}.maker_rebate_bps`, ra, rb, rb - ra);
      }
    }
  }
}

function compareImpact(a: ImpactModel, b: ImpactModel, sink: Sink): void {
  if (a.model === 'sqrt' && b.model === 'sqrt') {
    higherIsCostlier(sink, 'impact.coefficient', a.coefficient, b.coefficient);
  } else if (a.model === 'linear' && b.model === 'linear') {
    higherIsCostlier(sink, 'impact.coefficient_bps', a.coefficient_bps, b.coefficient_bps);
  } else {
    sink.incomparable.push({ path: 'impact.model', a: a.model, b: b.model });
  }
  // A lower cap on participation is stricter: less size fits, so less capacity.
  const [pa, pb] = [a.max_participation, b.max_participation];
  ordered(sink, 'impact.max_participation', pa, pb, pb - pa);
}

function higherIsCostlier(sink: Sink, path: string, a: number, b: number): void {
  ordered(sink, path, a, b, a - b);
}

/** `aMinusB` > 0 means A is costlier in this component. */
function ordered(sink: Sink, path: string, a: CostLeaf, b: CostLeaf, aMinusB: number): void {
  if (aMinusB > 0) sink.costlier.push({ path, a, b });
  else if (aMinusB < 0) sink.cheaper.push({ path, a, b });
}

/** Human lines for a comparison, e.g. `cheaper       venues.binance.um.taker_fee_bps: A 4, B 5`. */
export function formatComparison(c: CostComparison): string[] {
  const lines = [
    c.atLeastAsCostly
      ? 'A is at least as costly as B in every component'
      : 'A is NOT at least as costly as B (cheaper or incomparable components below)',
  ];
  const add = (label: string, list: CostComponent[]): void => {
    for (const x of list) lines.push(`  ${label.padEnd(12)} ${x.path}: A ${leaf(x.a)}, B ${leaf(x.b)}`);
  };
  add('cheaper', c.cheaper);
  add('incomparable', c.incomparable);
  add('costlier', c.costlier);
  return lines;
}

function leaf(v: CostLeaf): string {
  return v === null ? '(absent)' : formatValue(v);
}
