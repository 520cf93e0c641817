import { defineStage } from '../../stage/definition.js';
import type { TemplatesParams } from './params.js';

/**
 * templates: spec/concepts (+ the names in spec/events and spec/features) -> research/templates: templates.jsonl
 * (content-addressed templates, ready or blocked) and spec_tasks.parquet (every reference to a missing event family
 * or feature, with its file:line). Spec-only: no lake input.
 */
export const templatesStage = defineStage<TemplatesParams>({
  name: 'templates',
  description: 'Turn the research backlog (spec/concepts) into content-addressed templates; list spec tasks for missing event families and features.',
  paramsSchema: { type: 'object', additionalProperties: false, properties: {} },
  inputs: () => [],
  specs: () => ['concepts', 'events', 'features'],
  outputs: ['research/templates'],
  usesCosts: false,
  run: async (ctx) => (await import('./run.js')).runTemplates(ctx),
});
