/**
 * Issue 12: BootstrapCIPool shares stationary-bootstrap CIs with worker threads (lib/stats/bootstrap_worker.ts). Every
 * CI must be bootstrapCI's own, bit for bit, whatever the number of threads and whichever thread made it; a worker
 * that fails a job, dies holding one, or never starts leaves its jobs to the calling thread with the same results.
 */
import { describe, expect, test } from '@jest/globals';
import { bootstrapCI, type BootstrapCI, type BootstrapCIOptions } from '../../lib/stats/bootstrap.js';
import { BOOTSTRAP_PARALLEL_MIN_WORK, BootstrapCIPool } from '../../lib/stats/bootstrap_pool.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';

/** Net-return-like series: lengths from 2 to 1500, fat tails and drift, blocks 1 to 12.5, 48-bit seeds (as the bridge's). */
function jobs(count: number, reps: number): { x: Float64Array; opts: BootstrapCIOptions }[] {
  const rng = Xoshiro128ss.fromSeed(99, 3);
  return Array.from({ length: count }, (_, k) => {
    const n = [2, 31, 300, 1500, 640, 77][k % 6]!;
    const x = Float64Array.from({ length: n }, () => 3 + 20 * rng.studentT5());
    return { x, opts: { meanBlock: [1, 5, 7, 12.5][k % 4]!, reps, seed: 0xabcdef12345 + 7919 * k, level: k % 3 ? 0.95 : 0.9 } };
  });
}

const same = (a: readonly BootstrapCI[], b: readonly BootstrapCI[]) => {
  expect(a.length).toBe(b.length);
  a.forEach((ci, k) => {
    for (const f of ['lo', 'hi', 'se', 'mean'] as const) expect([k, f, Object.is(ci[f], b[k]![f])]).toEqual([k, f, true]);
  });
};

/** Resolves once `ok()` holds (polled; the pool's events run meanwhile), or fails after 30 s. */
async function until(ok: () => boolean): Promise<void> {
  for (const t0 = Date.now(); !ok(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() - t0 > 30_000) throw new Error('timed out waiting for the workers');
  }
}

async function pooled(js: ReturnType<typeof jobs>, o: ConstructorParameters<typeof BootstrapCIPool>[1], before?: (p: BootstrapCIPool) => Promise<void>) {
  const pool = new BootstrapCIPool(js.length, o);
  try {
    for (const j of js) pool.submit(j.x, j.opts);
    if (before) await before(pool);
    return { cis: await pool.results(), use: { ...pool.use } };
  } finally {
    pool.close();
  }
}

describe('BootstrapCIPool', () => {
  const js = jobs(36, 400);
  const want = js.map((j) => bootstrapCI(j.x, j.opts));

  test('1, 2 and 3 threads give bootstrapCI bit for bit, in submission order; the workers make some of the jobs', async () => {
    const one = await pooled(js, { threads: 1, minWork: 0 });
    same(one.cis, want);
    expect(one.use).toMatchObject({ jobs: 36, workerJobs: 0, workers: 0 });
    for (const threads of [2, 3]) {
      // let the workers start and make a few before this thread takes the rest (from the last job back)
      const r = await pooled(js, { threads, minWork: 0 }, (p) => until(() => p.use.replies >= threads));
      same(r.cis, want);
      expect(r.use.workers).toBe(threads - 1);
      expect(r.use.workerJobs).toBeGreaterThanOrEqual(threads - 1);
      expect(r.use.lost).toBe(0);
    }
    // results() straight away: whatever the workers manage, the same CIs
    same((await pooled(js, { threads: 3, minWork: 0 })).cis, want);
  });

  test('no worker starts below minWork (default BOOTSTRAP_PARALLEL_MIN_WORK): small runs stay on this thread', async () => {
    const small = js.slice(0, 6);
    expect(small.reduce((s, j) => s + j.x.length * j.opts.reps, 0)).toBeLessThan(BOOTSTRAP_PARALLEL_MIN_WORK);
    const r = await pooled(small, { threads: 2 });
    same(r.cis, want.slice(0, 6));
    expect(r.use.workers).toBe(0);
    // from minWork on they do
    const work = small.reduce((s, j) => s + j.x.length * j.opts.reps, 0);
    expect((await pooled(small, { threads: 2, minWork: work })).use.workers).toBe(1);
    expect((await pooled(small, { threads: 2, minWork: work + 1 })).use.workers).toBe(0);
  });

  test('a worker that fails a job, then dies holding one: the calling thread makes both, the same CIs', async () => {
    const workerUrl = new URL('./bootstrap_pool_failing_worker.js', import.meta.url);
    const r = await pooled(js, { threads: 2, minWork: 0, workerUrl }, (p) => until(() => p.use.lost === 1));
    same(r.cis, want);
    // its first job only (the second failed, it died in the third)
    expect(r.use).toMatchObject({ workers: 1, lost: 1, workerJobs: 1, replies: 2 });
  });

  test('a worker that cannot start: every job on the calling thread', async () => {
    const workerUrl = new URL('./no_such_bootstrap_worker.js', import.meta.url);
    const r = await pooled(js, { threads: 3, minWork: 0, workerUrl }, (p) => until(() => p.use.lost === 2));
    same(r.cis, want);
    expect(r.use.workerJobs).toBe(0);
  });

  test('a job bootstrapCI rejects throws its RangeError from results(), made on a worker or not', async () => {
    // first: the worker (threads 2) claims it first, fails it, and this thread makes it again
    const bad = [{ x: Float64Array.of(1, NaN, 2), opts: js[0]!.opts }, ...js.slice(0, 3)];
    for (const threads of [1, 2]) {
      await expect(pooled(bad, { threads, minWork: 0 }, (p) => until(() => p.use.replies >= threads - 1))).rejects.toThrow(/x\[1\] is not finite/);
    }
  });

  test('options out of range', () => {
    expect(() => new BootstrapCIPool(3, { threads: 0 })).toThrow(/threads must be an integer >= 1, was 0/);
    expect(() => new BootstrapCIPool(-1)).toThrow(RangeError);
    const p = new BootstrapCIPool(1, { threads: 1 });
    p.submit([1, 2], js[0]!.opts);
    expect(() => p.submit([1, 2], js[0]!.opts)).toThrow(/more than capacity = 1 jobs/);
    p.close();
    expect(() => p.submit([1, 2], js[0]!.opts)).toThrow(/after close/);
  });
});
