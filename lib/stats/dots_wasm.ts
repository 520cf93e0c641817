/**
 * A WebAssembly SIMD kernel for the correlation sums of lib/stats/onc.ts (issue 12): a 4 x 4 block of dot products
 * sum_t r_x[t] * c_y[t], each in ascending t, with two f64x2 lanes carrying two different sums (columns y and y + 1
 * of one row; one sum is never split across lanes). Per step every lane does what the JS loop does, a multiply
 * rounded to double then an add rounded to double (no fused multiply-add: plain SIMD has none), so each sum is the
 * plain loop's bit for bit (tests/stats/dots_wasm.test.ts checks it against the JS loop).
 *
 * The module is emitted here as bytes (under 500, no assembler or build step): one function
 *   block(rp, cp, o, ostride, n)
 * rp: address of 4 rows interleaved by t (32 bytes per t: r0 r1 r2 r3), cp: the same for 4 columns, o: address of
 * the 4 x 4 sums (row-major, rows ostride bytes apart, f64), n >= 1 steps of t. It loads the 16 sums, adds the n
 * products of each in t order, and stores them back: tiles over t chain through memory exactly as the JS loop's
 * accumulators chain through its output array.
 */

/** Unsigned LEB128. */
export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (small i32 constants). */
export function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}

export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const str = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

// opcodes
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_MUL = 0x6c;
const LOOP = 0x03;
const BR_IF = 0x0d;
const END = 0x0b;
const SIMD = 0xfd;
const V128_LOAD = [SIMD, ...uleb(0x00)];
const V128_LOAD64_SPLAT = [SIMD, ...uleb(0x0a)];
const V128_STORE = [SIMD, ...uleb(0x0b)];
const F64X2_ADD = [SIMD, ...uleb(0xf0)];
const F64X2_MUL = [SIMD, ...uleb(0xf2)];
const memarg = (offset: number): number[] => [3, ...uleb(offset)]; // alignment hint 8 bytes

// locals: params rp 0, cp 1, o 2, ostride 3, n 4; v128 accumulators 5..12 (row r, column pair p at 5 + 2r + p),
// w0 13, w1 14, s 15
const RP = 0, CP = 1, O = 2, OSTRIDE = 3, N = 4, W0 = 13, W1 = 14, S = 15;
const acc = (r: number, p: number) => 5 + 2 * r + p;

/** The address of row r's sums in the output block: o + r * ostride. */
const rowAddr = (r: number): number[] => [LOCAL_GET, O, LOCAL_GET, OSTRIDE, I32_CONST, ...sleb(r), I32_MUL, I32_ADD];

function body(): number[] {
  const code: number[] = [];
  for (let r = 0; r < 4; r++) for (let p = 0; p < 2; p++) code.push(...rowAddr(r), ...V128_LOAD, ...memarg(16 * p), LOCAL_SET, acc(r, p));
  code.push(LOOP, 0x40);
  code.push(LOCAL_GET, CP, ...V128_LOAD, ...memarg(0), LOCAL_SET, W0);
  code.push(LOCAL_GET, CP, ...V128_LOAD, ...memarg(16), LOCAL_SET, W1);
  for (let r = 0; r < 4; r++) {
    code.push(LOCAL_GET, RP, ...V128_LOAD64_SPLAT, ...memarg(8 * r), LOCAL_SET, S);
    for (let p = 0; p < 2; p++) {
      // acc = acc + s * w (the product rounded, then the sum: the JS loop's a += x * w)
      code.push(LOCAL_GET, acc(r, p), LOCAL_GET, S, LOCAL_GET, p === 0 ? W0 : W1, ...F64X2_MUL, ...F64X2_ADD, LOCAL_SET, acc(r, p));
    }
  }
  code.push(LOCAL_GET, RP, I32_CONST, ...sleb(32), I32_ADD, LOCAL_SET, RP);
  code.push(LOCAL_GET, CP, I32_CONST, ...sleb(32), I32_ADD, LOCAL_SET, CP);
  code.push(LOCAL_GET, N, I32_CONST, ...sleb(1), I32_SUB, LOCAL_TEE, N, BR_IF, 0);
  code.push(END);
  for (let r = 0; r < 4; r++) for (let p = 0; p < 2; p++) code.push(...rowAddr(r), LOCAL_GET, acc(r, p), ...V128_STORE, ...memarg(16 * p));
  code.push(END);
  const locals = vec([[...uleb(11), 0x7b]]); // 11 v128 locals
  const fn = [...locals, ...code];
  return [...uleb(fn.length), ...fn];
}

/** The module's bytes: imports memory m.mem, exports block. */
export function dotsModuleBytes(): Uint8Array<ArrayBuffer> {
  const I32 = 0x7f;
  const type = section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([])]]));
  const imports = section(2, vec([[...str('m'), ...str('mem'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([uleb(0)]));
  const exports = section(7, vec([[...str('block'), 0x00, ...uleb(0)]]));
  const code = section(10, vec([body()]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is not available (the JS loop is used then). */
export function dotsModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = dotsModuleBytes();
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

/** Bytes of a WebAssembly memory page. */
const PAGE = 65_536;
/** Above this many bytes of packed series the JS loop is used (wasm32 memory; and no huge transient buffers). */
export const WASM_DOTS_MAX_BYTES = 1 << 30;
/** Rows packed at a time in the rectangular mode. */
const ROW_CHUNK = 128;

/**
 * Packs series `idx` of `z` in groups of 4, interleaved by t (dst[(g * len + t) * 4 + k] = z[idx[4g + k]][t]; the
 * slots past the end of idx are left as they are: their sums are computed and dropped).
 */
function pack(dst: Float64Array, z: readonly Float64Array[], idx: ArrayLike<number>, len: number): void {
  for (let x = 0; x < idx.length; x++) {
    const s = z[idx[x]!]!;
    let d = (x >> 2) * len * 4 + (x & 3);
    for (let t = 0; t < len; t++, d += 4) dst[d] = s[t]!;
  }
}

type Block = (rp: number, cp: number, o: number, ostride: number, n: number) => void;
let kernel: { memory: WebAssembly.Memory; block: Block } | undefined;

/**
 * The kernel instance and its memory, grown to at least `bytes` (one per process, reused: the memories of one call
 * after another no longer wait for the garbage collector together). Whatever a previous call left in it is either
 * overwritten or lies in padding rows and columns whose sums are dropped.
 */
function kernelWithMemory(mod: WebAssembly.Module, bytes: number): { memory: WebAssembly.Memory; block: Block } {
  const pages = Math.ceil(bytes / PAGE);
  if (!kernel) {
    const memory = new WebAssembly.Memory({ initial: pages });
    kernel = { memory, block: (new WebAssembly.Instance(mod, { m: { mem: memory } }).exports as { block: Block }).block };
  } else if (kernel.memory.buffer.byteLength < pages * PAGE) {
    kernel.memory.grow(pages - kernel.memory.buffer.byteLength / PAGE);
  }
  return kernel;
}

export interface WasmDotsInput {
  z: readonly Float64Array[];
  len: number;
  rows: ArrayLike<number>;
  cols: ArrayLike<number>;
  /** rows and cols are the same list and only sums with y >= x are needed. */
  upper: boolean;
  tileCols: number;
  tileT: number;
}

/**
 * The sums out[x * cols.length + y] = sum_t z[rows[x]][t] * z[cols[y]][t] (ascending t) with the SIMD kernel, added
 * to `out` as the JS loop does; returns false (out untouched) when the kernel is unavailable or the series too big.
 * Under `upper` some sums with y < x are computed too (as with the JS loop, the caller ignores them).
 */
export function wasmDots(inp: WasmDotsInput, out: Float64Array): boolean {
  const mod = dotsModule();
  if (!mod) return false;
  const { z, len, rows, cols, upper } = inp;
  const nr = rows.length;
  const nc = cols.length;
  if (nr === 0 || nc === 0 || len === 0) return true;
  // rectangular blocks go ROW_CHUNK rows at a time (each row's sums are independent of the others'): the packed
  // copy of the rows stays small; under `upper` the rows are the columns, packed once
  const chunk = upper ? nr : Math.min(nr, ROW_CHUNK);
  const NR = (chunk + 3) & ~3;
  const NC = (nc + 3) & ~3;
  const rowBytes = NR * len * 8;
  const colBytes = upper ? 0 : NC * len * 8;
  const outBytes = NR * NC * 8;
  const total = rowBytes + colBytes + outBytes;
  if (total > WASM_DOTS_MAX_BYTES) return false;
  let k: { memory: WebAssembly.Memory; block: Block };
  try {
    k = kernelWithMemory(mod, total);
  } catch (e) {
    if (e instanceof RangeError) return false; // the memory could not grow: the JS loop does it
    throw e;
  }
  const { memory, block } = k;
  const buf = memory.buffer;
  const rowBase = 0;
  const colBase = upper ? rowBase : rowBytes;
  const outBase = rowBytes + colBytes;
  if (!upper) pack(new Float64Array(buf, colBase, NC * len), z, cols, len);
  const rowsPacked = new Float64Array(buf, rowBase, NR * len);
  const o = new Float64Array(buf, outBase, NR * NC);
  const ostride = NC * 8;
  const quad = len * 32; // bytes of one group of 4 series
  const tileCols = Math.max(4, inp.tileCols & ~3);
  for (let r0 = 0; r0 < nr; r0 += chunk) {
    const r1 = Math.min(nr, r0 + chunk);
    const mine = Array.prototype.slice.call(rows, r0, r1) as number[];
    // padding rows and columns (past the lists' ends) hold what an earlier chunk or call left: their sums are
    // computed in their own lanes and dropped
    pack(rowsPacked, z, mine, len);
    for (let x = r0; x < r1; x++) for (let y = 0; y < nc; y++) o[(x - r0) * NC + y] = out[x * nc + y]!;
    const nx = (r1 - r0 + 3) & ~3;
    for (let y0 = 0; y0 < NC; y0 += tileCols) {
      const y1 = Math.min(NC, y0 + tileCols);
      const xEnd = upper ? Math.min(nx, y1) : nx; // under `upper`, rows past the tile's last column have nothing in it
      for (let t0 = 0; t0 < len; t0 += inp.tileT) {
        const steps = Math.min(len, t0 + inp.tileT) - t0;
        for (let x = 0; x < xEnd; x += 4) {
          const rp = rowBase + (x >> 2) * quad + t0 * 32;
          for (let y = y0; y < y1; y += 4) {
            if (upper && y + 3 < x) continue; // the block lies under the diagonal
            block(rp, colBase + (y >> 2) * quad + t0 * 32, outBase + (x * NC + y) * 8, ostride, steps);
          }
        }
      }
    }
    for (let x = r0; x < r1; x++) for (let y = 0; y < nc; y++) out[x * nc + y] = o[(x - r0) * NC + y]!;
  }
  return true;
}
