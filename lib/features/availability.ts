/**
 * "Not evaluated": a feature (or an event reading it) that an instrument cannot have because an input is absent
 * (no open interest, no funding, ...). Such a column is all NaN and such an event can never fire there; the stages
 * say so in their summaries, the discovery funnel and the report, instead of letting it look like a silent zero.
 * Pure.
 */

export interface NotEvaluated {
  kind: 'feature' | 'event';
  /** Feature or event name. */
  name: string;
  /** Event family (events only). */
  family?: string;
  /** Missing inputs as data names, sorted: 'open_interest', 'funding', 'market_cap', 'reference_symbol'. */
  needs: string[];
  /** Instrument ids ('binance/um/BTCUSDT'), sorted. */
  instruments: string[];
  /** Of how many instruments. */
  of: number;
  /** Events: the unavailable features that keep the event from firing, sorted. */
  via?: string[];
}

/** One finding: `name` cannot be evaluated on `instrument` for want of `needs`. */
export interface NotEvaluatedRow {
  kind: NotEvaluated['kind'];
  name: string;
  family?: string;
  instrument: string;
  needs: readonly string[];
  via?: readonly string[];
}

/** Group per-instrument findings into one entry per (name, needs, via). Output sorted by kind, name, needs. */
export function groupNotEvaluated(rows: readonly NotEvaluatedRow[], of: number): NotEvaluated[] {
  const by = new Map<string, NotEvaluated>();
  for (const r of rows) {
    const needs = [...new Set(r.needs)].sort();
    const via = r.via ? [...new Set(r.via)].sort() : undefined;
    const key = JSON.stringify([r.kind, r.name, needs, via ?? []]);
    let e = by.get(key);
    if (!e) {
      e = { kind: r.kind, name: r.name, ...(r.family ? { family: r.family } : {}), needs, instruments: [], of, ...(via ? { via } : {}) };
      by.set(key, e);
    }
    if (!e.instruments.includes(r.instrument)) e.instruments.push(r.instrument);
  }
  const out = [...by.values()];
  for (const e of out) e.instruments.sort();
  return out.sort((a, b) => cmp(a.kind, b.kind) || cmp(a.name, b.name) || cmp(a.needs.join(','), b.needs.join(',')));
}

/**
 * 'liquidation_cascade_oi1: not evaluated on 2 of 3 instruments: needs open_interest for ETHUSDT, SOLUSDT (via
 * oi_change_12)'. Instruments are named by symbol when the symbols are distinct, else by full id.
 */
export function notEvaluatedText(e: NotEvaluated): string {
  const via = e.via && e.via.length ? ` (via ${e.via.join(', ')})` : '';
  return `${e.name}: not evaluated on ${e.instruments.length} of ${e.of} instruments: needs ${e.needs.join(' and ')} for ${instrumentNames(e.instruments).join(', ')}${via}`;
}

/** Symbols ('BTCUSDT', sorted) when they identify the instruments uniquely, else the full ids. */
export function instrumentNames(ids: readonly string[]): string[] {
  const symbols = ids.map((id) => id.slice(id.lastIndexOf('/') + 1));
  return new Set(symbols).size === symbols.length ? symbols.sort() : [...ids];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
