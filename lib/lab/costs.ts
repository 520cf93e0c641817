/**
 * The lab's cost flags over the one cost model (lib/costs): `--fee-bps` sets the maker and taker fee of the traded
 * venue and market, `--slip-bps` the per-side slippage; the result is validated and digested like
 * spec/costs.yaml (the blueprint is bound to that digest). `--commission` (a fixed amount per fill) has no place in
 * the cost model: only 0 is accepted, anything else is refused with the way to express it.
 */
import { costDigest, resolveCosts } from '../costs/digest.js';
import type { CostConfig } from '../costs/schema.js';
import { UsageError } from '../errors.js';
import type { InstrumentKey } from '../market.js';
import { withVenueAliases } from '../costs/derive.js';

export interface CostFlags {
  feeBps?: number | undefined;
  slipBps?: number | undefined;
  commission?: number | undefined;
}

export function checkCostFlags(f: CostFlags): void {
  for (const [flag, v] of [['--fee-bps', f.feeBps], ['--slip-bps', f.slipBps]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 100)) {
      throw new UsageError(`${flag} must be a number of basis points in [0, 100], was ${v}`, { hint: '1 bp = 0.01% of the filled notional' });
    }
  }
  if (f.commission !== undefined && f.commission !== 0) {
    throw new UsageError(`--commission ${f.commission}: the cost model (lib/costs) has no fixed per-fill commission`, {
      hint: 'express commissions as a fee in basis points with --fee-bps (and keep --commission 0)',
    });
  }
}

/** Lake exchanges priced as another venue (the walk-forward's and bridge's `venue_for` default). */
export const LAB_VENUE_FOR: Readonly<Record<string, string>> = { synthetic: 'binance' };

/**
 * The config a lab run is bound to (`config`, `digest`: spec/costs.yaml as resolved when no flag is given, so a
 * lab blueprint has the same id as the pipeline's) and the config it simulates under (`simulate`: venue aliases
 * added, as the walk-forward does). With --fee-bps the maker and taker fee of every traded venue market is set.
 */
export function labCosts(base: CostConfig, keys: readonly InstrumentKey[], f: CostFlags): { config: CostConfig; digest: string; simulate: CostConfig } {
  checkCostFlags(f);
  let config = base;
  if (f.feeBps !== undefined || f.slipBps !== undefined) {
    const raw = structuredClone(base) as CostConfig;
    for (const k of keys) {
      const venue = LAB_VENUE_FOR[k.exchange] !== undefined && !raw.venues[k.exchange] ? LAB_VENUE_FOR[k.exchange]! : k.exchange;
      if (f.feeBps !== undefined) (raw.venues[venue] ??= {})[k.market] = { maker_fee_bps: f.feeBps, taker_fee_bps: f.feeBps };
    }
    if (f.slipBps !== undefined) raw.slippage_bps = f.slipBps;
    config = resolveCosts(raw, 'quantlab cost flags');
  }
  const simulate = withVenueAliases(config, LAB_VENUE_FOR);
  for (const k of keys) {
    if (!simulate.venues[k.exchange]?.[k.market]) {
      throw new UsageError(`the cost config prices no ${k.exchange} ${k.market} market (venues.${k.exchange}.${k.market})`, {
        hint: `pass --fee-bps N, or add venues.${k.exchange}.${k.market} to spec/costs.yaml`,
      });
    }
  }
  return { config, digest: costDigest(config), simulate };
}
