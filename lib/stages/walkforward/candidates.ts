/**
 * The return series of every plan candidate on the walk-forward's periods (lib/walkforward/candidate_series.ts),
 * read from the cleaned bars and lake/events the plan was built on: hourly for the correlations, daily for the null
 * Sharpe variance. The events of every instrument in one query, the bars one instrument at a time. Each candidate's
 * series go to `into` as soon as its last member instrument is done (TrialRows standardizes the hourly one and keeps
 * it in its store, a file in the stage: only the daily series stay in memory).
 */
import { listPartitions, type LakeDb } from '../../lake/index.js';
import type { PlanCandidate } from '../../research/discovery.js';
import { memberInstruments } from '../../research/plan.js';
import { openSeries } from '../../research/forward.js';
import { barPeriods, coarsen, coarserPeriods, MemberPool, occurrencePeriodReturns, type PeriodIndex } from '../../walkforward/candidate_series.js';
import type { TrialRows, TrialSeries } from '../../walkforward/deflation.js';
import { eachReadAhead, eventSeries, groupByInstrument, instrumentLabel, loadBars, readEventRowsOf } from '../discovery/io.js';

export async function candidateTrialSeries(
  db: LakeDb, lakeRoot: string, candidates: readonly PlanCandidate[], hours: PeriodIndex, days: PeriodIndex, into: TrialRows,
): Promise<void> {
  if (into.count !== candidates.length) throw new RangeError(`candidateTrialSeries: ${into.count} slots for ${candidates.length} candidates`);
  const slotOf = new Map(candidates.map((c, i) => [c.candidate_id, i]));
  if (slotOf.size !== candidates.length) throw new RangeError('candidateTrialSeries: candidate ids repeat');
  // one work item per (candidate, member instrument); a per-symbol candidate is its own only member
  const items = candidates.flatMap((c) => memberInstruments(c).map((m) => ({ ...c, symbol: m.symbol, id: c.candidate_id })));
  // each member's period returns go into its candidate's pool at once (same order as pooling the list afterwards); a
  // candidate's series are made as soon as its last member is in, and its pool dropped: only the pools of pooled
  // candidates still waiting for members are held (on 50 symbols x 2 years every pool held to the end was ~540 MB)
  const pools = new Map<string, MemberPool>();
  const waiting = new Map<string, number>();
  for (const it of items) waiting.set(it.id, (waiting.get(it.id) ?? 0) + 1);
  const toDays = coarserPeriods(hours, days);
  const given = new Set<string>();
  // a candidate's hourly series (the pool's mean; zeros when no member has bars) and its days
  const seriesOf = (id: string, fine: Float64Array = new Float64Array(hours.starts.length)): TrialSeries =>
    ({ id, fine, daily: coarsen(fine, hours, days, toDays) });
  const memberDone = (id: string): void => {
    const left = waiting.get(id)! - 1;
    waiting.set(id, left);
    if (left > 0) return;
    into.put(slotOf.get(id)!, seriesOf(id, pools.get(id)?.mean()));
    given.add(id);
    pools.delete(id);
  };
  const scratch = { r: new Float64Array(hours.starts.length), held: new Uint8Array(hours.starts.length) };
  const groups = groupByInstrument(items);
  // the events of every instrument in one query (only the rows of the candidates' events); each instrument's bars
  // read (a materialized query: DuckDB's threads) while the one before is computed
  const eventRows = await readEventRowsOf(db, lakeRoot, groups.map((g) => g.key), listPartitions, new Set(items.map((c) => c.event)));
  await eachReadAhead(groups, (g) => loadBars(db, lakeRoot, g.key, { withVolume: false, materialize: true }), (g, bars) => {
    if (bars.ts_ms.length === 0) {
      for (const c of g.candidates) memberDone(c.id);
      return;
    }
    const events = eventSeries(eventRows.get(instrumentLabel(g.key)), new Set(g.candidates.map((c) => c.event)), bars.ts_ms[0]!, bars.tfMs);
    const open = barPeriods(openSeries(bars.ts_ms, bars.open, { file: bars.file }), bars.ts_ms, hours);
    for (const c of g.candidates) {
      const ev = events.get(c.event);
      const t = ev?.t ?? new Int32Array(0);
      const s = Int8Array.from(ev?.direction ?? [], (d: number) => d * (c.expected === 'fade' ? -1 : 1));
      let pool = pools.get(c.id);
      if (!pool) pools.set(c.id, (pool = new MemberPool(hours.starts.length)));
      pool.add(occurrencePeriodReturns(open, t, s, c.horizon_bars, scratch));
      memberDone(c.id);
    }
  });
  // a candidate without a member instrument: zeros
  candidates.forEach((c, i) => { if (!given.has(c.candidate_id)) into.put(i, seriesOf(c.candidate_id)); });
}
