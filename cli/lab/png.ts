/**
 * SVG -> PNG for the tutor's plots: the SVG rendered by Debian's chromium (headless) through playwright-core, at the
 * SVG's own width and height (device scale 1). Without a chromium binary the PNG is skipped with the reason (the SVG
 * is always written). QUANTLAB_CHROMIUM overrides the binary path.
 */
import { existsSync } from 'node:fs';
import type { PngRenderer } from '../../lib/lab/tutor.js';

export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath(env: Record<string, string | undefined> = process.env): string | undefined {
  const own = env.QUANTLAB_CHROMIUM;
  if (own !== undefined && own !== '') return existsSync(own) ? own : undefined;
  return CHROMIUM_PATHS.find((p) => existsSync(p));
}

export function chromiumPngRenderer(env: Record<string, string | undefined> = process.env): PngRenderer {
  return async (svg) => {
    const exe = chromiumPath(env);
    if (exe === undefined) {
      return { skipped: `no chromium found (${env.QUANTLAB_CHROMIUM ? `QUANTLAB_CHROMIUM=${env.QUANTLAB_CHROMIUM} does not exist` : `looked at ${CHROMIUM_PATHS.join(', ')}`}): install Debian's chromium (apt-get install chromium) or set QUANTLAB_CHROMIUM; lesson.svg is written` };
    }
    const m = /<svg [^>]*width="(\d+)"[^>]*height="(\d+)"/.exec(svg);
    const width = m ? Number(m[1]) : 900;
    const height = m ? Number(m[2]) : 600;
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
      await page.setContent(`<!doctype html><html><body style="margin:0;background:#fff">${svg}</body></html>`, { waitUntil: 'load' });
      const png = await page.locator('svg').first().screenshot({ type: 'png' });
      return { png: new Uint8Array(png) };
    } finally {
      await browser.close();
    }
  };
}
