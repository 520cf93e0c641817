/**
 * Find Binance data files under a folder: the data.binance.vision tree (from `data/` or any level below it) and the
 * flat layout of our shared datasets. Files we do not understand are returned with a reason, never silently dropped.
 */
import { readdir, readlink, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { DataError, UsageError } from '../../errors.js';
import type { Market } from '../../market.js';
import { TIMEFRAME_MS } from '../../timeframe.js';
import { classifyFile } from './classify.js';
import type { DiscoveredFile, IgnoredFile } from './layout.js';

export interface Discovery {
  /** The absolute root that was searched. */
  root: string;
  /** Data files, sorted by kind, market, symbol, interval, period, path. */
  files: DiscoveredFile[];
  /** Files that are not data we ingest, each with the reason, sorted by path. */
  ignored: IgnoredFile[];
}

export interface DiscoverOptions {
  /** Market of files whose path does not tell (a loose `BTCUSDT-5m-2025-01.zip`, flat `klines/`). Default 'um'. */
  market?: Market;
}

export async function discoverBinanceFiles(root: string, opts: DiscoverOptions = {}): Promise<Discovery> {
  const absRoot = resolve(root);
  const st = await stat(absRoot).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new UsageError(`Binance data folder not found: ${absRoot}`, {
      hint: 'Pass a folder holding a data.binance.vision tree (data/...) or the flat layout (klines/, funding/, ...)',
    });
  }
  const files: DiscoveredFile[] = [];
  const ignored: IgnoredFile[] = [];
  for (const path of await walk(absRoot, absRoot)) {
    const rel = path.slice(absRoot.length + 1).split(sep).join('/');
    const segments = path.split(sep).filter((s) => s !== '');
    const name = segments.pop()!;
    const c = classifyFile(segments, name, opts.market);
    if (c.type === 'data') files.push({ path, rel, ...c.file });
    else if (c.type === 'ignored') ignored.push({ path, rel, reason: c.reason });
  }
  const unique = dropDuplicates(files.sort(compareFiles), ignored);
  return { root: absRoot, files: unique, ignored: ignored.sort((a, b) => cmp(a.rel, b.rel)) };
}

/**
 * Every regular file under `dir` (following symlinks once), skipping hidden entries (temp files, .git). A symlink
 * whose target is missing is a located error (it used to surface as a bare ENOENT when the file was read).
 */
async function walk(dir: string, root: string, seen = new Set<string>()): Promise<string[]> {
  const real = await realpath(dir);
  if (seen.has(real)) return [];
  seen.add(real);
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries.sort((a, b) => cmp(a.name, b.name))) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    const target = e.isSymbolicLink() ? await stat(p).catch(() => undefined) : undefined;
    if (e.isSymbolicLink() && !target) {
      const to = await readlink(p).catch(() => '?');
      throw new DataError('broken symbolic link: its target does not exist', { file: p.slice(root.length + 1).split(sep).join('/'), field: 'target', value: to }, {
        hint: `restore the target or remove the link from ${root}`,
      });
    }
    const isDir = e.isDirectory() || target?.isDirectory() === true;
    if (isDir) out.push(...(await walk(p, root, seen)));
    else if (e.isFile() || e.isSymbolicLink()) out.push(p);
  }
  return out;
}

const COMPRESSION_RANK = { zip: 0, gzip: 1, none: 2 } as const;

function identity(f: DiscoveredFile): string {
  return [f.kind, f.market, f.symbol, f.interval ?? '', f.period ?? ''].join('|');
}

/**
 * The same kind/market/symbol/interval/period twice (a .zip and its unzipped .csv): keep one, preferring the zip
 * (it is what CHECKSUM files verify), and report the other as ignored. Input and output sorted by compareFiles.
 */
function dropDuplicates(sorted: DiscoveredFile[], ignored: IgnoredFile[]): DiscoveredFile[] {
  const kept = new Map<string, DiscoveredFile>();
  for (const f of sorted) {
    const k = identity(f);
    const prev = kept.get(k);
    if (!prev) {
      kept.set(k, f);
      continue;
    }
    const [keep, drop] = COMPRESSION_RANK[f.compression] < COMPRESSION_RANK[prev.compression] ? [f, prev] : [prev, f];
    kept.set(k, keep);
    ignored.push({ path: drop.path, rel: drop.rel, reason: `duplicate of ${keep.rel} (same kind, market, symbol, interval, period)` });
  }
  return [...kept.values()].sort(compareFiles);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deterministic order: kind, market, symbol, interval (by length of bar), period, path. */
export function compareFiles(a: DiscoveredFile, b: DiscoveredFile): number {
  return (
    cmp(a.kind, b.kind)
    || cmp(a.market, b.market)
    || cmp(a.symbol, b.symbol)
    || (a.interval ? TIMEFRAME_MS[a.interval] : 0) - (b.interval ? TIMEFRAME_MS[b.interval] : 0)
    || cmp(a.period ?? '', b.period ?? '')
    || cmp(a.path, b.path)
  );
}
