/** Events: the spec language (spec/events/*.yaml) and detection on point-in-time feature columns. */
export {
  parseEventSpecs, loadEventSpecs, requiredFeatures, eventFeatures, EVENTS_FILE_SCHEMA, COMPARE_OPS,
  withThreshold, type EventSet, type EventSpec, type EventVariant, type Condition, type Direction, type Operand, type CompareOp, type SourcePos,
} from './spec.js';
export { detectEvents, evaluateCondition, directionSigns, attributesJson, FALSE, TRUE, UNKNOWN, type EventRows, type EventDetection, type CooldownCounts } from './detect.js';
export { readEventPartitions } from './read.js';
export { blockingFeatures } from './availability.js';
export { expandVariantNames, numberSuffix, thresholdLeaves, VARIANT_DIRECTIONS, type RawVariants, type VariantChoice, type VariantDirection } from './variants.js';
