/// <reference lib="dom" />
/**
 * The dashboard and the static strategy report in a real browser: headless Debian Chromium (/usr/bin/chromium, or
 * CHROMIUM_PATH) driven by playwright-core (no browser download), a fresh profile per run. Every page over the
 * generated fixtures: no console error or uncaught exception, every chart drawn with data points, zoom applied to
 * the connected charts, the trades table sorted, filtered and paged, the live tail updated by server-sent events.
 * Screenshots go to a temp dir (printed; kept when DASHBOARD_SHOTS names a folder). Without Chromium the tests are
 * skipped with a message (in CI, CI=1, they fail instead).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { buildServer } from '../../lib/dashboard/server.js';
import { PAGES } from '../../lib/dashboard/html.js';
import { silentLogger } from '../../lib/log.js';
import { findChromium } from '../../lib/report/screenshot.js';
import { LESSON, SESSION_ID, HALTED_ID, writeFixtures, type Fixture } from './fixtures.js';

const PROJECT = fileURLToPath(new URL('../../..', import.meta.url));
const chromiumPath = findChromium();
const CI = Boolean(process.env.CI);
if (!chromiumPath && !CI) console.warn('tests/dashboard/browser: no Chromium found (CHROMIUM_PATH, /usr/bin/chromium, PATH): browser tests skipped');
const maybe = chromiumPath || CI ? test : test.skip;

export const LAUNCH_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let root: string;
let fx: Fixture;
let shots: string;
let ctx: BrowserContext | undefined;
let base = '';
let close: (() => Promise<void>) | undefined;
const taken: string[] = [];

beforeAll(async () => {
  if (!chromiumPath) return;
  root = mkdtempSync(join(tmpdir(), 'quantlab-dash-browser-'));
  fx = writeFixtures(join(root, 'tree'));
  shots = process.env.DASHBOARD_SHOTS ?? join(root, 'shots');
  mkdirSync(shots, { recursive: true });
  const { app } = buildServer({ host: '127.0.0.1', port: 0, dataDir: fx.dataDir, runsDir: fx.runsDir, projectRoot: PROJECT, log: silentLogger(), pollMs: 100 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  close = () => app.close();
  const { chromium } = await import('playwright-core');
  ctx = await chromium.launchPersistentContext(join(root, 'profile'), { executablePath: chromiumPath, headless: true, args: LAUNCH_FLAGS, viewport: { width: 1280, height: 900 } });
}, 120_000);

afterAll(async () => {
  await ctx?.close();
  await close?.();
  if (taken.length) process.stderr.write(`dashboard screenshots:\n${taken.map((t) => `  ${t}`).join('\n')}\n`);
  if (root && !process.env.DASHBOARD_SHOTS) rmSync(root, { recursive: true, force: true });
});

async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await ctx!.newPage();
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  const res = await page.goto(url, { waitUntil: 'load' });
  expect([url, res?.status()]).toEqual([url, 200]);
  return { page, errors };
}

/** Points per chart element of the page once the client script has drawn them. */
async function chartPoints(page: Page): Promise<Record<string, number>> {
  await page.waitForFunction(() => {
    const d = (window as unknown as { __dashboard?: { charts: unknown[] } }).__dashboard;
    return d !== undefined && d.charts.length === document.querySelectorAll('div.chart').length;
  }, undefined, { timeout: 20_000 });
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('div.chart')].map((el) => {
    const c = (window as unknown as { echarts: { getInstanceByDom(e: Element): { getOption(): { series: { data: unknown[] }[] } } | undefined } }).echarts.getInstanceByDom(el);
    return [el.id, c ? c.getOption().series.reduce((n, s) => n + (s.data?.length ?? 0), 0) : -1];
  })));
}

async function shot(page: Page, name: string): Promise<void> {
  const file = join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  taken.push(file);
}

describe('dashboard in Chromium', () => {
  maybe('every page loads without a console error and draws every chart with data points', async () => {
    const urls: [string, string][] = [...PAGES.map((p) => [p.path, p.title.toLowerCase().replace(/[^a-z]+/g, '_')] as [string, string]),
      [`/backtests/${fx.backtestIds[0]}`, 'backtest_run'], [`/live/${SESSION_ID}`, 'live_session'], [`/live/${HALTED_ID}`, 'live_session_halted'], [`/lab?lesson=${LESSON}`, 'lesson']];
    const expectCharts: Record<string, number> = { '/research': 5, '/regime': 4, '/mm': 3, [`/backtests/${fx.backtestIds[0]}`]: 2, [`/live/${SESSION_ID}`]: 2 };
    for (const [u, name] of urls) {
      const { page, errors } = await open(base + u);
      const pts = await chartPoints(page);
      if (expectCharts[u] !== undefined) expect([u, Object.keys(pts).length]).toEqual([u, expectCharts[u]]);
      for (const [id, n] of Object.entries(pts)) expect([u, id, n > 0]).toEqual([u, id, true]);
      await shot(page, name);
      expect([u, errors]).toEqual([u, []]);
      await page.close();
    }
  }, 240_000);

  maybe('zoom on the equity chart zooms the connected drawdown chart; mouse wheel zooms', async () => {
    const { page, errors } = await open(`${base}/backtests/${fx.backtestIds[0]}`);
    await chartPoints(page);
    const zoom = await page.evaluate(() => {
      type C = { getOption(): { dataZoom: { start: number; end: number }[] }; dispatchAction(a: object): void };
      const ec = (window as unknown as { echarts: { getInstanceByDom(e: Element): C } }).echarts;
      const [eq, dd] = [...document.querySelectorAll('div.chart')].map((el) => ec.getInstanceByDom(el));
      eq!.dispatchAction({ type: 'dataZoom', start: 20, end: 40 });
      return { eq: eq!.getOption().dataZoom[0], dd: dd!.getOption().dataZoom[0] };
    });
    expect([zoom.eq?.start, zoom.eq?.end]).toEqual([20, 40]);
    expect([zoom.dd?.start, zoom.dd?.end]).toEqual([20, 40]);
    await page.locator('div.chart').first().scrollIntoViewIfNeeded();
    const box = (await page.locator('div.chart').first().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 3);
    for (let k = 0; k < 4; k++) {
      await page.mouse.wheel(0, -200);
      await page.waitForTimeout(150);
    }
    const after = await page.evaluate(() => {
      const ec = (window as unknown as { echarts: { getInstanceByDom(e: Element): { getOption(): { dataZoom: { start: number; end: number }[] } } } }).echarts;
      return ec.getInstanceByDom(document.querySelector('div.chart')!).getOption().dataZoom[0];
    });
    expect(after!.end - after!.start).toBeLessThan(20);
    await shot(page, 'backtest_zoomed');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  maybe('the trades table sorts, filters and pages', async () => {
    const { page, errors } = await open(`${base}/backtests/${fx.backtestIds[0]}`);
    const wrap = page.locator('#trades');
    await expect(wrap.locator('.count').textContent()).resolves.toBe('60 of 60 rows');
    expect(await wrap.locator('tbody tr:not([hidden])').count()).toBe(25);
    await wrap.locator('input.filter').fill('short');
    await expect(wrap.locator('.count').textContent()).resolves.toBe('30 of 60 rows');
    await wrap.locator('input.filter').fill('');
    const col = await wrap.locator('th').allTextContents();
    const net = col.indexOf('net_pnl');
    await wrap.locator('th').nth(net).click();
    const vals = (await wrap.locator(`tbody tr:not([hidden]) td:nth-child(${net + 1})`).allTextContents()).map((t) => Number(t.replace(/,/g, '')));
    expect(vals).toEqual([...vals].sort((a, b) => a - b));
    await wrap.locator('button.next').click();
    await expect(wrap.locator('.page').textContent()).resolves.toContain('page 2/3');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  maybe('the live tail shows a new state.jsonl line within 1 s (server-sent events)', async () => {
    const { page, errors } = await open(`${base}/live/${SESSION_ID}`);
    await page.waitForFunction(() => document.getElementById('sse-state')?.textContent?.startsWith('live'), undefined, { timeout: 10_000 });
    const t0 = Date.now();
    appendFileSync(join(fx.runsDir, 'live', 'sessions', SESSION_ID, 'state.jsonl'), JSON.stringify({ seq: 777777, bar: 1, ts_ms: Date.UTC(2025, 2, 2), type: 'guard', rule: 'kill_switch', decision: 'trip', state_before: 'ACTIVE', state_after: 'HALTED', message: 'kill-switch file present' }) + '\n');
    await page.waitForFunction(() => document.querySelector('#event-tail tbody tr')?.textContent?.includes('777777'), undefined, { timeout: 5_000 });
    expect(Date.now() - t0).toBeLessThan(1000);
    // A new state.json (the session halted) refreshes the tiles.
    const sf = join(fx.runsDir, 'live', 'sessions', SESSION_ID, 'state.json');
    const st = JSON.parse(readFileSync(sf, 'utf8')) as Record<string, unknown>;
    writeFileSync(sf, JSON.stringify({ ...st, state: 'HALTED', tripped: { kill_switch: 'kill-switch file present' }, equity: 12345.5 }));
    await page.waitForFunction(() => document.getElementById('session-status')?.textContent?.includes('12,345.5'), undefined, { timeout: 5_000 });
    expect(await page.locator('#session-status').textContent()).toContain('HALTED');
    await shot(page, 'live_session_after_event');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('static strategy report in Chromium (served at /report/strategy)', () => {
  maybe('no console error, every chart has points, zoom on equity zooms drawdown', async () => {
    const { page, errors } = await open(`${base}/report/strategy`);
    await page.waitForFunction(() => typeof (window as unknown as { echarts?: unknown }).echarts !== 'undefined');
    const r = await page.evaluate(() => {
      type C = { getOption(): { series: { data: unknown[] }[]; dataZoom?: { start: number; end: number }[] }; dispatchAction(a: object): void };
      const ec = (window as unknown as { echarts: { getInstanceByDom(e: Element): C | undefined } }).echarts;
      const points: Record<string, number> = {};
      for (const el of document.querySelectorAll('div.chart')) {
        const c = ec.getInstanceByDom(el);
        points[el.id] = c ? c.getOption().series.reduce((n, s) => n + s.data.length, 0) : -1;
      }
      const eq = ec.getInstanceByDom(document.getElementById('chart-equity')!)!;
      eq.dispatchAction({ type: 'dataZoom', start: 10, end: 30 });
      const dd = ec.getInstanceByDom(document.getElementById('chart-drawdown')!)!;
      return { points, dd: dd.getOption().dataZoom?.[0] };
    });
    expect(Object.keys(r.points).length).toBeGreaterThanOrEqual(4);
    for (const [id, n] of Object.entries(r.points)) expect([id, n > 0]).toEqual([id, true]);
    expect([r.dd?.start, r.dd?.end]).toEqual([10, 30]);
    await shot(page, 'static_report');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

/**
 * Over a real data dir (a pipeline run plus lab, paper and market-making outputs): DASHBOARD_REAL_DATA_DIR=<data_dir>.
 * Skipped without it (the suite's fixtures cover every page); docs/dashboard.md gives the commands that make one.
 */
const REAL = process.env.DASHBOARD_REAL_DATA_DIR;
describe('dashboard in Chromium over a real data dir', () => {
  (chromiumPath && REAL ? test : test.skip)('every page and every linked run page: no console error, charts with points', async () => {
    const { app } = buildServer({ host: '127.0.0.1', port: 0, dataDir: REAL!, runsDir: join(REAL!, 'runs'), projectRoot: PROJECT, log: silentLogger() });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const realBase = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    try {
      const seen = new Set<string>();
      const queue = PAGES.map((p) => p.path);
      while (queue.length) {
        const u = queue.shift()!;
        if (seen.has(u) || seen.size > 40) continue;
        seen.add(u);
        const { page, errors } = await open(realBase + u);
        const pts = await chartPoints(page);
        for (const [id, n] of Object.entries(pts)) expect([u, id, n > 0]).toEqual([u, id, true]);
        for (const h of await page.evaluate(() => [...document.querySelectorAll('main a[href^="/"]')].map((a) => a.getAttribute('href')!))) {
          if (/^\/(backtests|live|lab)\b/.test(h) && !h.endsWith('.svg')) queue.push(h);
        }
        await shot(page, `real_${u.replace(/[^a-z0-9]+/gi, '_') || 'overview'}`);
        expect([u, errors]).toEqual([u, []]);
        await page.close();
      }
    } finally {
      await app.close();
    }
  }, 300_000);
});
