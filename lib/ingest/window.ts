/**
 * The ingest window (`ingest.start` / `ingest.end`): ISO dates or datetimes in UTC; start inclusive, end exclusive
 * (`start: 2025-02-01, end: 2025-03-01` is exactly February). Every source keeps only rows with start <= ts < end,
 * bars, funding, open interest and market caps alike. Pure: no I/O.
 */
import { SpecError } from '../errors.js';

export interface IngestWindow {
  /** Inclusive, UTC ms; -Infinity when not set. */
  startMs: number;
  /** Exclusive, UTC ms; +Infinity when not set. */
  endMs: number;
}

export const FULL_WINDOW: IngestWindow = { startMs: -Infinity, endMs: Infinity };

/** YYYY-MM-DD, optionally THH:MM[:SS[.mmm]] and an explicit UTC marker (Z or +00:00); nothing else. */
const ISO_UTC_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|\+00:00)?)?$/;

const HINT = 'use an ISO date or datetime in UTC, e.g. 2025-01-01 or 2025-01-01T08:00:00Z (start inclusive, end exclusive)';

function issue(source: string, field: string, what: string, value: unknown): SpecError {
  return new SpecError([`${source} ${field}: ${what}, was ${JSON.stringify(value)}`], { hint: HINT });
}

/** A strict ISO UTC date/datetime -> ms, or a located SpecError naming `field` (no other offsets, no rollover). */
export function parseUtcDate(value: unknown, field: string, source = 'ingest params'): number {
  if (typeof value !== 'string') throw issue(source, field, 'must be an ISO date string', value);
  const m = ISO_UTC_RE.exec(value);
  if (!m) throw issue(source, field, 'not an ISO date or UTC datetime (YYYY-MM-DD[THH:MM[:SS[.mmm]][Z]])', value);
  const [y, mo, d, h = '0', mi = '0', s = '0', ms = '0'] = m.slice(1, 8).map((x) => x ?? undefined) as string[];
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms.padEnd(3, '0'))] as const;
  const t = Date.UTC(...parts);
  const back = new Date(t);
  const real = back.getUTCFullYear() === parts[0] && back.getUTCMonth() === parts[1] && back.getUTCDate() === parts[2]
    && back.getUTCHours() === parts[3] && back.getUTCMinutes() === parts[4] && back.getUTCSeconds() === parts[5];
  if (!real) throw issue(source, field, 'not a real calendar date and time', value);
  return t;
}

/** The window of `ingest.start` / `ingest.end` (either may be absent); start must be before end. */
export function parseWindow(start: unknown, end: unknown, source = 'ingest params'): IngestWindow {
  const startMs = start === undefined ? -Infinity : parseUtcDate(start, 'start', source);
  const endMs = end === undefined ? Infinity : parseUtcDate(end, 'end', source);
  if (!(startMs < endMs)) {
    throw new SpecError([`${source} end: must be after start (${JSON.stringify(start)}; end is exclusive), was ${JSON.stringify(end)}`], { hint: HINT });
  }
  return { startMs, endMs };
}

export function isFullWindow(w: IngestWindow): boolean {
  return w.startMs === -Infinity && w.endMs === Infinity;
}

/** For provenance: ISO bounds (null when open) and the convention. */
export function describeWindow(w: IngestWindow): { start: string | null; end: string | null; end_exclusive: true } {
  return {
    start: Number.isFinite(w.startMs) ? new Date(w.startMs).toISOString() : null,
    end: Number.isFinite(w.endMs) ? new Date(w.endMs).toISOString() : null,
    end_exclusive: true,
  };
}

/** [from, to): the rows of an ascending time column inside the window (binary search). */
export function windowRange(ts: ArrayLike<number>, w: IngestWindow): [number, number] {
  const lowerBound = (x: number): number => {
    let lo = 0;
    let hi = ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const from = lowerBound(w.startMs);
  return [from, Math.max(from, lowerBound(w.endMs))];
}

/** Every typed-array column of `cols` cut to rows [from, to) (copies); `cols` itself when that is every row. */
export function sliceColumns<T extends object>(cols: T, from: number, to: number): T {
  const entries = Object.entries(cols) as [string, Float64Array | Int32Array | undefined][];
  if (from === 0 && entries.every(([, v]) => !v || v.length === to)) return cols;
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) out[k] = v ? v.slice(from, to) : v;
  return out as T;
}
