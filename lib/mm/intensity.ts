/**
 * Fill intensity lambda(delta) = A exp(-k delta) estimated from trades by censored maximum likelihood.
 *
 * Observations: from each start time t_j (mid m_j) and each distance delta in a grid (bps), a resting bid at
 * m_j (1 - delta/1e4) is "hit" at the first trade at or below it within the horizon H (an ask: at or above
 * m_j (1 + delta/1e4)); tau = the time to that trade (d = 1) or H when none came (d = 0, right-censored). Under the
 * model the waiting time is exponential with rate lambda(delta), so the log-likelihood with a = ln A is
 *   l(a, k) = sum_i d_i (a - k delta_i) - exp(a - k delta_i) tau_i
 * maximised by Newton's method (concave in (a, k)); standard errors from the observed information (the inverse of the
 * negative Hessian) or, when each observation names its start, cluster-robust by start (the sandwich; observations
 * of one start share one tape and are not independent), the 95% interval of A as exp(a -+ 1.96 se_a), of k as k -+ 1.96 se_k. Units: delta in bps, tau
 * in seconds, so A is in fills per second and k in 1/bp, as the bar backtest's parameters.
 */

export interface FillObservation {
  delta_bps: number;
  tau_s: number;
  filled: boolean;
  /** Index of the start the observation was taken from: observations of one start are dependent (one tape). */
  start?: number;
}

export interface Trade {
  ts_ms: number;
  price: number;
}

/** A trade tape as columns (ts ascending), the form the lake's trades are read in. */
export interface TradeTape {
  ts_ms: ArrayLike<number>;
  price: ArrayLike<number>;
}

function asTape(trades: readonly Trade[] | TradeTape): TradeTape {
  if (!Array.isArray(trades)) return trades as TradeTape;
  const list = trades as readonly Trade[];
  return { ts_ms: list.map((t) => t.ts_ms), price: list.map((t) => t.price) };
}

/**
 * Observations from a trade tape (ascending ts): for each start (ts, mid), each delta and both sides, the first hit
 * within horizonMs (trades with start < ts <= start + horizon). Starts whose horizon runs past the last trade are
 * skipped (their censoring would be unknown). `through`: a hit needs a trade strictly through the level (below the
 * bid, above the ask), the fill rule of the bar backtest; default: at or through it (touch).
 */
export function fillObservations(
  trades: readonly Trade[] | TradeTape, starts: readonly { ts_ms: number; mid: number }[], deltasBps: readonly number[], horizonMs: number,
  opts: { through?: boolean } = {},
): FillObservation[] {
  const out: FillObservation[] = [];
  const tape = asTape(trades);
  const nT = tape.ts_ms.length;
  if (nT === 0) return out;
  const lastTs = tape.ts_ms[nT - 1]!;
  const through = opts.through ?? false;
  const nD = deltasBps.length;
  const bidLevel = new Float64Array(nD), askLevel = new Float64Array(nD);
  const bidHit = new Float64Array(nD), askHit = new Float64Array(nD);
  let first = 0;
  for (let si = 0; si < starts.length; si++) {
    const s = starts[si]!;
    if (s.ts_ms + horizonMs > lastTs) break;
    while (first < nT && tape.ts_ms[first]! <= s.ts_ms) first++;
    for (let m = 0; m < nD; m++) {
      bidLevel[m] = s.mid * (1 - deltasBps[m]! / 1e4);
      askLevel[m] = s.mid * (1 + deltasBps[m]! / 1e4);
      bidHit[m] = NaN;
      askHit[m] = NaN;
    }
    let open = 2 * nD;
    for (let j = first; open > 0 && j < nT && tape.ts_ms[j]! <= s.ts_ms + horizonMs; j++) {
      const price = tape.price[j]!;
      const dt = (tape.ts_ms[j]! - s.ts_ms) / 1000;
      for (let m = 0; m < nD; m++) {
        if (Number.isNaN(bidHit[m]!) && (through ? price < bidLevel[m]! : price <= bidLevel[m]!)) { bidHit[m] = dt; open--; }
        if (Number.isNaN(askHit[m]!) && (through ? price > askLevel[m]! : price >= askLevel[m]!)) { askHit[m] = dt; open--; }
      }
    }
    for (let m = 0; m < nD; m++) {
      const d = deltasBps[m]!;
      for (const h of [bidHit[m]!, askHit[m]!]) out.push(Number.isNaN(h) ? { delta_bps: d, tau_s: horizonMs / 1000, filled: false, start: si } : { delta_bps: d, tau_s: h, filled: true, start: si });
    }
  }
  return out;
}

export interface IntensityFit {
  A: number;
  k: number;
  /** Standard errors the intervals use: cluster-robust when the observations carry their start, else model-based. */
  se_lnA: number;
  se_k: number;
  se_kind: 'model' | 'cluster_robust';
  /** Model-based (inverse observed information, observations taken as independent). */
  se_model: { lnA: number; k: number };
  /** Clusters (starts) of the robust variance; 0 when model-based. */
  clusters: number;
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
  const iaa = -hkk / det, iak = hak / det, ikk = -haa / det;
  const modelA = Math.sqrt(iaa);
  const modelK = Math.sqrt(ikk);
  // Cluster-robust (sandwich) variance I^-1 B I^-1, B = sum over starts of the outer product of the start's score:
  // the levels of one start read the same tape (a hit at 10 bps is a hit at 5 bps), so their scores are positively
  // correlated and the model-based errors, which take them as independent, are too small. C/(C-1) small-sample factor.
  const scores = new Map<number, [number, number]>();
  for (const o of obs) {
    if (o.start === undefined) continue;
    const lt = Math.exp(a - k * o.delta_bps) * o.tau_s;
    const d = o.filled ? 1 : 0;
    const g = scores.get(o.start) ?? [0, 0];
    g[0] += d - lt;
    g[1] += -d * o.delta_bps + o.delta_bps * lt;
    scores.set(o.start, g);
  }
  const C = scores.size;
  let seA = modelA, seK = modelK;
  if (C >= 2 && obs.every((o) => o.start !== undefined)) {
    let baa = 0, bak = 0, bkk = 0;
    for (const [ga, gk] of scores.values()) { baa += ga * ga; bak += ga * gk; bkk += gk * gk; }
    const f = C / (C - 1);
    // V = I^-1 B I^-1 (2x2, symmetric)
    const vaa = f * (iaa * (iaa * baa + iak * bak) + iak * (iaa * bak + iak * bkk));
    const vkk = f * (iak * (iak * baa + ikk * bak) + ikk * (iak * bak + ikk * bkk));
    seA = Math.sqrt(vaa);
    seK = Math.sqrt(vkk);
  }
  const robust = seA !== modelA || seK !== modelK;
  const A = Math.exp(a);
  return {
    A, k, se_lnA: seA, se_k: seK, se_kind: robust ? 'cluster_robust' : 'model', se_model: { lnA: modelA, k: modelK }, clusters: robust ? C : 0,
    ci95: { A: [Math.exp(a - 1.959964 * seA), Math.exp(a + 1.959964 * seA)], k: [k - 1.959964 * seK, k + 1.959964 * seK] },
    observations: obs.length, fills: sumD, iterations: it, log_likelihood: ll,
  };
}
