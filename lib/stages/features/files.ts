/**
 * The features stage's side file, apart from the stage's code: the events and blueprint stages read it, and
 * importing the name from run.ts would load the features stage into theirs.
 */

/** Beside the partitions: what was computed (feature definitions, per-instrument availability, NaN shares). */
export const FEATURES_INFO_FILE = '_features.json';
