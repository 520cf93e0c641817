/**
 * Fill intensity lambda(delta) = A exp(-k delta) estimated from trades by censored maximum likelihood.
 *
 * Observations: from each start time t_j (mid m_j) and each distance delta in a grid (bps), a resting bid at
 * m_j (1 - delta/1e4) is "hit" at the first trade at or below it within the horizon H (an ask: at or above
 * m_j (1 + delta/1e4)); tau = the time to that trade (d = 1) or H when none came (d = 0, right-censored). Under the
 * model the waiting time is exponential with rate lambda(delta), so the log-likelihood with a = ln A is
 *   l(a, k) = sum_i d_i (a - k delta_i) - exp(a - k delta_i) tau_i
 * maximised by Newton's method (concave in (a, k)); standard errors from the observed information (the inverse of the
 * negative Hessian), the 95% interval of A as exp(a -+ 1.96 se_a), of k as k -+ 1.96 se_k. Units: delta in bps, tau
 * in seconds, so A is in fills per second and k in 1/bp, as the bar backtest's parameters.
 */

export interface FillObservation {
  delta_bps: number;
  tau_s: number;
  filled: boolean;
}

export interface Trade {
  ts_ms: number;
  price: number;
}

/**
 * Observations from a trade tape (ascending ts): for each start (ts, mid), each delta and both sides, the first hit
 * within horizonMs. Starts whose horizon runs past the last trade are skipped (their censoring would be unknown).
 */
export function fillObservations(trades: readonly Trade[], starts: readonly { ts_ms: number; mid: number }[], deltasBps: readonly number[], horizonMs: number): FillObservation[] {
  const out: FillObservation[] = [];
  if (trades.length === 0) return out;
  const lastTs = trades[trades.length - 1]!.ts_ms;
  let first = 0;
  for (const s of starts) {
    if (s.ts_ms + horizonMs > lastTs) break;
    while (first < trades.length && trades[first]!.ts_ms <= s.ts_ms) first++;
    const bidHit = deltasBps.map(() => NaN);
    const askHit = deltasBps.map(() => NaN);
    for (let j = first; j < trades.length && trades[j]!.ts_ms <= s.ts_ms + horizonMs; j++) {
      const t = trades[j]!;
      const dt = (t.ts_ms - s.ts_ms) / 1000;
      deltasBps.forEach((d, m) => {
        if (Number.isNaN(bidHit[m]!) && t.price <= s.mid * (1 - d / 1e4)) bidHit[m] = dt;
        if (Number.isNaN(askHit[m]!) && t.price >= s.mid * (1 + d / 1e4)) askHit[m] = dt;
      });
    }
    deltasBps.forEach((d, m) => {
      for (const h of [bidHit[m]!, askHit[m]!]) out.push(Number.isNaN(h) ? { delta_bps: d, tau_s: horizonMs / 1000, filled: false } : { delta_bps: d, tau_s: h, filled: true });
    });
  }
  return out;
}

export interface IntensityFit {
  A: number;
  k: number;
  se_lnA: number;
  se_k: number;
  ci95: { A: [number, number]; k: [number, number] };
  observations: number;
  fills: number;
  iterations: number;
  log_likelihood: number;
}

function logLik(obs: readonly FillObservation[], a: number, k: number): number {
  let l = 0;
  for (const o of obs) l += (o.filled ? a - k * o.delta_bps : 0) - Math.exp(a - k * o.delta_bps) * o.tau_s;
  return l;
}

/** The censored MLE of (A, k). Needs fills at two or more distinct distances (else k is not identified). */
export function fitIntensity(obs: readonly FillObservation[], opts: { maxIter?: number; tol?: number } = {}): IntensityFit {
  const fills = obs.filter((o) => o.filled);
  if (new Set(fills.map((o) => o.delta_bps)).size < 2) throw new RangeError(`fitIntensity: fills at ${new Set(fills.map((o) => o.delta_bps)).size} distinct distance(s); at least 2 are needed to identify k`);
  let k = 0;
  const sumD = fills.length;
  let a = Math.log(sumD / obs.reduce((s, o) => s + o.tau_s, 0));
  let ll = logLik(obs, a, k);
  let it = 0;
  let haa = 0, hak = 0, hkk = 0;
  for (; it < (opts.maxIter ?? 100); it++) {
    let ga = 0, gk = 0;
    haa = 0; hak = 0; hkk = 0;
    for (const o of obs) {
      const lt = Math.exp(a - k * o.delta_bps) * o.tau_s;
      ga += (o.filled ? 1 : 0) - lt;
      gk += -(o.filled ? o.delta_bps : 0) + o.delta_bps * lt;
      haa -= lt;
      hak += o.delta_bps * lt;
      hkk -= o.delta_bps * o.delta_bps * lt;
    }
    const det = haa * hkk - hak * hak;
    // Newton step: -H^-1 g
    let da = -(hkk * ga - hak * gk) / det;
    let dk = -(-hak * ga + haa * gk) / det;
    let step = 1;
    let next = logLik(obs, a + da, k + dk);
    while (!(next >= ll) && step > 1e-8) { step /= 2; da /= 2; dk /= 2; next = logLik(obs, a + da, k + dk); }
    a += da; k += dk;
    const done = Math.abs(next - ll) < (opts.tol ?? 1e-10) * Math.max(1, Math.abs(ll));
    ll = next;
    if (done) { it++; break; }
  }
  // observed information at the optimum
  haa = 0; hak = 0; hkk = 0;
  for (const o of obs) {
    const lt = Math.exp(a - k * o.delta_bps) * o.tau_s;
    haa -= lt; hak += o.delta_bps * lt; hkk -= o.delta_bps * o.delta_bps * lt;
  }
  const det = haa * hkk - hak * hak;
  // (-H)^-1 = [[-hkk, hak], [hak, -haa]] / det(-H), det(-H) = det(H)
  const seA = Math.sqrt(-hkk / det);
  const seK = Math.sqrt(-haa / det);
  const A = Math.exp(a);
  return {
    A, k, se_lnA: seA, se_k: seK,
    ci95: { A: [Math.exp(a - 1.959964 * seA), Math.exp(a + 1.959964 * seA)], k: [k - 1.959964 * seK, k + 1.959964 * seK] },
    observations: obs.length, fills: sumD, iterations: it, log_likelihood: ll,
  };
}
