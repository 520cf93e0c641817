/** The strategy DSL: blueprints (schema, validation, ids), default policies, templates and the interpreter. */
export * from './types.js';
export { BLUEPRINT_SCHEMA } from './schema.js';
export { blueprintId, withId } from './id.js';
export {
  validateBlueprint, blueprintFeatures, blueprintEvents, conditionNames, type BlueprintContext,
} from './validate.js';
export {
  DEFAULT_POLICIES, DEFAULT_SIZING, FALLBACK_POLICY, defaultPolicy, blueprintFromCandidate,
  type Policy, type ExitLevels, type CandidateLike, type CandidateExtra,
} from './policies.js';
export {
  meanReversionBlueprint, momentumBlueprint, pairsBlueprint, templateGrid,
  MEAN_REVERSION_DEFAULTS, TEMPLATE_DURATIONS, resolveTemplateParams, templateParamNames, MOMENTUM_DEFAULTS, PAIRS_DEFAULTS,
  type MeanReversionParams, type MomentumParams, type PairsParams, type TemplateCommon, type TemplateGridSpec,
} from './templates.js';
export {
  compileStrategy, checkSlice, prepareSignals, type PreparedSignals, type CompileOptions, type CompiledStrategy,
} from './compile.js';
export type { MarketSlice, EventSeries } from './slice.js';
export { DECISION_CODES, type Decision, type DecisionCode } from './decisions.js';
export { runBlueprint, prepareRun, engineInputFor, type RunOptions, type BlueprintRun } from './run.js';
export { computeIndicators, ema } from './indicators.js';
export { rollingCoMoments, pairsSeries, hedgedVolatility, type CoMoments, type PairsSeries } from './pairs_math.js';
export {
  screenPairs, screenedOutTrials, PAIRS_SCREEN_DEFAULTS, SCREEN_METHODS, SCREEN_BUCKETS,
  type PairsScreenConfig, type PairsScreenResult, type ScreenedPair, type ScreenInstrument, type ScreenMethod, type ScreenBucket,
} from './pairs_screen.js';
