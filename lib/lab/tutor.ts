/**
 * `quantlab tutor`: a narrated lesson on one lab strategy, computed from an actual backtest (lib/lab backtest on lake
 * or synthetic bars): the signal logic, the first trade's entry and exit with the indicator values that decided
 * them, the risk framing, optionally the math with the run's numbers, a glossary, and an SVG plot (price with the
 * entries and exits; the signal series below). Written to `runs/lessons/<lesson>/` (lesson.md, lesson.svg,
 * numbers.json). Everything in the text is read from the run: nothing is a canned number.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { computeIndicators, pairsSeries, type PairsStrategy, type RuleStrategy } from '../dsl/index.js';
import { barsDuration, barsPerYear, type Timeframe } from '../timeframe.js';
import { UsageError } from '../errors.js';
import { closestName } from '../text.js';
import { runLabBacktest, type BacktestRun } from './backtest.js';
import { prepareLab, type BacktestArgs, type BacktestDeps } from './backtest_command.js';
import { svgPath } from './run_folder.js';

export const LESSONS = {
  mean_reversion: {
    title: 'Mean reversion on a z-score of the log price',
    belief: 'prices that stray far from their recent average tend to come back; the strategy bets on the way back',
  },
  momentum: {
    title: 'Moving-average momentum',
    belief: 'a move that has started tends to continue for a while; the strategy follows the side of the faster average',
  },
  pairs_trading: {
    title: 'Pairs trading on a hedged log spread',
    belief: 'two related assets drift apart and back together; the strategy sells the rich leg and buys the cheap one when the spread is stretched',
  },
} as const;
export type LessonName = keyof typeof LESSONS;

export const GLOSSARY: Record<string, string> = {
  'bar': 'one interval of market data (open, high, low, close, volume); decisions are taken at a bar\'s close and filled at the next bar\'s open',
  'z-score': '(value - mean of the window) / standard deviation of the window: how many standard deviations a value is from its recent average',
  'SMA': 'simple moving average: the mean of the last n closes',
  'hedge ratio (beta)': 'the OLS slope of ln A on ln B over the hedge window: how many units of B\'s log move go with one of A\'s',
  'spread': 'ln A - beta x ln B: what is left of A after hedging it with B',
  'stop-loss': 'an exit order that closes the position when the price moves against it by a fixed number of basis points',
  'basis point (bp)': '0.01%; 100 bps = 1%',
  'slippage and impact': 'the cost of trading above the quoted price: a fixed slippage plus an impact that grows with the order\'s share of volume',
  'Sharpe ratio': 'mean return / standard deviation of returns, annualised with the square root of the bars per year',
  'max drawdown': 'the worst fall of the equity curve from a previous peak',
  'exposure': 'the share of bars in which the strategy holds a position',
};

export function checkLesson(name: string): LessonName {
  if (name in LESSONS) return name as LessonName;
  const near = closestName(name, Object.keys(LESSONS));
  throw new UsageError(`unknown lesson ${JSON.stringify(name)}`, { hint: `${near ? `did you mean --lesson ${near}? ` : ''}lessons: ${Object.keys(LESSONS).join(', ')}` });
}

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const iso = (x: number) => new Date(x).toISOString().replace('.000Z', 'Z');

interface Signal { name: string; series: Float64Array; lines: number[] }

/** The signal series the lesson plots and quotes (indicators of the blueprint, or the pairs z-score). */
function signalOf(run: BacktestRun, slice: { bars: { close: Float64Array }[] }): Signal {
  const s = run.blueprint.strategy;
  if (s.type === 'pairs') {
    const p = s as PairsStrategy;
    const ln = (a: Float64Array) => a.map((x) => Math.log(x));
    const ps = pairsSeries(ln(slice.bars[0]!.close), ln(slice.bars[1]!.close), p.hedge_window_bars, p.z_window_bars);
    return { name: 'spread z-score', series: ps.z, lines: [p.entry_z, -p.entry_z, p.exit_z, -p.exit_z] };
  }
  const r = s as RuleStrategy;
  const ind = computeIndicators(r.indicators ?? [], { close: slice.bars[0]!.close }, 'tutor');
  if (run.blueprint.provenance.template === 'momentum') {
    const [fast, slow] = (r.indicators ?? []).map((i) => i.name);
    const diff = ind[fast!]!.map((x, t) => x - ind[slow!]![t]!);
    return { name: `${fast} - ${slow}`, series: diff, lines: [0] };
  }
  const z = (r.indicators ?? []).find((i) => i.kind === 'zscore')!.name;
  const p = run.blueprint.provenance.params as Record<string, number>;
  return { name: z, series: ind[z]!, lines: [p.entry_z!, -p.entry_z!, p.exit_z!, -p.exit_z!] };
}

function lessonSvg(run: BacktestRun, closes: Float64Array, sig: Signal): string {
  const W = 900, H1 = 260, H2 = 140;
  const from = run.from, to = run.to, n = to - from;
  const price = closes.subarray(from, to);
  const s = sig.series.subarray(from, to);
  let lo = Infinity, hi = -Infinity;
  for (const x of price) if (Number.isFinite(x)) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  const y = (v: number) => H1 - ((v - lo) / (hi - lo || 1)) * H1;
  const x = (t: number) => (n > 1 ? (t / (n - 1)) * W : 0);
  const marks = run.result.trades.filter((t) => t.instrument === 0).flatMap((t) => [
    `<circle cx="${x(t.entryBar).toFixed(1)}" cy="${y(t.entryPrice).toFixed(1)}" r="3" fill="${t.side === 1 ? '#2e7d32' : '#c62828'}"><title>${t.side === 1 ? 'long' : 'short'} entry ${iso(t.entryTs)} @ ${f2(t.entryPrice)}</title></circle>`,
    ...(t.exitBar >= 0 ? [`<rect x="${(x(t.exitBar) - 2.5).toFixed(1)}" y="${(y(t.exitPrice) - 2.5).toFixed(1)}" width="5" height="5" fill="#555"><title>exit ${iso(t.exitTs)} @ ${f2(t.exitPrice)}</title></rect>`] : []),
  ]);
  let slo = Infinity, shi = -Infinity;
  for (const v of [...s, ...sig.lines]) if (Number.isFinite(v)) { slo = Math.min(slo, v); shi = Math.max(shi, v); }
  const ys = (v: number) => H1 + 20 + H2 - ((v - slo) / (shi - slo || 1)) * H2;
  const lines = sig.lines.map((v) => `<line x1="0" x2="${W}" y1="${ys(v).toFixed(1)}" y2="${ys(v).toFixed(1)}" stroke="#bbb" stroke-dasharray="4 3"/>`);
  const sp = svgPath(s.map((v) => (Number.isFinite(v) ? v : NaN)), W, H2).split(' ').map((pt) => {
    const [px, py] = pt.split(',').map(Number);
    return `${px},${(H1 + 20 + py!).toFixed(1)}`;
  }).join(' ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H1 + H2 + 30}" viewBox="0 0 ${W} ${H1 + H2 + 30}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
<polyline fill="none" stroke="#1565c0" stroke-width="1" points="${svgPath(price, W, H1)}"/>
${marks.join('\n')}
<text x="4" y="12">${run.blueprint.instruments[0]!.symbol} close; circles: entries (green long, red short), squares: exits</text>
${lines.join('\n')}
<polyline fill="none" stroke="#6a1b9a" stroke-width="1" points="${sp}"/>
<text x="4" y="${H1 + 16}">${sig.name} (dashed: entry and exit thresholds)</text>
</svg>
`;
}

export interface LessonOutcome { dir: string; files: string[]; png?: { written: boolean; note: string } }

/** Renders an SVG document to PNG bytes, or says why it cannot (no browser): injected by the CLI. */
export type PngRenderer = (svg: string) => Promise<{ png: Uint8Array } | { skipped: string }>;

export async function tutorLesson(
  lesson: LessonName, a: BacktestArgs, deps: BacktestDeps, o: { plot: boolean; explainMath: boolean; renderPng?: PngRenderer | undefined },
): Promise<LessonOutcome> {
  if (lesson !== a.strategy) throw new UsageError(`--lesson ${lesson} runs the strategy ${lesson}, not ${a.strategy}`);
  const d = await prepareLab(a, deps);
  const run = runLabBacktest(d.bp, d.slice, d.costs.simulate, d.w, { initialCash: a.initialCash, maxGrossLeverage: 2 }, d.where);
  const tf = d.bp.timeframe as Timeframe;
  const p = d.bp.provenance.params as Record<string, number>;
  const sig = signalOf(run, d.slice);
  const m = run.metrics;
  const dur = (bars: number) => `${bars} bars (${barsDuration(bars, tf)})`;
  const first = run.result.trades.find((t) => t.exitBar >= 0);
  const L = LESSONS[lesson];
  const md: string[] = [
    ...(d.synthetic ? ['# SYNTHETIC RUN', '', 'This lesson runs on seeded synthetic bars (--allow-synthetic), not market data.', ''] : []),
    `# ${L.title}`, '',
    `Run: ${d.bp.name} on ${d.slice.instruments.map((k) => k.symbol).join('/')} ${tf}, ${d.w.start_utc} .. ${d.w.end_utc}, ${run.to - run.from} bars, capital ${a.initialCash}, ${a.dollarPerTrade} per trade.`, '',
    '## The idea', '', `The strategy believes that ${L.belief}.`, '',
    '## Signal logic', '',
  ];
  if (lesson === 'mean_reversion') {
    md.push(`At each bar's close the z-score of the log close over the last ${dur(p.window_bars!)} is computed. Below -${p.entry_z} the price is unusually low: go long; above +${p.entry_z}: go short. The position is closed when |z| falls back to ${p.exit_z} or less, after ${dur(p.horizon_bars!)}, or at a ${p.stop_loss_bps} bps stop-loss.`);
  } else if (lesson === 'momentum') {
    md.push(`At each bar's close the simple moving averages of the close over ${dur(p.fast_bars!)} (fast) and ${dur(p.slow_bars!)} (slow) are compared. Fast above slow: long; below: short. The position is closed at the next crossing, after ${dur(p.horizon_bars!)}, or at a ${p.stop_loss_bps} bps stop-loss.`);
  } else {
    md.push(`The hedge ratio beta is the OLS slope of ln A on ln B over ${dur(p.hedge_window_bars!)}; the spread ln A - beta ln B is turned into a z-score over ${dur(p.z_window_bars!)}. Above +${p.entry_z}: short the spread (sell A, buy beta x B); below -${p.entry_z}: the reverse, only while |z| < ${p.stop_z}. Out when the spread is back inside ${p.exit_z}, at |z| beyond ${p.stop_z}, or after ${dur(p.max_hold_bars!)}.`);
  }
  md.push('', 'Orders are decided at a bar\'s close and filled at the next bar\'s open (never with information from the future).', '', '## Entry and exit: the first trade', '');
  if (first) {
    const sBar = run.from + first.entryBar - 1;
    const side = first.side === 1 ? 'long' : 'short';
    md.push(
      `- signal at the close of ${iso(d.slice.ts_ms[sBar]! + d.slice.tfMs)}: ${sig.name} = ${f4(sig.series[sBar]!)} (thresholds ${sig.lines.map(f2).join(', ')})`,
      `- ${side} entry at the next open ${iso(first.entryTs)}: ${f4(first.maxQty)} units at ${f2(first.entryPrice)} (notional ${f2(first.maxQty * first.entryPrice)})`,
      `- exit ${iso(first.exitTs)} at ${f2(first.exitPrice)}; ${sig.name} at the close before the exit: ${f4(sig.series[run.from + first.exitBar - 1]!)}`,
      `- gross PnL ${f2(first.grossPnl)}, fees ${f2(first.fees)}, slippage and impact ${f2(first.slippageImpact)}, funding ${f2(first.funding)}: net ${f2(first.netPnl)}`,
      `- worst moment (MAE) ${f2(first.mae)}, best (MFE) ${f2(first.mfe)}`,
    );
  } else md.push('- the strategy did not complete a trade in this window: widen it or loosen the thresholds');
  md.push('', '## Risk framing', '',
    `- each entry risks a notional of ${a.dollarPerTrade} = ${f2((a.dollarPerTrade / a.initialCash) * 100)}% of the capital; gross leverage is capped at 2`,
    `- over the run: total return ${f2(m.total_return * 100)}%, max drawdown ${f2(m.max_drawdown * 100)}%, exposure ${f2(m.exposure * 100)}% of bars, ${m.n_trades} closed trades, hit rate ${f2(m.hit_rate * 100)}%`,
    `- costs are real: ${f2(run.result.fees[run.result.fees.length - 1]!)} in fees and ${f2(run.result.slippageImpact[run.result.slippageImpact.length - 1]!)} in slippage and impact over the run`,
    '');
  if (o.explainMath) {
    md.push('## The math with this run\'s numbers', '');
    if (first && lesson === 'mean_reversion') {
      const sBar = run.from + first.entryBar - 1;
      const w = p.window_bars!;
      const xs = Array.from(d.slice.bars[0]!.close.subarray(sBar - w + 1, sBar + 1), Math.log);
      const mean = xs.reduce((s, v) => s + v, 0) / w;
      const sd = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / w);
      md.push(`z = (ln P_t - mean) / std over the last ${w} closes = (${f4(xs[w - 1]!)} - ${f4(mean)}) / ${f4(sd)} = ${f4((xs[w - 1]! - mean) / sd)} at the first signal.`);
    }
    if (first && lesson === 'momentum') {
      const sBar = run.from + first.entryBar - 1;
      const c = d.slice.bars[0]!.close;
      const sma = (k: number) => Array.from(c.subarray(sBar - k + 1, sBar + 1)).reduce((s, v) => s + v, 0) / k;
      md.push(`SMA_fast = ${f2(sma(p.fast_bars!))}, SMA_slow = ${f2(sma(p.slow_bars!))} at the first signal: fast ${sma(p.fast_bars!) > sma(p.slow_bars!) ? '>' : '<'} slow.`);
    }
    if (first && lesson === 'pairs_trading') {
      const sBar = run.from + first.entryBar - 1;
      md.push(`At the first signal the spread's z-score was ${f4(sig.series[sBar]!)} against an entry threshold of ${p.entry_z}.`);
    }
    if (first) md.push(`PnL of the first trade = side x qty x (exit - entry) - costs = ${first.side} x ${f4(first.maxQty)} x (${f2(first.exitPrice)} - ${f2(first.entryPrice)}) - ${f2(first.fees + first.slippageImpact + first.funding)} = ${f2(first.netPnl)}${lesson === 'pairs_trading' ? ' (leg A)' : ''}.`);
    md.push(`Sharpe = mean(r) / std(r) x sqrt(${f2(barsPerYear(tf))} bars per year) = ${f4(m.sharpe)} over ${m.n_bars} bars; total return = prod(1 + r) - 1 = ${f4(m.total_return)}.`, '');
  }
  md.push('## Glossary', '', ...Object.entries(GLOSSARY).map(([k, v]) => `- **${k}**: ${v}`), '');
  const dir = join(deps.runsDir, 'lessons', lesson);
  await mkdir(dir, { recursive: true });
  const files = ['lesson.md', 'numbers.json'];
  await writeFile(join(dir, 'lesson.md'), md.join('\n'));
  await writeFile(join(dir, 'numbers.json'), JSON.stringify({ blueprint: d.bp.id, window: d.w, synthetic: d.synthetic, metrics: m, first_trade: first ?? null }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  let png: LessonOutcome['png'];
  if (o.plot) {
    const svg = lessonSvg(run, d.slice.bars[0]!.close, sig);
    await writeFile(join(dir, 'lesson.svg'), svg);
    files.push('lesson.svg');
    if (o.renderPng !== undefined) {
      const r = await o.renderPng(svg);
      if ('png' in r) {
        await writeFile(join(dir, 'lesson.png'), r.png);
        files.push('lesson.png');
        png = { written: true, note: 'lesson.png rendered from lesson.svg' };
      } else {
        deps.log.warn({ reason: r.skipped }, `lesson.png not written: ${r.skipped}`);
        png = { written: false, note: r.skipped };
      }
    }
  }
  return { dir, files, ...(png ? { png } : {}) };
}
