import { mkdir, rename, rm, writeFile, readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A temp path beside `path` (same filesystem, so rename is atomic). Hidden, so lake readers skip it. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Write a file atomically: temp path in the same directory, fsync'ed by writeFile's close, then rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, data, { flush: true });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

export async function readJsonIfExists<T>(path: string): Promise<T | undefined> {
  if (!existsSync(path)) return undefined;
  return readJson<T>(path);
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Recreate `src` under `dst` with hard links (no data copied). Used by incremental stages to carry unchanged
 * partitions into their staging output; a partition rewritten later replaces its link by rename, never in place.
 */
export async function linkTree(src: string, dst: string): Promise<number> {
  const { readdir, link, mkdir: mk, stat: st } = await import('node:fs/promises');
  let n = 0;
  await mk(dst, { recursive: true });
  for (const e of await readdir(src)) {
    const s = join(src, e);
    const d = join(dst, e);
    if ((await st(s)).isDirectory()) n += await linkTree(s, d);
    else {
      await link(s, d);
      n++;
    }
  }
  return n;
}
