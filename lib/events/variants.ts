/**
 * Event variants (`variants:` of an event in spec/events): one spec entry expands into one event per combination of
 * threshold x cooldown x direction, each a distinct event name in lake/events. Pure name arithmetic shared by the
 * events spec loader (lib/events/spec.ts, which validates and builds the events) and the templates stage's catalog
 * (lib/research/catalog.ts, which only needs the names), so both always agree on the expanded names.
 *
 * Naming: `<name>[_t<threshold>][_cd<cooldown>][_up|_down]`; a dimension at the entry's own value adds no suffix
 * (threshold: the condition's constant for that feature; cooldown: `cooldown_bars`; direction: `both`). So the
 * combination of the entry's own values keeps the entry's name, and a list that omits them drops that event.
 */

export const VARIANT_DIRECTIONS = ['both', 'up', 'down'] as const;
export type VariantDirection = (typeof VARIANT_DIRECTIONS)[number];

export interface RawVariants {
  direction?: VariantDirection[];
  cooldown_bars?: number[];
  threshold?: { feature: string; values: number[] };
}

export interface VariantChoice {
  name: string;
  direction: VariantDirection;
  cooldown_bars: number;
  /** The threshold value of this variant (the entry's own constant when not varied). */
  threshold?: number;
}

/** A number as a name suffix: `2.5` -> `2p5`, `-0.001` -> `m0p001` (identifier characters only). */
export function numberSuffix(v: number): string {
  return String(v).replace(/\+/g, '').replace(/-/g, 'm').replace(/\./g, 'p');
}

/**
 * The constant a condition (raw YAML form, lib/events/README.md) compares `feature` with, when exactly one test on
 * `feature` has a constant right-hand side (comparison, abs_gt, cross_above, cross_below); else undefined, with
 * `count` the number of such tests.
 */
export function thresholdLeaves(raw: unknown, feature: string): { count: number; value?: number } {
  const found: number[] = [];
  const walk = (c: unknown): void => {
    if (c === null || typeof c !== 'object') return;
    if (Array.isArray(c)) {
      c.forEach(walk);
      return;
    }
    const o = c as Record<string, unknown>;
    if (o.feature === feature && typeof o.value === 'number') found.push(o.value);
    for (const k of ['abs_gt', 'cross_above', 'cross_below']) {
      const b = o[k] as Record<string, unknown> | undefined;
      if (b && typeof b === 'object' && b.feature === feature && typeof b.value === 'number') found.push(b.value);
    }
    for (const k of ['all', 'any', 'not']) if (k in o) walk(o[k]);
  };
  walk(raw);
  return found.length === 1 ? { count: 1, value: found[0]! } : { count: found.length };
}

/**
 * The variants of one spec entry, sorted by name. Without `variants` (or with an empty mapping): the entry itself.
 * `condition` is the raw condition (for the threshold's own value); values are taken as given (the loader checks them).
 */
export function expandVariantNames(entry: { name: string; cooldown_bars: number; condition: unknown; variants?: RawVariants }): VariantChoice[] {
  const v = entry.variants;
  if (!v || (v.direction === undefined && v.cooldown_bars === undefined && v.threshold === undefined)) {
    return [{ name: entry.name, direction: 'both', cooldown_bars: entry.cooldown_bars }];
  }
  const own = v.threshold ? thresholdLeaves(entry.condition, v.threshold.feature).value : undefined;
  const thresholds: (number | undefined)[] = v.threshold ? v.threshold.values : [undefined];
  const cooldowns = v.cooldown_bars ?? [entry.cooldown_bars];
  const directions = v.direction ?? ['both'];
  const out: VariantChoice[] = [];
  for (const th of thresholds) {
    for (const cd of cooldowns) {
      for (const d of directions) {
        const name = entry.name + (th !== undefined && th !== own ? `_t${numberSuffix(th)}` : '') +
          (cd !== entry.cooldown_bars ? `_cd${cd}` : '') + (d === 'both' ? '' : `_${d}`);
        out.push({ name, direction: d, cooldown_bars: cd, ...(th !== undefined ? { threshold: th } : own !== undefined ? { threshold: own } : {}) });
      }
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
