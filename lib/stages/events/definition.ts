import { defineStage } from '../../stage/definition.js';
import { EVENTS_PARAMS_SCHEMA, type EventsParams } from './params.js';

/**
 * events: lake/features -> lake/events. Evaluates spec/events/*.yaml on each instrument's point-in-time feature
 * columns of one timeframe, one instrument at a time. Feature names are read from the features partitions' Parquet
 * schema (so the stage depends on spec/events only; the features lake digest covers the rest).
 */
export const eventsStage = defineStage<EventsParams>({
  name: 'events',
  description: 'Detect spec/events conditions on lake/features (point in time, with cooldowns); write lake/events.',
  paramsSchema: EVENTS_PARAMS_SCHEMA as never,
  inputs: () => ['lake/features'],
  specs: () => ['events'],
  outputs: ['lake/events'],
  usesCosts: false,
  run: async (ctx) => (await import('./run.js')).runEvents(ctx),
  shards: async () => (await import('./run.js')).eventsShards,
});
