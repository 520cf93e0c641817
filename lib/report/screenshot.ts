/**
 * Screenshots of an HTML file with headless Chromium (the `--screenshot` command-line mode: no driver library,
 * no DevTools connection). Each run gets a fresh temporary profile (`--user-data-dir`), so concurrent runs do not
 * fight over a profile lock and nothing of the user's browser is read; the profile is removed afterwards.
 *
 * Chromium is looked up in this order: env CHROMIUM_PATH (an explicit path that is not an executable file is an
 * error, never silently skipped), /usr/bin/chromium, then `chromium`, `chromium-browser`, `google-chrome`,
 * `google-chrome-stable` on PATH.
 *
 * `height: 'auto'` measures the page first: a copy of the page with a one-line script that writes the document's
 * scroll height into its title is loaded with `--dump-dom` (after the report's own scripts have drawn the charts), then the
 * screenshot is taken with a window that tall, so the PNG holds the whole page.
 *
 * `probeHtml` checks a page's scripts the same way: a copy of the page with a recorder of console errors and
 * uncaught exceptions first in <head> and a probe script last in <body> is loaded with `--dump-dom`; the probe's
 * result and the errors come back as JSON in an element of the dumped DOM.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataError, QuantError } from '../errors.js';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
/** Chromium refuses (or silently crops) surfaces taller than its maximum texture size; 16,384 px is the usual one. */
export const MAX_SCREENSHOT_HEIGHT = 16_384;
const DEFAULT_TIMEOUT_MS = 60_000;

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Path of a Chromium (or Chrome) binary, or undefined when none is installed. Throws a QuantError when env
 * CHROMIUM_PATH is set to something that is not an executable file. `fixedPaths` are tried before PATH (a
 * parameter so tests can look at PATH alone).
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env, fixedPaths: readonly string[] = ['/usr/bin/chromium']): string | undefined {
  const explicit = env.CHROMIUM_PATH;
  if (explicit !== undefined && explicit !== '') {
    if (isExecutableFile(explicit)) return explicit;
    throw new QuantError(`env CHROMIUM_PATH=${JSON.stringify(explicit)} is not an executable file`, {
      hint: 'point CHROMIUM_PATH at a Chromium or Chrome binary, or unset it to search /usr/bin/chromium and PATH',
    });
  }
  for (const p of fixedPaths) if (isExecutableFile(p)) return p;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const name of CANDIDATES) {
      const p = join(dir, name);
      if (isExecutableFile(p)) return p;
    }
  }
  return undefined;
}

export interface ScreenshotOptions {
  /** Viewport width in CSS px (device scale factor 1). Default 1280. */
  width?: number;
  /** Viewport height in px, or 'auto' for the page's full height (capped at MAX_SCREENSHOT_HEIGHT). Default 'auto'. */
  height?: number | 'auto';
  /** Kill Chromium after this long (per Chromium run). Default 60 s. */
  timeoutMs?: number;
  /** Chromium binary; default findChromium(). */
  chromium?: string;
}

export interface ScreenshotResult {
  file: string;
  /** Size of the PNG file in bytes. */
  bytes: number;
  /** Pixel size read back from the PNG's IHDR chunk. */
  width: number;
  height: number;
  chromium: string;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Width and height of a PNG from its IHDR chunk (PNG spec, ISO/IEC 15948: the 8-byte signature, then the IHDR
 * chunk: length, "IHDR", width and height as big-endian uint32). Throws a DataError naming `file` when the bytes
 * are not a PNG.
 */
export function pngSize(buf: Uint8Array, file = 'png'): { width: number; height: number } {
  const ok = buf.length >= 24 && PNG_SIGNATURE.every((b, i) => buf[i] === b)
    && String.fromCharCode(buf[12]!, buf[13]!, buf[14]!, buf[15]!) === 'IHDR';
  if (!ok) throw new DataError('not a PNG file (bad signature or no IHDR chunk)', { file, field: 'signature', value: Array.from(buf.slice(0, 8)) });
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

function resolveChromium(opts: ScreenshotOptions): string {
  const bin = opts.chromium ?? findChromium();
  if (!bin) {
    throw new QuantError('no Chromium found for the screenshot (looked at env CHROMIUM_PATH, /usr/bin/chromium, and '
      + `${CANDIDATES.join(', ')} on PATH)`, { hint: 'apt-get install chromium, or set CHROMIUM_PATH to a Chromium/Chrome binary' });
  }
  return bin;
}

function checkSize(name: string, v: number, maxV: number): void {
  if (!Number.isInteger(v) || v < 1 || v > maxV) {
    throw new QuantError(`screenshot ${name} must be an integer in [1, ${maxV}], was ${v}`);
  }
}

/** Chromium's stderr without its routine complaints (no D-Bus, no GPU in a container), last lines only. */
function stderrTail(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '' && !/dbus|Fontconfig|gpu_init|viz_main|sandbox/i.test(l));
  return lines.slice(-8).join('\n');
}

async function runChromium(bin: string, args: string[], timeoutMs: number, what: string): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), 'quantlab-chromium-'));
  // execa is loaded here, when a screenshot is taken: ~0.1 s of CPU every report process would pay otherwise
  const { execa } = await import('execa');
  try {
    const r = await execa(bin, [
      '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', '--no-default-browser-check',
      '--disable-extensions', '--disable-background-networking', '--disable-dev-shm-usage', '--force-device-scale-factor=1',
      `--user-data-dir=${profile}`, ...args,
    ], { timeout: timeoutMs, reject: false, cleanup: true, forceKillAfterDelay: 2000, stdin: 'ignore' });
    if (r.timedOut) throw new QuantError(`Chromium (${bin}) timed out after ${timeoutMs / 1000} s while ${what}`);
    if (r.exitCode !== 0 || r.failed) {
      const tail = stderrTail(String(r.stderr ?? ''));
      throw new QuantError(`Chromium (${bin}) failed while ${what}: ${r.shortMessage}${tail ? `\n${tail}` : ''}`);
    }
    return String(r.stdout ?? '');
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/**
 * Full height in px of `htmlFile` laid out `width` px wide, measured in headless Chromium (see the module header).
 * Capped at MAX_SCREENSHOT_HEIGHT.
 */
export async function measurePageHeight(htmlFile: string, width: number, opts: ScreenshotOptions = {}): Promise<number> {
  const bin = resolveChromium(opts);
  const abs = resolve(htmlFile);
  const html = await readFileOrError(abs);
  const marker = 'QUANTLAB_PAGE_HEIGHT:';
  const script = `<script>document.title='${marker}'+Math.ceil(Math.max(document.documentElement.scrollHeight,`
    + `document.body?document.body.scrollHeight:0))</script>`;
  // <base> keeps relative URLs (if any) resolving against the original folder
  const base = `<base href="${pathToFileURL(dirname(abs) + '/').href}">`;
  const withBase = /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (m) => `${m}${base}`) : base + html;
  const copy = /<\/body>/i.test(withBase) ? withBase.replace(/<\/body>(?![\s\S]*<\/body>)/i, `${script}</body>`) : withBase + script;
  const dir = await mkdtemp(join(tmpdir(), 'quantlab-measure-'));
  try {
    const file = join(dir, 'measure.html');
    await writeFile(file, copy);
    const dom = await runChromium(bin, [`--window-size=${width},800`, '--dump-dom', pathToFileURL(file).href],
      opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, `measuring ${htmlFile}`);
    const m = new RegExp(`${marker}(\\d+)`).exec(dom);
    if (!m) throw new QuantError(`could not measure the page height of ${htmlFile}: Chromium's DOM dump has no height marker`);
    return Math.min(MAX_SCREENSHOT_HEIGHT, Math.max(1, Number(m[1])));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What `probeHtml` saw: console.error calls and uncaught errors (with where), console.warn calls, the probe's value. */
export interface PageProbe {
  errors: string[];
  warnings: string[];
  /** The probe's return value (through JSON). */
  result: unknown;
}

const PROBE_ID = 'quantlab-probe-result';
const RECORDER = `<script>(function(){var E=window.__qlErrors=[],W=window.__qlWarnings=[];
function s(a){return [].map.call(a,function(x){return x&&x.stack?String(x.stack):String(x);}).join(' ');}
var ce=console.error,cw=console.warn;
console.error=function(){E.push(s(arguments));return ce.apply(console,arguments);};
console.warn=function(){W.push(s(arguments));return cw.apply(console,arguments);};
window.addEventListener('error',function(e){E.push('uncaught: '+e.message+' at '+e.filename+':'+e.lineno+':'+e.colno);});
window.addEventListener('unhandledrejection',function(e){E.push('unhandled rejection: '+String(e.reason));});
})();</script>`;

function decodeDomText(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&nbsp;/g, '\u00a0').replace(/&amp;/g, '&');
}

/**
 * Load `htmlFile` in headless Chromium and run `probeBody` (the body of a JS function, e.g. "return 1;") after the
 * page's load event and `settleMs` of (virtual) time; returns its value with every console error, uncaught error
 * and console warning of the page. A probe that throws is a QuantError with the page's message. The probe may
 * change the page (click, zoom): it runs on a temporary copy.
 */
export async function probeHtml(htmlFile: string, probeBody: string, opts: ScreenshotOptions & { settleMs?: number } = {}): Promise<PageProbe> {
  if (/<\/script/i.test(probeBody)) throw new QuantError('probeHtml: the probe script may not contain "</script"');
  const bin = resolveChromium(opts);
  const abs = resolve(htmlFile);
  const html = await readFileOrError(abs);
  const settle = opts.settleMs ?? 200;
  const probe = `<script>window.addEventListener('load',function(){setTimeout(function(){var r;
try{r={ok:true,value:(function(){${probeBody}\n})()};}catch(e){r={ok:false,error:String(e&&e.stack||e)};}
var p=document.createElement('pre');p.id='${PROBE_ID}';p.style.display='none';
p.textContent=JSON.stringify({errors:window.__qlErrors,warnings:window.__qlWarnings,r:r});document.body.appendChild(p);},${settle});});</script>`;
  const base = `<base href="${pathToFileURL(dirname(abs) + '/').href}">`;
  const head = /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (m) => `${m}${base}${RECORDER}`) : base + RECORDER + html;
  const copy = /<\/body>/i.test(head) ? head.replace(/<\/body>(?![\s\S]*<\/body>)/i, `${probe}</body>`) : head + probe;
  const dir = await mkdtemp(join(tmpdir(), 'quantlab-probe-'));
  try {
    const file = join(dir, 'probe.html');
    await writeFile(file, copy);
    const dom = await runChromium(bin, [`--window-size=${opts.width ?? 1280},${opts.height === undefined || opts.height === 'auto' ? 900 : opts.height}`,
      `--virtual-time-budget=${settle + 5000}`, '--dump-dom', pathToFileURL(file).href], opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, `probing ${htmlFile}`);
    const m = new RegExp(`<pre id="${PROBE_ID}"[^>]*>([\\s\\S]*?)</pre>`).exec(dom);
    if (!m) throw new QuantError(`probing ${htmlFile}: the probe never ran (no result in Chromium's DOM dump; did the page load?)`);
    const j = JSON.parse(decodeDomText(m[1]!)) as { errors: string[]; warnings: string[]; r: { ok: boolean; value?: unknown; error?: string } };
    if (!j.r.ok) throw new QuantError(`probing ${htmlFile}: the probe threw: ${j.r.error}${j.errors.length ? `\npage errors:\n${j.errors.join('\n')}` : ''}`);
    return { errors: j.errors, warnings: j.warnings, result: j.r.value };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readFileOrError(abs: string): Promise<string> {
  try {
    return await readFile(abs, 'utf8');
  } catch (e) {
    throw new DataError('cannot read the HTML file to screenshot', { file: abs }, { cause: e });
  }
}

/**
 * Screenshot `htmlFile` into `pngFile` (written atomically: temp file, then rename) with headless Chromium.
 * Throws a QuantError when Chromium is missing, fails, times out or writes no PNG.
 */
export async function screenshotHtml(htmlFile: string, pngFile: string, opts: ScreenshotOptions = {}): Promise<ScreenshotResult> {
  const bin = resolveChromium(opts);
  const abs = resolve(htmlFile);
  try {
    if (!(await stat(abs)).isFile()) throw new Error('not a file');
  } catch (e) {
    throw new DataError('the HTML file to screenshot does not exist or is not a file', { file: abs }, { cause: e });
  }
  const width = opts.width ?? 1280;
  checkSize('width', width, 10_000);
  const height = opts.height === undefined || opts.height === 'auto' ? await measurePageHeight(abs, width, { ...opts, chromium: bin }) : opts.height;
  checkSize('height', height, MAX_SCREENSHOT_HEIGHT);
  const out = resolve(pngFile);
  await mkdir(dirname(out), { recursive: true });
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}-${Date.now()}.png`);
  try {
    await runChromium(bin, [`--screenshot=${tmp}`, `--window-size=${width},${height}`, pathToFileURL(abs).href],
      opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, `taking a screenshot of ${htmlFile}`);
    let buf: Buffer;
    try {
      buf = await readFile(tmp);
    } catch {
      throw new QuantError(`Chromium (${bin}) exited without writing the screenshot of ${htmlFile}`);
    }
    const size = pngSize(buf, tmp);
    await rename(tmp, out);
    return { file: out, bytes: buf.length, width: size.width, height: size.height, chromium: bin };
  } finally {
    await rm(tmp, { force: true });
  }
}
