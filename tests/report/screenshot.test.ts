import { describe, expect, test } from '@jest/globals';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { QuantError } from '../../lib/errors.js';
import { renderReportHtml } from '../../lib/report/html.js';
import { findChromium, pngSize, screenshotHtml } from '../../lib/report/screenshot.js';
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
