/** KPIs of the daily net returns (365 periods a year: crypto trades every day), from lib/stats (empyrical conventions). */
import { cagr, calmar, hitRate, maxDrawdown, sharpe, sortino, annualizedVolatility } from '../stats/index.js';

export interface Kpis { days: number; cagr: number; sharpe: number; sortino: number; max_drawdown: number; calmar: number; hit_rate: number; annual_vol: number; turnover_annual: number; total_cost: number; total_funding: number; days_in_market: number }

const fin = (x: number) => (Number.isFinite(x) ? x : null) as number;

export function computeKpis(r: Float64Array, altTurnover: Float64Array, cost: Float64Array, funding: Float64Array, gross: Float64Array): Kpis {
  const active = r.filter((_, i) => gross[i]! > 0 || (i > 0 && gross[i - 1]! > 0));
  const turn = altTurnover.reduce((s, x) => s + x, 0);
  return {
    days: r.length,
    cagr: fin(cagr(r, 365)), sharpe: fin(sharpe(r, 365)), sortino: fin(sortino(r, 365)), max_drawdown: fin(maxDrawdown(r)), calmar: fin(calmar(r, 365)),
    hit_rate: fin(hitRate(active)), annual_vol: fin(annualizedVolatility(r, 365)),
    turnover_annual: r.length > 0 ? (turn / r.length) * 365 : 0,
    total_cost: cost.reduce((s, x) => s + x, 0), total_funding: funding.reduce((s, x) => s + x, 0),
    days_in_market: gross.filter((g) => g > 0).length,
  };
}
