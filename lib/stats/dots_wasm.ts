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
import { BR_IF, END, F64X2_ADD, F64X2_MUL, I32_ADD, I32_CONST, I32_MUL, I32_SUB, LOCAL_GET, LOCAL_SET, LOCAL_TEE, LOOP, V128_LOAD, V128_LOAD64_SPLAT, V128_STORE, section, sleb, str, uleb, vec } from './wasm_encode.js';

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
/** Rows packed at a time (a block of rows against the packed columns). */
const ROW_CHUNK = 128;
/**
 * Columns packed at a time: the kernel's memory holds ROW_CHUNK + COL_CHUNK series whatever the number of rows and
 * columns (issue 12: the upper-triangle mode packed every row at once, ~270 MB for a cluster of 1,900 hourly series
 * over 2 years, and a WebAssembly memory never shrinks: now ~36 MB at that length). Rows are packed once per column
 * chunk.
 */
const COL_CHUNK = 128;

/**
 * Packs series `idx` in groups of 4, interleaved by t (dst[(g * len + t) * 4 + k] = row(idx[4g + k])[t]; the slots
 * past the end of idx are left as they are: their sums are computed and dropped).
 */
function pack(dst: Float64Array, row: (i: number) => ArrayLike<number>, idx: ArrayLike<number>, from: number, to: number, len: number): void {
  for (let x = from; x < to; x++) {
    const s = row(idx[x]!);
    let d = ((x - from) >> 2) * len * 4 + ((x - from) & 3);
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
  /** Series i (`len` values). The array may be reused by the next call: it is copied into the kernel's memory at once. */
  row: (i: number) => ArrayLike<number>;
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
 *
 * Work goes by column chunks (COL_CHUNK), each packed once; against it the rows before the chunk in blocks of
 * ROW_CHUNK (rectangular mode: every row), and under `upper` the chunk's own rows read from the packed columns. Each
 * sum is made in one place from `out`'s value, its products added in ascending t (tiles over t chained through
 * memory): the chunking changes which sums are computed together, never a sum.
 */
export function wasmDots(inp: WasmDotsInput, out: Float64Array): boolean {
  const mod = dotsModule();
  if (!mod) return false;
  const { row, len, rows, cols, upper } = inp;
  const nr = rows.length;
  const nc = cols.length;
  if (nr === 0 || nc === 0 || len === 0) return true;
  if (upper && nr !== nc) throw new RangeError(`wasmDots: upper needs the same rows and columns (${nr} rows, ${nc} columns)`);
  const NC = (Math.min(nc, COL_CHUNK) + 3) & ~3;
  const NR = (Math.min(nr, ROW_CHUNK) + 3) & ~3;
  const colBytes = NC * len * 8;
  const rowBytes = NR * len * 8;
  const NO = Math.max(NR, NC); // rows of a block of sums: NR (a block of rows) or NC (under `upper`, the chunk's own)
  const outBytes = NO * NC * 8;
  const total = colBytes + rowBytes + outBytes;
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
  const colBase = 0;
  const rowBase = colBytes;
  const outBase = colBytes + rowBytes;
  const colsPacked = new Float64Array(buf, colBase, NC * len);
  const rowsPacked = new Float64Array(buf, rowBase, NR * len);
  const o = new Float64Array(buf, outBase, NO * NC);
  const ostride = NC * 8;
  const quad = len * 32; // bytes of one group of 4 series
  const tileCols = Math.max(4, inp.tileCols & ~3);
  // the sums of rows [r0, r1) against the chunk's columns [c0, c1): rp the rows' packed base; diag: the rows are the
  // chunk's columns (upper: only y >= x)
  const sums = (rp0: number, r0: number, r1: number, c0: number, c1: number, diag: boolean): void => {
    const ncc = c1 - c0;
    const NCc = (ncc + 3) & ~3;
    for (let x = r0; x < r1; x++) for (let y = 0; y < ncc; y++) o[(x - r0) * NC + y] = out[x * nc + c0 + y]!;
    const nx = (r1 - r0 + 3) & ~3;
    for (let y0 = 0; y0 < NCc; y0 += tileCols) {
      const y1 = Math.min(NCc, y0 + tileCols);
      const xEnd = diag ? Math.min(nx, y1) : nx; // on the diagonal, rows past the tile's last column have nothing in it
      for (let t0 = 0; t0 < len; t0 += inp.tileT) {
        const steps = Math.min(len, t0 + inp.tileT) - t0;
        for (let x = 0; x < xEnd; x += 4) {
          const rp = rp0 + (x >> 2) * quad + t0 * 32;
          for (let y = y0; y < y1; y += 4) {
            if (diag && y + 3 < x) continue; // the block lies under the diagonal
            block(rp, colBase + (y >> 2) * quad + t0 * 32, outBase + (x * NC + y) * 8, ostride, steps);
          }
        }
      }
    }
    for (let x = r0; x < r1; x++) for (let y = 0; y < ncc; y++) out[x * nc + c0 + y] = o[(x - r0) * NC + y]!;
  };
  for (let c0 = 0; c0 < nc; c0 += COL_CHUNK) {
    const c1 = Math.min(nc, c0 + COL_CHUNK);
    // padding rows and columns (past the lists' ends) hold what an earlier chunk or call left: their sums are
    // computed in their own lanes and dropped
    pack(colsPacked, row, cols, c0, c1, len);
    const rowEnd = upper ? c0 : nr; // under `upper` the rows after the chunk have no sum in it
    for (let r0 = 0; r0 < rowEnd; r0 += ROW_CHUNK) {
      const r1 = Math.min(rowEnd, r0 + ROW_CHUNK);
      pack(rowsPacked, row, rows, r0, r1, len);
      sums(rowBase, r0, r1, c0, c1, false);
    }
    if (upper) sums(colBase, c0, c1, c0, c1, true);
  }
  return true;
}
