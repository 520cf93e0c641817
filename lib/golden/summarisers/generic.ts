import { readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sha256File } from '../../hash.js';
import { PARTITION_MANIFEST } from '../../lake/index.js';
import { approx, exact } from '../checks.js';
import type { Check, StageSummary } from '../types.js';
import type { SummariseContext } from './context.js';

/**
 * What every stage gets without writing a summariser: the row counts and metrics its manifest reports, and the
 * sha256 of every file it wrote (partition _manifest.json files are left out: they only restate their data
 * file's checksum, rows and time range).
 */
export async function genericSummary(ctx: SummariseContext): Promise<StageSummary> {
  const rows: Record<string, Check> = {};
  for (const [k, n] of Object.entries(ctx.manifest.summary.rows ?? {})) rows[`${k} (total)`] = exact(n);
  const metrics: Record<string, Check> = {};
  for (const [k, v] of Object.entries(ctx.manifest.summary.metrics ?? {})) {
    metrics[k] = typeof v === 'number' && !Number.isInteger(v) ? approx(v) : exact(v);
  }
  const files: Record<string, Check> = {};
  for (const o of ctx.outputs) {
    for (const f of await listFiles(join(ctx.dataDir, o))) {
      files[`${o}/${relative(join(ctx.dataDir, o), f)}`] = exact(await sha256File(f));
    }
  }
  const out: StageSummary = { rows, files };
  if (Object.keys(metrics).length) out.metrics = metrics;
  return out;
}

/** Files below `path` (or `path` itself), sorted, skipping hidden files and partition manifests. */
export async function listFiles(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  if (!(await stat(path)).isDirectory()) return [path];
  const out: string[] = [];
  for (const e of (await readdir(path)).sort()) {
    if (e.startsWith('.') || e === PARTITION_MANIFEST) continue;
    out.push(...(await listFiles(join(path, e))));
  }
  return out;
}
