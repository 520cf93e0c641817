/**
 * A WebAssembly SIMD kernel for the Householder reduction of lib/stats/effective_tests.ts symmetricEigenvaluesQL
 * (issue 12): the columns c < r of two rows r, r + 1 of the fused pass (each element's deferred rank-2 update, then
 * the product's terms), two columns per f64x2 instruction where the work is elementwise (the update of a_rc and of
 * p_c: lanes c and c + 1, independent elements), and the rows' two running sums s_r, s_r+1 in the two lanes of one
 * vector (one sum is never split across lanes; each takes its terms in ascending c). Every lane does what the JS
 * loop does, a multiply rounded to double, then an add or subtract rounded to double (no fused multiply-add), so
 * every value is the JS loop's bit for bit (tests/stats/eigen_ql_exact.test.ts holds the two to the same bits).
 *
 * One function, emitted here as bytes (the encoders of lib/stats/dots_wasm.ts):
 *   rows2(a0, a1, v, u, q, p, pairs, out, f0, g0, f1, g1, u0, u1)
 * a0, a1, v, u, q, p: byte addresses of row r, row r + 1, the current step's vector, the pending update's u and q,
 * and the product p; pairs >= 1 column pairs from column 0. For each c < 2 pairs:
 *   x0 = a0[c] - (f0 q[c] + g0 u[c]); x1 = a1[c] - (f1 q[c] + g1 u[c]); a0[c] = x0; a1[c] = x1;
 *   p[c] = p[c] + x0 u0 + x1 u1; s0 += x0 v[c]; s1 += x1 v[c]  (s0, s1 from +0)
 * and stores s0, s1 at out.
 */
import { BR_IF, END, F64X2_ADD, F64X2_MUL, F64X2_SPLAT, F64X2_SUB, F64_CONST, I32_ADD, I32_CONST, I32_SUB, I8X16_SHUFFLE, LOCAL_GET, LOCAL_SET, LOCAL_TEE, LOOP, V128_LOAD, V128_STORE, section, sleb, str, uleb, vec } from './wasm_encode.js';

const memarg = [3, 0]; // alignment hint 8 bytes, offset 0

// params: i32 a0 0, a1 1, v 2, u 3, q 4, p 5, pairs 6, out 7; f64 f0 8, g0 9, f1 10, g1 11, u0 12, u1 13
const A0 = 0, A1 = 1, V = 2, U = 3, Q = 4, P = 5, PAIRS = 6, OUT = 7, F0 = 8, G0 = 9, F1 = 10, G1 = 11, U0 = 12, U1 = 13;
// v128 locals: splats 14..19 (f0 g0 f1 g1 u0 u1), S 20, q 21, u 22, v 23, x0 24, x1 25
const SF0 = 14, SG0 = 15, SF1 = 16, SG1 = 17, SU0 = 18, SU1 = 19, S = 20, LQ = 21, LU = 22, LV = 23, X0 = 24, X1 = 25;

const shuffle = (lanes: number[]): number[] => [...I8X16_SHUFFLE, ...lanes];
const range = (from: number) => Array.from({ length: 8 }, (_, i) => from + i);

function body(): number[] {
  const c: number[] = [];
  const splat = (src: number, dst: number) => c.push(LOCAL_GET, src, ...F64X2_SPLAT, LOCAL_SET, dst);
  splat(F0, SF0); splat(G0, SG0); splat(F1, SF1); splat(G1, SG1); splat(U0, SU0); splat(U1, SU1);
  // S = (+0, +0)
  c.push(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0, ...F64X2_SPLAT, LOCAL_SET, S);
  c.push(LOOP, 0x40);
  c.push(LOCAL_GET, Q, ...V128_LOAD, ...memarg, LOCAL_SET, LQ);
  c.push(LOCAL_GET, U, ...V128_LOAD, ...memarg, LOCAL_SET, LU);
  c.push(LOCAL_GET, V, ...V128_LOAD, ...memarg, LOCAL_SET, LV);
  // x = a - (f q + g u); a = x
  const update = (a: number, f: number, g: number, x: number) => {
    c.push(LOCAL_GET, a, ...V128_LOAD, ...memarg);
    c.push(LOCAL_GET, f, LOCAL_GET, LQ, ...F64X2_MUL, LOCAL_GET, g, LOCAL_GET, LU, ...F64X2_MUL, ...F64X2_ADD);
    c.push(...F64X2_SUB, LOCAL_SET, x);
    c.push(LOCAL_GET, a, LOCAL_GET, x, ...V128_STORE, ...memarg);
  };
  update(A0, SF0, SG0, X0);
  update(A1, SF1, SG1, X1);
  // p = (p + x0 u0) + x1 u1
  c.push(LOCAL_GET, P);
  c.push(LOCAL_GET, P, ...V128_LOAD, ...memarg, LOCAL_GET, X0, LOCAL_GET, SU0, ...F64X2_MUL, ...F64X2_ADD);
  c.push(LOCAL_GET, X1, LOCAL_GET, SU1, ...F64X2_MUL, ...F64X2_ADD, ...V128_STORE, ...memarg);
  // S += (x0[c], x1[c]) * (v[c], v[c]); then S += (x0[c+1], x1[c+1]) * (v[c+1], v[c+1])
  c.push(LOCAL_GET, S, LOCAL_GET, X0, LOCAL_GET, X1, ...shuffle([...range(0), ...range(16)]), LOCAL_GET, LV, LOCAL_GET, LV, ...shuffle([...range(0), ...range(0)]), ...F64X2_MUL, ...F64X2_ADD, LOCAL_SET, S);
  c.push(LOCAL_GET, S, LOCAL_GET, X0, LOCAL_GET, X1, ...shuffle([...range(8), ...range(24)]), LOCAL_GET, LV, LOCAL_GET, LV, ...shuffle([...range(8), ...range(8)]), ...F64X2_MUL, ...F64X2_ADD, LOCAL_SET, S);
  for (const ptr of [A0, A1, V, U, Q, P]) c.push(LOCAL_GET, ptr, I32_CONST, ...sleb(16), I32_ADD, LOCAL_SET, ptr);
  c.push(LOCAL_GET, PAIRS, I32_CONST, ...sleb(1), I32_SUB, LOCAL_TEE, PAIRS, BR_IF, 0);
  c.push(END);
  c.push(LOCAL_GET, OUT, LOCAL_GET, S, ...V128_STORE, ...memarg);
  c.push(END);
  const fn = [...vec([[...uleb(12), 0x7b]]), ...c]; // 12 v128 locals
  return [...uleb(fn.length), ...fn];
}

/** The module's bytes: imports memory m.mem, exports rows2. */
export function tred2ModuleBytes(): Uint8Array<ArrayBuffer> {
  const I32 = 0x7f;
  const F64 = 0x7c;
  const params = [I32, I32, I32, I32, I32, I32, I32, I32, F64, F64, F64, F64, F64, F64].map((t) => [t]);
  const type = section(1, vec([[0x60, ...vec(params), ...vec([])]]));
  const imports = section(2, vec([[...str('m'), ...str('mem'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([uleb(0)]));
  const exports = section(7, vec([[...str('rows2'), 0x00, ...uleb(0)]]));
  const code = section(10, vec([body()]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is not available (the JS loop is used then). */
function tred2Module(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = tred2ModuleBytes();
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

export type Rows2 = (a0: number, a1: number, v: number, u: number, q: number, p: number, pairs: number, out: number, f0: number, g0: number, f1: number, g1: number, u0: number, u1: number) => void;

/** Bytes of a WebAssembly memory page. */
const PAGE = 65_536;
/** Above this many bytes (the matrix and its vectors) the JS loop is used. */
export const WASM_TRED2_MAX_BYTES = 1 << 30;

/**
 * A fresh instance with a memory of at least `bytes` (one per reduction: it is freed with it), or null when the
 * kernel is unavailable, the size is above WASM_TRED2_MAX_BYTES or the memory cannot be had.
 */
export function tred2Kernel(bytes: number): { memory: WebAssembly.Memory; rows2: Rows2 } | null {
  const mod = tred2Module();
  if (!mod || bytes > WASM_TRED2_MAX_BYTES) return null;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
  return { memory, rows2: (new WebAssembly.Instance(mod, { m: { mem: memory } }).exports as { rows2: Rows2 }).rows2 };
}
