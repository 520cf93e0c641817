/**
 * The pieces of a WebAssembly binary the hand-emitted kernels share (lib/stats/dots_wasm.ts, lib/stats/tred2_wasm.ts):
 * LEB128 integers, vectors, names, sections, and the opcodes they use (WebAssembly Core Specification 2.0, binary
 * format, with the fixed-width SIMD proposal's 0xfd prefix).
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
export const LOCAL_GET = 0x20;
export const LOCAL_SET = 0x21;
export const LOCAL_TEE = 0x22;
export const I32_CONST = 0x41;
export const I32_ADD = 0x6a;
export const I32_SUB = 0x6b;
export const I32_MUL = 0x6c;
export const LOOP = 0x03;
export const BR_IF = 0x0d;
export const END = 0x0b;
export const SIMD = 0xfd;
export const V128_LOAD = [SIMD, ...uleb(0x00)];
export const V128_LOAD64_SPLAT = [SIMD, ...uleb(0x0a)];
export const V128_STORE = [SIMD, ...uleb(0x0b)];
export const F64X2_ADD = [SIMD, ...uleb(0xf0)];
export const F64X2_MUL = [SIMD, ...uleb(0xf2)];
export const F64_CONST = 0x44;
export const I8X16_SHUFFLE = [SIMD, ...uleb(0x0d)];
export const F64X2_SPLAT = [SIMD, ...uleb(0x14)];
export const F64X2_SUB = [SIMD, ...uleb(0xf1)];
