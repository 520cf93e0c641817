import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve, join } from 'node:path';
import { createHash } from 'node:crypto';

const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/gm;

/** A compiled module as the code digest sees it: the sha256 of its bytes and the files it imports. */
export interface CodeFile {
  sha: string;
  /** The relative specifiers it imports, resolved against the file's folder. */
  deps: readonly string[];
}

/**
 * The compiled modules one run looks at, each read ONCE: that one read gives both its digest (sha256 of the bytes)
 * and the modules it imports, for every stage whose module graph contains it. Give a fresh instance per run (files
 * change between runs).
 *
 * `scans`, when given, maps the sha256 of a file's bytes to the relative specifiers that file imports. It is keyed by
 * content (the same bytes import the same modules), so it may be kept across runs, as the orchestrator's decide cache
 * does, as long as the scanner (this module) is the same code: a hit saves the import scan, never the read or the hash.
 * Attach it with useScans() once it is known to be valid.
 */
export class CodeFiles {
  private readonly files = new Map<string, CodeFile | null>();
  private scans: Map<string, readonly string[]> | undefined;

  constructor(scans?: Map<string, readonly string[]>) {
    this.scans = scans;
  }

  useScans(scans: Map<string, readonly string[]>): void {
    this.scans = scans;
  }

  /** The file's digest and imports; null when it does not exist (an import of a missing file is not followed). */
  get(file: string): CodeFile | null {
    let f = this.files.get(file);
    if (f !== undefined) return f;
    let bytes: Buffer | undefined;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
    }
    if (bytes === undefined) f = null;
    else {
      const sha = createHash('sha256').update(bytes).digest('hex');
      let specifiers = this.scans?.get(sha);
      if (specifiers === undefined) {
        specifiers = scanImports(bytes.toString('utf8'));
        this.scans?.set(sha, specifiers);
      }
      const dir = dirname(file);
      f = { sha, deps: specifiers.map((s) => resolve(dir, s)) };
    }
    this.files.set(file, f);
    return f;
  }
}

/** The relative specifiers a compiled module imports (static, re-export, side-effect and dynamic imports). */
export function scanImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec) out.push(spec);
  }
  return out;
}

/**
 * Digest of a compiled module and everything it imports through relative paths (its own code, not
 * node_modules, which the lockfile digest covers). A change in lib/engine does not rerun ingest.
 */
export function codeDigest(entry: string, files = new CodeFiles()): string {
  const root = commonRoot(entry).length;
  const h = createHash('sha256');
  for (const f of moduleGraph(resolve(entry), files)) h.update(`${f.slice(root)}\0${files.get(f)!.sha}\n`);
  return h.digest('hex');
}

function commonRoot(entry: string): string {
  // dist/<dir>/<file>.js -> dist/
  return dirname(dirname(resolve(entry)));
}

/** Every module reachable from `entry` through relative imports, sorted (files that do not exist are left out). */
export function moduleGraph(entry: string, files = new CodeFiles()): string[] {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    const c = files.get(f);
    if (c === null) continue;
    seen.add(f);
    stack.push(...c.deps);
  }
  return [...seen].sort();
}

/** Digest of package-lock.json beside package.json (dependency versions), or '' when absent. */
export function lockfileDigest(projectRoot: string): string {
  const p = join(projectRoot, 'package-lock.json');
  if (!existsSync(p)) return '';
  return createHash('sha256').update(readFileSync(p)).digest('hex');
}
