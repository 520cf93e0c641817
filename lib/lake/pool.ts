import pLimit from 'p-limit';
import type { LakeDb } from './db.js';

/**
 * Run `fn` over items with at most `concurrency` at once, each worker on its own connection (temp tables are
 * per connection). Results keep the items' order; memory holds at most `concurrency` items' data at a time.
 * After a failure no new item starts, and the first error is thrown only once every running item has settled,
 * so nothing is still writing when the caller cleans up.
 */
export async function mapWithConnections<T, R>(
  db: LakeDb, items: readonly T[], concurrency: number, fn: (item: T, conn: LakeDb, index: number) => Promise<R>,
): Promise<R[]> {
  const conns = [db, ...(await Promise.all(Array.from({ length: Math.max(0, concurrency - 1) }, () => db.fork())))];
  const free = [...conns];
  const limit = pLimit(conns.length);
  let failed = false;
  try {
    const settled = await Promise.allSettled(
      items.map((item, i) =>
        limit(async () => {
          if (failed) throw new Error('not started: an earlier item failed');
          const conn = free.pop()!;
          try {
            return await fn(item, conn, i);
          } catch (e) {
            failed = true;
            throw e;
          } finally {
            free.push(conn);
          }
        }),
      ),
    );
    const firstError = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected' && !isNotStarted(s.reason));
    if (firstError) throw firstError.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<R>).value);
  } finally {
    for (const c of conns.slice(1)) c.close();
  }
}

function isNotStarted(e: unknown): boolean {
  return e instanceof Error && e.message === 'not started: an earlier item failed';
}
