import { readFileSync } from 'node:fs';

/** Is a process with this pid alive (or alive under another user)? Signal 0 tests without sending anything. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The process's start time in clock ticks since boot (Linux /proc/<pid>/stat field 22), to tell a live process
 * from a later one that reuses its pid. Undefined where /proc is not available or the process is gone.
 */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
