/**
 * Intraday and weekly activity seasonality of the synthetic market (UTC): quiet late-Asia hours, a European
 * morning bump, the US session peak around 14:00-15:00 UTC, and quieter weekends. The multiplier has mean 1 over
 * a week; volume scales with it and variance too (volatility with its square root).
 */

/** Raw relative activity by UTC hour of day, 00..23 (normalised to mean 1 below). */
const HOURLY_RAW = [
  1.10, 1.00, 0.95, 0.90, 0.85, 0.80, 0.85, 0.95, 1.05, 1.00, 0.95, 0.95,
  1.05, 1.20, 1.35, 1.30, 1.20, 1.05, 0.95, 0.90, 0.95, 0.90, 0.85, 0.85,
] as const;

const HOURLY_MEAN = HOURLY_RAW.reduce((a, b) => a + b, 0) / 24;
export const HOURLY_ACTIVITY: readonly number[] = HOURLY_RAW.map((x) => x / HOURLY_MEAN);
/** Weekday and weekend (Saturday, Sunday UTC) multipliers: (5 * 1.1 + 2 * 0.75) / 7 = 1. */
export const WEEKDAY_ACTIVITY = 1.1;
export const WEEKEND_ACTIVITY = 0.75;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Activity multiplier of the bar opening at tsMs (UTC ms, non-negative). */
export function volumeSeasonality(tsMs: number): number {
  const day = Math.floor(tsMs / DAY_MS);
  const hour = Math.floor((tsMs - day * DAY_MS) / HOUR_MS);
  const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday, 6 = Saturday
  const week = weekday === 0 || weekday === 6 ? WEEKEND_ACTIVITY : WEEKDAY_ACTIVITY;
  return HOURLY_ACTIVITY[hour]! * week;
}
