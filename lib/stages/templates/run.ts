import { join } from 'node:path';
import { LakeDb, writeTableFile, dictColumn } from '../../lake/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../../fsx.js';
import { loadConcepts } from '../../research/concepts.js';
import { loadCatalog } from '../../research/catalog.js';
import { buildTemplates, templatesJsonl, SPEC_TASKS_COLUMNS, type SpecTask } from '../../research/templates.js';
import type { StageContext, StageRunSummary } from '../../stage/definition.js';
import type { TemplatesParams } from './params.js';
import { unusedEventFamilies, unusedEventsWarning } from '../../research/concept_funnel.js';

/** research/templates/unused_events.json: the spec/events families no concept names (read by the plan stage). */
export const UNUSED_EVENTS_FILE = 'unused_events.json';

/** The templates stage's work, loaded only when the stage runs. */
export async function runTemplates(ctx: StageContext<TemplatesParams>): Promise<StageRunSummary> {
  const concepts = await loadConcepts(ctx.specDir);
  const catalog = await loadCatalog(ctx.specDir);
  const { templates, specTasks } = buildTemplates(concepts, catalog);
  const out = ctx.output('research/templates');
  await writeFileAtomic(join(out, 'templates.jsonl'), templatesJsonl(templates));
  const unused = unusedEventFamilies(catalog.eventFamilies, catalog.familySources, concepts.map((c) => c.event_family));
  await writeJsonAtomic(join(out, UNUSED_EVENTS_FILE), { unused_event_families: unused });
  const db = await LakeDb.open({ threads: 1 });
  try {
    await writeTableFile(db, join(out, 'spec_tasks.parquet'), SPEC_TASKS_COLUMNS, specTaskColumns(specTasks));
  } finally {
    db.close();
  }
  const ready = templates.filter((t) => t.status === 'ready').length;
  const warnings = catalog.missingFolders.map((f) => `spec/${f}/ does not exist: every ${f === 'events' ? 'event family' : 'feature'} reference is missing`);
  if (specTasks.length > 0) warnings.push(blockedWarning(templates.length, ready, specTasks));
  const unusedWarning = unusedEventsWarning(unused);
  if (unusedWarning) warnings.push(unusedWarning);
  for (const w of warnings) ctx.log.warn(w);
  return {
    rows: { templates: templates.length, spec_tasks: specTasks.length },
    metrics: { ready, blocked: templates.length - ready, event_families: catalog.eventFamilies.size, unused_event_families: unused.length, features: catalog.features.size },
    warnings,
  };
}

/**
 * One warning naming every blocked concept, what it references that the specs do not declare (with the concept's
 * file:line) and the two ways out: declare it, or drop the concept.
 */
export function blockedWarning(total: number, ready: number, tasks: readonly SpecTask[]): string {
  const byConcept = new Map<string, SpecTask[]>();
  for (const t of tasks) byConcept.set(t.concept_id, [...(byConcept.get(t.concept_id) ?? []), t]);
  const what = (t: SpecTask) => (t.kind === 'event_family'
    ? `event family ${t.name} (no spec/events/*.yaml event has family: ${t.name})`
    : `feature ${t.name} (not in spec/features/*.yaml)`);
  const parts = [...byConcept].map(([concept, ts]) => `concept ${concept} (${ts[0]!.source}) needs ${ts.map(what).join(' and ')}`);
  return `${total - ready} of ${total} templates blocked by ${tasks.length} spec tasks (research/templates/spec_tasks.parquet): ${parts.join('; ')}. ` +
    'Declare what is missing, or remove the concept from its spec/concepts file (it is not researched until then)';
}

function specTaskColumns(rows: readonly SpecTask[]) {
  const col = (k: keyof SpecTask) => dictColumn(rows.map((r) => String(r[k])));
  return Object.fromEntries(SPEC_TASKS_COLUMNS.map((c) => [c.name, col(c.name)]));
}
