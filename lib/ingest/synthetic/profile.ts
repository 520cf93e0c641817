/**
 * Fixed per-symbol characteristics of the synthetic market, drawn from the seed (stream i + 1, substream 1)
 * and independent of the other symbols. Symbol 0 is the BTC-like leader, symbol 1 the ETH-like second.
 */
import type { SyntheticParams } from './params.js';
import { Xoshiro128ss } from '../../stats/rng.js';
import { REGIME_PARAMS } from './market_factor.js';
import { dexp, dlog } from '../../stats/detmath.js';

const LN10 = 2.302585092994046;
/** a^b for a > 0 with the deterministic log/exp (Math.pow is implementation-approximated). */
function dpow(a: number, b: number): number {
  return dexp(b * dlog(a));
}

export interface SymbolProfile {
  index: number;
  /** Loading on the market factor: 1 for the leader, 1.15 for the second, 1.1..1.6 for the rest. */
  beta: number;
  /** Idiosyncratic volatility as a multiple of the calm market-factor volatility: 0.55, 0.75, then 0.9..1.4. */
  idio_ratio: number;
  /** Price of the first bar's open (USD). */
  start_price: number;
  /** Circulating supply (base units), fixed: market_cap_usd = price * supply. */
  supply: number;
  /** Mean quote volume of a calm 5m bar (USD). */
  quote_volume_5m: number;
  /** Mean trade size (USD), for the trade count. */
  trade_size_usd: number;
  /** Funding sensitivity to the trailing ~24h log return (rate per unit of return). */
  funding_trend_coef: number;
  /** Open interest at the start, in USD. */
  open_interest_usd: number;
}

/** Market caps at the start: leader 500bn, second 200bn, then 120bn * i^-1.2 with lognormal scatter. */
const LEADER_CAP_USD = 5e11;

export function symbolProfile(p: SyntheticParams, index: number): SymbolProfile {
  const rng = Xoshiro128ss.fromSeed(p.seed, index + 1, 1);
  const u = () => rng.uniform();
  // Always draw the same count, whatever the index, so the list is easy to extend.
  const [u1, u2, u3, u4, u5, u6] = [u(), u(), u(), u(), u(), u()] as const;
  const zCap = rng.normal();
  let beta: number;
  let idio: number;
  let price: number;
  let cap: number;
  if (index === 0) {
    [beta, idio, price, cap] = [1.0, 0.55, 25_000 * (0.9 + 0.2 * u3), LEADER_CAP_USD];
  } else if (index === 1) {
    [beta, idio, price, cap] = [1.15, 0.75, 1_600 * (0.9 + 0.2 * u3), 2e11];
  } else {
    beta = 1.1 + 0.5 * u1;
    idio = 0.9 + 0.5 * u2;
    price = dexp((-2 + 4 * u3) * LN10); // 0.01 .. 100 USD
    cap = 1.2e11 * dpow(index, -1.2) * dexp(0.3 * zCap);
  }
  // Quote volume scales with cap^0.7: the leader trades ~25M USD per calm 5m bar (~7bn a day).
  const quoteVolume = 2.5e7 * dpow(cap / LEADER_CAP_USD, 0.7) * (0.8 + 0.4 * u4);
  return {
    index,
    beta,
    idio_ratio: idio,
    start_price: price,
    supply: cap / price,
    quote_volume_5m: quoteVolume,
    trade_size_usd: index === 0 ? 3_000 : 500 + 1_000 * u5,
    funding_trend_coef: 0.005 + 0.003 * u6,
    open_interest_usd: quoteVolume * 288 * 0.6,
  };
}

/** Calm volatility of a symbol's 5m return (market and idiosyncratic parts), used as the volume reference. */
export function calmSigma5m(prof: SymbolProfile): number {
  const m = REGIME_PARAMS.vol_5m[0];
  return m * Math.sqrt(prof.beta * prof.beta + prof.idio_ratio * prof.idio_ratio);
}
