/**
 * Read-only file access for the dashboard: every file is opened with flag 'r' (never created, never written), the
 * parsed content is cached per (path, parser) and keyed by the file's mtime and size, so a page rebuilt while nothing
 * changed reads nothing but a stat. A missing, unreadable, partial or corrupt file is a `Loaded` error value (what is
 * wrong, where), never a throw: a card shows it and the server goes on.
 */
import { closeSync, fstatSync, openSync, readSync, statSync, readdirSync, type Stats } from 'node:fs';
import { resolveInside } from '../paths.js';

/** A value read from a file, or why it could not be. */
export type Loaded<T> = { ok: true; value: T; file: string; mtimeMs: number } | { ok: false; error: string; file: string };

interface Entry { mtimeMs: number; size: number; value: unknown }

/** The mtime-keyed cache of parsed files (one per server; tests make their own). */
export class FileCache {
  private readonly entries = new Map<string, Entry>();
  hits = 0;
  misses = 0;
  constructor(private readonly maxEntries = 5000) {}

  /** `parse(text)` of `file`, cached until the file's mtime or size changes. */
  load<T>(file: string, parserKey: string, parse: (text: string, file: string) => T): Loaded<T> {
    let st: Stats;
    try {
      st = statSync(file);
    } catch (e) {
      return { ok: false, file, error: errno(e) === 'ENOENT' ? 'missing (not written yet?)' : `cannot stat: ${(e as Error).message}` };
    }
    if (!st.isFile()) return { ok: false, file, error: 'not a regular file' };
    const key = `${parserKey}\u0000${file}`;
    const hit = this.entries.get(key);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) {
      this.hits++;
      return hit.value as Loaded<T>;
    }
    this.misses++;
    let out: Loaded<T>;
    try {
      const text = readTextReadOnly(file);
      out = { ok: true, value: parse(text, file), file, mtimeMs: st.mtimeMs };
    } catch (e) {
      out = { ok: false, file, error: (e as Error).message };
    }
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { mtimeMs: st.mtimeMs, size: st.size, value: out });
    return out;
  }

  get size(): number {
    return this.entries.size;
  }
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

/** The whole file as UTF-8, opened read-only. */
export function readTextReadOnly(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * The last `maxLines` complete lines of a file and the byte size read up to, reading only the tail (a 100k-line log
 * costs one read of `maxBytes`). `fromByte` reads the lines appended after that offset instead (server-sent events).
 */
export function tailLines(file: string, maxLines: number, opts: { maxBytes?: number; fromByte?: number } = {}): { lines: string[]; size: number; partial: string } {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const maxBytes = opts.maxBytes ?? 256 * 1024;
    const start = opts.fromByte !== undefined ? Math.min(opts.fromByte, size) : Math.max(0, size - maxBytes);
    const len = Math.min(size - start, opts.fromByte !== undefined ? 8 * 1024 * 1024 : maxBytes);
    const buf = Buffer.allocUnsafe(len);
    let off = 0;
    while (off < len) {
      const n = readSync(fd, buf, off, len - off, start + off);
      if (n === 0) break;
      off += n;
    }
    const text = buf.subarray(0, off).toString('utf8');
    const parts = text.split('\n');
    const partial = parts.pop() ?? '';
    // A tail read that starts mid-file drops the first (cut) line.
    if (opts.fromByte === undefined && start > 0) parts.shift();
    const lines = parts.filter((l) => l.length > 0);
    // Bytes consumed up to the end of the last complete line (the next read starts there).
    const consumed = start + Buffer.byteLength(text, 'utf8') - Buffer.byteLength(partial, 'utf8');
    return { lines: lines.slice(-maxLines), size: consumed, partial };
  } finally {
    closeSync(fd);
  }
}

/** Names in a folder (sorted), or [] when it does not exist. Dot-entries (temp folders being written) are skipped. */
export function listDir(dir: string, kind: 'dir' | 'file' | 'any' = 'any'): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => !e.name.startsWith('.'))
      .filter((e) => kind === 'any' || (kind === 'dir' ? e.isDirectory() || (e.isSymbolicLink() && isDir(`${dir}/${e.name}`)) : e.isFile()))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A path from a URL resolved inside `root`, or undefined (the caller answers 404). Refuses `..`, encoded dots,
 * absolute paths and symlinks leading out of the root (lib/paths.ts resolveInside).
 */
export function resolveUnder(root: string, rel: string): string | undefined {
  try {
    return resolveInside(root, rel);
  } catch {
    return undefined;
  }
}

/** JSON parse with the error located (line and column of the offending byte when the engine reports a position). */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    const pos = m ? Number(m[1]) : /Unexpected end of JSON input/.test(msg) ? text.length : undefined;
    if (pos !== undefined) {
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      const col = pos - before.lastIndexOf('\n');
      throw new Error(`${file}:${line}:${col}: invalid JSON (${msg}); a file still being written or truncated`);
    }
    throw new Error(`${file}: invalid JSON (${(e as Error).message}); a file still being written or truncated`);
  }
}

/** JSON lines: every complete line parsed; a bad line is reported with its number and skipped. */
export function parseJsonl(text: string): { rows: Record<string, unknown>[]; bad: { line: number; error: string }[] } {
  const rows: Record<string, unknown>[] = [];
  const bad: { line: number; error: string }[] = [];
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    if (!l.trim()) return;
    try {
      rows.push(JSON.parse(l) as Record<string, unknown>);
    } catch (e) {
      bad.push({ line: i + 1, error: (e as Error).message });
    }
  });
  return { rows, bad };
}

/** A CSV table (RFC 4180 quoting); header row first. Throws on a row whose field count differs from the header's. */
export interface Csv { header: string[]; rows: string[][] }

export function parseCsv(text: string, file: string): Csv {
  const records: string[][] = [];
  let field = '';
  let rec: string[] = [];
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (q) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else q = false;
      } else field += c;
    } else if (c === '"') q = true;
    else if (c === ',') { rec.push(field); field = ''; }
    else if (c === '\n') { rec.push(field.endsWith('\r') ? field.slice(0, -1) : field); records.push(rec); rec = []; field = ''; }
    else field += c;
  }
  if (field !== '' || rec.length) { rec.push(field); records.push(rec); }
  if (!records.length) throw new Error(`${file}: empty CSV (no header)`);
  const header = records[0]!;
  const rows = records.slice(1);
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw new Error(`${file}:${i + 2}: ${r.length} fields, the header has ${header.length} (a truncated or partial row)`);
  });
  return { header, rows };
}

/** A numeric column of a CSV (NaN where empty or not a number), or an error naming the missing column. */
export function csvColumn(csv: Csv, name: string, file: string): number[] {
  const i = csv.header.indexOf(name);
  if (i < 0) throw new Error(`${file}: no column "${name}" (columns: ${csv.header.join(', ')})`);
  return csv.rows.map((r) => (r[i] === '' ? NaN : Number(r[i])));
}

export function csvStrings(csv: Csv, name: string, file: string): string[] {
  const i = csv.header.indexOf(name);
  if (i < 0) throw new Error(`${file}: no column "${name}" (columns: ${csv.header.join(', ')})`);
  return csv.rows.map((r) => r[i]!);
}
