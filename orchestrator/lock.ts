import { link, readFile, rm, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LockedError } from '../lib/errors.js';

/** One run at a time per lake: an exclusive lock file holding the owner's pid and run id. */
export interface LakeLock {
  release: () => Promise<void>;
}

export async function acquireLock(dataDir: string, runId: string): Promise<LakeLock> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify({ pid: process.pid, run_id: runId, since: new Date().toISOString() }));
      try {
        await link(tmp, path);
      } finally {
        await rm(tmp, { force: true });
      }
      return { release: () => rm(path, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = await readHolder(path);
      const young = !holder && Date.now() - (await stat(path).then((x) => x.mtimeMs, () => 0)) < 10_000;
      if (young) throw new LockedError(`the lake ${dataDir} is being locked by another run (${path} is not readable yet)`);
      if (holder && isAlive(holder.pid)) {
        throw new LockedError(`the lake ${dataDir} is in use by run ${holder.run_id} (pid ${holder.pid}, since ${holder.since})`, {
          hint: 'wait for it to finish, or stop it; a lock left by a dead process is taken over automatically',
        });
      }
      await rm(path, { force: true });
    }
  }
  throw new LockedError(`could not take the lock ${path}`);
}

async function readHolder(path: string): Promise<{ pid: number; run_id: string; since: string } | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as { pid: number; run_id: string; since: string };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
