import { readdir, stat } from 'node:fs/promises';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { digestJson, sha256Hex } from '../hash.js';
import { codeDigest, lockfileDigest, type CodeFiles } from './code_digest.js';
import type { StageDefinition } from './definition.js';

/** Everything a stage's result depends on. Equal parts -> equal fingerprint -> the stage is skipped. */
export interface FingerprintParts {
  code: string;
  lockfile: string;
  node: string;
  params: string;
  specs: Record<string, string>;
  inputs: Record<string, string>;
  external: Record<string, string>;
  costs: string | null;
}

export interface FingerprintEnv {
  dataDir: string;
  specDir: string;
  projectRoot: string;
  /** Compiled entry of the stage (dist/stages/<name>.js). */
  script: string;
  /** Output path -> digest, from committed stage manifests. */
  committed: Map<string, string>;
  /** Digest of the resolved cost config (only asked for when the stage uses costs). */
  costDigest: () => Promise<string>;
  /** Per run: each compiled file read and hashed once for every stage's code digest (lib/stage/code_digest.ts). */
  codeFiles?: CodeFiles;
  /** Per run: the package-lock.json digest, read once. */
  lockfileCache?: { value?: string };
  /**
   * sha256 of a spec file's bytes -> its digest (canonical JSON of the parsed YAML). Keyed by content, so it may be
   * kept across runs (the orchestrator's decide cache) as long as the YAML parser and this code are the same.
   */
  specCache?: Map<string, string>;
  /**
   * A spec file or folder (absolute path) -> its digests, shared by the decisions of one run that list it (the
   * orchestrator drops it whenever a stage process ends, with the manifests it read).
   */
  specMemo?: Map<string, Record<string, string>>;
}

export async function fingerprintParts<P>(def: StageDefinition<P>, params: P, env: FingerprintEnv): Promise<FingerprintParts> {
  const specs: Record<string, string> = {};
  for (const s of def.specs(params)) Object.assign(specs, await specDigests(env.specDir, s, env.specCache, env.specMemo));
  const inputs: Record<string, string> = {};
  for (const i of def.inputs(params)) {
    inputs[i] = env.committed.get(i) ?? (await statDigest(join(env.dataDir, i)));
  }
  const external: Record<string, string> = {};
  for (const e of def.externalInputs?.(params) ?? []) external[e] = await statDigest(e);
  return {
    code: codeDigest(env.script, env.codeFiles),
    lockfile: env.lockfileCache ? (env.lockfileCache.value ??= lockfileDigest(env.projectRoot)) : lockfileDigest(env.projectRoot),
    node: process.version,
    params: digestJson(params),
    specs,
    inputs,
    external,
    costs: def.usesCosts ? await env.costDigest() : null,
  };
}

export function fingerprintOf(parts: FingerprintParts): string {
  return digestJson(parts);
}

/** Which parts differ, as readable reasons: ['params', 'input lake/raw', 'spec costs.yaml', 'code']. */
export function changedParts(old: FingerprintParts, now: FingerprintParts): string[] {
  const out: string[] = [];
  for (const k of ['code', 'lockfile', 'node', 'params', 'costs'] as const) if (old[k] !== now[k]) out.push(k === 'lockfile' ? 'dependencies' : k);
  for (const [kind, a, b] of [['spec', old.specs, now.specs], ['input', old.inputs, now.inputs], ['source', old.external, now.external]] as const) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) if (a[key] !== b[key]) out.push(`${kind} ${key}`);
  }
  return out;
}

/**
 * Specs are digested by their parsed content (canonical JSON), so reordering keys or reformatting a YAML
 * file changes nothing. A directory digests each YAML file in it. Read synchronously: a few small files, and the
 * callers (the orchestrator's decisions, a stage's start) wait for them anyway.
 */
async function specDigests(specDir: string, rel: string, cache?: Map<string, string>, memo?: Map<string, Record<string, string>>): Promise<Record<string, string>> {
  const abs = join(specDir, rel);
  const memoKey = `${abs}\0${rel}`;
  const hit = memo?.get(memoKey);
  if (hit) return hit;
  let out: Record<string, string>;
  if (!existsSync(abs)) out = { [rel]: 'missing' };
  else if (!statSync(abs).isDirectory()) out = { [rel]: await specFileDigest(abs, cache) };
  else {
    out = {};
    for (const f of readdirSync(abs).sort()) {
      if (/\.ya?ml$/.test(f)) out[`${rel}/${f}`] = await specFileDigest(join(abs, f), cache);
    }
  }
  memo?.set(memoKey, out);
  return out;
}

/**
 * One spec file's digest; the YAML parser is loaded (and run) only for content not in `cache`. The value is
 * `yaml.parse`'s, from the document the spec loader will use too (lib/spec/documents.ts: one parse per process); a
 * file that does not parse is digested by its bytes (its stage reports it, located).
 */
async function specFileDigest(file: string, cache?: Map<string, string>): Promise<string> {
  const bytes = readFileSync(file);
  const key = cache ? sha256Hex(bytes) : '';
  const hit = cache?.get(key);
  if (hit !== undefined) return hit;
  const { yamlValue } = await import('../spec/documents.js');
  let d: string;
  try {
    d = digestJson(yamlValue(bytes.toString('utf8')) ?? null);
  } catch {
    // not valid YAML (a syntax error, a duplicate key): the digest of its bytes, so the fingerprint is still taken and
    // the stage that loads the file reports the problem located (file:line:col, exit 3) instead of a raw parse error
    d = `unparsable:${sha256Hex(bytes)}`;
  }
  cache?.set(key, d);
  return d;
}

/** A cheap digest of files by (relative path, size, mtime): for source folders outside the lake. */
export async function statDigest(path: string): Promise<string> {
  if (!existsSync(path)) return 'missing';
  const rows: string[] = [];
  async function walk(p: string): Promise<void> {
    const st = await stat(p).catch(() => undefined);
    if (!st) {
      // a broken symlink: listed as such, the stage itself reports it with its location
      rows.push(`${relative(path, p)}\0broken link`);
      return;
    }
    if (st.isDirectory()) {
      for (const e of (await readdir(p)).sort()) await walk(join(p, e));
    } else {
      rows.push(`${relative(path, p)}\0${st.size}\0${Math.trunc(st.mtimeMs)}`);
    }
  }
  await walk(path);
  return sha256Hex(rows.join('\n'));
}
