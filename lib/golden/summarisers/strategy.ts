/**
 * Key numbers of the strategy stages (blueprint, walkforward, report) for the golden baseline: blueprint ids and
 * sources, the windows' selections (exact), the out-of-sample metrics, PSR/DSR/PBO and the cost sensitivity
 * (approx), and the report's funnel counts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { approx, exact } from '../checks.js';
import type { Check, StageSummary } from '../types.js';
import type { SummariseContext } from './context.js';
import type { WalkforwardSummary } from '../../stages/walkforward/summary.js';

async function json<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

const num = (x: number | null | undefined): Check => (typeof x === 'number' && Number.isFinite(x) ? approx(x) : exact(x === null || x === undefined ? null : String(x)));

/** blueprint: every id with its source and instruments, and the counts by source. */
export async function summariseBlueprint(ctx: SummariseContext): Promise<StageSummary> {
  const dir = join(ctx.dataDir, 'research', 'blueprints');
  const meta = await json<{ counts: Record<string, number>; trials: Record<string, number>; cost_digest: string }>(join(dir, 'blueprints.json'));
  const lines = (await readFile(join(dir, 'blueprints.jsonl'), 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const numbers: Record<string, Check> = { cost_digest: exact(meta.cost_digest) };
  for (const [k, v] of Object.entries(meta.counts)) numbers[`count ${k}`] = exact(v);
  for (const [k, v] of Object.entries(meta.trials)) numbers[`trials ${k}`] = exact(v);
  for (const l of lines) {
    const bp = JSON.parse(l) as { id: string; provenance: { source: string }; instruments: { symbol: string }[] };
    numbers[`${bp.id}`] = exact(`${bp.provenance.source} ${bp.instruments.map((i) => i.symbol).join('/')}`);
  }
  return { rows: { blueprints: exact(lines.length) }, numbers };
}

/** walkforward: selections per window, OOS metrics, per-blueprint full-period Sharpe, PSR/DSR/PBO. */
export async function summariseWalkforward(ctx: SummariseContext): Promise<StageSummary> {
  const s = await json<WalkforwardSummary>(join(ctx.dataDir, 'lake', 'walkforward', 'summary.json'));
  const numbers: Record<string, Check> = {};
  for (const w of s.windows) {
    numbers[`window ${w.index} selected`] = exact(w.selected.join(','));
    numbers[`window ${w.index} oos_return`] = num(w.oos_return);
    numbers[`window ${w.index} trades`] = exact(w.n_trades);
  }
  for (const b of s.blueprints) {
    numbers[`${b.id} full_sharpe`] = num(b.full_sharpe);
    numbers[`${b.id} full_trades`] = exact(b.full_trades);
    numbers[`${b.id} times_selected`] = exact(b.times_selected);
  }
  for (const k of ['total_return', 'sharpe', 'sortino', 'max_drawdown', 'hit_rate', 'turnover', 'exposure', 'n_trades'] as const) {
    numbers[`oos ${k}`] = num(s.oos.metrics[k]);
  }
  numbers['trials'] = exact(s.deflation.trials);
  numbers['psr'] = num(s.deflation.psr);
  numbers['dsr'] = num(s.deflation.dsr);
  numbers['sr0_annual'] = num(s.deflation.sr0_annual);
  numbers['pbo'] = num(s.pbo.pbo);
  numbers['pbo splits'] = exact(s.pbo.splits);
  numbers['min_trl_days'] = num(s.deflation.min_trl_days);
  numbers['min_trl_sr0_days'] = num(s.deflation.min_trl_sr0_days);
  const cl = s.deflation.clustered as WalkforwardSummary['deflation']['clustered'] | undefined;
  if (cl) {
    numbers['clustered trials_effective'] = exact(cl.trials_effective);
    numbers['clustered clusters'] = exact(cl.clusters.length);
    numbers['clustered sr0_annual'] = num(cl.sr0_annual);
    numbers['clustered dsr'] = num(cl.dsr);
  }
  numbers['pbo prob_oos_loss'] = num(s.pbo.prob_oos_loss);
  numbers['pbo degradation_slope'] = num(s.pbo.degradation_slope);
  numbers['pbo dominance_first_order'] = exact(s.pbo.dominance_first_order ?? null);
  for (const c of s.cost_sensitivity) numbers[`cost x${c.multiplier} total_return`] = num(c.total_return);
  return { rows: { windows: exact(s.windows.length), blueprints: exact(s.blueprints.length) }, numbers };
}

/** report: the funnel counts and the sections of the HTML. */
export async function summariseReport(ctx: SummariseContext): Promise<StageSummary> {
  const dir = join(ctx.dataDir, 'reports', 'strategy');
  const data = await json<{ funnel: { step: string; count: number }[]; warnings: string[] }>(join(dir, 'report.json'));
  const html = await readFile(join(dir, 'report.html'), 'utf8');
  const numbers: Record<string, Check> = {};
  for (const f of data.funnel) numbers[`funnel ${f.step}`] = exact(f.count);
  numbers['warnings'] = exact(data.warnings.join(' | '));
  numbers['html external references'] = exact((html.match(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//gi) ?? []).length);
  numbers['html charts'] = exact((html.match(/<div class="chart" id="chart-[a-z]+" data-chart=/g) ?? []).length);
  return { rows: { funnel_steps: exact(data.funnel.length) }, numbers };
}
