import { describe, expect, test } from '@jest/globals';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { QuantError } from '../../lib/errors.js';
import { renderReportHtml } from '../../lib/report/html.js';
import { findChromium, pngSize, probeHtml, screenshotHtml } from '../../lib/report/screenshot.js';
import { withTempDir } from '../helpers/tmp.js';
import { makeFixture } from './fixture.js';

const chromium = findChromium();
const CI = Boolean(process.env.CI);
if (!chromium && !CI) {
  console.warn('tests/report/screenshot: no Chromium found (env CHROMIUM_PATH, /usr/bin/chromium, chromium/chromium-browser/google-chrome on PATH): render tests skipped');
}
/** Runs when Chromium is there; in CI a missing Chromium fails instead of skipping. */
const withChromium = chromium || CI ? test : test.skip;
const BENCH = fileURLToPath(new URL('../../bench/report_screenshot.js', import.meta.url));

function requireChromium(): string {
  if (!chromium) throw new Error('CI is set but no Chromium was found: the report render test must run in CI (apt-get install chromium or set CHROMIUM_PATH)');
  return chromium;
}

/** A minimal PNG header: signature + IHDR of the given size (PNG spec, ISO/IEC 15948 section 11.2.2). */
function pngHeader(width: number, height: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const dv = new DataView(b.buffer);
  dv.setUint32(16, width);
  dv.setUint32(20, height);
  return b;
}

describe('findChromium', () => {
  test('an explicit CHROMIUM_PATH that is not executable is an error naming it', () => {
    expect(() => findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).toThrow(/CHROMIUM_PATH="\/nonexistent\/chromium" is not an executable file/);
  });
  test('PATH is searched for chromium, chromium-browser, google-chrome; nothing found is undefined', async () => {
    await withTempDir(async (dir) => {
      const bin = join(dir, 'bin');
      await mkdir(bin);
      expect(findChromium({ PATH: bin }, [])).toBeUndefined();
      const fake = join(bin, 'google-chrome');
      await writeFile(fake, '#!/bin/sh\nexit 0\n');
      expect(findChromium({ PATH: bin }, [])).toBeUndefined(); // not executable yet
      await chmod(fake, 0o755);
      expect(findChromium({ PATH: `/nonexistent:${bin}` }, [])).toBe(fake);
      expect(findChromium({ PATH: bin, CHROMIUM_PATH: fake }, ['/nonexistent'])).toBe(fake);
    });
  });
});

describe('pngSize', () => {
  test('reads width and height from IHDR; refuses non-PNG bytes', () => {
    expect(pngSize(pngHeader(1280, 3641))).toEqual({ width: 1280, height: 3641 });
    expect(() => pngSize(new TextEncoder().encode('<html>not a png</html>....'), 'x.png')).toThrow(/x\.png.*not a PNG/);
  });
});

describe('screenshotHtml errors', () => {
  test('a missing HTML file and a failing browser are clear errors', async () => {
    await withTempDir(async (dir) => {
      await expect(screenshotHtml(join(dir, 'missing.html'), join(dir, 'x.png'), { chromium: '/bin/true' }))
        .rejects.toThrow(/missing\.html.*does not exist/);
      const page = join(dir, 'p.html');
      await writeFile(page, '<p>x</p>');
      await expect(screenshotHtml(page, join(dir, 'x.png'), { chromium: '/bin/false', height: 100 }))
        .rejects.toThrow(/Chromium \(\/bin\/false\) failed while taking a screenshot/);
      const err = await screenshotHtml(page, join(dir, 'x.png'), { chromium: '/bin/true', height: 100 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QuantError);
      expect(String((err as Error).message)).toMatch(/exited without writing the screenshot/);
    });
  });
});

describe('Chromium render of the fixture report', () => {
  withChromium('full-page PNG: valid signature, IHDR size, clearly not blank', async () => {
    const bin = requireChromium();
    await withTempDir(async (dir) => {
      const html = join(dir, 'report.html');
      await writeFile(html, renderReportHtml(makeFixture()));
      const png = join(dir, 'report.png');
      const r = await screenshotHtml(html, png, { width: 1280, height: 'auto', chromium: bin });
      const buf = await readFile(png);
      expect(Array.from(buf.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(pngSize(buf)).toEqual({ width: 1280, height: r.height });
      expect(r.bytes).toBe(buf.length);
      // the whole page: header, tables, five charts and the footer are well over 2,500 px tall at 1280 px
      expect(r.height).toBeGreaterThan(2500);
      // a white page of the same size compresses to a few KB; the report is hundreds of KB of text and lines
      const blank = join(dir, 'blank.html');
      await writeFile(blank, `<!DOCTYPE html><html><body style="margin:0;height:${r.height}px;background:#fff"></body></html>`);
      const b = await screenshotHtml(blank, join(dir, 'blank.png'), { width: 1280, height: r.height, chromium: bin });
      expect(b.height).toBe(r.height);
      expect(r.bytes).toBeGreaterThan(100_000);
      expect(r.bytes).toBeGreaterThan(10 * b.bytes);
    });
  }, 120_000);

  withChromium('a fixed window size gives exactly that PNG size', async () => {
    const bin = requireChromium();
    await withTempDir(async (dir) => {
      const html = join(dir, 'report.html');
      await writeFile(html, renderReportHtml(makeFixture({ windows: 2 })));
      const r = await screenshotHtml(html, join(dir, 'top.png'), { width: 1000, height: 700, chromium: bin });
      expect([r.width, r.height]).toEqual([1000, 700]);
      expect(r.bytes).toBeGreaterThan(30_000);
    });
  }, 120_000);

  withChromium('bench/report_screenshot.js screenshots an existing report and prints JSON', async () => {
    requireChromium();
    await withTempDir(async (dir) => {
      const html = join(dir, 'report.html');
      await writeFile(html, renderReportHtml(makeFixture({ windows: 2 })));
      const out = join(dir, 'shot.png');
      const res = await execa(process.execPath, [BENCH, html, out, '--width', '900', '--height', '600'], { reject: false });
      expect(res.exitCode).toBe(0);
      const j = JSON.parse(String(res.stdout)) as { width: number; height: number; bytes: number };
      expect([j.width, j.height]).toEqual([900, 600]);
      expect(pngSize(await readFile(out))).toEqual({ width: 900, height: 600 });
      const bad = await execa(process.execPath, [BENCH, html], { reject: false });
      expect(bad.exitCode).toBe(2);
      expect(String(bad.stderr)).toContain('usage:');
    });
  }, 120_000);
});

/**
 * In the page: every chart's series lengths, the equity/drawdown zoom before and after a dataZoom action on the
 * equity chart, and the blueprints table's "Full Sharpe" column after one and two clicks on its header, then a filter.
 */
const INTERACT = `
var ids=['chart-equity','chart-drawdown','chart-windows','chart-funnel','chart-gates'],out={points:{}};
ids.forEach(function(id){var c=echarts.getInstanceByDom(document.getElementById(id));
 out.points[id]=c?c.getOption().series.map(function(s){return s.data.length;}):null;});
var eq=echarts.getInstanceByDom(document.getElementById('chart-equity'));
var dd=echarts.getInstanceByDom(document.getElementById('chart-drawdown'));
function tip(id){var t='';[].forEach.call(document.getElementById(id).querySelectorAll('div'),function(x){
 if(x.style.display!=='none'&&/position: absolute/.test(x.getAttribute('style')||'')&&x.textContent)t=x.textContent;});return t;}
eq.dispatchAction({type:'showTip',seriesIndex:0,dataIndex:1000});
out.tipEq=tip('chart-equity');out.tipDd=tip('chart-drawdown');
function zoom(c){return c.getOption().dataZoom.map(function(z){return [z.start,z.end,z.startValue,z.endValue];});}
out.before=zoom(eq);
eq.dispatchAction({type:'dataZoom',dataZoomIndex:0,start:40,end:60});
out.afterEq=zoom(eq);out.afterDd=zoom(dd);
var t=document.getElementById('table-blueprints'),ths=[].slice.call(t.tHead.rows[0].cells);
var col=ths.map(function(h){return h.textContent;}).indexOf('Full Sharpe');
function column(){return [].map.call(t.tBodies[0].rows,function(r){return r.cells[col].textContent;});}
out.unsorted=column();
ths[col].click();out.asc=column();out.ariaAsc=ths[col].getAttribute('aria-sort');
ths[col].click();out.desc=column();
var box=document.querySelector('input[data-filter-for="table-blueprints"]');
box.value=t.tBodies[0].rows[0].cells[0].textContent;box.dispatchEvent(new Event('input'));
out.shown=[].filter.call(t.tBodies[0].rows,function(r){return r.style.display!=='none';}).length;
out.count=document.getElementById('table-blueprints-count').textContent;
out.canvases=document.querySelectorAll('.chart canvas').length;
return out;`;

interface Interact {
  points: Record<string, number[] | null>;
  tipEq: string; tipDd: string;
  before: number[][]; afterEq: number[][]; afterDd: number[][];
  unsorted: string[]; asc: string[]; desc: string[]; ariaAsc: string;
  shown: number; count: string; canvases: number;
}

describe('the report\'s charts and tables in headless Chromium', () => {
  withChromium('no console error; every chart has its points; hover values and zoom are shared; a header click sorts; the filter filters; screenshots', async () => {
    const bin = requireChromium();
    const shots = await mkdtemp(join(tmpdir(), 'quantlab-report-shots-'));
    const data = makeFixture();
    const html = join(shots, 'report.html');
    const page = renderReportHtml(data);
    await writeFile(html, page);
    const r = await probeHtml(html, INTERACT, { chromium: bin });
    expect(r.errors).toEqual([]);
    const v = r.result as Interact;
    // series lengths: both curves downsampled to <= 4,000 points, one bar per window, funnel step and failing gate
    const [eqS, eqB] = v.points['chart-equity']!;
    expect(eqS).toBeGreaterThan(1000);
    expect(eqS).toBeLessThanOrEqual(4000);
    expect(eqB).toBeGreaterThan(1000);
    expect(v.points['chart-drawdown']).toEqual([eqS, eqB]);
    expect(v.points['chart-windows']).toEqual([data.windows.length]);
    expect(v.points['chart-funnel']).toEqual([data.funnel.length]);
    expect(v.points['chart-gates']).toEqual([data.gate_failures.length]);
    expect(v.canvases).toBe(5);
    // hover: the equity tooltip (3 decimals) and, through the linked cursor, the drawdown's (percent) at the same time
    const when = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.exec(v.tipEq)?.[0];
    expect(when).toBeDefined();
    expect(v.tipEq).toMatch(/strategy \(out-of-sample\)\d\.\d{3}equal-weight buy and hold\d\.\d{3}$/);
    expect(v.tipDd.startsWith(when!)).toBe(true);
    expect(v.tipDd).toMatch(/strategy drawdown \(max -22\.45% on 2025-03-28\)-?\d+\.\d%/);
    // zoom: the whole period first; 40-60% after the action, on the equity and (linked) on the drawdown chart
    expect(v.before[0]!.slice(0, 2)).toEqual([0, 100]);
    expect(v.afterEq[0]!.slice(0, 2)).toEqual([40, 60]);
    expect(v.afterDd[0]!.slice(0, 2)).toEqual([40, 60]);
    const t0 = data.oos.ts_ms[0]!;
    const span = data.oos.ts_ms[data.oos.ts_ms.length - 1]! - t0;
    expect(v.afterEq[0]![2]).toBeCloseTo(t0 + 0.4 * span, -6); // startValue within a few minutes
    expect(v.afterEq[0]![3]).toBeCloseTo(t0 + 0.6 * span, -6);
    // sort: numeric ascending, then descending; n/a last either way
    const nums = (xs: string[]) => xs.map((x) => Number(x.replace(/,/g, ''))).filter((x) => Number.isFinite(x));
    const sorted = [...nums(v.unsorted)].sort((a, b) => a - b);
    expect(nums(v.asc)).toEqual(sorted);
    expect(nums(v.desc)).toEqual([...sorted].reverse());
    expect(v.ariaAsc).toBe('ascending');
    expect(v.asc).not.toEqual(v.unsorted);
    // filter by the first row's id: that row alone
    expect(v.shown).toBe(1);
    expect(v.count).toBe(`1 of ${data.blueprints.length} rows`);

    // screenshots: the page as opened, and zoomed to 40-60% with the blueprints sorted by Full Sharpe
    const full = await screenshotHtml(html, join(shots, 'report-full.png'), { width: 1280, height: 'auto', chromium: bin });
    const zoomed = join(shots, 'report-zoomed.html');
    await writeFile(zoomed, page.replace(/<\/body>(?![\s\S]*<\/body>)/, `<script>
echarts.getInstanceByDom(document.getElementById('chart-equity')).dispatchAction({type:'dataZoom',dataZoomIndex:0,start:40,end:60});
[].filter.call(document.querySelectorAll('#table-blueprints th'),function(h){return h.textContent==='Full Sharpe';})[0].click();
</script></body>`));
    const top = await screenshotHtml(zoomed, join(shots, 'report-zoomed.png'), { width: 1280, height: 1600, chromium: bin });
    for (const s of [full, top]) {
      expect(pngSize(await readFile(s.file)).width).toBe(1280);
      expect(s.bytes).toBeGreaterThan(100_000);
    }
    console.log(`report screenshots:\n  ${full.file} (${full.width}x${full.height})\n  ${top.file} (${top.width}x${top.height})`);
  }, 180_000);

  withChromium('the probe sees a script error of the page', async () => {
    const bin = requireChromium();
    await withTempDir(async (dir) => {
      const f = join(dir, 'bad.html');
      await writeFile(f, '<!DOCTYPE html><html><head></head><body><script>console.error("boom");noSuchFunction();</script></body></html>');
      const r = await probeHtml(f, 'return 1;', { chromium: bin });
      expect(r.result).toBe(1);
      expect(r.errors[0]).toBe('boom');
      expect(r.errors[1]).toMatch(/^uncaught: .*noSuchFunction/);
    });
  }, 60_000);
});
