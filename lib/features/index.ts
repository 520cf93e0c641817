/**
 * Point-in-time features: rolling primitives, feature families, spec loading, and the two-pass computation
 * (pass 1 streams instruments into cross-sectional aggregates, pass 2 computes one instrument at a time).
 * Formulas, units and rules: README.md beside this file; time semantics: docs/research.md "Time".
 */
export type {
  InstrumentSeries, FeatureDef, FeatureSet, CrossSectionSpec, UniverseFilter, Universe, SourcePos, BarField,
} from './types.js';
export { BAR_INPUTS } from './types.js';
export {
  rollingSum, rollingMean, rollingMoments, rollingStd, rollingZscore, rollingMax, rollingMin, logReturn, checkWindow,
  type WindowOptions, type RollingMoments,
} from '../stats/rolling.js';
export { asOfIndex, asOfValues } from './asof.js';
export { FAMILIES, FAMILY_BY_NAME, familyOf, type FamilyDef, type FamilyResult, type FeatureContext } from './families.js';
export { loadFeatureSpecs, parseFeatureSpecs, featureNames, FEATURE_FILE_SCHEMA, FEATURE_NAME_PATTERN } from './spec.js';
export { buildUniverse, UniverseBuilder, universeNeeds, needsUniverse, inUniverse, instrumentKeyId, type UniverseNeeds } from './universe.js';
export {
  computeInstrumentFeatures, computeInstrumentFeaturesDetailed, computeAllFeatures, requiredBarFields, type InstrumentFeatures,
} from './compute.js';
export { featuresTable, EVENTS_TABLE } from '../lake/derived.js';
export { groupNotEvaluated, notApplicable, notEvaluatedText, notEvaluatedWarnings, instrumentNames, type NotEvaluated, type NotEvaluatedRow } from './availability.js';
