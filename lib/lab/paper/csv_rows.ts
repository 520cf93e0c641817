/**
 * CSV text for a session's large files (bars.csv, account.csv, orders.csv: a year of 1m bars is half a million
 * rows), built without an array of half a million strings or a rope of small strings kept alive to the end.
 */

/** Rows joined 4096 at a time into flat chunks; text() is the file. */
export class Rows {
  private chunks: string[] = [];
  private cur: string[] = [];
  constructor(header: string) { this.cur.push(header); }
  add(row: string): void {
    this.cur.push(row);
    if (this.cur.length >= 4096) { this.chunks.push(this.cur.join('\n') + '\n'); this.cur.length = 0; }
  }
  text(): string {
    if (this.cur.length > 0) this.chunks.push(this.cur.join('\n') + '\n');
    this.cur.length = 0;
    return this.chunks.join('');
  }
}

/** String(x), the last value's string reused while the value repeats (a column that changes only on fills). */
export function numText(): (x: number) => string {
  let v = NaN;
  let str = 'NaN';
  return (x) => (Object.is(x, v) ? str : (v = x, str = String(x)));
}

/** The columns bars.csv is made of (typed arrays: they cross to a worker thread by copy). */
export interface BarsColumns {
  ts: ArrayLike<number>;
  symbols: readonly string[];
  bars: readonly { open: ArrayLike<number>; high: ArrayLike<number>; low: ArrayLike<number>; close: ArrayLike<number>; volume: ArrayLike<number> }[];
  /** Rows for bars [0, known). */
  known: number;
}

/** bars.csv: `ts_ms,symbol,open,high,low,close,volume`, bar by bar, the instruments of a bar in slice order. */
export function barsCsv(c: BarsColumns): string {
  const rows = new Rows('ts_ms,symbol,open,high,low,close,volume');
  const { ts, symbols: syms, bars: bs } = c;
  // a bar's open is usually the previous close: its string is reused
  const prevClose = bs.map(() => numText());
  for (let t = 0; t < c.known; t++) {
    for (let i = 0; i < bs.length; i++) {
      const b = bs[i]!;
      const pc = prevClose[i]!;
      const o = pc(b.open[t]!);
      rows.add(`${ts[t]},${syms[i]},${o},${b.high[t]},${b.low[t]},${pc(b.close[t]!)},${b.volume[t]}`);
    }
  }
  return rows.text();
}
