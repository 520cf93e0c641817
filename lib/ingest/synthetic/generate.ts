/**
 * generateSymbol: one synthetic symbol, bar by bar, in one pass with flat memory (the output arrays plus the
 * shared market factor). Model and sizes: README.md beside this file.
 *
 * Per bar t (sizes per 5m bar; tf-scaled like the market factor):
 *   idio_t   = idio_ratio * 10bp * regime_mult * season_t * sqrt(gI_t) * t5_t      gI: GARCH a=0.06 b=0.92
 *   r_t      = beta * market_t + idio_t + planted_drift_t
 *   open_t   = close_{t-1} (start_price for t = 0), close_t = open_t * exp(r_t)
 *   high_t   = max(open, close) * (1 + 0.5 sigma_t |N|), low_t = min(open, close) / (1 + 0.5 sigma_t |N'|)
 *   volume_t = qv5m / open_t * (sigma_t / sigma_calm) * season_t * exp(u_t - sd^2/2)
 *              * (1 + 0.3 |z_t|) / 1.22 * (1 + 0.6 max(0, -z_t - 2.5))     (base units)
 *              u: AR(1) phi 0.9, stationary sd 0.4; z_t = r_t / sigma_t; sigma_t = conditional sd of r_t
 * Every bar draws the same 7 random numbers and every funding settlement 3, whatever happens, so runs with
 * planted_edges 'default' and 'none' share their innovations exactly, and a shorter end_ms gives exactly a
 * prefix of a longer run (nothing before t depends on anything after t).
 */
import { UsageError } from '../../errors.js';
import { BAR_FIELDS } from '../../market.js';
import type { BarColumns, FundingColumns, InstrumentKey, MarketCapColumns, OpenInterestColumns } from '../../market.js';
import { timeframeMs } from '../../timeframe.js';
import { dexp, dlog } from '../../stats/detmath.js';
import { DAY_MS, FIVE_MIN_MS, HOUR_MS, marketFactor, REGIME_PARAMS } from './market_factor.js';
import { Schedule, timesAfter, timesFrom } from './observations.js';
import type { SyntheticParams } from './params.js';
import { assertSyntheticParams, barCount, syntheticSymbols } from './params.js';
import { EdgePlanter } from './planter.js';
import { calmSigma5m, symbolProfile } from './profile.js';
import { Xoshiro128ss } from '../../stats/rng.js';

export interface SyntheticSymbolData {
  key: InstrumentKey;
  bars: BarColumns;
  funding: FundingColumns;
  openInterest: OpenInterestColumns;
  marketCap: MarketCapColumns;
}

/** High above max(open, close) and low below min(open, close): sigma * 0.5|N(0,1)| each (mean 0.4 sigma, as for a Brownian bar). */
export const INTRABAR_EXT = 0.5;
export const IDIO_GARCH = { alpha: 0.06, beta: 0.92, g_min: 0.1, g_max: 25 } as const;
export const VOLUME_MODEL = { ar: 0.9, sd: 0.4, abs_z_coef: 0.3, abs_z_norm: 1.22, cascade_z: -2.5, cascade_coef: 0.6 } as const;
export const FUNDING_MODEL = { base: 0.0001, ar: 0.7, noise_sd: 0.00012, jump_prob: 0.01, jump_size: 0.0008, clamp: 0.0075 } as const;
export const OI_MODEL = { noise_sd_5m: 0.0015, price_coef: 0.3, half_life_days: 2.1, cascade_coef: 0.002, cascade_max: 0.05 } as const;

export function generateSymbol(p: SyntheticParams, symbolIndex: number): SyntheticSymbolData {
  assertSyntheticParams(p);
  if (!Number.isInteger(symbolIndex) || symbolIndex < 0 || symbolIndex >= p.n_symbols) {
    throw new UsageError(`generateSymbol: symbolIndex must be an integer in 0..${p.n_symbols - 1}, was ${symbolIndex}`);
  }
  const n = barCount(p);
  const tf = timeframeMs(p.timeframe);
  const scale = tf / FIVE_MIN_MS;
  const volScale = Math.sqrt(scale);
  const mf = marketFactor(p);
  const prof = symbolProfile(p, symbolIndex);
  const rng = Xoshiro128ss.fromSeed(p.seed, symbolIndex + 1, 0);
  const planter = new EdgePlanter(p, symbolIndex, n);
  const bars = Object.fromEntries(BAR_FIELDS.map((f) => [f, new Float64Array(n)])) as unknown as BarColumns;
  const fundingT = new Schedule(timesFrom(p.start_ms, p.end_ms, p.funding_interval_hours * HOUR_MS));
  const oiT = new Schedule(timesAfter(p.start_ms, p.end_ms, HOUR_MS));
  const capT = new Schedule(timesAfter(p.start_ms, p.end_ms, DAY_MS));
  const funding: FundingColumns = alloc3(fundingT.times, 'funding_rate', 'mark_price');
  const oi: OpenInterestColumns = alloc3(oiT.times, 'open_interest', 'open_interest_usd');
  const cap: MarketCapColumns = { ts_ms: capT.times, market_cap_usd: new Float64Array(capT.times.length) };

  const ga = IDIO_GARCH.alpha;
  const gb = IDIO_GARCH.beta;
  const idioBase = prof.idio_ratio * REGIME_PARAMS.vol_5m[0] * volScale;
  const sigmaRef = calmSigma5m(prof) * volScale;
  const qvBase = prof.quote_volume_5m * scale;
  const uSd = VOLUME_MODEL.sd * Math.sqrt(1 - VOLUME_MODEL.ar * VOLUME_MODEL.ar);
  const uMeanFix = -0.5 * VOLUME_MODEL.sd * VOLUME_MODEL.sd;
  const emaLambda = Math.min(1, tf / DAY_MS); // trailing ~24h mean return, for funding
  const oiKappa = Math.min(1, tf / (OI_MODEL.half_life_days * DAY_MS));
  const oiTarget = dlog(prof.open_interest_usd / prof.start_price);
  let price = prof.start_price;
  let gI = 1;
  let u = 0;
  let ema = 0;
  let fNoise = 0;
  let logOi = oiTarget;

  // Observations due before the next bar closes are filled from the state at stateMs (start, then each close).
  const observe = (stateMs: number, nextBar: number): void => {
    const horizon = stateMs + tf;
    for (let i = fundingT.takeBefore(horizon); i >= 0; i = fundingT.takeBefore(horizon)) {
      fNoise = FUNDING_MODEL.ar * fNoise + FUNDING_MODEL.noise_sd * rng.studentT5();
      const uJump = rng.uniform();
      const eJump = rng.exponential();
      if (uJump < FUNDING_MODEL.jump_prob) {
        fNoise += (uJump < 0.4 * FUNDING_MODEL.jump_prob ? -1 : 1) * FUNDING_MODEL.jump_size * (1 + eJump);
      }
      let rate = FUNDING_MODEL.base + prof.funding_trend_coef * (ema / emaLambda) + fNoise;
      rate = rate > FUNDING_MODEL.clamp ? FUNDING_MODEL.clamp : rate < -FUNDING_MODEL.clamp ? -FUNDING_MODEL.clamp : rate;
      funding.funding_rate[i] = rate;
      funding.mark_price[i] = price;
      planter.onSettlement(funding.ts_ms[i]! === stateMs ? nextBar : nextBar + 1, rate);
    }
    for (let i = oiT.takeBefore(horizon); i >= 0; i = oiT.takeBefore(horizon)) {
      const base = dexp(logOi);
      oi.open_interest[i] = base;
      oi.open_interest_usd[i] = base * price;
    }
    for (let i = capT.takeBefore(horizon); i >= 0; i = capT.takeBefore(horizon)) {
      cap.market_cap_usd[i] = price * prof.supply;
    }
  };

  const mRet = mf.ret;
  const mSigma = mf.sigma;
  const mRegime = mf.regime;
  const mSeason = mf.seasonVol;
  const idioMult = Float64Array.from(REGIME_PARAMS.idio_vol_mult);
  const beta = prof.beta;
  observe(p.start_ms, 0);
  for (let t = 0; t < n; t++) {
    const zI = rng.studentT5();
    const zV = rng.normal();
    const zHigh = rng.normal();
    const zLow = rng.normal();
    const uTaker = rng.uniform();
    const zOi = rng.normal();
    const zTrades = rng.normal();

    const ts = p.start_ms + t * tf;
    const sm = mSigma[t]!;
    const season = mSeason[t]!;
    const sIdio = idioBase * idioMult[mRegime[t]!]! * season * Math.sqrt(gI);
    const r = beta * mRet[t]! + sIdio * zI + planter.drift(t);
    gI = (1 - ga - gb) + ga * zI * zI * gI + gb * gI;
    gI = gI < IDIO_GARCH.g_min ? IDIO_GARCH.g_min : gI > IDIO_GARCH.g_max ? IDIO_GARCH.g_max : gI;
    const sigma = Math.sqrt(beta * beta * sm * sm + sIdio * sIdio);
    const z = r / sigma;

    const open = price;
    const close = open * dexp(r);
    const high = (open > close ? open : close) * (1 + INTRABAR_EXT * sigma * (zHigh < 0 ? -zHigh : zHigh));
    const low = (open < close ? open : close) / (1 + INTRABAR_EXT * sigma * (zLow < 0 ? -zLow : zLow));
    const typical = (open + high + low + close) / 4;

    u = VOLUME_MODEL.ar * u + uSd * zV;
    const absZ = z < 0 ? -z : z;
    const cascade = z < VOLUME_MODEL.cascade_z ? VOLUME_MODEL.cascade_z - z : 0;
    const volume = (qvBase / open) * (sigma / sigmaRef) * season * dexp(u + uMeanFix) *
      ((1 + VOLUME_MODEL.abs_z_coef * absZ) / VOLUME_MODEL.abs_z_norm) * (1 + VOLUME_MODEL.cascade_coef * cascade);
    const zq = zTrades > 3 ? 3 : zTrades < -3 ? -3 : zTrades;
    let takerShare = 0.5 + 0.3 * (z / (1 + absZ)) + 0.1 * (uTaker - 0.5);
    takerShare = takerShare < 0.02 ? 0.02 : takerShare > 0.98 ? 0.98 : takerShare;

    bars.ts_ms[t] = ts;
    bars.open[t] = open;
    bars.high[t] = high;
    bars.low[t] = low;
    bars.close[t] = close;
    bars.volume[t] = volume;
    bars.quote_volume[t] = volume * typical;
    bars.trades[t] = Math.max(1, Math.round(((volume * typical) / prof.trade_size_usd) * (1 + 0.1 * zq)));
    bars.taker_buy_base[t] = volume * takerShare;
    bars.taker_buy_quote[t] = volume * takerShare * typical;

    ema += emaLambda * (r - ema);
    const drop = cascade > 0 ? Math.min(OI_MODEL.cascade_max, OI_MODEL.cascade_coef * cascade * cascade) : 0;
    logOi += oiKappa * (oiTarget - logOi) + OI_MODEL.noise_sd_5m * volScale * zOi + OI_MODEL.price_coef * r - drop;
    price = close;
    planter.onBarClosed(t, high, close, volume);
    observe(ts + tf, t + 1);
  }
  const key: InstrumentKey = { exchange: p.exchange, market: p.market, symbol: syntheticSymbols(p)[symbolIndex]! };
  return { key, bars, funding, openInterest: oi, marketCap: cap };
}

function alloc3<A extends string, B extends string>(
  ts: Float64Array, a: A, b: B,
): { ts_ms: Float64Array } & Record<A | B, Float64Array> {
  return { ts_ms: ts, [a]: new Float64Array(ts.length), [b]: new Float64Array(ts.length) } as
    { ts_ms: Float64Array } & Record<A | B, Float64Array>;
}
