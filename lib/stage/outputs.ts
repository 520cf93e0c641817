import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileSizeAndDigest, sha256Hex } from '../hash.js';
import type { OutputDigest } from './manifest.js';
import { resolveInside } from '../paths.js';

/**
 * A stage writes every declared output into <data>/.staging/<stage>-<run>/<output>; only after `run` succeeds are
 * the outputs swapped into place, one directory rename each. A killed stage leaves only its staging folder, which
 * the next run of that stage removes.
 */
export function stagingRoot(dataDir: string, stage: string, runId: string): string {
  return resolveInside(dataDir, '.staging', stage, runId);
}

/** Remove staging and trash folders left by earlier runs of this stage that were killed. */
export async function sweepStale(dataDir: string, stage: string): Promise<void> {
  for (const dir of ['.staging', '.trash']) {
    const root = resolveInside(dataDir, dir);
    if (!existsSync(root)) continue;
    await rm(resolveInside(dataDir, dir, stage), { recursive: true, force: true });
  }
}

/** Entries a stage wrote in staging that are not (inside) a declared output. */
export async function undeclaredWrites(staging: string, outputs: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string): Promise<void> {
    if (!existsSync(dir)) return;
    for (const e of (await readdir(dir)).sort()) {
      const p = join(dir, e);
      const rel = relative(staging, p);
      if (outputs.some((o) => rel === o || rel.startsWith(`${o}/`))) continue;
      if (outputs.some((o) => o.startsWith(`${rel}/`)) && (await stat(p)).isDirectory()) await walk(p);
      else found.push(rel);
    }
  }
  await walk(staging);
  return found;
}

/**
 * Digest of a file or directory tree: SHA-256 over sorted (relative path, file sha256) pairs. The tree is walked
 * with synchronous calls and small files hashed from one synchronous read (lib/hash.ts `fileSizeAndDigest`): a
 * stage's outputs are often hundreds of small files (events: 241 on the real lake), for which a promise round trip
 * per stat, readdir, open, read and close cost 3 to 5 times the CPU and wall time; nothing else runs meanwhile.
 */
export async function digestOutput(path: string): Promise<OutputDigest> {
  if (!existsSync(path)) return { digest: 'missing', files: 0, bytes: 0 };
  const rows: string[] = [];
  let bytes = 0;
  async function walk(p: string): Promise<void> {
    if (statSync(p).isDirectory()) {
      for (const e of readdirSync(p).sort()) await walk(join(p, e));
      return;
    }
    const f = await fileSizeAndDigest(p);
    bytes += f.bytes;
    rows.push(`${relative(path, p)}\0${f.sha256}`);
  }
  await walk(path);
  return { digest: sha256Hex(rows.join('\n')), files: rows.length, bytes };
}

/**
 * Swap staged outputs into place. Outputs the stage did not write are removed (it produced nothing there). The
 * replaced versions go to `keepDir` when given (the run's generation, lib/stage/generation.ts: restored if the run
 * fails), else to a trash folder that is deleted at once. Every path is checked to stay inside its root
 * (lib/paths.ts) before anything moves.
 */
export async function commitOutputs(
  dataDir: string, staging: string, outputs: readonly string[], trashName: string, keepDir?: string,
): Promise<void> {
  const trash = keepDir ?? resolveInside(dataDir, '.trash', trashName);
  const paths = outputs.map((o) => ({ target: resolveInside(dataDir, o), staged: resolveInside(staging, o), kept: resolveInside(trash, o) }));
  for (const { target, staged, kept } of paths) {
    if (existsSync(target)) {
      await mkdir(dirname(kept), { recursive: true });
      await rename(target, kept);
    }
    if (existsSync(staged)) {
      await mkdir(dirname(target), { recursive: true });
      await rename(staged, target);
    }
  }
  if (!keepDir) await rm(trash, { recursive: true, force: true });
  await rm(staging, { recursive: true, force: true });
}
