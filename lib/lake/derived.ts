/**
 * Schemas of the derived tables the research stages write (lake/features, lake/events), beside the raw and cleaned
 * ones in schema.ts, so the events reader (lib/events/read.ts) and any other system find them in the lake core.
 */
import type { TableSchema } from './schema.js';

/**
 * The features table: one Parquet partition per instrument, timeframe and month, `ts_ms` (bar OPEN time, the
 * same grid as cleaned/bars) plus one DOUBLE column per feature (NULL = missing: burn-in, missing input).
 * The value in the row of bar t is known at the CLOSE of bar t (ts_ms + timeframe).
 */
export function featuresTable(featureNames: readonly string[]): TableSchema {
  return {
    dir: 'features',
    partitionBy: ['exchange', 'market', 'symbol', 'timeframe', 'month'],
    columns: [
      { name: 'ts_ms', type: 'ts', description: 'bar OPEN time on the UTC grid; the value is known at the bar close' },
      ...featureNames.map((name) => ({ name, type: 'f64' as const, description: `feature ${name} (spec/features)` })),
    ],
    description: 'point-in-time feature columns per instrument and timeframe',
  };
}

/** The events table: one row per event occurrence, partitioned like the features it was detected on. */
export const EVENTS_TABLE: TableSchema = {
  dir: 'events',
  partitionBy: ['exchange', 'market', 'symbol', 'timeframe', 'month'],
  columns: [
    { name: 'ts_ms', type: 'ts', description: 'OPEN time of the bar at whose CLOSE the condition held; entry is the next bar at the earliest' },
    { name: 'event', type: 'str', description: 'event name (spec/events)' },
    { name: 'family', type: 'str', description: 'event family: events that are parameter variants of one idea' },
    { name: 'direction', type: 'i32', description: '+1 long, -1 short: the trade the event suggests before a concept follows or fades it' },
    { name: 'attributes', type: 'str', description: 'JSON object of the attribute features at the event bar' },
  ],
  description: 'event occurrences per instrument and timeframe',
};
