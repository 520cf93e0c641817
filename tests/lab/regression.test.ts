/**
 * The paper regression harness: the committed dataset reproduces its committed baseline byte for byte; a changed
 * bar changes the artifacts (listed); the baseline is rewritten only with --refresh-baseline --confirm-refresh
 * --reason (with provenance). The matrix: paper and adapter (ccxt dry-run) modes each reproduce their own baseline.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ARTIFACTS, runRegression, type Baseline } from '../../lib/lab/regression.js';
import { UsageError } from '../../lib/errors.js';
import { ROOT } from '../helpers/strategy_lake.js';

const DATASET = join(ROOT, 'tests/fixtures/live/regression_default');
let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'quantlab-reg-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('quantlab regression', () => {
  test('the committed dataset reproduces the committed baseline', async () => {
    const r = await runRegression({ dataset: DATASET, outputDir: join(dir, 'out'), seed: 7, label: 'ci', adapterMode: 'paper' });
    expect(r.runId).toBe('0007-ci');
    expect(r.differences).toEqual([]);
    expect((await readdir(r.dir)).sort()).toEqual([...ARTIFACTS, 'checksums.json'].sort());
    const snap = JSON.parse(await readFile(join(r.dir, 'snapshot.json'), 'utf8'));
    expect(snap).toMatchObject({ run_id: '0007-ci', state: 'REDUCING', bars: 576 }); // the dataset trips the drawdown breaker
    expect(await readFile(join(r.dir, 'session.md'), 'utf8')).toContain('session drawdown 30.3 bps > max_dd_bps 30');
  }, 60_000);

  test('one changed bar: the differing artifacts are listed', async () => {
    const ds = join(dir, 'changed');
    await cp(DATASET, ds, { recursive: true });
    const bars = (await readFile(join(ds, 'bars.csv'), 'utf8')).split('\n');
    const cells = bars[600]!.split(',');
    cells[4] = String(Number(cells[4]) * 1.01); // a close 1% higher
    bars[600] = cells.join(',');
    await writeFile(join(ds, 'bars.csv'), bars.join('\n'));
    const r = await runRegression({ dataset: ds, outputDir: join(dir, 'out2'), seed: 7, label: 'ci', adapterMode: 'paper' });
    const names = r.differences!.map((d) => d.artifact);
    expect(names).toContain('equity.csv');
    expect(names).toContain('provenance.json'); // the dataset digest
    const base = JSON.parse(await readFile(join(DATASET, 'baseline.json'), 'utf8')) as Baseline;
    expect(r.differences!.find((d) => d.artifact === 'equity.csv')).toEqual({ artifact: 'equity.csv', baseline: base.artifacts['equity.csv'], now: r.checksums['equity.csv'] });
  }, 60_000);

  test('refresh needs both flags and a reason; the adapter mode is refused', async () => {
    const ds = join(dir, 'refresh');
    await cp(DATASET, ds, { recursive: true });
    const before = await readFile(join(ds, 'baseline.json'), 'utf8');
    const run = (extra: string[]) => execa('node', [join(ROOT, 'dist/cli/quantlab.js'), 'regression', '--adapter-mode', 'paper', '--label', 'x', '--dataset', ds, '--output-dir', join(dir, 'out3'), ...extra],
      { reject: false, env: { QUANTLAB_LOG_FORMAT: 'json' } });
    const a = await run(['--refresh-baseline']);
    expect(a.exitCode).toBe(2);
    expect(String(a.stderr)).toContain('--refresh-baseline refused: --confirm-refresh is missing');
    const b = await run(['--refresh-baseline', '--confirm-refresh']);
    expect(b.exitCode).toBe(2);
    expect(String(b.stderr)).toContain('--refresh-baseline refused: --reason is missing');
    expect(await readFile(join(ds, 'baseline.json'), 'utf8')).toBe(before);
    const c = await run(['--refresh-baseline', '--confirm-refresh', '--reason', 'label x']);
    expect(c.exitCode).toBe(0);
    const nb = JSON.parse(await readFile(join(ds, 'baseline.json'), 'utf8')) as Baseline;
    expect(nb.provenance).toMatchObject({ reason: 'label x', label: 'x', seed: 7, adapter_mode: 'paper' });
    expect(nb.artifacts['equity.csv']).toBe((JSON.parse(before) as Baseline).artifacts['equity.csv']);
    await expect(runRegression({ dataset: ds, outputDir: join(dir, 'o'), seed: 7, label: 'x', adapterMode: 'adapter', adapter: 'fix' })).rejects.toThrow(UsageError);
  }, 60_000);

  test('adapter mode (ccxt dry-run): reproduces its own committed baseline; the log holds the Binance requests, none sent', async () => {
    const r = await runRegression({ dataset: DATASET, outputDir: join(dir, 'adapter'), seed: 7, label: 'ci', adapterMode: 'adapter', adapter: 'ccxt' });
    expect(r.differences).toEqual([]);
    const paper = JSON.parse(await readFile(join(DATASET, 'baseline.json'), 'utf8')) as Baseline;
    // the same replay (equity, metrics) as the paper mode; the adapter log and provenance are the mode's own
    expect(r.checksums['equity.csv']).toBe(paper.artifacts['equity.csv']);
    expect(r.checksums['adapter_logs.jsonl']).not.toBe(paper.artifacts['adapter_logs.jsonl']);
    const lines = (await readFile(join(r.dir, 'adapter_logs.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.every((l) => l.adapter === 'ccxt' && l.mode === 'dry-run' && l.sent === false)).toBe(true);
    expect(lines[0]).toMatchObject({ op: 'create_order', endpoint: { method: 'POST', url: 'https://api.binance.com/api/v3/order' }, request: { symbol: 'REGUSDT', newClientOrderId: 'ql-0007-ci-0' } });
    const submitted = lines.filter((l) => l.op === 'create_order').length;
    const snap = JSON.parse(await readFile(join(r.dir, 'snapshot.json'), 'utf8'));
    expect(snap.state).toBe('REDUCING');
    expect(submitted).toBeGreaterThan(5);
  }, 60_000);
});
