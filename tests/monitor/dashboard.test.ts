import { describe, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { renderDashboard, type DashboardData } from '../../lib/monitor/dashboard.js';
import { findChromium, screenshotHtml } from '../../lib/report/screenshot.js';
import { withTempDir } from '../helpers/tmp.js';

const chromium = findChromium();
const CI = Boolean(process.env.CI);
if (!chromium && !CI) console.warn('tests/monitor/dashboard: no Chromium found: render test skipped');
const withChromium = chromium || CI ? test : test.skip;

function data(n = 200): DashboardData {
  const days = Array.from({ length: n }, (_, i) => new Date(Date.UTC(2021, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));
  const labels = ['RISK_ON_MAJORS', 'BALANCED', 'RISK_ON_ALTS'];
  return {
    title: 'Monitor </script><b>test</b>', subtitle: 'fixture', days,
    score: days.map((_, i) => Math.sin(i / 15)), labels: days.map((_, i) => labels[Math.floor(i / 40) % 3]!),
    btc: days.map((_, i) => 1 + i / 400), alt_index: days.map((_, i) => 1 + Math.sin(i / 30) / 5), equity: days.map((_, i) => 1 + i / 1000),
    drawdown: days.map((_, i) => -((i % 30) / 300)), regimes: labels.map((label, i) => ({ label, mean: i / 100 - 0.01, ci_lo: -0.02, ci_hi: 0.03, n: 60 })),
    regime_target: 'y', kpis: { sharpe: 1.2, cagr: null },
  };
}

describe('dashboard.html', () => {
  test('one offline file: ECharts inlined, no external URL, data embedded safely', () => {
    const html = renderDashboard(data());
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)[^"' ]+\.(js|css)/);
    expect(html).toContain('echarts');
    expect(html.length).toBeGreaterThan(500_000); // the library itself is ~1 MB minified
    expect(html).toContain('Monitor &lt;/script&gt;&lt;b&gt;test&lt;/b&gt;');
    expect(html.match(/<\/script>/g)!.length).toBe(2);
  });

  withChromium('renders its four charts in headless Chromium (DOM dump) and is not blank (screenshot)', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'dashboard.html');
      await writeFile(file, renderDashboard(data()));
      const r = await execa(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${join(dir, 'profile')}`,
        '--virtual-time-budget=5000', '--dump-dom', pathToFileURL(file).href], { reject: false, timeout: 90_000 });
      expect(r.exitCode).toBe(0);
      const dom = String(r.stdout);
      expect(dom).toContain('data-rendered="4"');
      expect((dom.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
      expect(dom).toContain('RISK_ON_ALTS (n=60)');
      const shot = await screenshotHtml(file, join(dir, 'd.png'), { width: 1200, height: 1600, chromium: chromium! });
      const blank = join(dir, 'blank.html');
      await writeFile(blank, '<!DOCTYPE html><html><body style="margin:0;background:#fff"></body></html>');
      const b = await screenshotHtml(blank, join(dir, 'b.png'), { width: 1200, height: 1600, chromium: chromium! });
      expect(shot.bytes).toBeGreaterThan(5 * b.bytes);
    });
  }, 180_000);
});
