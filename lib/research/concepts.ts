/**
 * The research backlog, spec/concepts/*.yaml: each concept is a claim about what follows an event family.
 *
 *   concepts:
 *     - id: capitulation-reversal          # slug, unique across every file
 *       claim: after a capitulation bar the price bounces   # free text (not part of the template id)
 *       event_family: capitulation         # spec/events family
 *       # events: [capitulation_vz4]         # optional: only these events (variants) of the family; default: all
 *       expected: fade                     # follow: trade the event's direction; fade: the opposite
 *       horizons: [4h, 12h, 1d]            # forward horizons, durations (lib/timeframe.ts), converted per timeframe
 *       # horizons_bars: [6, 12, 24]       # or: bars of the pipeline timeframe (then the study changes with it)
 *       universe: all                      # all | {symbols: [...]} | {markets: [...]} (both keys: both must match)
 *       requires_features: [rv_288]        # optional: spec/features names the claim needs
 *       pooling: universe                  # optional: symbol (default: one test per instrument) | universe (one
 *                                          # pooled test per exchange and market over the universe's instruments)
 *                                          # | bucket (one pooled test per bucket of those instruments:)
 *       bucket: {by: liquidity, count: 3}  # with pooling: bucket: liquidity terciles, or {by: sector} (spec/universe/sectors.yaml)
 */
import { join } from 'node:path';
import { SpecError } from '../errors.js';
import { loadLocatedDir, where, type LocatedYaml } from './spec_files.js';
import type { SpecSchema } from '../spec/schema.js';
import { IDENTIFIER_PATTERN } from '../paths.js';
import { DURATION_PATTERN, barsDuration, parseDuration } from '../timeframe.js';

export type Expected = 'follow' | 'fade';
export const EXPECTED: readonly Expected[] = ['follow', 'fade'];

/**
 * How a concept's events are tested: `symbol` (default) one candidate per instrument; `universe` one pooled
 * candidate per exchange and market stacking the events of every instrument of the universe (docs/research.md
 * "Pooled candidates").
 */
export type Pooling = 'symbol' | 'universe' | 'bucket';
export const POOLING: readonly Pooling[] = ['symbol', 'universe', 'bucket'];

/**
 * The buckets of `pooling: bucket` (lib/research/buckets.ts): `liquidity` ranks the instruments of each exchange and
 * market by their median daily quote volume over their first 30 days and cuts the ranking into `count` groups of
 * (nearly) equal size, the most liquid first; `sector` groups them by spec/universe/sectors.yaml.
 */
export type BucketSpec = { by: 'liquidity'; count: number } | { by: 'sector' };

/** `all`, or filters on the instrument's symbol and/or market (an instrument must match every filter given). */
export type Universe = 'all' | { symbols?: string[]; markets?: string[] };

/** Where a concept and its references are in its file (display path, 1-based lines). */
export interface ConceptSource {
  file: string;
  line: number;
  event_family_line: number;
  /** Line of each requires_features item, in the spec's order. */
  feature_lines: number[];
  /** `file:line:col` of each horizon (horizons or horizons_bars), in the spec's order. */
  horizon_at: string[];
  /** `file:line:col` of each `events` item, in the spec's order ([] without `events`). */
  events_at: string[];
}

export interface Concept {
  id: string;
  claim: string;
  event_family: string;
  /** Events (variants) of the family the concept tests; undefined: every event of the family. */
  events?: string[];
  expected: Expected;
  /** Forward horizons as durations in canonical form (`60m` -> `1h`); exclusive with horizons_bars. */
  horizons?: string[];
  /** Forward horizons in bars of the pipeline timeframe (only when the spec says `horizons_bars`). */
  horizons_bars?: number[];
  universe: Universe;
  requires_features: string[];
  /** `symbol` when the spec does not say. */
  pooling: Pooling;
  /** Only with pooling: bucket. */
  bucket?: BucketSpec;
  source: ConceptSource;
}

const SLUG = '^[a-z0-9]+(?:[-_][a-z0-9]+)*$';
const NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';

const stringList = (description: string, pattern?: string): SpecSchema => ({
  type: 'array', description, minItems: 1, uniqueItems: true,
  items: { type: 'string', minLength: 1, ...(pattern ? { pattern } : {}) },
});

/** JSON Schema of one concepts file (closed objects; semantic checks follow in `loadConcepts`). */
export const CONCEPTS_SCHEMA: SpecSchema = {
  type: 'object',
  description: 'research backlog: claims about what follows an event family',
  additionalProperties: false,
  required: ['concepts'],
  properties: {
    concepts: {
      type: 'array',
      description: 'the concepts of this file',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'claim', 'event_family', 'expected', 'universe'],
        properties: {
          id: { type: 'string', pattern: SLUG, description: 'slug (a-z, 0-9, - and _), unique across spec/concepts' },
          claim: { type: 'string', minLength: 1, description: 'the claim in words (not part of the template id)' },
          event_family: { type: 'string', pattern: IDENTIFIER_PATTERN, description: 'family of spec/events the claim is about (the events stage\'s name pattern)' },
          events: stringList('events (variants, e.g. vol_shock_z4_down) of event_family to test; default: every event of the family', IDENTIFIER_PATTERN),
          expected: { type: 'string', enum: [...EXPECTED], description: 'follow: trade the event direction; fade: the opposite' },
          horizons: {
            type: 'array', minItems: 1, uniqueItems: true,
            description: 'forward horizons as durations (30m, 4h, 1d): the same study at every timeframe; each must be a whole number of bars',
            items: { type: 'string', pattern: DURATION_PATTERN },
          },
          horizons_bars: {
            type: 'array', minItems: 1, uniqueItems: true, description: 'forward horizons in bars of the pipeline timeframe (instead of horizons)',
            items: { type: 'integer', minimum: 1, maximum: 100000 },
          },
          universe: {
            description: 'instruments the claim covers: all, {symbols: [...]}, {markets: [...]}',
            oneOf: [
              { type: 'string', enum: ['all'] },
              {
                type: 'object', additionalProperties: false, minProperties: 1,
                properties: { symbols: stringList('symbols, e.g. BTCUSDT', NAME), markets: stringList('markets: spot, um, cm', NAME) },
              },
            ],
          },
          requires_features: stringList('spec/features names the claim needs (the features stage\'s name pattern)', IDENTIFIER_PATTERN),
          pooling: {
            type: 'string', enum: [...POOLING],
            description: 'symbol (default): one test per instrument; universe: one pooled test per exchange and market over the instruments of the universe; bucket: one pooled test per bucket (see bucket) of those instruments',
          },
          bucket: {
            description: 'the buckets of pooling: bucket: {by: liquidity, count: 2..10} (median daily quote volume over each instrument\'s first 30 days, most liquid first) or {by: sector} (spec/universe/sectors.yaml)',
            oneOf: [
              {
                type: 'object', additionalProperties: false, required: ['by', 'count'],
                properties: { by: { type: 'string', enum: ['liquidity'] }, count: { type: 'integer', minimum: 2, maximum: 10 } },
              },
              { type: 'object', additionalProperties: false, required: ['by'], properties: { by: { type: 'string', enum: ['sector'] } } },
            ],
          },
        },
      },
    },
  },
};

interface RawConcept {
  id: string;
  claim: string;
  event_family: string;
  events?: string[];
  expected: Expected;
  horizons?: string[];
  horizons_bars?: number[];
  universe: Universe;
  requires_features?: string[];
  pooling?: Pooling;
  bucket?: BucketSpec;
}

/**
 * Load every concept of `<specDir>/concepts/*.yaml` (files sorted by name), with the line of each reference.
 * Schema problems of all files are reported at once; a concept id used twice is a located error naming both places.
 */
export async function loadConcepts(specDir: string): Promise<Concept[]> {
  const dir = join(specDir, 'concepts');
  const files = await loadLocatedDir<{ concepts: RawConcept[] }>(specDir, dir, CONCEPTS_SCHEMA);
  if (files === undefined) {
    throw new SpecError([`${dir}: no concepts folder`], { hint: 'write the research backlog as spec/concepts/*.yaml (docs/research.md)' });
  }
  const out: Concept[] = [];
  const seen = new Map<string, string>();
  const issues: string[] = [];
  for (const { value, yaml } of files) {
    value.concepts.forEach((c, i) => {
      if ((c.horizons === undefined) === (c.horizons_bars === undefined)) {
        issues.push(`${where(yaml, ['concepts', i]).text} concepts[${i}]: give horizons (durations: [4h, 1d]) or horizons_bars, ` +
          (c.horizons === undefined ? 'neither is there' : 'not both'));
        return;
      }
      if ((c.pooling === 'bucket') !== (c.bucket !== undefined)) {
        issues.push(`${where(yaml, ['concepts', i, c.bucket !== undefined ? 'bucket' : 'pooling']).text} concepts[${i}]: ` +
          (c.bucket !== undefined ? `bucket needs pooling: bucket (pooling is ${c.pooling ?? 'symbol'})` : 'pooling: bucket needs bucket: {by: liquidity, count: N} or {by: sector}'));
        return;
      }
      const concept = conceptOf(c, i, yaml);
      const twice = concept.horizons?.find((h, k) => concept.horizons!.indexOf(h) !== k);
      if (twice !== undefined) {
        issues.push(`${concept.source.horizon_at[concept.horizons!.lastIndexOf(twice)]} concepts[${i}].horizons: ${twice} appears twice (durations are compared as lengths: 60m = 1h)`);
      }
      const at = where(yaml, ['concepts', i, 'id']).text;
      const prev = seen.get(c.id);
      if (prev !== undefined) issues.push(`${at} concepts[${i}].id: duplicate concept id "${c.id}" (first at ${prev})`);
      else seen.set(c.id, at);
      out.push(concept);
    });
  }
  if (issues.length > 0) throw new SpecError(issues, { hint: 'give every concept a unique id and one list of horizons' });
  return out;
}

function conceptOf(c: RawConcept, i: number, yaml: LocatedYaml): Concept {
  const features = c.requires_features ?? [];
  const hKey = c.horizons !== undefined ? 'horizons' : 'horizons_bars';
  const hList: readonly unknown[] = c.horizons ?? c.horizons_bars ?? [];
  return {
    id: c.id,
    claim: c.claim,
    event_family: c.event_family,
    ...(c.events !== undefined ? { events: [...c.events] } : {}),
    expected: c.expected,
    ...(c.horizons !== undefined ? { horizons: c.horizons.map(canonicalDuration) } : { horizons_bars: [...(c.horizons_bars ?? [])] }),
    universe: c.universe,
    requires_features: [...features],
    pooling: c.pooling ?? 'symbol',
    ...(c.bucket !== undefined ? { bucket: { ...c.bucket } } : {}),
    source: {
      file: yaml.file,
      line: where(yaml, ['concepts', i]).line,
      event_family_line: where(yaml, ['concepts', i, 'event_family']).line,
      feature_lines: features.map((_, k) => where(yaml, ['concepts', i, 'requires_features', k]).line),
      horizon_at: hList.map((_, k) => where(yaml, ['concepts', i, hKey, k]).text),
      events_at: (c.events ?? []).map((_, k) => where(yaml, ['concepts', i, 'events', k]).text),
    },
  };
}

/** The universe in canonical form: `all`, or the given filters with their values sorted. */
export function normalizeUniverse(u: Universe): Universe {
  if (u === 'all') return 'all';
  const out: { symbols?: string[]; markets?: string[] } = {};
  if (u.markets) out.markets = [...u.markets].sort();
  if (u.symbols) out.symbols = [...u.symbols].sort();
  return out;
}

/** True when the instrument belongs to the universe. */
export function inUniverse(u: Universe, inst: { market: string; symbol: string }): boolean {
  if (u === 'all') return true;
  if (u.symbols && !u.symbols.includes(inst.symbol)) return false;
  if (u.markets && !u.markets.includes(inst.market)) return false;
  return true;
}

/** A duration in its canonical spelling (the largest whole unit): `60m` -> `1h`, `24h` -> `1d`. */
export function canonicalDuration(d: string): string {
  return barsDuration(parseDuration(d) / 60_000, '1m');
}
