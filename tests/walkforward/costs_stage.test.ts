/**
 * The cost rule end to end, through the REAL executables (dist/stages/walkforward.js, dist/stages/report.js,
 * dist/orchestrator/run_all.js, dist/orchestrator/stage_cli.js) on a small synthetic lake whose blueprints were found
 * under spec/costs.yaml:
 * - spec/costs.yaml made CHEAPER, then walk-forward: exit 3, the message names the blueprint, both digests and the
 *   first cheaper field with both values, the hint names --allow-cheaper-costs, and the lake is unchanged;
 * - made DEARER: the walk-forward runs, summary.json records a 'stress' with the costlier components, and the
 *   report shows it (warnings, costs section, report.json);
 * - cheaper with --allow-cheaper-costs (stage flag, npm run all flag): summary.json records 'cheaper_what_if' and
 *   the report's first line (Markdown), first visible element (HTML) and first key (report.json) say it is a what-if,
 *   not a validation.
 * Issue 9: before the fix the stage accepted the cheaper config (as 'stricter') and refused the dearer one.
 * Run `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WalkforwardSummary } from '../../lib/stages/walkforward/summary.js';
import type { ReportData } from '../../lib/report/types.js';
import { ROOT, WF, WF_SET, runNode, seedStrategyLake, type RunResult } from '../helpers/strategy_lake.js';
import { snapshot } from '../bad_input/helpers.js';

/** Cost runs are short: fail fast. */
const node = (script: string, args: string[]) => runNode(script, args, 120_000);



/** The error (pino level 50) lines of a run's stderr. */
function errors(r: RunResult): { msg: string; err_type?: string; exit_code?: number }[] {
  return r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 50);
}

function ok(r: RunResult): void {
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}\n${r.stderr}`);
}

let work: string;
let seed: string;
let n = 0;

const walkforward = (dataDir: string, specDir: string, ...more: string[]) =>
  node('stages/walkforward.js', ['--data_dir', dataDir, '--spec_dir', specDir, '--params_json', JSON.stringify(WF), ...more]);
const report = (dataDir: string, specDir: string) =>
  node('stages/report.js', ['--data_dir', dataDir, '--spec_dir', specDir, '--params_json', JSON.stringify({ timeframe: '5m' })]);

async function copy(): Promise<string> {
  const d = join(work, `data-${++n}`);
  await cp(seed, d, { recursive: true });
  return d;
}

/** A copy of spec/ whose costs.yaml has each `from` replaced by its `to`. */
async function specWith(...edits: [string, string][]): Promise<string> {
  const d = join(work, `spec-${++n}`);
  await cp(join(ROOT, 'spec'), d, { recursive: true });
  const file = join(d, 'costs.yaml');
  let text = await readFile(file, 'utf8');
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`costs.yaml has no ${from}`);
    text = text.replace(from, to);
  }
  await writeFile(file, text);
  return d;
}

/** Cheaper: the um taker fee 5 -> 4 bps and the slippage 1 -> 0.5 bps. */
const CHEAPER: [string, string][] = [['taker_fee_bps: 5 ', 'taker_fee_bps: 4 '], ['slippage_bps: 1\n', 'slippage_bps: 0.5\n']];
/** Dearer: the slippage 1 -> 2 bps and a tighter participation cap 0.1 -> 0.05 (lower is costlier). */
const DEARER: [string, string][] = [['slippage_bps: 1\n', 'slippage_bps: 2\n'], ['max_participation: 0.1 ', 'max_participation: 0.05 ']];

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;
const summaryOf = (d: string) => readJson<WalkforwardSummary>(join(d, 'lake/walkforward/summary.json'));

let found: string;
let firstBlueprint: { id: string; name: string };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-wf-costs-'));
  seed = join(work, 'seed');
  await seedStrategyLake(seed);
  found = (await readJson<{ cost_digest: string }>(join(seed, 'research/blueprints/blueprints.json'))).cost_digest;
  const line = (await readFile(join(seed, 'research/blueprints/blueprints.jsonl'), 'utf8')).split('\n')[0]!;
  firstBlueprint = JSON.parse(line) as { id: string; name: string };
}, 180_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('walk-forward under cheaper costs than the blueprints were found under', () => {
  test('is refused: exit 3, naming the blueprint, both digests, the first cheaper field with both values; the lake is unchanged', async () => {
    const d = await copy();
    const spec = await specWith(...CHEAPER);
    const before = await snapshot(d);
    const r = await walkforward(d, spec);
    expect(r.exitCode).toBe(3);
    const [e, ...more] = errors(r);
    expect(more).toEqual([]);
    expect(e).toMatchObject({ err_type: 'DataError', exit_code: 3 });
    const [msg, hint] = e!.msg.split('\n  -> ');
    expect(msg).toMatch(new RegExp(
      `^research/blueprints/blueprints\\.jsonl:1 cost_digest: blueprint ${firstBlueprint.id} \\(.+\\) found under costs ${found} ` +
      'is refused under cheaper costs [0-9a-f]{64}: venues\\.binance\\.um\\.taker_fee_bps 4 \\(current\\) < 5 \\(found\\); ' +
      'also cheaper: slippage_bps 0\\.5 \\(current\\) < 1 \\(found\\)'));
    expect(msg).toContain(`(${firstBlueprint.name})`);
    expect(msg).not.toContain(`under cheaper costs ${found}`);
    expect(hint).toContain('--allow-cheaper-costs');
    expect(await snapshot(d)).toEqual(before);
  });

  test('npm run all refuses it too (the walkforward stage fails with the same message)', async () => {
    const r = await node('orchestrator/run_all.js', ['--data_dir', await copy(), '--spec_dir', await specWith(...CHEAPER), '--only', 'walkforward', ...WF_SET]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`found under costs ${found} is refused under cheaper costs`);
  });
});

describe('walk-forward under dearer costs', () => {
  test('is allowed and recorded as a stress in summary.json, the report warnings, costs section and report.json', async () => {
    const d = await copy();
    const spec = await specWith(...DEARER);
    ok(await walkforward(d, spec));
    const s = await summaryOf(d);
    expect(s.blueprint_cost_digests).toEqual({
      [found]: {
        status: 'stress',
        costlier: ['slippage_bps 2 (current) > 1 (found)', 'impact.max_participation 0.05 (current) < 0.1 (found) [a lower participation cap is costlier]'],
      },
    });
    expect(new Set(s.blueprints.map((b) => b.cost_digest_status))).toEqual(new Set(['stress']));
    // clustered deflation (issue 11 item 5): each trading blueprint in exactly one ONC cluster, K = the clusters'
    // Li & Ji effective trials + the trials without a series (at least the blueprints left out of the clusters)
    const cl = s.deflation.clustered;
    const members = cl.clusters.flatMap((c) => c.members);
    expect(new Set(members).size).toBe(members.length);
    expect(members.every((m) => s.blueprints.some((b) => b.id === m))).toBe(true);
    expect(cl.trials_effective).toBeCloseTo(cl.clusters.reduce((k, c) => k + c.effective_trials, 0) + cl.extra_trials, 9);
    for (const c of cl.clusters) expect(c.effective_trials).toBeGreaterThanOrEqual(1 - 1e-9);
    // a cluster counts its blueprints and the plan candidates assigned to it (every candidate has a series)
    for (const c of cl.clusters) expect(c.effective_trials).toBeLessThanOrEqual(c.members.length + (c.candidates?.length ?? 0) + 1e-9);
    expect(cl.clusters.reduce((n, c) => n + (c.candidates?.length ?? 0), 0)).toBe(cl.candidate_series);
    expect(cl).toHaveProperty('dsr_iid'); // null in JSON when the DSR is not computable, as dsr
    expect(cl.null_variance_of_sharpes).toBeGreaterThan(0);
    expect(cl.extra_trials).toBeGreaterThanOrEqual(s.blueprints.length - members.length);

    ok(await report(d, spec));
    const json = await readJson<ReportData>(join(d, 'reports/strategy/report.json'));
    expect(json.what_if).toBeUndefined();
    expect(json.overfitting.clustered?.trials_effective).toBe(cl.trials_effective);
    expect(json.overfitting.clustered?.clusters.map((c) => c.members)).toEqual(cl.clusters.map((c) => c.members));
    expect(json.cost_checks).toEqual([{ found_digest: found, status: 'stress', costlier: s.blueprint_cost_digests[found]!.costlier, cheaper: [], incomparable: [] }]);
    expect(json.warnings.some((w) => w.startsWith(`Cost stress: blueprints found under cheaper costs ${found.slice(0, 12)} are evaluated under these dearer ones (allowed): slippage_bps 2 (current) > 1 (found)`))).toBe(true);
    const md = await readFile(join(d, 'reports/strategy/report.md'), 'utf8');
    expect(md.startsWith('# Strategy research report')).toBe(true);
    const costs = md.slice(md.indexOf('## Costs and cost sensitivity'));
    expect(costs).toContain(`Blueprints found under costs ${found.slice(0, 16)}: STRESS, these costs are dearer (allowed): slippage_bps 2 (current) > 1 (found)`);
    expect(md).not.toContain('WHAT-IF');
    expect(md).toContain('### Deflated Sharpe: naive and clustered trials');
  });
});

describe('--allow-cheaper-costs: a labelled what-if', () => {
  async function expectWhatIf(d: string): Promise<void> {
    const s = await summaryOf(d);
    expect(s.blueprint_cost_digests).toEqual({
      [found]: {
        status: 'cheaper_what_if', costlier: [], incomparable: [],
        cheaper: ['venues.binance.um.taker_fee_bps 4 (current) < 5 (found)', 'slippage_bps 0.5 (current) < 1 (found)'],
      },
    });
    const dir = join(d, 'reports/strategy');
    const md = await readFile(join(dir, 'report.md'), 'utf8');
    expect(md.split('\n')[0]).toMatch(/^\*\*WHAT-IF, NOT A VALIDATION: the walk-forward evaluated blueprints under costs cheaper than .* the ones they were found under/);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    const body = html.slice(html.indexOf('<body>') + '<body>'.length).trimStart();
    expect(body.startsWith('<div id="what-if" role="alert"')).toBe(true);
    expect(body.slice(0, body.indexOf('</div>'))).toContain('WHAT-IF, NOT A VALIDATION');
    expect(html).toContain('<title>WHAT-IF (not a validation): ');
    const jsonText = await readFile(join(dir, 'report.json'), 'utf8');
    expect(Object.keys(JSON.parse(jsonText) as object)[0]).toBe('what_if');
    const json = JSON.parse(jsonText) as ReportData;
    expect(json.what_if).toMatchObject({
      reason: 'cheaper_costs', found_digests: [found], current_digest: s.cost_digest,
      components: ['venues.binance.um.taker_fee_bps 4 (current) < 5 (found)', 'slippage_bps 0.5 (current) < 1 (found)'],
    });
    expect(json.blueprints.every((b) => b.cost_digest_status === 'cheaper_what_if')).toBe(true);
  }

  test('on the stage executable: summary.json records cheaper_what_if and the report says it first', async () => {
    const d = await copy();
    const spec = await specWith(...CHEAPER);
    ok(await walkforward(d, spec, '--allow-cheaper-costs'));
    ok(await report(d, spec));
    await expectWhatIf(d);
  });

  test('on npm run all (translated to --set walkforward.allow_cheaper_costs=true)', async () => {
    const d = await copy();
    ok(await node('orchestrator/run_all.js', ['--data_dir', d, '--spec_dir', await specWith(...CHEAPER), '--only', 'walkforward,report', '--allow-cheaper-costs', ...WF_SET]));
    await expectWhatIf(d);
  });

  test('on npm run stage -- walkforward (and only there)', async () => {
    const d = await copy();
    ok(await node('orchestrator/stage_cli.js', [
      'walkforward', '--allow-cheaper-costs', '--data_dir', d, '--spec_dir', await specWith(...CHEAPER),
      '--train_days', '0.5', '--test_days', '0.25', '--min_train_trades', '0', '--min_train_sharpe', '-100',
    ]));
    expect((await summaryOf(d)).blueprint_cost_digests[found]!.status).toBe('cheaper_what_if');
    const r = await node('orchestrator/stage_cli.js', ['report', '--allow-cheaper-costs', '--data_dir', join(work, 'unused')]);
    expect(r.exitCode).toBe(2);
    expect(errors(r)[0]!.msg).toBe('--allow-cheaper-costs applies to the walkforward stage, not report');
  });

  test('does not label a run whose costs are not cheaper', async () => {
    const d = await copy();
    ok(await walkforward(d, join(ROOT, 'spec'), '--allow-cheaper-costs'));
    expect((await summaryOf(d)).blueprint_cost_digests).toEqual({ [found]: { status: 'same', costlier: [] } });
  });
});

describe('the report header and report.json (issue 10.5)', () => {
  test('the header shows the run id, and report.json carries every warning of the HTML box, critical ones apart', async () => {
    const d = await copy();
    ok(await walkforward(d, join(ROOT, 'spec')));
    ok(await node('stages/report.js', ['--data_dir', d, '--spec_dir', join(ROOT, 'spec'), '--run_id', 'run-report-1', '--params_json', JSON.stringify({ timeframe: '5m' })]));
    const dir = join(d, 'reports/strategy');
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    const header = html.slice(html.indexOf('<header id="header">'), html.indexOf('</header>'));
    expect(header).toContain('<dt>Run</dt><dd class="wide mono">run-report-1</dd>');
    const box = html.slice(html.indexOf('<section id="warnings"'), html.indexOf('</section>', html.indexOf('<section id="warnings"')));
    const items = [...box.matchAll(/<li class="(critical|caution)">([^<]*)<\/li>/g)].map((m) => ({ level: m[1], text: m[2]! }));
    const json = await readJson<{ warnings: string[]; critical_warnings: string[]; generated: { run_id: string } }>(join(dir, 'report.json'));
    expect(items.length).toBeGreaterThan(0);
    expect(json.warnings.length).toBe(items.length);
    const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    expect(json.warnings).toEqual(items.map((i) => unescape(i.text)));
    expect(json.critical_warnings).toEqual(items.filter((i) => i.level === 'critical').map((i) => unescape(i.text)));
    expect(json.generated.run_id).toBe('run-report-1');
  });
});
