/** The planted edges' ids (edges.ts), in a module of their own so params.ts can name them without an import cycle. */
export type EdgeId = 'capitulation_reversal' | 'funding_extreme_fade' | 'breakout_momentum' | 'negative_funding_squeeze' | 'down_shock_reversal';
export const EDGE_IDS: readonly EdgeId[] = ['capitulation_reversal', 'funding_extreme_fade', 'breakout_momentum', 'negative_funding_squeeze', 'down_shock_reversal'];
