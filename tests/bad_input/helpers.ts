/**
 * Shared by the bad-input suite: tiny Binance-style fixtures, running the REAL stage executables (dist/), reading
 * their structured error line, and snapshots of a data dir to prove a failed stage left the lake as it was.
 * Run `npm run build` first: the executables are dist/stages/*.js and dist/orchestrator/run_all.js.
 */
import { expect } from '@jest/globals';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { zipSync, strToU8 } from 'fflate';
import { execa } from 'execa';

/** The project root: this file is compiled to <outDir>/tests/bad_input/, three levels below it. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SCRIPTS = {
  ingest: join(ROOT, 'dist', 'stages', 'ingest.js'),
  clean: join(ROOT, 'dist', 'stages', 'clean.js'),
  run_all: join(ROOT, 'dist', 'orchestrator', 'run_all.js'),
};

/** 2025-01-01T00:00:00Z in ms, and the 5m bar size. */
export const T0 = Date.UTC(2025, 0, 1);
export const M5 = 300_000;
export const KLINE_HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

export interface Bar { ts: number; open: number | string; high: number | string; low: number | string; close: number | string; volume: number | string }

/** n sane 5m bars from `start`: open 100+i, high open+2, low open-1, close open+1, volume 10+i. */
export function goodBars(n: number, start = T0): Bar[] {
  return Array.from({ length: n }, (_, i) => ({ ts: start + i * M5, open: 100 + i, high: 102 + i, low: 99 + i, close: 101 + i, volume: 10 + i }));
}

/** One 12-field Binance kline line (the close time is derived from a millisecond open time). */
export function klineLine(b: Bar): string {
  return [b.ts, b.open, b.high, b.low, b.close, b.volume, b.ts + M5 - 1, 1000, 5, 4, 400, 0].join(',');
}

/** CSV text; with the futures header unless `header` is false (spot files have none). Line k+2 holds bar k. */
export function klinesCsv(bars: readonly Bar[], header = true): string {
  return `${[...(header ? [KLINE_HEADER] : []), ...bars.map(klineLine)].join('\n')}\n`;
}

export async function put(root: string, rel: string, data: string | Uint8Array): Promise<string> {
  const p = join(root, rel);
  await mkdir(dirname(p), { recursive: true });
  await writeFile(p, data);
  return p;
}

export const gz = (text: string): Uint8Array => gzipSync(Buffer.from(text));

/** A Binance Vision zip: one CSV member named like the zip. `level: 0` stores the member uncompressed. */
export function zipCsv(member: string, text: string, level: 0 | 6 = 6): Uint8Array {
  return zipSync({ [member]: [strToU8(text), { level }] });
}

/** Relative path of a vision kline zip, e.g. data/futures/um/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2025-01.zip */
export function visionKlinePath(market: 'um' | 'spot', period: string, symbol = 'BTCUSDT', tf = '5m'): string {
  const m = market === 'spot' ? 'spot' : 'futures/um';
  const gran = period.length === 7 ? 'monthly' : 'daily';
  return `data/${m}/${gran}/klines/${symbol}/${tf}/${symbol}-${tf}-${period}.zip`;
}

/** The flat layout of the shared datasets. */
export const FLAT_KLINES = 'klines/BTCUSDT-5m.csv.gz';

export function binanceParams(path: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ source: 'binance-vision', binance_vision: { path, market: 'um', kinds: ['klines'], ...extra } });
}

export interface RunResult { exitCode: number; stdout: string; stderr: string }

/** Run a stage executable (or the orchestrator) with a fixed clock; never throws on a non-zero exit. */
export async function run(which: keyof typeof SCRIPTS, args: string[]): Promise<RunResult> {
  if (!existsSync(SCRIPTS[which])) throw new Error(`${SCRIPTS[which]} not found: run npm run build first`);
  const r = await execa('node', [SCRIPTS[which], ...args], {
    reject: false, cwd: ROOT, timeout: 60_000, env: { QUANTLAB_NOW_MS: String(Date.UTC(2025, 5, 1)), QUANTLAB_LOG_LEVEL: 'info' },
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export const ingest = (dataDir: string, paramsJson: string, ...more: string[]) =>
  run('ingest', ['--data_dir', dataDir, '--params_json', paramsJson, ...more]);
export const clean = (dataDir: string) => run('clean', ['--data_dir', dataDir, '--params_json', JSON.stringify({ timeframe: '5m' })]);

export interface LogLine { level: number; msg: string; err_type?: string; exit_code?: number; [k: string]: unknown }

/** Every JSON log line on stderr. */
export function logLines(stderr: string): LogLine[] {
  return stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
}

/** The single error line (pino level 50) a failed process must leave; its msg is "message\n  -> hint". */
export function errorLine(r: RunResult): LogLine {
  const errors = logLines(r.stderr).filter((l) => l.level === 50);
  expect(errors).toHaveLength(1);
  return errors[0]!;
}

/** Asserts the exit code, the error type and that the message ends with a hint ("\n  -> ..."). Returns the message. */
export function expectFailure(r: RunResult, exitCode: number, errType?: string): string {
  if (r.exitCode !== exitCode) throw new Error(`expected exit ${exitCode}, got ${r.exitCode}\n${r.stderr}`);
  const e = errorLine(r);
  expect(e.exit_code).toBe(exitCode);
  if (errType) expect(e.err_type).toBe(errType);
  expect(e.msg).toMatch(/\n {2}-> \S/);
  return e.msg;
}

/**
 * A DataError's message names `file:line field: what, was VALUE` (lib/errors.ts formatDataLocation). `value` is the
 * text expected after "was " (strings are JSON-quoted there).
 */
export function expectDataError(r: RunResult, where: { file: string; line?: number; field?: string; value?: string }): string {
  const msg = expectFailure(r, 3, 'DataError');
  const loc = where.line !== undefined ? `${where.file}:${where.line}` : where.file;
  expect(msg.startsWith(`${loc}${where.field ? ` ${where.field}` : ''}: `)).toBe(true);
  if (where.value !== undefined) expect(msg).toContain(`, was ${where.value}`);
  return msg;
}

/**
 * Every file under a data dir (path -> sha256), except the transient .staging/ and .trash/ folders (a separate test
 * covers those). Equal snapshots before and after a failed run mean the lake, the manifests and reports are untouched.
 */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(d: string, rel: string): Promise<void> {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && (e.name === '.staging' || e.name === '.trash')) continue;
      if (e.isDirectory()) await walk(join(d, e.name), r);
      else out[r] = createHash('sha256').update(await readFile(join(d, e.name))).digest('hex');
    }
  }
  if (existsSync(dir)) await walk(dir, '');
  return out;
}

/** A fresh data dir holding a copy of a previously committed good lake. */
export async function copyLake(seed: string, to: string): Promise<string> {
  await cp(seed, to, { recursive: true });
  return to;
}

/** The raw kline partition a good flat ingest of BTCUSDT 5m January 2025 commits. */
export const RAW_PART = 'lake/raw/klines/exchange=binance/market=um/symbol=BTCUSDT/interval=5m/month=2025-01/part.parquet';

/**
 * Build a good source, ingest it into `seedDir` (optionally clean it too) and check it committed: the lake every
 * failure test starts from and must find unchanged.
 */
export async function seedGoodLake(work: string, withClean = false): Promise<string> {
  const src = join(work, 'good-src');
  await put(src, FLAT_KLINES, gz(klinesCsv(goodBars(12))));
  const seed = join(work, 'seed');
  const r = await ingest(seed, binanceParams(src));
  if (r.exitCode !== 0) throw new Error(`seed ingest failed:\n${r.stderr}`);
  if (withClean) {
    const c = await clean(seed);
    if (c.exitCode !== 0) throw new Error(`seed clean failed:\n${c.stderr}`);
  }
  const snap = await snapshot(seed);
  expect(Object.keys(snap)).toEqual(expect.arrayContaining([RAW_PART, 'lake/raw/_provenance.json', 'state/stages/ingest.json']));
  return seed;
}
