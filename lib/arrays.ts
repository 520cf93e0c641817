/** Typed-array helpers shared across the lake, ingest and events code. Pure. */

/** Concatenate typed arrays of one kind, in order. */
export function concatArrays<A extends Float64Array | Int32Array>(parts: readonly A[], make: (n: number) => A): A {
  const out = make(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
