/**
 * The discovery funnel's "not evaluated" list: events that can never fire on some instruments because a feature they
 * read has no input data there (lake/events/_events.json, written by the events stage). Their candidates have no
 * occurrences, which is no evidence about the hypothesis: the funnel names them with what they need.
 */
import { join } from 'node:path';
import { readJsonIfExists } from '../../fsx.js';
import { notEvaluatedText, type NotEvaluated } from '../../features/availability.js';
import type { EventsInfo } from '../events/run.js';
import { EVENTS_INFO_FILE } from '../events/files.js';

/** lake/events/_events.json as written by the events stage, or {} for a lake written before the file existed. */
export async function readEventsInfo(eventsDir: string): Promise<Partial<EventsInfo>> {
  return (await readJsonIfExists<Partial<EventsInfo>>(join(eventsDir, EVENTS_INFO_FILE))) ?? {};
}

/** The events stage's list, or [] for a lake written before the file existed. */
export async function readEventsNotEvaluated(eventsDir: string): Promise<NotEvaluated[]> {
  return (await readEventsInfo(eventsDir)).not_evaluated ?? [];
}

/** The "## Not evaluated" section of summary.md (nothing when everything could be evaluated everywhere). */
export function notEvaluatedMarkdown(list: readonly NotEvaluated[]): string[] {
  if (list.length === 0) return [];
  const events = list.filter((e) => e.kind === 'event');
  const features = list.filter((e) => e.kind === 'feature');
  return [
    '## Not evaluated',
    '',
    ...(events.length > 0 ? [
      'Events that cannot fire where a feature they read has no input data: their candidates have no occurrences there, ' +
        'which says nothing about the hypothesis. Ingest the missing data to test them.',
      '',
      ...events.map((e) => `- event ${notEvaluatedText(e)}${e.family ? ` [family ${e.family}]` : ''}`),
      '',
    ] : []),
    ...(features.length > 0 ? [
      'Features with no input data on some instruments (all NaN there: conditions and rules reading them are never true).',
      '',
      ...features.map((e) => `- feature ${notEvaluatedText(e)}`),
      '',
    ] : []),
  ];
}
