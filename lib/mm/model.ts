/**
 * Quote models of market making, pure functions.
 *
 * Avellaneda & Stoikov (2008), "High-frequency trading in a limit order book", Quantitative Finance 8(3):217-224,
 * section 3 (eqs. 29-30 in the published version):
 *   reservation price   r = s - q * gamma * sigma^2 * (T - t)
 *   total spread        delta_a + delta_b = gamma * sigma^2 * (T - t) + (2 / gamma) * ln(1 + gamma / k)
 *   quotes              ask = r + spread / 2, bid = r - spread / 2
 * Guéant, Lehalle & Fernandez-Tapia (2013), "Dealing with the inventory risk: a solution to the market making
 * problem", Mathematics and Financial Economics 7:477-507, the asymptotic (T -> infinity) closed-form approximation
 * of the optimal distances under an inventory cap Q (their section 4, eqs. for delta^b_inf and delta^a_inf):
 *   c = sqrt( sigma^2 * gamma / (2 * k * A) * (1 + gamma / k)^(1 + k / gamma) )
 *   delta_b(q) = (1 / gamma) ln(1 + gamma / k) + (2q + 1) / 2 * c      (no bid when q = +Q)
 *   delta_a(q) = (1 / gamma) ln(1 + gamma / k) - (2q - 1) / 2 * c      (no ask when q = -Q)
 * Fill intensity of a quote at distance delta from the mid: lambda(delta) = A * exp(-k * delta).
 *
 * Units: every formula is unit-consistent when prices (s, delta, 1/k, 1/gamma) share one unit P (a currency, or bps
 * of the mid), time (T - t, 1/A) one unit U, sigma is in P per sqrt(U) and q is in lots (the quote size). The names
 * below carry the unit where it matters; the paper's own simulation uses P = dollars, U = the session (T = 1).
 */

export interface AsParams {
  /** risk aversion gamma, in 1 / (P * lot) */
  gamma: number;
  /** mid-price volatility sigma, in P per sqrt(U) */
  sigma: number;
  /** fill-intensity decay k, in 1 / P */
  k: number;
}

export interface GlftParams extends AsParams {
  /** fill intensity at zero distance A, in fills per U */
  A: number;
  /** inventory cap Q in lots (>= 1): no quote on the side that would exceed it */
  maxInventory: number;
}

export interface Quotes {
  /** price of the bid, or NaN when the bid is not quoted */
  bid: number;
  /** price of the ask, or NaN when the ask is not quoted */
  ask: number;
  /** the centre of the quotes (the reservation price for A-S) */
  reservation: number;
  /** ask - bid in P (NaN when one side is off) */
  spread: number;
}

function checkPositive(name: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a finite number > 0, was ${v}`);
}

/** A-S reservation (indifference) price r = s - q gamma sigma^2 (T - t), in P. */
export function asReservationPrice(s: number, q: number, p: AsParams, tau: number): number {
  return s - q * p.gamma * p.sigma * p.sigma * tau;
}

/** A-S optimal total spread gamma sigma^2 (T - t) + (2 / gamma) ln(1 + gamma / k), in P. */
export function asOptimalSpread(p: AsParams, tau: number): number {
  checkPositive('gamma', p.gamma);
  checkPositive('k', p.k);
  return p.gamma * p.sigma * p.sigma * tau + (2 / p.gamma) * Math.log1p(p.gamma / p.k);
}

/** A-S quotes at mid s, inventory q (lots), time to horizon tau (U): symmetric around r. */
export function asQuotes(s: number, q: number, p: AsParams, tau: number): Quotes {
  const r = asReservationPrice(s, q, p, tau);
  const spread = asOptimalSpread(p, tau);
  return { bid: r - spread / 2, ask: r + spread / 2, reservation: r, spread };
}

/** The GLFT inventory-skew constant c = sqrt(sigma^2 gamma / (2 k A) (1 + gamma / k)^(1 + k / gamma)), in P. */
export function glftSkew(p: GlftParams): number {
  checkPositive('gamma', p.gamma);
  checkPositive('k', p.k);
  checkPositive('A', p.A);
  const g = p.gamma / p.k;
  // (1 + g)^(1 + 1/g) evaluated in logs: stable for small gamma / k (it tends to e * (1 + g/2 ...))
  const pow = Math.exp((1 + 1 / g) * Math.log1p(g));
  return Math.sqrt(((p.sigma * p.sigma * p.gamma) / (2 * p.k * p.A)) * pow);
}

/** GLFT (2013) asymptotic distances from the mid (P): [delta_b, delta_a]; NaN on a side capped by maxInventory. */
export function glftDistances(q: number, p: GlftParams): [number, number] {
  if (!(p.maxInventory >= 1)) throw new RangeError(`maxInventory must be >= 1 lot, was ${p.maxInventory}`);
  const half = Math.log1p(p.gamma / p.k) / p.gamma;
  const c = glftSkew(p);
  const db = q >= p.maxInventory ? NaN : half + ((2 * q + 1) / 2) * c;
  const da = q <= -p.maxInventory ? NaN : half - ((2 * q - 1) / 2) * c;
  return [db, da];
}

/** GLFT quotes at mid s and inventory q (lots). */
export function glftQuotes(s: number, q: number, p: GlftParams): Quotes {
  const [db, da] = glftDistances(q, p);
  const bid = s - db;
  const ask = s + da;
  // the centre of the two distances: s - (delta_b - delta_a) / 2 = s - q * c
  return { bid, ask, reservation: s - q * glftSkew(p), spread: ask - bid };
}

/** Poisson fill intensity lambda(delta) = A exp(-k delta) of a quote delta (P) away from the mid, per U. */
export function fillIntensity(A: number, k: number, delta: number): number {
  return A * Math.exp(-k * delta);
}
