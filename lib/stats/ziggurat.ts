/**
 * Tables of the ziggurat method for standard normals (Marsaglia & Tsang 2000, "The Ziggurat Method for
 * Generating Random Variables", J. Stat. Software 5(8), 128 layers, r = 3.442619855899, v = 9.91256303526217e-3).
 * Built once with the deterministic dlog/dexp, so the tables are the same bits everywhere.
 *
 * Unlike the paper's RNOR (which reuses the low 7 bits of the same word for the layer), one 32-bit draw is
 * split: bits 0..6 pick the layer and bits 7..31 are a signed 25-bit magnitude, so layer and value are
 * independent (the flaw noted by Doornik 2005).
 */
import { dexp, dlog } from './detmath.js';

export const ZIG_LAYERS = 128;
export const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
/** Scale of the signed magnitude: values are integers in [-2^24, 2^24). */
export const ZIG_M = 16777216;

export interface ZigguratTables {
  /** Acceptance bound on |j| per layer. */
  kn: Float64Array;
  /** x = j * wn[i]. */
  wn: Float64Array;
  /** Density exp(-x^2/2) at each layer's edge. */
  fn: Float64Array;
}

function build(): ZigguratTables {
  const kn = new Float64Array(ZIG_LAYERS);
  const wn = new Float64Array(ZIG_LAYERS);
  const fn = new Float64Array(ZIG_LAYERS);
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_V / dexp(-0.5 * dn * dn);
  kn[0] = Math.floor((dn / q) * ZIG_M);
  kn[1] = 0;
  wn[0] = q / ZIG_M;
  wn[ZIG_LAYERS - 1] = dn / ZIG_M;
  fn[0] = 1;
  fn[ZIG_LAYERS - 1] = dexp(-0.5 * dn * dn);
  for (let i = ZIG_LAYERS - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * dlog(ZIG_V / dn + dexp(-0.5 * dn * dn)));
    kn[i + 1] = Math.floor((dn / tn) * ZIG_M);
    tn = dn;
    fn[i] = dexp(-0.5 * dn * dn);
    wn[i] = dn / ZIG_M;
  }
  return { kn, wn, fn };
}

export const ZIGGURAT: Readonly<ZigguratTables> = build();
