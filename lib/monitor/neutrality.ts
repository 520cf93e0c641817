/**
 * The neutrality solver. Inputs: alt weights a_i (signed, the alt leg), their betas b_i to the majors leg M =
 * (w_btc BTC + w_eth ETH) / (w_btc + w_eth), the per-name cap and gross caps. Output: the majors-leg notional L
 * (signed, opposite to the alt leg) and the residual beta.
 *  - alt leg: each |a_i| clipped to max_name_weight (the clipped notional is not redistributed);
 *  - beta-neutral: L = -sum a_i b_i (the leg's beta to M is 1 by construction), so sum a_i b_i + L = 0;
 *  - dollar-neutral: L = -sum a_i;
 *  - then |L| <= max_gross - sum |a_i| (cap); what the cap cuts stays as residual beta = sum a_i b_i + L.
 * The majors leg splits L into BTC and ETH by the fixed long-leg weights.
 */
export interface NeutralBook {
  alt: Float64Array;
  btc: number;
  eth: number;
  residual_beta: number;
  capped: boolean;
}

export function neutralize(alt: Float64Array, betas: Float64Array, opts: { mode: 'beta' | 'dollar'; maxName: number; maxGross: number; wBtc: number; wEth: number }): NeutralBook {
  const a = Float64Array.from(alt, (x) => Math.sign(x) * Math.min(Math.abs(x), opts.maxName));
  let altBeta = 0, altNet = 0, altGross = 0;
  for (let i = 0; i < a.length; i++) { altBeta += a[i]! * betas[i]!; altNet += a[i]!; altGross += Math.abs(a[i]!); }
  let L = opts.mode === 'beta' ? -altBeta : -altNet;
  const room = Math.max(0, opts.maxGross - altGross);
  let capped = false;
  if (Math.abs(L) > room) { L = Math.sign(L) * room; capped = true; }
  const tot = opts.wBtc + opts.wEth;
  return { alt: a, btc: (L * opts.wBtc) / tot, eth: (L * opts.wEth) / tot, residual_beta: altBeta + L, capped };
}
