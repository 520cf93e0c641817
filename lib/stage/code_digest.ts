import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve, join } from 'node:path';
import { createHash } from 'node:crypto';

const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/gm;

/**
 * Digest of a compiled module and everything it imports through relative paths (its own code, not
 * node_modules, which the lockfile digest covers). A change in lib/engine does not rerun ingest.
 */
export function codeDigest(entry: string, cache = new Map<string, string>(), imports?: Map<string, string[]>): string {
  const files = moduleGraph(resolve(entry), imports);
  const root = commonRoot(entry).length;
  const h = createHash('sha256');
  for (const f of files) {
    let d = cache.get(f);
    if (d === undefined) {
      d = createHash('sha256').update(readFileSync(f)).digest('hex');
      cache.set(f, d);
    }
    h.update(`${f.slice(root)}\0${d}\n`);
  }
  return h.digest('hex');
}

function commonRoot(entry: string): string {
  // dist/<dir>/<file>.js -> dist/
  return dirname(dirname(resolve(entry)));
}

/**
 * Every module reachable from `entry` through relative imports, sorted. `imports` (file -> the files it imports)
 * lets one run read and scan each file once for all the stages it fingerprints; give a fresh map per run, since
 * files change between runs.
 */
export function moduleGraph(entry: string, imports?: Map<string, string[]>): string[] {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    let deps = imports?.get(f);
    if (deps === undefined) {
      if (!existsSync(f)) continue;
      deps = [];
      for (const m of readFileSync(f, 'utf8').matchAll(IMPORT_RE)) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (spec) deps.push(resolve(dirname(f), spec));
      }
      imports?.set(f, deps);
    }
    seen.add(f);
    stack.push(...deps);
  }
  return [...seen].sort();
}

/** Digest of package-lock.json beside package.json (dependency versions), or '' when absent. */
export function lockfileDigest(projectRoot: string): string {
  const p = join(projectRoot, 'package-lock.json');
  if (!existsSync(p)) return '';
  return createHash('sha256').update(readFileSync(p)).digest('hex');
}
