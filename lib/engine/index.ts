export * from './types.js';
export { Engine, runEngine, trailingDailyVolBps, trailingSum, type EngineContext, type Strategy } from './engine.js';
export * from './exposure.js';
