/**
 * The tutor's PNG plot: the SVG rendered by chromium headless (playwright-core) at the SVG's size, or skipped with
 * the reason when there is no chromium (the SVG is still written).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCosts } from '../../lib/costs/digest.js';
import { tutorLesson } from '../../lib/lab/tutor.js';
import type { BacktestDeps } from '../../lib/lab/backtest_command.js';
import { silentLogger } from '../../lib/log.js';
import { syntheticSource } from '../../cli/lab/synthetic.js';
import { chromiumPath, chromiumPngRenderer } from '../../cli/lab/png.js';
import { ROOT } from '../helpers/strategy_lake.js';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'quantlab-png-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80" viewBox="0 0 120 80"><rect x="0" y="0" width="120" height="80" fill="#ff0000"/></svg>';

describe('tutor PNG', () => {
  test('no chromium: skipped with the reason', async () => {
    const r = await chromiumPngRenderer({ QUANTLAB_CHROMIUM: '/nonexistent/chromium' })(SVG);
    expect(r).toEqual({ skipped: expect.stringContaining('QUANTLAB_CHROMIUM=/nonexistent/chromium does not exist') });
  });

  (chromiumPath({}) ? test : test.skip)('chromium renders the SVG at its size', async () => {
    const r = await chromiumPngRenderer({})(SVG);
    if (!('png' in r)) throw new Error(r.skipped);
    const b = Buffer.from(r.png);
    expect(b.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect([b.readUInt32BE(16), b.readUInt32BE(20)]).toEqual([120, 80]); // IHDR width, height
  }, 60_000);

  test('a lesson with --plot writes lesson.png when rendered and only the SVG when skipped', async () => {
    const deps: BacktestDeps = {
      dataDir: dir, lakeRoot: join(dir, 'lake'), runsDir: join(dir, 'runs'), baseCosts: (await loadCosts(join(ROOT, 'spec', 'costs.yaml'))).config,
      log: silentLogger(), nowMs: Date.UTC(2025, 5, 1), env: {}, dotenvPath: join(dir, '.env'), synthetic: syntheticSource, gitSha: null, argv: [], entrypoint: 'test',
    };
    const a = { symbol: 'DEMO', strategy: 'momentum', interval: '1h', assetClass: 'crypto', window: 'P30D', dollarPerTrade: 10_000, initialCash: 100_000, paper: false, allowEnvDates: false, allowSynthetic: true, seed: 7 };
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const ok = await tutorLesson('momentum', a, deps, { plot: true, explainMath: false, renderPng: async () => ({ png }) });
    expect(ok.files).toEqual(['lesson.md', 'numbers.json', 'lesson.svg', 'lesson.png']);
    await rm(ok.dir, { recursive: true });
    const skipped = await tutorLesson('momentum', a, deps, { plot: true, explainMath: false, renderPng: async () => ({ skipped: 'no chromium' }) });
    expect(skipped.png).toEqual({ written: false, note: 'no chromium' });
    expect((await readdir(skipped.dir)).sort()).toEqual(['lesson.md', 'lesson.svg', 'numbers.json']);
  }, 60_000);
});
