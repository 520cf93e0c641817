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

/** A time column cell as epoch ms: digits are ms, a 10-character date is its UTC midnight, else Date.parse. */
export function csvTimeMs(v: string): number {
  return /^\d+$/.test(v) ? Number(v) : Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
}

/**
 * Milliseconds since the day's UTC midnight of an ISO time YYYY-MM-DDTHH:MM:SS(.sss)Z (NaN when the time of day is out
 * of range), or undefined when `v` has another form (the caller parses it in full then).
 */
function isoUtcMs(v: string): number | undefined {
  const n = v.length;
  if ((n !== 20 && n !== 24) || v.charCodeAt(n - 1) !== 90 /* Z */ || v.charCodeAt(10) !== 84 /* T */) return undefined;
  const d = (i: number): number => { const c = v.charCodeAt(i) - 48; return c >= 0 && c <= 9 ? c : NaN; };
  if (v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58) return undefined;
  if (Number.isNaN(d(0) + d(1) + d(2) + d(3) + d(5) + d(6) + d(8) + d(9))) return undefined;
  const h = d(11) * 10 + d(12), m = d(14) * 10 + d(15), s = d(17) * 10 + d(18);
  let frac = 0;
  if (n === 24) {
    if (v.charCodeAt(19) !== 46) return undefined;
    frac = d(20) * 100 + d(21) * 10 + d(22);
  }
  if (!(h < 24 && m < 60 && s < 60 && frac === frac)) return Number.isNaN(h + m + s + frac) ? undefined : NaN;
  return ((h * 60 + m) * 60 + s) * 1000 + frac;
}

/**
 * A time column and numeric columns of a CSV, without building every row: the series a chart draws from a long file
 * (a year of 1m bars is 525,600 rows of account.csv). Same values and errors as parseCsv + csvTimeMs + csvColumn:
 * a row whose field count differs from the header's is an error naming its line; a time that does not parse too.
 * A file with any double quote goes through parseCsv (quoted fields); the plain case scans commas and slices only the
 * fields asked for, and ISO timestamps of the form YYYY-MM-DDTHH:MM:SS(.sss)Z reuse the day's epoch.
 */
export function parseCsvSeries(text: string, file: string, tsCol: string, valCols: readonly string[]): { ts: number[]; cols: Record<string, number[]> } {
  if (text.includes('"')) {
    const csv = parseCsv(text, file);
    const i = csv.header.indexOf(tsCol);
    if (i < 0) throw new Error(`${file}: no column "${tsCol}" (columns: ${csv.header.join(', ')})`);
    const ts = csv.rows.map((r, k) => {
      const ms = csvTimeMs(r[i]!);
      if (!Number.isFinite(ms)) throw new Error(`${file}:${k + 2}: ${tsCol} "${r[i]}" is not a time`);
      return ms;
    });
    const cols: Record<string, number[]> = {};
    for (const c of valCols) cols[c] = csvColumn(csv, c, file);
    return { ts, cols };
  }
  if (text.length === 0) throw new Error(`${file}: empty CSV (no header)`);
  let nl = text.indexOf('\n');
  const headerLine = nl < 0 ? text : text.slice(0, nl);
  const header = (headerLine.endsWith('\r') ? headerLine.slice(0, -1) : headerLine).split(',');
  const idx = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}: no column "${name}" (columns: ${header.join(', ')})`);
    return i;
  };
  const ti = idx(tsCol);
  const vi = valCols.map(idx);
  const slotOf = new Int32Array(header.length).fill(-1); // column index -> slot in `cells`, -1: not asked for
  let nSlots = 0;
  for (const c of [ti, ...vi]) if (slotOf[c] === -1) slotOf[c] = nSlots++;
  const cells: string[] = new Array<string>(nSlots).fill('');
  const tSlot = slotOf[ti]!;
  const vSlots = vi.map((c) => slotOf[c]!);
  const ts: number[] = [];
  const vals: number[][] = vi.map(() => []);
  let dayKey = '';
  let dayMs = NaN;
  let line = 1;
  let pos = nl < 0 ? text.length : nl + 1;
  while (pos < text.length) {
    line++;
    nl = text.indexOf('\n', pos);
    let end = nl < 0 ? text.length : nl;
    const next = nl < 0 ? text.length : nl + 1;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    // fields of [pos, end): walk the commas, keep the ones asked for
    let field = 0;
    let a = pos;
    for (;;) {
      const c = text.indexOf(',', a);
      const b = c < 0 || c > end ? end : c;
      const slot = field < slotOf.length ? slotOf[field]! : -1;
      if (slot >= 0) cells[slot] = text.slice(a, b);
      field++;
      if (b === end) break;
      a = b + 1;
    }
    if (field !== header.length) throw new Error(`${file}:${line}: ${field} fields, the header has ${header.length} (a truncated or partial row)`);
    const tv = cells[tSlot]!;
    let ms = isoUtcMs(tv);
    if (ms === undefined) ms = csvTimeMs(tv);
    else {
      if (dayKey === '' || !tv.startsWith(dayKey)) { dayKey = tv.slice(0, 10); dayMs = Date.parse(`${dayKey}T00:00:00Z`); }
      ms += dayMs;
    }
    if (!Number.isFinite(ms)) throw new Error(`${file}:${line}: ${tsCol} "${tv}" is not a time`);
    ts.push(ms);
    for (let k = 0; k < vSlots.length; k++) { const v = cells[vSlots[k]!]!; vals[k]!.push(v === '' ? NaN : Number(v)); }
    pos = next;
  }
  const cols: Record<string, number[]> = {};
  valCols.forEach((c, k) => { cols[c] = vals[k]!; });
  return { ts, cols };
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
