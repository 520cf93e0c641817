import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { QuantError } from '../errors.js';
import { tempPathFor } from '../fsx.js';
import { sha256Hex } from '../hash.js';
import { resolveInside } from '../paths.js';

/**
 * A lake's identity (docs/scale.md): `state/lake.json` holds a random id, made once by the first orchestrator run
 * that needs it (a BullMQ run) and never rewritten. A shard job names the lake it belongs to (its id, the
 * orchestrator's path to it, and the sha256 of its shard plan); a worker runs it only when its own data dir is that
 * lake, so a worker started on another lake (or on a copy of this one) cannot write into the wrong place.
 */
export interface LakeIdentityFile {
  version: 1;
  lake_id: string;
  created_at: string;
  /** The path of the data dir as the creating process saw it (informative: other machines mount it elsewhere). */
  created_path: string;
}

/** What a shard job carries about its lake. */
export interface JobLake {
  id: string;
  /** The orchestrator's path to the data dir (for messages: a worker may mount it elsewhere). */
  path: string;
  /** sha256 of the stage's plan.json for this run: a copy of the lake made before the run has no such plan. */
  plan_sha256: string;
}

export function lakeIdPath(dataDir: string): string {
  return resolveInside(dataDir, 'state', 'lake.json');
}

/** The lake's id, or undefined when none was made yet. A file that is not a lake identity is a located error. */
export async function readLakeId(dataDir: string): Promise<string | undefined> {
  const file = lakeIdPath(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let id: unknown;
  try {
    id = (JSON.parse(text) as Partial<LakeIdentityFile>).lake_id;
  } catch (e) {
    throw new QuantError(`${file}: not JSON (${(e as Error).message})`, { hint: 'restore it from a backup, or delete it: the next BullMQ run makes a new id (running workers then refuse the old jobs)' });
  }
  if (typeof id !== 'string' || id === '') {
    throw new QuantError(`${file}: field lake_id is ${JSON.stringify(id)}, expected a non-empty string`, { hint: 'restore it from a backup, or delete it: the next BullMQ run makes a new id' });
  }
  return id;
}

/** The lake's id, made now if it has none (created by a hard link, so two racing processes agree on one). */
export async function ensureLakeId(dataDir: string): Promise<string> {
  const existing = await readLakeId(dataDir);
  if (existing) return existing;
  const file = lakeIdPath(dataDir);
  await mkdir(dirname(file), { recursive: true });
  const body: LakeIdentityFile = { version: 1, lake_id: randomUUID(), created_at: new Date().toISOString(), created_path: dataDir };
  const tmp = tempPathFor(file);
  try {
    await writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`, { flush: true });
    await link(tmp, file); // fails with EEXIST when another process made it first: then theirs is the id
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await rm(tmp, { force: true });
  }
  return (await readLakeId(dataDir))!;
}

/** sha256 of a plan file's bytes (undefined when it does not exist). */
export async function planSha256(planFile: string): Promise<string | undefined> {
  try {
    return sha256Hex(await readFile(planFile));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Why `dataDir` is not the lake `want` names (undefined when it is): no lake id, another lake's id, or this lake's
 * id without the job's plan (a copy of the lake made before the run, or a plan replaced since).
 */
export async function lakeMismatch(dataDir: string, want: JobLake, planFile: string): Promise<string | undefined> {
  const mine = await readLakeId(dataDir);
  const theirs = `the job's lake is ${want.id} (at ${want.path} on the orchestrator's machine)`;
  if (mine === undefined) return `the data dir ${dataDir} has no lake id (${lakeIdPath(dataDir)} does not exist): it is not the job's lake; ${theirs}`;
  if (mine !== want.id) return `the data dir ${dataDir} is lake ${mine} (${lakeIdPath(dataDir)}); ${theirs}`;
  const sha = await planSha256(planFile);
  if (sha === undefined) return `the data dir ${dataDir} has the job's lake id ${mine} but not its shard plan (${planFile} does not exist): a copy of the lake, not the lake itself?`;
  if (sha !== want.plan_sha256) return `the data dir ${dataDir} has the job's lake id ${mine} but another shard plan at ${planFile} (sha256 ${sha.slice(0, 12)}, the job's ${want.plan_sha256.slice(0, 12)}): a copy of the lake, not the lake itself?`;
  return undefined;
}
