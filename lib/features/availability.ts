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

/**
 * A missing input that the instrument's market never has is not missing data: a spot instrument has no funding. Such
 * a feature or event is not applicable there (nothing to ingest, nothing to act on) and is not listed.
 */
export function notApplicable(instrument: string, need: string): boolean {
  const market = instrument.split('/')[1];
  return need === 'funding' && market === 'spot';
}

/**
 * Group per-instrument findings into one entry per (name, needs, via), leaving out the not-applicable ones
 * (notApplicable). Output sorted by kind, name, needs.
 */
export function groupNotEvaluated(rows: readonly NotEvaluatedRow[], of: number): NotEvaluated[] {
  const by = new Map<string, NotEvaluated>();
  for (const r of rows) {
    if (r.needs.length > 0 && r.needs.every((n) => notApplicable(r.instrument, n))) continue;
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

/**
 * Stage warnings: one line per cause, the entries of one kind with the same needs on the same instruments together:
 * 'features oi_change_12, oi_change_288: not evaluated on 15 of 15 instruments: needs open_interest for ADAUSDT, ...'.
 */
export function notEvaluatedWarnings(list: readonly NotEvaluated[]): string[] {
  const by = new Map<string, NotEvaluated[]>();
  for (const e of list) {
    const key = JSON.stringify([e.kind, e.needs, e.instruments]);
    by.set(key, [...(by.get(key) ?? []), e]);
  }
  return [...by.values()].map((g) => {
    const e = g[0]!;
    const via = [...new Set(g.flatMap((x) => x.via ?? []))].sort();
    const names = g.map((x) => x.name).join(', ');
    const action = e.kind === 'event'
      ? 'ingest the missing data to test them, or remove them from spec/events'
      : 'ingest the missing data, or remove them from spec/features';
    return `${e.kind}s ${names}: not evaluated on ${e.instruments.length} of ${e.of} instruments: needs ${e.needs.join(' and ')} for ` +
      `${instrumentNames(e.instruments).join(', ')}${via.length ? ` (via ${via.join(', ')})` : ''}: ${action}`;
  });
}

/** Symbols ('BTCUSDT', sorted) when they identify the instruments uniquely, else the full ids. */
export function instrumentNames(ids: readonly string[]): string[] {
  const symbols = ids.map((id) => id.slice(id.lastIndexOf('/') + 1));
  return new Set(symbols).size === symbols.length ? symbols.sort() : [...ids];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
