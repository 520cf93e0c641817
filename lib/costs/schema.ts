/**
 * JSON Schema and types for spec/costs.yaml: every cost a simulated trade pays. The resolved config (defaults
 * filled by the loader) is hashed into the cost digest that every blueprint carries.
 *
 * Cost of one fill of notional N on venue v, market m (all in basis points of N, 1 bp = 0.01%):
 *   fee       = maker_fee_bps or taker_fee_bps of venues[v][m]
 *   slippage  = slippage_bps (per side: half the spread plus slip against the quoted price)
 *   impact    = sqrt:   coefficient * daily_vol_bps * sqrt(participation)
 *               linear: coefficient_bps * participation
 *               where participation = order quantity / trailing 24h traded volume of the symbol (fraction)
 *   capacity  = an order may be at most max_participation of the volume of the bar it fills in
 * plus, while a position is held: funding payments at settlement times (perpetuals) and borrow on spot shorts.
 */
import { boolean, mapOf, number, object, oneOfStrings, type SpecSchema } from '../spec/schema.js';

export const MARKETS = ['spot', 'um', 'cm'] as const;
export type Market = (typeof MARKETS)[number];

export const IMPACT_MODELS = ['sqrt', 'linear'] as const;
export type ImpactModelName = (typeof IMPACT_MODELS)[number];

export interface MarketFees {
  maker_fee_bps: number;
  taker_fee_bps: number;
  /** optional maker rebate (bps of notional, >= 0) paid back on maker fills; absent = none (used by lib/mm) */
  maker_rebate_bps?: number;
}

export type VenueFees = Partial<Record<Market, MarketFees>>;

export interface SqrtImpact {
  model: 'sqrt';
  coefficient: number;
  max_participation: number;
}

export interface LinearImpact {
  model: 'linear';
  coefficient_bps: number;
  max_participation: number;
}

export type ImpactModel = SqrtImpact | LinearImpact;

/** The resolved cost config: every field present (defaults filled by the spec loader). */
export interface CostConfig {
  venues: Record<string, VenueFees>;
  slippage_bps: number;
  impact: ImpactModel;
  funding: { enabled: boolean };
  borrow: { spot_short_bps_per_year: number };
}

const fee = (side: string): SpecSchema =>
  number(
    `${side} fee in basis points of the filled notional (10 = 0.10%). Must be >= 0: rebates are not accepted, ` +
      'so no result depends on a fee tier you may not hold. At most 100 bps (1%), larger values are a unit slip.',
    { minimum: 0, maximum: 100 },
  );

const marketFees = object('Fees on one market of a venue, in basis points of notional.', {
  maker_fee_bps: fee('Maker (resting limit order)'),
  taker_fee_bps: fee('Taker (market order, or a limit order that crosses)'),
  maker_rebate_bps: number(
    'Optional maker rebate in basis points of the filled notional, paid back on every maker fill (a market maker\'s ' +
      'net maker cost is maker_fee_bps - maker_rebate_bps). Absent means none, and leaves the cost digest of a file ' +
      'without it unchanged. Only set it for a tier you hold. At most 10 bps.',
    { minimum: 0, maximum: 10 },
  ),
}, { required: ['maker_fee_bps', 'taker_fee_bps'] });

const maxParticipation = number(
  'Capacity cap: the largest order as a fraction of the volume of the bar it fills in (0.1 = 10%). ' +
    'Orders above it are cut to it. Dimensionless, in (0, 1].',
  { exclusiveMinimum: 0, maximum: 1, default: 0.1 },
);

const sqrtImpact = object('Square-root impact law: impact_bps = coefficient * daily_vol_bps * sqrt(participation).', {
  model: { const: 'sqrt', description: 'Square-root impact law.' },
  coefficient: number(
    'Dimensionless prefactor Y of the square-root law: impact_bps = Y * daily_vol_bps * sqrt(participation), ' +
      'daily_vol_bps = standard deviation of daily returns in bps, participation = order quantity / trailing 24h ' +
      'volume. Empirical studies find Y of order 1.',
    { minimum: 0 },
  ),
  max_participation: maxParticipation,
});

const linearImpact = object('Linear impact: impact_bps = coefficient_bps * participation.', {
  model: { const: 'linear', description: 'Linear impact.' },
  coefficient_bps: number(
    'Impact in bps paid for trading the whole trailing 24h volume: impact_bps = coefficient_bps * participation, ' +
      'participation = order quantity / trailing 24h volume.',
    { minimum: 0 },
  ),
  max_participation: maxParticipation,
});

export const costsSchema: SpecSchema = {
  ...object('Trading costs: fees, slippage, market impact, funding and borrow. Hashed into the cost digest.', {
    venues: mapOf(
      'Fees by venue (ccxt-style lowercase id, e.g. binance) and market: spot, um (USD-margined perpetuals and ' +
        'futures), cm (coin-margined). A market missing here cannot be traded.',
      {
        ...object(
          'Fees of one venue by market.',
          { spot: marketFees, um: marketFees, cm: marketFees },
          { required: [] },
        ),
        minProperties: 1,
      },
      { keyPattern: '^[a-z][a-z0-9_]*$', minProperties: 1 },
    ),
    slippage_bps: number(
      'Per side, in basis points of notional: half the quoted spread plus slip against it, paid on every fill.',
      { minimum: 0 },
    ),
    impact: {
      type: 'object',
      description: 'Market impact model, chosen by `model`; impact is paid on every fill on top of slippage.',
      discriminator: { propertyName: 'model' },
      required: ['model'],
      properties: { model: oneOfStrings(IMPACT_MODELS, 'Impact model: sqrt (square-root law) or linear.') },
      oneOf: [sqrtImpact, linearImpact],
    },
    funding: object(
      'Perpetual funding payments.',
      {
        enabled: boolean('Pay and receive funding at each settlement time while holding a perpetual position.', {
          default: true,
        }),
      },
      { default: {} },
    ),
    borrow: object('Borrowing costs.', {
      spot_short_bps_per_year: number(
        'Interest on the notional of a spot short, in basis points per year (1000 = 10% a year), accrued per bar.',
        { minimum: 0 },
      ),
    }),
  }),
  title: 'costs',
};
