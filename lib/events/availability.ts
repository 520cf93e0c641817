/**
 * Which events cannot fire on an instrument because features they read are unavailable there (all NaN: the input
 * data is absent). Decided on the condition's three-valued logic (lib/events/detect.ts): a comparison reading an
 * unavailable feature is always UNKNOWN; `all` is never TRUE if one part never is; `any` only if no part can be;
 * `not` is never TRUE when its part is never FALSE. A sign_of / opposite_sign_of direction on an unavailable feature
 * is 0 at every bar, so the event never fires either. Attributes do not matter (a NaN attribute is recorded as null).
 * Pure.
 */
import type { Condition, EventSpec } from './spec.js';

/**
 * The unavailable features that keep `ev` from ever firing (sorted), or [] when it can fire with what is available.
 * `unavailable` holds the instrument's unavailable feature names.
 */
export function blockingFeatures(ev: Pick<EventSpec, 'condition' | 'direction'>, unavailable: ReadonlySet<string>): string[] {
  if (unavailable.size === 0) return [];
  const out = new Set<string>();
  if ((ev.direction.type === 'sign_of' || ev.direction.type === 'opposite_sign_of') && unavailable.has(ev.direction.feature)) {
    out.add(ev.direction.feature);
  }
  if (!canBe(ev.condition, true, unavailable)) for (const f of readsUnavailable(ev.condition, unavailable)) out.add(f);
  return [...out].sort();
}

/** Whether the condition can take the value TRUE (want = true) or FALSE (want = false) at some bar. */
function canBe(c: Condition, want: boolean, u: ReadonlySet<string>): boolean {
  switch (c.type) {
    case 'compare':
    case 'cross_above':
    case 'cross_below':
      return !(u.has(c.feature) || ('feature' in c.rhs && u.has(c.rhs.feature)));
    case 'abs_gt':
      return !u.has(c.feature);
    case 'all':
      // TRUE needs every part TRUE; FALSE needs one part FALSE
      return want ? c.of.every((x) => canBe(x, true, u)) : c.of.some((x) => canBe(x, false, u));
    case 'any':
      return want ? c.of.some((x) => canBe(x, true, u)) : c.of.every((x) => canBe(x, false, u));
    case 'not':
      return canBe(c.of, !want, u);
  }
}

function readsUnavailable(c: Condition, u: ReadonlySet<string>): string[] {
  switch (c.type) {
    case 'compare':
    case 'cross_above':
    case 'cross_below':
      return [c.feature, ...('feature' in c.rhs ? [c.rhs.feature] : [])].filter((f) => u.has(f));
    case 'abs_gt':
      return u.has(c.feature) ? [c.feature] : [];
    case 'all':
    case 'any':
      return c.of.flatMap((x) => readsUnavailable(x, u));
    case 'not':
      return readsUnavailable(c.of, u);
  }
}
