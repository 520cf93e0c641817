import { isProcessAlive } from '../process.js';

/**
 * A stage spawned by the orchestrator must not outlive it: killing only the orchestrator (kill -9) would leave the
 * stage writing to the lake after the lock holder died. Node cannot ask the kernel for a parent-death signal, so the
 * stage polls: its parent is gone when it has been re-parented (process.ppid changes: a dead parent that is still a
 * zombie would pass a kill(pid, 0) test) or when the pid no longer exists. Polls every `everyMs`; the timer does
 * not keep the process alive. Returns a function that stops watching.
 */
export function watchParent(parentPid: number, onParentDied: () => void, everyMs = 200): () => void {
  const timer = setInterval(() => {
    if (process.ppid !== parentPid || !isProcessAlive(parentPid)) {
      clearInterval(timer);
      onParentDied();
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
