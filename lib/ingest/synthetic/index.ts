/**
 * The seeded synthetic market: the platform's offline default dataset and the ground truth for tests that
 * check discovery recovers planted edges. Pure and deterministic: the same params give bit-identical arrays on
 * any machine. Model, formulas and sizes: README.md beside this file.
 */
export type { SyntheticParams } from './params.js';
export {
  SYNTHETIC_DEFAULTS,
  SYNTHETIC_PARAMS_SCHEMA,
  FUNDING_INTERVALS_HOURS,
  checkSyntheticParams,
  resolveSyntheticParams,
  syntheticSymbols,
  barCount,
} from './params.js';
export type { SyntheticSymbolData } from './generate.js';
export { generateSymbol } from './generate.js';
export type { PlantedEdge } from './edges.js';
export type { EdgeId } from './edge_ids.js';
export { plantedEdges, EDGE_SPECS, EDGE_IDS, edgeEffectBps, edgeHorizonBars } from './edges.js';
export type { SymbolProfile } from './profile.js';
export { symbolProfile } from './profile.js';
export { REGIMES, REGIME_PARAMS } from './market_factor.js';
