import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { TIMEFRAMES, parseTimeframe, type Timeframe } from '../lib/timeframe.js';
import { UsageError } from '../lib/errors.js';
import { digestJson, sha256Hex } from '../lib/hash.js';
import type { Registry } from './registry_types.js';
import type { JsonSchemaObject } from '../lib/stage/definition.js';

/** spec/pipeline.yaml: the pipeline-wide timeframe, parallelism, and each stage's parameters. */
export interface PipelineSpec {
  timeframe: Timeframe;
  jobs: number;
  stages: Record<string, Record<string, unknown>>;
}

export function pipelineSchema(registry: Registry): object {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      timeframe: { enum: TIMEFRAMES, default: '5m', description: 'the backtest bar size used everywhere (--backtest_timeframe overrides)' },
      jobs: { type: 'integer', minimum: 1, maximum: 64, default: 2, description: 'stages run in parallel at most' },
      stages: {
        type: 'object',
        additionalProperties: false,
        default: {},
        description: 'parameters per stage; see each stage\'s --help',
        // Each stage's own schema, so a bad stage parameter is located (file:line:col) with every other problem.
        // Top-level `required` is relaxed here: the orchestrator injects some (timeframe) and checks again after.
        properties: Object.fromEntries(registry.map((r) => [r.def.name, withoutRequired(r.def.paramsSchema as JsonSchemaObject)])),
      },
    },
  };
}

function withoutRequired(schema: JsonSchemaObject): object {
  const { required: _required, ...rest } = schema;
  return { ...rest, default: {} };
}

export interface PipelineOverrides {
  timeframe?: string;
  /** 'stage.key=value' pairs */
  set?: string[];
  allowSynthetic?: boolean;
}

/**
 * Load the pipeline spec (located errors through the spec loader), apply command-line overrides, inject the
 * pipeline timeframe into stages that take one, and validate every stage's parameters (defaults filled there).
 */
export async function resolvePipeline(
  file: string,
  registry: Registry,
  ov: PipelineOverrides,
): Promise<ResolvedPipeline> {
  // Loaded here, not at the top: a run whose pipeline is in the decide cache never loads ajv nor the YAML parser.
  const { loadSpecFile } = await import('../lib/spec/loader.js');
  const { validateParams, setOverride } = await import('../lib/stage/params.js');
  const spec: PipelineSpec = existsSync(file)
    ? await loadSpecFile<PipelineSpec>(file, pipelineSchema(registry) as never)
    : { timeframe: '5m', jobs: 2, stages: {} };
  if (ov.timeframe) spec.timeframe = parseTimeframe(ov.timeframe, '--backtest_timeframe');
  const raw: Record<string, Record<string, unknown>> = structuredClone(spec.stages);
  for (const s of ov.set ?? []) {
    const eq = s.indexOf('=');
    const dot = s.indexOf('.');
    if (eq < 0 || dot < 1 || dot > eq) throw new UsageError(`--set expects stage.key=value, was ${JSON.stringify(s)}`);
    const stage = s.slice(0, dot);
    if (!registry.some((r) => r.def.name === stage)) {
      throw new UsageError(`--set ${s}: unknown stage "${stage}". Available: ${registry.map((r) => r.def.name).join(', ')}`);
    }
    setOverride((raw[stage] ??= {}), s.slice(dot + 1, eq), s.slice(eq + 1), `--set ${s}`);
  }
  const params = new Map<string, Record<string, unknown>>();
  for (const { def } of registry) {
    const p = { ...(raw[def.name] ?? {}) };
    const props = (def.paramsSchema as JsonSchemaObject).properties;
    if ('timeframe' in props && (ov.timeframe || p.timeframe === undefined)) p.timeframe = spec.timeframe;
    if ('allow_synthetic' in props && ov.allowSynthetic) p.allow_synthetic = true;
    params.set(def.name, validateParams(def.name, def.paramsSchema, p));
  }
  return { spec, params };
}

/** A resolved pipeline: the spec and each stage's validated parameters. */
export interface ResolvedPipeline {
  spec: PipelineSpec;
  params: Map<string, Record<string, unknown>>;
}

/** What resolvePipelineCached needs of the decide cache (orchestrator/decide_cache.ts DecideCache). */
export interface PipelineCache {
  resolvedPipeline(key: string): ResolvedPipeline | undefined;
  storePipeline(key: string, r: ResolvedPipeline): void;
}

/**
 * resolvePipeline through the decide cache (orchestrator/decide_cache.ts): the same result, without parsing and
 * validating again when pipeline.yaml's bytes, the overrides and every stage's parameter schema are those the
 * cached result was computed from. Only successful resolutions are stored; a bad file or flag fails as before.
 */
export async function resolvePipelineCached(
  file: string,
  registry: Registry,
  ov: PipelineOverrides,
  cache: PipelineCache | undefined,
): Promise<ResolvedPipeline> {
  if (!cache) return resolvePipeline(file, registry, ov);
  const bytes = existsSync(file) ? sha256Hex(await readFile(file)) : 'missing';
  const key = digestJson({
    file, bytes,
    ov: { timeframe: ov.timeframe ?? null, set: ov.set ?? [], allowSynthetic: ov.allowSynthetic ?? false },
    schemas: registry.map((r) => [r.def.name, r.def.paramsSchema]),
  });
  const hit = cache.resolvedPipeline(key);
  if (hit) return hit;
  const r = await resolvePipeline(file, registry, ov);
  cache.storePipeline(key, r);
  return r;
}
