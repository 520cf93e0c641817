import { join } from 'node:path';
import { LakeDb, writeTableFile, dictColumn } from '../../lake/index.js';
import { writeFileAtomic } from '../../fsx.js';
import { loadConcepts } from '../../research/concepts.js';
import { loadCatalog } from '../../research/catalog.js';
import { buildTemplates, templatesJsonl, SPEC_TASKS_COLUMNS, type SpecTask } from '../../research/templates.js';
import type { StageContext, StageRunSummary } from '../../stage/definition.js';
import type { TemplatesParams } from './definition.js';

/** The templates stage's work, loaded only when the stage runs. */
export async function runTemplates(ctx: StageContext<TemplatesParams>): Promise<StageRunSummary> {
  const concepts = await loadConcepts(ctx.specDir);
  const catalog = await loadCatalog(ctx.specDir);
  const { templates, specTasks } = buildTemplates(concepts, catalog);
  const out = ctx.output('research/templates');
  await writeFileAtomic(join(out, 'templates.jsonl'), templatesJsonl(templates));
  const db = await LakeDb.open({ threads: 1 });
  try {
    await writeTableFile(db, join(out, 'spec_tasks.parquet'), SPEC_TASKS_COLUMNS, specTaskColumns(specTasks));
  } finally {
    db.close();
  }
  const ready = templates.filter((t) => t.status === 'ready').length;
  const warnings = catalog.missingFolders.map((f) => `spec/${f}/ does not exist: every ${f === 'events' ? 'event family' : 'feature'} reference is missing`);
  if (specTasks.length > 0) {
    warnings.push(`${templates.length - ready} of ${templates.length} templates blocked by ${specTasks.length} spec tasks (research/templates/spec_tasks.parquet)`);
  }
  for (const w of warnings) ctx.log.warn(w);
  return {
    rows: { templates: templates.length, spec_tasks: specTasks.length },
    metrics: { ready, blocked: templates.length - ready, event_families: catalog.eventFamilies.size, features: catalog.features.size },
    warnings,
  };
}

function specTaskColumns(rows: readonly SpecTask[]) {
  const col = (k: keyof SpecTask) => dictColumn(rows.map((r) => String(r[k])));
  return Object.fromEntries(SPEC_TASKS_COLUMNS.map((c) => [c.name, col(c.name)]));
}
