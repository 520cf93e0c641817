/**
 * Readers of what the other systems write (their OUTPUT FILES, read-only, through the mtime-keyed FileCache):
 *
 *   research   <data>/reports/strategy/report.json (lib/report), <data>/reports/runs/<run_id>/run.json (orchestrator)
 *   backtests  <runs>/<YYYYMMDDTHHMMSSZ>_<symbol>_<strategy>/ (quantlab backtest: metrics.json, provenance.json, trades.csv, equity.csv)
 *   sessions   <runs>/live/sessions/<ps-id>/ (quantlab live trade: state.json, state.jsonl, account/orders/positions/trades.csv, logs/run.log)
 *   regime     <data>/reports/monitor/ (npm run monitor: regime_timeline.csv, bt_equity_curve.csv, kpis.json, regime_metrics.csv)
 *   mm         <data>/artifacts/ (npm run mm:*: <run>_metrics.json, <run>_risk_report.json, last_month_analysis/, realtime/*.jsonl)
 *   lessons    <runs>/lessons/<lesson>/ (quantlab tutor: lesson.md, numbers.json, lesson.svg)
 *
 * Each returns plain data or a Loaded error; none throws on a bad file. Paths are built with resolveInside under the
 * configured roots, and names from URLs are checked the same way (undefined -> 404).
 */
import { join } from 'node:path';
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { FileCache, listDir, parseCsv, parseCsvSeries, parseJson, parseJsonl, resolveUnder, tailLines, csvColumn, type Csv, type Loaded } from './files.js';

export interface Roots {
  /** The lake root (reports/, artifacts/, experiments/ under it). */
  dataDir: string;
  /** Lab runs (backtests, live sessions, lessons). */
  runsDir: string;
  /** The project (spec/, experiments/ configs) for the settings page. */
  projectRoot: string;
}

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonObject(text: string, file: string): Obj {
  const v = parseJson(text, file);
  if (!isObj(v)) throw new Error(`${file}: expected a JSON object, found ${Array.isArray(v) ? 'an array' : typeof v}`);
  return v;
}

export class Readers {
  constructor(readonly roots: Roots, readonly cache = new FileCache()) {}

  json(file: string): Loaded<Obj> {
    return this.cache.load(file, 'json', jsonObject);
  }

  csv(file: string): Loaded<Csv> {
    return this.cache.load(file, 'csv', parseCsv);
  }

  jsonl(file: string): Loaded<ReturnType<typeof parseJsonl>> {
    return this.cache.load(file, 'jsonl', (t) => parseJsonl(t));
  }

  text(file: string): Loaded<string> {
    return this.cache.load(file, 'text', (t) => t);
  }

  /** An equity-like CSV as time points: `tsCol` ISO or ms, `valCol` numeric. */
  series(file: string, tsCol: string, valCols: string[]): Loaded<{ ts: number[]; cols: Record<string, number[]> }> {
    return this.cache.load(file, `series:${tsCol}:${valCols.join(',')}`, (t, f) => parseCsvSeries(t, f, tsCol, valCols));
  }

  // --- research ---------------------------------------------------------------------------------------------------
  reportFile(): string {
    return join(this.roots.dataDir, 'reports', 'strategy', 'report.json');
  }

  report(): Loaded<Obj> {
    return this.json(this.reportFile());
  }

  /** Pipeline runs (newest first): run id, status, times, stages. */
  pipelineRuns(limit = 200): { id: string; run: Loaded<Obj> }[] {
    const dir = join(this.roots.dataDir, 'reports', 'runs');
    return listDir(dir, 'dir').reverse().slice(0, limit).map((id) => ({ id, run: this.json(join(dir, id, 'run.json')) }));
  }

  // --- backtests --------------------------------------------------------------------------------------------------
  static readonly BACKTEST_RE = /^\d{8}T\d{6}Z_.+/;

  backtestIds(): string[] {
    return childDirs(this.roots.runsDir, Readers.BACKTEST_RE).reverse();
  }

  /** The folder of a backtest named in a URL, or undefined (not a run folder name, or outside the root). */
  backtestDir(id: string): string | undefined {
    if (!Readers.BACKTEST_RE.test(id)) return undefined;
    const p = resolveUnder(this.roots.runsDir, id);
    return p && isDirectory(p) ? p : undefined;
  }

  // --- live sessions ----------------------------------------------------------------------------------------------
  sessionsRoot(): string {
    return join(this.roots.runsDir, 'live', 'sessions');
  }

  sessionIds(): string[] {
    return childDirs(this.sessionsRoot(), /^ps-[0-9a-f]{16}$/);
  }

  sessionDir(id: string): string | undefined {
    if (!/^ps-[0-9a-f]{16}$/.test(id)) return undefined;
    const p = resolveUnder(this.sessionsRoot(), id);
    return p && isDirectory(p) ? p : undefined;
  }

  /** The session's status as the dashboard shows it: the state (ACTIVE/REDUCING/HALTED), the guards latched, stale. */
  sessionStatus(id: string, nowMs = Date.now()): { id: string; state: Loaded<Obj>; label: string; tone: 'good' | 'warn' | 'bad'; mtimeMs: number } {
    const dir = this.sessionDir(id);
    if (!dir) return { id, state: { ok: false, file: id, error: 'not a session folder inside the runs dir' }, label: 'refused', tone: 'bad', mtimeMs: NaN };
    const state = this.json(join(dir, 'state.json'));
    let mtimeMs = NaN;
    try {
      mtimeMs = statSync(join(dir, 'state.jsonl')).mtimeMs;
    } catch { /* no log yet */ }
    if (!state.ok) return { id, state, label: `unreadable: ${state.error}`, tone: 'bad', mtimeMs };
    const s = state.value;
    const tripped = isObj(s.tripped) ? Object.keys(s.tripped) : [];
    const st = String(s.state ?? '?');
    const running = s.status !== 'complete';
    const stale = running && Number.isFinite(mtimeMs) && nowMs - mtimeMs > 5 * 60_000;
    const label = `${st}${tripped.length ? ` (guard: ${tripped.join(', ')})` : ''} · ${running ? (stale ? 'stale: no event for >5 min' : 'running') : 'complete'}`;
    return { id, state, label, tone: st === 'HALTED' || stale ? 'bad' : st === 'REDUCING' ? 'warn' : 'good', mtimeMs };
  }

  /** The last `n` lines of state.jsonl (only the tail is read) parsed; bad lines reported with their text. */
  sessionEvents(dir: string, n: number): { events: Obj[]; bad: string[]; size: number } | { error: string } {
    try {
      const t = tailLines(join(dir, 'state.jsonl'), n);
      const events: Obj[] = [];
      const bad: string[] = [];
      for (const l of t.lines) {
        try {
          const v = JSON.parse(l) as unknown;
          if (isObj(v)) events.push(v); else bad.push(l.slice(0, 200));
        } catch {
          bad.push(l.slice(0, 200));
        }
      }
      if (t.partial) bad.push(`(a partial last line of ${t.partial.length} bytes: still being written)`);
      return { events, bad, size: t.size };
    } catch (e) {
      return { error: `${join(dir, 'state.jsonl')}: ${(e as Error).message}` };
    }
  }

  logTail(file: string, n: number): { lines: string[] } | { error: string } {
    try {
      return { lines: tailLines(file, n).lines };
    } catch (e) {
      return { error: `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message}` };
    }
  }

  // --- regime monitor ---------------------------------------------------------------------------------------------
  monitorDir(): string {
    return join(this.roots.dataDir, 'reports', 'monitor');
  }

  // --- market making ----------------------------------------------------------------------------------------------
  artifactsDir(): string {
    return join(this.roots.dataDir, 'artifacts');
  }

  mmRuns(): string[] {
    return listDir(this.artifactsDir(), 'file').filter((f) => f.endsWith('_metrics.json')).map((f) => f.slice(0, -'_metrics.json'.length)).reverse();
  }

  mmAnalyses(): string[] {
    return listDir(join(this.artifactsDir(), 'last_month_analysis'), 'file').filter((f) => f.endsWith('_analysis.json')).map((f) => f.slice(0, -'_analysis.json'.length)).reverse();
  }

  mmRealtime(): string[] {
    return listDir(join(this.artifactsDir(), 'realtime'), 'file').filter((f) => f.endsWith('.jsonl')).map((f) => f.slice(0, -'.jsonl'.length)).reverse();
  }

  // --- lessons ----------------------------------------------------------------------------------------------------
  lessonIds(): string[] {
    return childDirs(join(this.roots.runsDir, 'lessons'), /^[a-z][a-z0-9_]{0,62}$/);
  }

  lessonDir(id: string): string | undefined {
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(id)) return undefined;
    const p = resolveUnder(join(this.roots.runsDir, 'lessons'), id);
    return p && isDirectory(p) ? p : undefined;
  }
}

/**
 * The sub-folders of `root` whose names match `re` (a name pattern without separators or dots-only names). A real
 * directory entry with such a name is inside the root by construction; a symlink is kept only when resolveInside
 * (realpath) finds its target inside the root. Hidden entries (temp folders being written) are skipped.
 */
function childDirs(root: string, re: RegExp): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || !re.test(e.name)) continue;
    if (e.isDirectory()) out.push(e.name);
    else if (e.isSymbolicLink()) {
      const p = resolveUnder(root, e.name);
      if (p && isDirectory(p)) out.push(e.name);
    }
  }
  return out.sort();
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Keys whose values are secrets (redacted wherever a config or environment is shown). */
export const SECRET_KEY_RE = /(secret|passw|passphrase|token|api[_-]?key|private|credential|auth|signature|^key$|_key$)/i;

/** A deep copy with every secret-looking value replaced by "[redacted]" (by key name, or by a value that looks like a key). */
export function redact(v: unknown, key = ''): unknown {
  if (SECRET_KEY_RE.test(key) && v !== null && v !== undefined && v !== '') return '[redacted]';
  if (Array.isArray(v)) return v.map((x) => redact(x));
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x, k)]));
  if (typeof v === 'string' && looksLikeSecret(v)) return '[redacted]';
  return v;
}

/** A long random-looking token (API keys, bearer tokens); hex digests of 64 chars are digests, not secrets. */
export function looksLikeSecret(s: string): boolean {
  if (/^[0-9a-f]{64}$/.test(s) || /^[0-9a-f]{40}$/.test(s)) return false;
  if (/^(sk|pk|rk|xox[abp])[-_][A-Za-z0-9_]{16,}/.test(s)) return true;
  return s.length >= 32 && !/\s|\//.test(s) && /[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s) && !/^bp-|^ps-/.test(s);
}
