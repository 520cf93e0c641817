/**
 * Templates: concepts with a content-derived id, checked against the event families and features the specs
 * declare. A template is `ready` when its event family has events and every required feature exists, else
 * `blocked`, and each missing reference becomes a spec task (a row of spec_tasks.parquet) located at its file:line.
 */
import { DataError, SpecError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../hash.js';
import { durationBars, parseDuration, type Timeframe } from '../timeframe.js';
import { canonicalDuration, normalizeUniverse, type BucketSpec, type Concept, type Expected, type Universe } from './concepts.js';
import type { Catalog } from './catalog.js';
import { closestName } from '../text.js';
import { validBucketSpec } from './buckets.js';

export type TemplateStatus = 'ready' | 'blocked';

/** One line of templates.jsonl. */
export interface Template {
  id: string;
  concept_id: string;
  claim: string;
  event_family: string;
  expected: Expected;
  /** Forward horizons as canonical durations, shortest first (exclusive with horizons_bars). */
  horizons?: string[];
  /** Forward horizons in bars, ascending (only for a concept written with `horizons_bars`). */
  horizons_bars?: number[];
  /** `spec/concepts/x.yaml:LINE:COL` of each horizon, in the order of horizons / horizons_bars. */
  horizons_at: string[];
  universe: Universe;
  /** Sorted. */
  requires_features: string[];
  /** Present only for a pooled concept (`universe` or `bucket`); absent = one candidate per instrument. */
  pooling?: 'universe' | 'bucket';
  /** The buckets of `pooling: bucket`. */
  bucket?: BucketSpec;
  /** The family's events (parameter variants) declared in spec/events, sorted; [] when the family is missing. */
  events: string[];
  status: TemplateStatus;
  missing: { event_families: string[]; features: string[] };
  /** `spec/concepts/x.yaml:LINE` of the concept. */
  source: string;
}

export type SpecTaskKind = 'event_family' | 'feature';

/** A claim that references something the specs do not declare yet. */
export interface SpecTask {
  template_id: string;
  concept_id: string;
  kind: SpecTaskKind;
  name: string;
  claim: string;
  /** `spec/concepts/x.yaml:LINE` of the reference. */
  source: string;
}

/**
 * The fields a template id is derived from: the claim's meaning, not its wording nor its position in the spec.
 * Horizons given as durations enter as durations (canonical, shortest first), so a template has the same id at
 * every timeframe: the timeframe is part of each candidate's id instead. Horizons given in bars enter as bars.
 */
export function templateSemantics(
  c: Pick<Concept, 'event_family' | 'expected' | 'horizons' | 'horizons_bars' | 'universe' | 'requires_features'> & { pooling?: Concept['pooling']; bucket?: BucketSpec; events?: string[] },
) {
  return {
    event_family: c.event_family,
    // Only when the concept names events (variants): templates of every event of a family keep their ids.
    ...(c.events !== undefined ? { events: [...c.events].sort(cmp) } : {}),
    expected: c.expected,
    ...(c.horizons !== undefined
      ? { horizons: c.horizons.map(canonicalDuration).sort((a, b) => parseDuration(a) - parseDuration(b)) }
      : { horizons_bars: [...(c.horizons_bars ?? [])].sort((a, b) => a - b) }),
    universe: normalizeUniverse(c.universe),
    requires_features: [...c.requires_features].sort(cmp),
    // pooling is semantic (a pooled test is another hypothesis); the default enters nothing, so per-instrument ids are stable
    ...(c.pooling === 'universe' ? { pooling: 'universe' as const } : {}),
    ...(c.pooling === 'bucket' && c.bucket ? { pooling: 'bucket' as const, bucket: { ...c.bucket } } : {}),
  };
}

/** `tpl-` + the first 12 hex of SHA-256(canonical JSON of templateSemantics(c)). */
export function templateIdOf(c: Parameters<typeof templateSemantics>[0]): string {
  return 'tpl-' + sha256Hex(canonicalJson(templateSemantics(c))).slice(0, 12);
}

/**
 * Templates (sorted by id) and spec tasks (sorted by template id, kind, name) of the concepts. Two concepts with
 * the same template id (the same claim twice, perhaps reworded) are a located error naming both.
 */
export function buildTemplates(concepts: readonly Concept[], catalog: Catalog): { templates: Template[]; specTasks: SpecTask[] } {
  const byId = new Map<string, Concept>();
  const issues: string[] = [];
  const templates: Template[] = [];
  const specTasks: SpecTask[] = [];
  for (const c of concepts) {
    const id = templateIdOf(c);
    const prev = byId.get(id);
    if (prev) {
      issues.push(
        `${c.source.file}:${c.source.line} concept "${c.id}" is the same template (${id}) as concept "${prev.id}" at ` +
          `${prev.source.file}:${prev.source.line}: same event_family, expected, horizons, universe, features and pooling`,
      );
      continue;
    }
    byId.set(id, c);
    const sem = templateSemantics(c);
    const family = catalog.eventFamilies.get(c.event_family) ?? [];
    const missingFamilies = family.length === 0 ? [c.event_family] : [];
    if (c.events !== undefined && family.length > 0) {
      c.events.forEach((e, k) => {
        if (family.includes(e)) return;
        const guess = closestName(e, family);
        issues.push(`${c.source.events_at[k] ?? `${c.source.file}:${c.source.line}`} concept "${c.id}" events[${k}]: ${JSON.stringify(e)} is not an event of family ` +
          `${c.event_family} (${guess ? `did you mean "${guess}"? ` : ''}its events: ${family.join(', ')})`);
      });
    }
    const events = c.events !== undefined && family.length > 0 ? [...c.events].sort(cmp) : family;
    const missingFeatures = sem.requires_features.filter((f) => !catalog.features.has(f));
    const task = (kind: SpecTaskKind, name: string, line: number): SpecTask => ({
      template_id: id, concept_id: c.id, kind, name, claim: c.claim, source: `${c.source.file}:${line}`,
    });
    for (const f of missingFamilies) specTasks.push(task('event_family', f, c.source.event_family_line));
    for (const f of missingFeatures) specTasks.push(task('feature', f, c.source.feature_lines[c.requires_features.indexOf(f)] ?? c.source.line));
    templates.push({
      id,
      concept_id: c.id,
      claim: c.claim,
      ...sem,
      horizons_at: sortedHorizonPlaces(c),
      events: [...events],
      status: missingFamilies.length === 0 && missingFeatures.length === 0 ? 'ready' : 'blocked',
      missing: { event_families: missingFamilies, features: missingFeatures },
      source: `${c.source.file}:${c.source.line}`,
    });
  }
  if (issues.length > 0) {
    throw new SpecError(issues, {
      hint: 'merge duplicate concepts or make them differ in a semantic field; name only events of the concept\'s family (spec/events, variants included)',
    });
  }
  templates.sort((a, b) => cmp(a.id, b.id));
  specTasks.sort((a, b) => cmp(a.template_id, b.template_id) || cmp(a.kind, b.kind) || cmp(a.name, b.name));
  return { templates, specTasks };
}

/** Each horizon's spec position, in the template's (sorted) horizon order. */
function sortedHorizonPlaces(c: Concept): string[] {
  const keys = c.horizons !== undefined ? c.horizons.map((d) => parseDuration(d)) : (c.horizons_bars ?? []);
  return keys.map((k, i) => ({ k, at: c.source.horizon_at[i] ?? `${c.source.file}:${c.source.line}` }))
    .sort((a, b) => a.k - b.k).map((x) => x.at);
}

/**
 * Each horizon of a template in bars of `tf`: durations converted (a duration that is not a whole number of bars
 * is a located SpecError naming the spec position), bars as given. Problems of all templates are reported at once.
 */
export function templateHorizonBars(templates: readonly Template[], tf: Timeframe): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const issues: string[] = [];
  for (const t of templates) {
    if (t.horizons === undefined) {
      out.set(t.id, [...(t.horizons_bars ?? [])]);
      continue;
    }
    const bars: number[] = [];
    t.horizons.forEach((d, i) => {
      try {
        bars.push(durationBars(d, tf, `${t.horizons_at[i] ?? t.source} concept ${t.concept_id} horizons[${i}]`));
      } catch (err) {
        if (!(err instanceof SpecError)) throw err;
        issues.push(...err.issues);
      }
    });
    out.set(t.id, bars);
  }
  if (issues.length > 0) {
    throw new SpecError(issues, {
      hint: `at ${tf} every horizon must be a whole number of ${tf} bars: change the horizons in spec/concepts, or run a finer --backtest_timeframe`,
    });
  }
  return out;
}

/** templates.jsonl: one canonical JSON object per line, in the given (id) order, newline-terminated. */
export function templatesJsonl(templates: readonly Template[]): string {
  return templates.map((t) => canonicalJson(t) + '\n').join('');
}

/** Parse templates.jsonl (written by `templatesJsonl`); `file` names the file in errors. */
export function parseTemplatesJsonl(text: string, file: string): Template[] {
  const out: Template[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let t: Template;
    try {
      t = JSON.parse(line) as Template;
    } catch (e) {
      throw new DataError(`not a JSON object (${(e as Error).message})`, { file, line: i + 1 }, { hint: 'rerun the templates stage' });
    }
    const ok =
      typeof t?.id === 'string' && typeof t.event_family === 'string' && (t.expected === 'follow' || t.expected === 'fade') &&
      (Array.isArray(t.horizons) || Array.isArray(t.horizons_bars)) && Array.isArray(t.horizons_at) && Array.isArray(t.events) && (t.status === 'ready' || t.status === 'blocked') && t.universe !== undefined &&
      (t.pooling === undefined || t.pooling === 'universe' || (t.pooling === 'bucket' && validBucketSpec(t.bucket)));
    if (!ok) throw new DataError('not a template record', { file, line: i + 1 }, { hint: 'rerun the templates stage' });
    out.push(t);
  });
  return out;
}

/** The columns of spec_tasks.parquet. */
export const SPEC_TASKS_COLUMNS = [
  { name: 'template_id', type: 'str' },
  { name: 'concept_id', type: 'str' },
  { name: 'kind', type: 'str' },
  { name: 'name', type: 'str' },
  { name: 'claim', type: 'str' },
  { name: 'source', type: 'str' },
] as const;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
