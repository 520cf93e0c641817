import type { Logger } from '../log.js';

/**
 * A stage is data first: what it reads, what it writes, its parameters' schema, and `run`.
 * Paths in `inputs` and `outputs` are relative to the data directory (e.g. 'lake/cleaned'); the orchestrator
 * derives the graph from them. `externalInputs` are paths outside the data directory (a source folder).
 * `specs` are spec files relative to the spec directory.
 */
export interface StageDefinition<P = Record<string, unknown>> {
  name: string;
  description: string;
  paramsSchema: JsonSchemaObject;
  inputs: (params: P) => string[];
  externalInputs?: (params: P) => string[];
  specs: (params: P) => string[];
  outputs: readonly string[];
  usesCosts: boolean;
  /**
   * True when the outputs name the run that wrote them (the strategy report's header shows its run id). Apart from
   * the run id they are byte-identical on identical inputs; the contract suite compares them with the run id replaced.
   */
  stampsRunId?: boolean;
  /**
   * Checks of the resolved parameters that need no data and catch a usage mistake (throw a UsageError, exit 2):
   * run by the orchestrator for every selected stage before it takes the lock (dry runs too), and by the stage.
   */
  preflight?: (params: P) => void;
  run: (ctx: StageContext<P>) => Promise<StageRunSummary>;
}

export interface JsonSchemaObject {
  type: 'object';
  properties: Record<string, object>;
  required?: string[];
  additionalProperties: false;
  [k: string]: unknown;
}

export interface StageContext<P> {
  params: P;
  runId: string;
  dataDir: string;
  specDir: string;
  log: Logger;
  /** Absolute path of a declared input (committed by the stage that produced it). */
  input: (path: string) => string;
  /** Absolute path to write a declared output into (a staging area; renamed into place on success). */
  output: (path: string) => string;
  /** The currently committed version of a declared output, if any (for incremental stages). */
  previousOutput: (path: string) => string | undefined;
  /** The resolved cost config and its digest, for stages with usesCosts. */
  costs: { config: unknown; digest: string } | undefined;
  /** Injected clock (ms since epoch); QUANTLAB_NOW_MS fixes it for reproducible provenance. */
  now: () => number;
  signal: AbortSignal;
  /** Report progress of long work; logged at most every few seconds. */
  progress: (done: number, total: number, unit: string) => void;
}

/** What a stage reports back; recorded in its manifest and the run record. */
export interface StageRunSummary {
  rows?: Record<string, number>;
  metrics?: Record<string, number | string | boolean>;
  warnings?: string[];
}

export function defineStage<P>(def: StageDefinition<P>): StageDefinition<P> {
  return def;
}
