/**
 * The events stage's side file, apart from the stage's code: discovery and plan read it, and importing the name from
 * run.ts would load the events stage (its detection and lake writers) into theirs.
 */

/** Beside the event partitions: counts and the events that could not be evaluated (read by discovery). */
export const EVENTS_INFO_FILE = '_events.json';
