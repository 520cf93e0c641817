/** Events: the spec language (spec/events/*.yaml) and detection on point-in-time feature columns. */
export {
  parseEventSpecs, loadEventSpecs, requiredFeatures, eventFeatures, EVENTS_FILE_SCHEMA, COMPARE_OPS,
  type EventSet, type EventSpec, type Condition, type Direction, type Operand, type CompareOp, type SourcePos,
} from './spec.js';
export { detectEvents, evaluateCondition, directionSigns, attributesJson, FALSE, TRUE, UNKNOWN, type EventRows } from './detect.js';
export { readEventPartitions } from './read.js';
export { blockingFeatures } from './availability.js';
