import { fileURLToPath } from 'node:url';
import { digestJson } from '../lib/hash.js';
import { readJsonIfExists, writeJsonAtomic } from '../lib/fsx.js';
import { codeDigest, lockfileDigest, CodeFiles } from '../lib/stage/code_digest.js';
import { resolveInside } from '../lib/paths.js';
import type { PipelineSpec, ResolvedPipeline } from './pipeline.js';

/** A resolved pipeline (spec/pipeline.yaml validated, overrides applied, every stage's parameters filled). */
export type { ResolvedPipeline } from './pipeline.js';

interface CacheFile {
  version: 1;
  salt: string;
  pipeline?: { key: string; spec: PipelineSpec; params: [string, Record<string, unknown>][] };
  specs: Record<string, string>;
  costs: Record<string, string>;
  /** sha256 of a compiled module's bytes -> the relative specifiers it imports (lib/stage/code_digest.ts). */
  imports?: Record<string, string[]>;
}

/** A Map that remembers which keys a run used, so the saved cache keeps those and drops the rest. */
class UsedMap<V = string> extends Map<string, V> {
  readonly used = new Set<string>();
  override get(k: string): V | undefined {
    this.used.add(k);
    return super.get(k);
  }
  override set(k: string, v: V): this {
    this.used?.add(k);
    return super.set(k, v);
  }
  kept(): Record<string, V> {
    // Code-unit order (not localeCompare: the ICU collator costs more to load than the whole sort).
    return Object.fromEntries([...this.entries()].filter(([k]) => this.used.has(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

/**
 * What the orchestrator keeps between runs in <data_dir>/state/decide_cache.json, so that a run which changes
 * nothing decides from the stage manifests alone: no YAML parsing, no JSON Schema compiling, no stage process.
 * Every entry is keyed by the exact bytes (sha256) it was computed from, never by a file's size or time:
 * - the resolved pipeline: by pipeline.yaml's bytes, the command-line overrides and every stage's parameter schema;
 * - a spec file's digest (canonical JSON of its parsed YAML): by the file's bytes;
 * - the cost digest: by spec/costs.yaml's bytes;
 * - the relative imports of a compiled module: by the module's bytes (every module is still read and hashed each run
 *   for the code digests; a hit only saves scanning it for imports).
 * The whole file is valid only under one salt: the Node version, package-lock.json (the YAML parser, ajv) and the
 * code that computes those values (this module, lib/stage/fingerprint, lib/costs/digest, orchestrator/pipeline and
 * what they import). Any of these changing empties the cache. So a hit gives exactly what computing would give,
 * and freshness stays as strict as without the cache. A run that fails or is a dry run writes nothing.
 */
export class DecideCache {
  readonly specs: UsedMap;
  readonly costs: UsedMap;
  readonly imports: UsedMap<readonly string[]>;
  private pipeline: CacheFile['pipeline'];
  private pipelineUsed = false;

  private constructor(private readonly file: string, private readonly salt: string, private readonly loaded: string, f: CacheFile | undefined) {
    this.specs = new UsedMap(Object.entries(f?.specs ?? {}));
    this.costs = new UsedMap(Object.entries(f?.costs ?? {}));
    this.imports = new UsedMap<readonly string[]>(Object.entries(f?.imports ?? {}));
    this.pipeline = f?.pipeline;
  }

  /**
   * Read the cache (valid only under the current salt). `codeFiles` reads the modules the salt covers (no stored
   * import scan is trusted for those: they include the scanner itself); once the salt is known, the stored scans are
   * attached to it for the stage code digests of this run.
   */
  static async open(dataDir: string, projectRoot: string, codeFiles = new CodeFiles(), lockfileCache: { value?: string } = {}): Promise<DecideCache> {
    const file = resolveInside(dataDir, 'state', 'decide_cache.json');
    const code = ['./decide_cache.js', './pipeline.js', '../lib/stage/fingerprint.js', '../lib/costs/digest.js']
      .map((rel) => codeDigest(fileURLToPath(new URL(rel, import.meta.url)), codeFiles));
    const salt = digestJson({ node: process.version, lockfile: (lockfileCache.value ??= lockfileDigest(projectRoot)), code });
    let f: CacheFile | undefined;
    try {
      f = await readJsonIfExists<CacheFile>(file);
    } catch {
      f = undefined; // unreadable (cut short by a crash): computed again and rewritten
    }
    const valid = f?.version === 1 && f.salt === salt ? f : undefined;
    const cache = new DecideCache(file, salt, valid ? JSON.stringify(valid) : '', valid);
    codeFiles.useScans(cache.imports);
    return cache;
  }

  /** The resolved pipeline stored under `key`, if any. */
  resolvedPipeline(key: string): ResolvedPipeline | undefined {
    if (this.pipeline?.key !== key) return undefined;
    this.pipelineUsed = true;
    return { spec: structuredClone(this.pipeline.spec), params: new Map(structuredClone(this.pipeline.params)) };
  }

  storePipeline(key: string, r: ResolvedPipeline): void {
    this.pipeline = { key, spec: structuredClone(r.spec), params: structuredClone([...r.params]) };
    this.pipelineUsed = true;
  }

  /** Write the cache if this run changed what it holds (called after a successful run, under the lock). */
  async save(): Promise<boolean> {
    const next: CacheFile = {
      version: 1, salt: this.salt,
      ...(this.pipeline && this.pipelineUsed ? { pipeline: this.pipeline } : {}),
      specs: this.specs.kept(), costs: this.costs.kept(), imports: this.imports.kept() as Record<string, string[]>,
    };
    const text = JSON.stringify(next);
    if (text === this.loaded) return false;
    await writeJsonAtomic(this.file, next);
    return true;
  }
}
