/** A valid experiment spec text and book for the experiments tests; tests edit single lines of it. */
import type { LearningBook } from '../../lib/experiments/load.js';

export const BOOK: LearningBook = { learning_book_enabled: true, daily_budget_usd: 5000, source: 'experiments/learning_book.yaml' };

/** 1-based line numbers matter in the tests: keep the order. */
export const BASE_LINES = [
  'id: t-exp-1', // 1
  'question: Does a taker entry after a volume breakout beat its cost?', // 2
  'hypothesis: Breakouts continue for 10-30 minutes.', // 3
  'owner: tester', // 4
  'target_symbols: [BTCUSDT]', // 5
  'risk_budget_pct: 0.5', // 6
  'exposure:', // 7
  '  scope: micro', // 8
  '  max_hold_minutes: 30', // 9
  '  max_trades_per_day: 4', // 10
  '  stop_distance_pct: 0.8', // 11
  '  max_notional_usd: 1000', // 12
  '  entry_style: taker', // 13
  'metrics:', // 14
  '  - name: slippage_bps', // 15
  '    unit: bps', // 16
  '    aggregation: p95', // 17
  '    pass_threshold: 8', // 18
  '    direction: lower_better', // 19
];

export function specText(edit: (lines: string[]) => void = () => {}): string {
  const lines = [...BASE_LINES];
  edit(lines);
  return lines.join('\n') + '\n';
}

/** Replaces the line that starts with `prefix` (after indentation) by `line`. */
export function replaceLine(lines: string[], prefix: string, line: string): void {
  const i = lines.findIndex((l) => l.trimStart().startsWith(prefix));
  if (i < 0) throw new Error(`no line starts with ${prefix}`);
  lines[i] = line;
}
