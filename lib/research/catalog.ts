/**
 * What the templates stage needs to know of spec/events and spec/features: event names grouped by family, and
 * feature names. Read with a permissive schema (only `name` and `family` are checked, with the same identifier
 * pattern the events and features stages use, lib/paths.ts; the owners of those specs validate the rest), so this
 * stage does not depend on their loaders but never accepts a name they reject.
 */
import { join } from 'node:path';
import { loadLocatedDir, where } from './spec_files.js';
import type { SpecSchema } from '../spec/schema.js';
import { IDENTIFIER_PATTERN } from '../paths.js';
import { expandVariantNames, type RawVariants } from '../events/variants.js';

export interface Catalog {
  /** family -> event names (sorted, unique). */
  eventFamilies: Map<string, string[]>;
  /** family -> where its events are declared (`spec/events/x.yaml:line`, one per event, in file order). */
  familySources: Map<string, string[]>;
  features: Set<string>;
  /** Spec folders that do not exist (reported as warnings; every reference into them is then missing). */
  missingFolders: string[];
}

const named = (extra: Record<string, SpecSchema>, required: string[]): SpecSchema => ({
  type: 'object',
  required,
  properties: { name: { type: 'string', pattern: IDENTIFIER_PATTERN }, ...extra },
});

export const EVENTS_NAMES_SCHEMA: SpecSchema = {
  type: 'object',
  properties: { events: { type: 'array', items: named({ family: { type: 'string', pattern: IDENTIFIER_PATTERN } }, ['name', 'family']) } },
};

export const FEATURES_NAMES_SCHEMA: SpecSchema = {
  type: 'object',
  properties: { features: { type: 'array', items: named({}, ['name']) } },
};

/** Event families and feature names declared under `specDir` (events/*.yaml, features/*.yaml). */
export async function loadCatalog(specDir: string): Promise<Catalog> {
  const missingFolders: string[] = [];
  const families = new Map<string, Set<string>>();
  const events = await loadLocatedDir<{ events?: RawEventNames[] }>(specDir, join(specDir, 'events'), EVENTS_NAMES_SCHEMA);
  if (events === undefined) missingFolders.push('events');
  const sources = new Map<string, string[]>();
  for (const { value, yaml } of events ?? []) {
    (value.events ?? []).forEach((e, i) => {
      const s = families.get(e.family) ?? new Set<string>();
      for (const name of eventNames(e)) s.add(name);
      families.set(e.family, s);
      const at = where(yaml, ['events', i, 'name']);
      sources.set(e.family, [...(sources.get(e.family) ?? []), `${yaml.file}:${at.line}`]);
    });
  }
  const features = new Set<string>();
  const feats = await loadLocatedDir<{ features?: { name: string }[] }>(specDir, join(specDir, 'features'), FEATURES_NAMES_SCHEMA);
  if (feats === undefined) missingFolders.push('features');
  for (const { value } of feats ?? []) for (const f of value.features ?? []) features.add(f.name);
  const eventFamilies = new Map([...families].sort(([a], [b]) => cmp(a, b)).map(([k, v]) => [k, [...v].sort(cmp)] as const));
  const familySources = new Map([...eventFamilies.keys()].map((f) => [f, sources.get(f)!] as const));
  return { eventFamilies, familySources, features, missingFolders };
}

interface RawEventNames {
  name: string;
  family: string;
  cooldown_bars?: unknown;
  condition?: unknown;
  variants?: unknown;
}

/**
 * The event names one spec entry declares: its variants (lib/events/variants.ts, the names the events stage writes)
 * when it has a well-formed `variants` mapping, else its name. A malformed one is the events stage's located error.
 */
function eventNames(e: RawEventNames): string[] {
  const v = e.variants as RawVariants | undefined;
  const list = (x: unknown, t: string) => x === undefined || (Array.isArray(x) && x.length > 0 && x.every((y) => typeof y === t));
  const ok = v !== null && typeof v === 'object' && typeof e.cooldown_bars === 'number' && list(v.direction, 'string') &&
    list(v.cooldown_bars, 'number') &&
    (v.threshold === undefined || (typeof v.threshold === 'object' && v.threshold !== null && typeof v.threshold.feature === 'string' && list(v.threshold.values, 'number')));
  if (!ok) return [e.name];
  return expandVariantNames({ name: e.name, cooldown_bars: e.cooldown_bars as number, condition: e.condition, variants: v }).map((x) => x.name);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
