/**
 * Plants the edges of edges.ts into one symbol while it is generated: watches each closed bar and each funding
 * settlement, and marks the bars that carry each edge's drift in a per-bar bit mask (one bit per edge, so
 * overlapping windows of one edge merge instead of stacking).
 */
import { dlog } from '../../stats/detmath.js';
import { EDGE_BIT, EDGE_SPECS, edgeEffectBps, edgeHorizonBars, hasBreakoutEdge } from './edges.js';
import type { SyntheticParams } from './params.js';
import { RollingMax, RollingMoments } from './rolling.js';

const BPS = 1e-4;

export class EdgePlanter {
  private readonly mask: Uint8Array;
  private readonly enabled: boolean;
  private readonly breakout: boolean;
  private readonly driftByMask: Float64Array;
  private readonly retWin: RollingMoments;
  private readonly volWin: RollingMoments;
  private readonly highWin: RollingMax;
  /** Horizons in bars of the generator's timeframe, per edge. */
  private readonly capitulationHorizon: number;
  private readonly fundingHorizon: number;
  private readonly breakoutHorizon: number;
  private readonly squeezeHorizon: number;
  private readonly shockHorizon: number;
  /** The two edges off in the default market (strength 0 unless edge_strength_bps sets one). */
  private readonly squeezeOn: boolean;
  private readonly shockOn: boolean;
  /** Last bar marked, per edge bit (index 1, 2, 4, 8, 16). */
  private readonly markedUntil = new Int32Array(17).fill(-1);
  private prevClose = NaN;
  private lastBreakout = -Infinity;
  private lastShock = -Infinity;

  constructor(p: SyntheticParams, symbolIndex: number, private readonly nBars: number) {
    this.enabled = p.planted_edges === 'default';
    this.breakout = hasBreakoutEdge(symbolIndex);
    this.mask = new Uint8Array(this.enabled ? nBars : 0);
    const cr = EDGE_SPECS.capitulation_reversal;
    const ff = EDGE_SPECS.funding_extreme_fade;
    const bo = EDGE_SPECS.breakout_momentum;
    this.capitulationHorizon = edgeHorizonBars(cr.horizon, p.timeframe);
    this.fundingHorizon = edgeHorizonBars(ff.horizon, p.timeframe);
    this.breakoutHorizon = edgeHorizonBars(bo.horizon, p.timeframe);
    this.squeezeHorizon = edgeHorizonBars(EDGE_SPECS.negative_funding_squeeze.horizon, p.timeframe);
    this.shockHorizon = edgeHorizonBars(EDGE_SPECS.down_shock_reversal.horizon, p.timeframe);
    this.squeezeOn = edgeEffectBps(p, 'negative_funding_squeeze') !== 0;
    this.shockOn = edgeEffectBps(p, 'down_shock_reversal') !== 0;
    const d = [
      (edgeEffectBps(p, 'capitulation_reversal') / this.capitulationHorizon) * BPS,
      (edgeEffectBps(p, 'funding_extreme_fade') / this.fundingHorizon) * BPS,
      (edgeEffectBps(p, 'breakout_momentum') / this.breakoutHorizon) * BPS,
      (edgeEffectBps(p, 'negative_funding_squeeze') / this.squeezeHorizon) * BPS,
      (edgeEffectBps(p, 'down_shock_reversal') / this.shockHorizon) * BPS,
    ] as const;
    // Drift for each of the 32 mask values, so the hot loop does one lookup. The last two terms are +0 in the
    // default market, which leaves its sums (and so its bits) exactly as before they existed.
    this.driftByMask = new Float64Array(32);
    for (let m = 0; m < 32; m++) {
      this.driftByMask[m] = (m & 1 ? d[0] : 0) + (m & 2 ? d[1] : 0) + (m & 4 ? d[2] : 0) + (m & 8 ? d[3] : 0) + (m & 16 ? d[4] : 0);
    }
    this.retWin = new RollingMoments(cr.window_bars);
    this.volWin = new RollingMoments(cr.window_bars);
    this.highWin = new RollingMax(bo.window_bars);
  }

  /** Planted log-return drift of bar t. */
  drift(t: number): number {
    return this.enabled ? this.driftByMask[this.mask[t]!]! : 0;
  }

  /** Called once bar t has closed, in order t = 0, 1, ... */
  onBarClosed(t: number, high: number, close: number, volume: number): void {
    if (!this.enabled) return;
    if (t >= 1) {
      const r = dlog(close / this.prevClose);
      const cr = EDGE_SPECS.capitulation_reversal;
      if (this.retWin.full && this.volWin.full) {
        const vSd = this.volWin.std();
        const spike = vSd > 0 && (volume - this.volWin.mean()) / vSd > cr.volume_z_min;
        if (spike && r < cr.return_sigma_max * this.retWin.std()) {
          this.mark(EDGE_BIT.capitulation_reversal, t + 1, this.capitulationHorizon);
        }
        const ds = EDGE_SPECS.down_shock_reversal;
        if (this.shockOn && t - this.lastShock > ds.cooldown_bars) {
          const sd = this.retWin.std();
          if (sd > 0 && (r - this.retWin.mean()) / sd < ds.return_z_max) {
            this.lastShock = t;
            this.mark(EDGE_BIT.down_shock_reversal, t + 1, this.shockHorizon);
          }
        }
        const bo = EDGE_SPECS.breakout_momentum;
        if (this.breakout && t - this.lastBreakout > bo.cooldown_bars && close > this.highWin.max()) {
          this.lastBreakout = t;
          this.mark(EDGE_BIT.breakout_momentum, t + 1, this.breakoutHorizon);
        }
      }
      this.retWin.push(r);
      this.volWin.push(volume);
      this.highWin.push(high);
    }
    this.prevClose = close;
  }

  /** A funding settlement whose rate is known before bar firstBar opens (the first bar opening at or after T). */
  onSettlement(firstBar: number, fundingRate: number): void {
    if (this.enabled && fundingRate > EDGE_SPECS.funding_extreme_fade.funding_rate_min) {
      this.mark(EDGE_BIT.funding_extreme_fade, firstBar, this.fundingHorizon);
    }
    if (this.enabled && this.squeezeOn && fundingRate < EDGE_SPECS.negative_funding_squeeze.funding_rate_max) {
      this.mark(EDGE_BIT.negative_funding_squeeze, firstBar, this.squeezeHorizon);
    }
  }

  private mark(bit: number, from: number, horizon: number): void {
    const last = Math.min(this.nBars - 1, from + horizon - 1);
    const done = this.markedUntil[bit]!;
    for (let j = Math.max(from, done + 1); j <= last; j++) this.mask[j] = this.mask[j]! | bit;
    if (last > done) this.markedUntil[bit] = last;
  }
}
