#!/usr/bin/env node
/**
 * node dist/bench/report_screenshot.js <report.html> <out.png> [--width 1280] [--height auto|PX] [--timeout_s 60]
 *
 * Screenshots an existing report with headless Chromium (lib/report/screenshot.ts) and prints one JSON line:
 * the PNG's path, bytes, pixel size (read back from its IHDR chunk), the Chromium used and the wall time.
 * `--height auto` (the default) captures the whole page. Exit code 2 on bad arguments, 1 when Chromium is
 * missing or fails (the message says which).
 */
import { performance } from 'node:perf_hooks';
import { QuantError } from '../lib/errors.js';
import { screenshotHtml } from '../lib/report/screenshot.js';

const USAGE = 'usage: node dist/bench/report_screenshot.js <report.html> <out.png> [--width 1280] [--height auto|PX] [--timeout_s 60]';

function main(argv: string[]): Promise<number> {
  const pos: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.includes('=') ? [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a.slice(2), argv[++i]];
      if (!['width', 'height', 'timeout_s'].includes(k!) || v === undefined) return fail(2, `unknown or empty flag ${a}\n${USAGE}`);
      flags[k!] = v;
    } else {
      pos.push(a);
    }
  }
  if (pos.length !== 2) return fail(2, USAGE);
  const width = flags.width === undefined ? 1280 : Number(flags.width);
  const height = flags.height === undefined || flags.height === 'auto' ? 'auto' : Number(flags.height);
  const timeoutS = flags.timeout_s === undefined ? 60 : Number(flags.timeout_s);
  if (!Number.isInteger(width) || (height !== 'auto' && !Number.isInteger(height)) || !(timeoutS > 0)) {
    return fail(2, `--width and --height must be integers (or --height auto), --timeout_s > 0\n${USAGE}`);
  }
  const t0 = performance.now();
  return screenshotHtml(pos[0]!, pos[1]!, { width, height, timeoutMs: timeoutS * 1000 }).then((r) => {
    process.stdout.write(`${JSON.stringify({ ...r, seconds: Number(((performance.now() - t0) / 1000).toFixed(2)) })}\n`);
    return 0;
  });
}

function fail(code: number, message: string): Promise<number> {
  process.stderr.write(`${message}\n`);
  return Promise.resolve(code);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`${e instanceof QuantError ? e.describe() : e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
