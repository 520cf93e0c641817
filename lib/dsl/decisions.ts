/**
 * Decisions the interpreter took instead of trading (skipped entries) or to repair the book (a double OCO fill, a
 * leg that did not fill). Recorded as numbers during the run (no allocation per bar) and turned into objects on
 * request.
 */

export const DECISION_CODES = [
  'unsizable', 'already_in_position', 'entry_not_filled', 'oco_double_fill', 'leg_not_filled', 'outside_tradable_span',
] as const;
export type DecisionCode = (typeof DECISION_CODES)[number];

export interface Decision {
  /** Bar index on the market slice's grid (the close at which the decision was taken). */
  bar: number;
  /** OPEN time of that bar. */
  ts_ms: number;
  instrument: number;
  code: DecisionCode;
  /** Human-readable, starting with a stable prefix: 'unsizable: ...', 'already in position', ... */
  reason: string;
}

// Internal reason ids: each maps to a code and a message built from one recorded number.
export const R_UNSIZABLE_VOL = 0;
export const R_UNSIZABLE_EQUITY = 1;
export const R_UNSIZABLE_PRICE = 2;
export const R_UNSIZABLE_SIZE = 3;
export const R_IN_POSITION = 4;
export const R_NOT_FILLED = 5;
export const R_OCO = 6;
export const R_LEG = 7;
export const R_UNSIZABLE_HEDGE = 8;
export const R_OUTSIDE_SPAN = 9;

const REASONS: readonly [DecisionCode, (v: number) => string][] = [
  ['unsizable', (v) => `unsizable: volatility unknown or zero at the close (was ${v}; vol_target needs vol_window_bars complete returns)`],
  ['unsizable', (v) => `unsizable: equity <= 0 (was ${v})`],
  ['unsizable', (v) => `unsizable: no price at the close (was ${v})`],
  ['unsizable', (v) => `unsizable: size not finite and positive (was ${v})`],
  ['already_in_position', () => 'already in position'],
  ['entry_not_filled', () => 'entry not filled in the next bar (missing bar, no trailing volume, rejected or expired)'],
  ['oco_double_fill', (v) => `oco: stop and take-profit both filled in one bar; the second fill reversed the position (to ${v}), flattened at the next open`],
  ['leg_not_filled', (v) => `leg not filled: only one leg of the pair filled (position ${v}); it is closed at the next open`],
  ['unsizable', (v) => `unsizable: hedge ratio gives a zero or non-finite leg B (beta ${v})`],
  ['outside_tradable_span', () => 'outside the tradable span: the funding series does not cover the bar the position would be held in'],
];

export class DecisionLog {
  private readonly bar: number[] = [];
  private readonly inst: number[] = [];
  private readonly reason: number[] = [];
  private readonly value: number[] = [];

  record(bar: number, instrument: number, reason: number, value = Number.NaN): void {
    this.bar.push(bar);
    this.inst.push(instrument);
    this.reason.push(reason);
    this.value.push(value);
  }

  get length(): number {
    return this.bar.length;
  }

  toDecisions(ts_ms: Float64Array): Decision[] {
    return this.bar.map((bar, k) => {
      const [code, text] = REASONS[this.reason[k]!]!;
      return { bar, ts_ms: ts_ms[bar]!, instrument: this.inst[k]!, code, reason: text(this.value[k]!) };
    });
  }
}
