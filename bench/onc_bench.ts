#!/usr/bin/env node
/**
 * node dist/bench/onc_bench.js --dir DIR [--only onc|eig] [--reps 1] [--threads N (oncClusters' option; default its own)]
 *
 * Micro-bench of the clustered DSR's two kernels (issue 12) on matrices dumped from a real run: DIR holds
 * `corr_<n>.f64` (the blueprints' correlation matrix handed to oncClusters, n x n Float64, row-major) and
 * `sub_<n>_<id>.f64` (a cluster's correlation matrix handed to liJiEffectiveTests). Times oncClusters (seed 0,
 * maxClusters min(n - 1, 40), as lib/walkforward/deflation.ts calls it) and symmetricEigenvaluesQL on each, as CPU
 * time (user + system) and wall time, and prints a SHA-256 of the results' bits (labels + silhouettes; eigenvalues),
 * so two builds (e.g. a base dist and this one) can be compared for identical output. JSON on stdout.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { oncClusters } from '../lib/stats/onc.js';
import { symmetricEigenvaluesQL } from '../lib/stats/effective_tests.js';

function arg(name: string): string | undefined {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? process.argv[k + 1] : undefined;
}
const dir = arg('dir');
if (!dir) {
  process.stderr.write('onc_bench: --dir DIR is required (a directory of corr_<n>.f64 / sub_<n>_<id>.f64 matrices)\n');
  process.exit(2);
}
const only = arg('only');
const reps = Number(arg('reps') ?? 1);
const threads = arg('threads') === undefined ? undefined : Number(arg('threads'));

function matrix(file: string): number[][] {
  const b = readFileSync(join(dir!, file));
  const v = new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
  const n = Math.round(Math.sqrt(v.length));
  if (n * n !== v.length) throw new RangeError(`onc_bench: ${file} holds ${v.length} values, not a square matrix`);
  return Array.from({ length: n }, (_, i) => Array.from(v.subarray(i * n, (i + 1) * n)));
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function timed<T>(f: () => T | Promise<T>): Promise<{ out: T; cpu_ms: number; wall_ms: number }> {
  const c0 = cpuMs();
  const w0 = performance.now();
  const out = await f();
  return { out, cpu_ms: Math.round(cpuMs() - c0), wall_ms: Math.round(performance.now() - w0) };
}

const sha = (parts: ArrayBufferView[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  return h.digest('hex').slice(0, 16);
};

const files = readdirSync(dir).sort();
const results: unknown[] = [];
for (let rep = 0; rep < reps; rep++) {
  for (const f of files) {
    if (f.startsWith('corr_') && only !== 'eig') {
      const corr = matrix(f);
      const n = corr.length;
      const r = await timed(() => oncClusters(corr, { seed: 0, maxClusters: Math.max(1, Math.min(n - 1, 40)), ...(threads === undefined ? {} : { threads }) }));
      results.push({ file: f, kernel: 'oncClusters', n, clusters: r.out.clusters.length, cpu_ms: r.cpu_ms, wall_ms: r.wall_ms, sha: sha([r.out.labels, r.out.silhouettes]) });
    } else if (f.startsWith('sub_') && only !== 'onc') {
      const m = matrix(f);
      const r = await timed(() => symmetricEigenvaluesQL(m));
      results.push({ file: f, kernel: 'symmetricEigenvaluesQL', n: m.length, cpu_ms: r.cpu_ms, wall_ms: r.wall_ms, sha: sha([r.out]) });
    }
  }
}
process.stdout.write(`${JSON.stringify(results, null, 1)}\n`);
