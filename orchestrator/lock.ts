import { link, readFile, rm, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockedError } from '../lib/errors.js';
import { writeJsonAtomic } from '../lib/fsx.js';
import { isProcessAlive, processStartTicks } from '../lib/process.js';
import { assertSafeName, resolveInside } from '../lib/paths.js';

/**
 * One run at a time per lake: an exclusive lock file holding the owner's pid and run id, and the pids of the stage
 * processes it spawned. The lock covers the whole run: a run whose orchestrator died still holds the lake while any
 * of its stage children lives (they stop by themselves when their parent dies, lib/stage/parent_watch.ts).
 */
export interface LakeLock {
  release: () => Promise<void>;
  /** Record a stage child in the lock file (before it can write anything that matters). */
  addChild: (pid: number, stage: string) => Promise<void>;
  removeChild: (pid: number) => Promise<void>;
}

interface LockProcess {
  pid: number;
  /** Kernel start time (Linux /proc), so a reused pid is not mistaken for the holder. */
  start?: number;
}

interface LockHolder extends LockProcess {
  run_id: string;
  since: string;
  children?: (LockProcess & { stage: string })[];
}

/** How long a new run waits for the stage children of a dead run to stop before it refuses the lock. */
const ORPHAN_WAIT_MS = 5_000;

export async function acquireLock(dataDir: string, runId: string): Promise<LakeLock> {
  assertSafeName('run_id', runId, { flag: '--run_id' });
  const path = resolveInside(dataDir, '.lock');
  await mkdir(dataDir, { recursive: true });
  const holder: LockHolder = { pid: process.pid, ...startOf(process.pid), run_id: runId, since: new Date().toISOString(), children: [] };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(holder));
      try {
        await link(tmp, path);
      } finally {
        await rm(tmp, { force: true });
      }
      return heldLock(path, holder);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const other = await readHolder(path);
      const young = !other && Date.now() - (await stat(path).then((x) => x.mtimeMs, () => 0)) < 10_000;
      if (young) throw new LockedError(`the lake ${dataDir} is being locked by another run (${path} is not readable yet)`);
      if (other && alive(other)) {
        throw new LockedError(`the lake ${dataDir} is in use by run ${other.run_id} (pid ${other.pid}, since ${other.since})`, {
          hint: 'wait for it to finish, or stop it; a lock left by a dead process is taken over automatically',
        });
      }
      if (other) await waitForOrphans(dataDir, other);
      await rm(path, { force: true });
    }
  }
  throw new LockedError(`could not take the lock ${path}`);
}

function heldLock(path: string, holder: LockHolder): LakeLock {
  // Lock file updates are serialised: two stages starting at once must not lose each other's pid.
  let chain: Promise<void> = Promise.resolve();
  const update = (change: () => void): Promise<void> => {
    chain = chain.then(() => {
      change();
      return writeJsonAtomic(path, holder);
    });
    return chain;
  };
  return {
    release: async () => {
      await chain.catch(() => undefined);
      await rm(path, { force: true });
    },
    addChild: (pid, stage) => update(() => holder.children!.push({ pid, ...startOf(pid), stage })),
    removeChild: (pid) => update(() => { holder.children = holder.children!.filter((c) => c.pid !== pid); }),
  };
}

/** The holder is dead: wait (briefly) until none of its stage children lives, else refuse the lock. */
async function waitForOrphans(dataDir: string, other: LockHolder): Promise<void> {
  const deadline = Date.now() + ORPHAN_WAIT_MS;
  for (;;) {
    const living = (other.children ?? []).filter(alive);
    if (living.length === 0) return;
    if (Date.now() > deadline) {
      const list = living.map((c) => `${c.stage} (pid ${c.pid})`).join(', ');
      throw new LockedError(`the lake ${dataDir} is still in use by run ${other.run_id}: its orchestrator (pid ${other.pid}) died but stage ${list} still runs`, {
        hint: `stop ${living.map((c) => c.pid).join(' ')} (kill), then run again; the next run rolls the unfinished run back`,
      });
    }
    await sleep(100);
  }
}

function alive(p: LockProcess): boolean {
  if (!isProcessAlive(p.pid)) return false;
  if (p.start === undefined) return true;
  const now = processStartTicks(p.pid);
  return now === undefined || now === p.start; // a different start time: the pid was reused
}

function startOf(pid: number): { start?: number } {
  const start = processStartTicks(pid);
  return start === undefined ? {} : { start };
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}
