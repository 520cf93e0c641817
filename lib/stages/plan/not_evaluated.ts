/**
 * The plan's side of "not evaluated": a candidate whose event cannot fire on its instrument (a feature it reads has
 * no input data there, lake/events/_events.json) is cut as infeasible like any 0-event candidate, but its cut says why,
 * and so does the warning of a template none of whose events occur.
 */
import { notEvaluatedText, type NotEvaluated } from '../../features/availability.js';
import type { Cut } from '../../research/budget.js';
import { memberInstruments, type Candidate } from '../../research/plan.js';

const idOf = (c: Pick<Candidate, 'exchange' | 'market' | 'symbol'>): string => `${c.exchange}/${c.market}/${c.symbol}`;

/**
 * Prefix the detail of each cut whose event was not evaluated on its instrument with what it needs (a pooled
 * candidate: on every one of its members, since a single member with data could give it occurrences).
 */
export function annotateCuts(cuts: Cut[], byId: ReadonlyMap<string, Candidate>, list: readonly NotEvaluated[]): void {
  const events = list.filter((e) => e.kind === 'event');
  if (events.length === 0) return;
  for (const cut of cuts) {
    const c = byId.get(cut.candidate_id);
    if (!c) continue;
    const e = events.find((x) => x.name === c.event && memberInstruments(c).every((m) => x.instruments.includes(idOf(m))));
    if (e) cut.detail = `not evaluated: needs ${e.needs.join(' and ')}${e.via?.length ? ` (via ${e.via.join(', ')})` : ''}; ${cut.detail}`;
  }
}

/** The not-evaluated entries of a template's events, as sentences ('' when none). */
export function templateNotEvaluated(events: ReadonlySet<string>, list: readonly NotEvaluated[]): string {
  const mine = list.filter((e) => e.kind === 'event' && events.has(e.name));
  return mine.length ? `: not evaluated: ${mine.map(notEvaluatedText).join('; ')}` : '';
}
