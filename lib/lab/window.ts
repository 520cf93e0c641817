/**
 * The date/window contract of `quantlab backtest` (docs/lab.md "Dates"): exactly one of an explicit
 * `--start/--end` pair or an ISO-8601 duration `--window` (P90D, PT12H, P1Y2M), in an IANA time zone (`--tz`,
 * default UTC). Parsed and checked BEFORE any lake read, download or run directory (parseWindowArgs); anchored on
 * the data afterwards (anchorWindow). Pure: dates come from luxon, never from `Date.parse` heuristics.
 *
 *  - a date `YYYY-MM-DD` is midnight in the zone; `--end` given as a date includes that whole day (the window ends at
 *    the next midnight), a full timestamp ends exactly there (exclusive);
 *  - an ISO timestamp with an offset (`2025-03-01T09:30:00-05:00`, `...Z`) is that instant whatever `--tz` says;
 *    without an offset it is read in `--tz`;
 *  - a duration window ends at the end of the data (the close of the last bar in the lake, or the `anchor` given)
 *    and starts one calendar duration earlier in the zone (P1M = one calendar month, DST-aware).
 */
import { DateTime, Duration, IANAZone } from 'luxon';
import { UsageError, DataError } from '../errors.js';
import { closestName } from '../text.js';

export interface WindowArgs {
  start?: string | undefined;
  end?: string | undefined;
  window?: string | undefined;
  tz?: string | undefined;
}

/** A checked but not yet anchored window. */
export type WindowSpec =
  | { kind: 'range'; tz: string; startMs: number; endMs: number; start: string; end: string }
  | { kind: 'duration'; tz: string; duration: string };

export interface ResolvedWindow {
  kind: 'range' | 'duration';
  tz: string;
  /** [startMs, endMs): bars whose OPEN time lies in it are traded. */
  startMs: number;
  endMs: number;
  /** What the user gave (`2025-01-01..2025-03-31` or `P90D`). */
  spec: string;
  start_utc: string;
  end_utc: string;
  start_local: string;
  end_local: string;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/** A valid IANA zone, or exit 2 with the closest known zone (`America/Nwe_York` -> `America/New_York`). */
export function checkZone(tz: string): string {
  if (tz === 'UTC' || IANAZone.isValidZone(tz)) return tz;
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const near = closestName(tz, zones);
  throw new UsageError(`--tz ${JSON.stringify(tz)} is not an IANA time zone`, {
    hint: near ? `did you mean --tz ${near}?` : 'use an IANA zone name such as UTC, Europe/London or America/New_York',
  });
}

function parseInstant(s: string, tz: string, flag: '--start' | '--end'): { ms: number; dateOnly: boolean } {
  const dateOnly = DATE_ONLY.test(s);
  const dt = HAS_OFFSET.test(s)
    ? DateTime.fromISO(s, { setZone: true })
    : DateTime.fromISO(s, { zone: tz });
  if (!dt.isValid) {
    throw new UsageError(`${flag} ${JSON.stringify(s)} is not a date or ISO-8601 timestamp (${dt.invalidExplanation ?? dt.invalidReason})`, {
      hint: `write ${flag} as YYYY-MM-DD (midnight in --tz) or an ISO timestamp such as 2025-03-01T09:30:00-05:00`,
    });
  }
  const ms = dateOnly && flag === '--end' ? dt.plus({ days: 1 }).toMillis() : dt.toMillis();
  return { ms, dateOnly };
}

/** An ISO-8601 duration (P90D, PT6H, P1Y2M10D); anything else exits 2. */
export function parseIsoDuration(s: string): Duration {
  const d = Duration.fromISO(s);
  if (!d.isValid) {
    throw new UsageError(`--window ${JSON.stringify(s)} is not an ISO-8601 duration`, {
      hint: 'write P<n>D, P<n>W, P<n>M, P<n>Y or PT<n>H (e.g. --window P90D for the last 90 days of data)',
    });
  }
  if (!(d.toMillis() > 0)) {
    throw new UsageError(`--window ${JSON.stringify(s)} is empty or negative`, { hint: 'give a positive duration such as P30D' });
  }
  return d;
}

/**
 * Check the date flags: exactly one of (start and end) or window, a valid zone, a non-empty, non-reversed range.
 * Every failure is a UsageError (exit 2). Nothing is read or written.
 */
export function parseWindowArgs(a: WindowArgs): WindowSpec {
  const tz = checkZone(a.tz ?? 'UTC');
  const hasRange = a.start !== undefined || a.end !== undefined;
  if (a.window !== undefined && hasRange) {
    throw new UsageError('give either --start/--end or --window, not both', {
      hint: 'e.g. --start 2025-01-01 --end 2025-03-31, or --window P90D (the last 90 days of data)',
    });
  }
  if (a.window !== undefined) {
    parseIsoDuration(a.window);
    return { kind: 'duration', tz, duration: a.window };
  }
  if (a.start === undefined || a.end === undefined) {
    const missing = a.start === undefined && a.end === undefined ? 'no dates given' : `--${a.start === undefined ? 'start' : 'end'} is missing`;
    throw new UsageError(`${missing}: a backtest needs a window`, {
      hint: 'pass --start YYYY-MM-DD --end YYYY-MM-DD, or --window P90D (ISO-8601 duration ending at the last bar in the lake); ' +
        '--allow-env-dates reads QUANTLAB_START/QUANTLAB_END/QUANTLAB_WINDOW/QUANTLAB_TZ from .env or the environment',
    });
  }
  const s = parseInstant(a.start, tz, '--start');
  const e = parseInstant(a.end, tz, '--end');
  if (e.ms <= s.ms) {
    throw new UsageError(`the window is ${e.ms === s.ms ? 'empty' : 'reversed'}: --start ${a.start} is ${e.ms === s.ms ? 'the same instant as' : 'after'} --end ${a.end}`, {
      hint: 'give --start before --end (a date --end includes that whole day)',
    });
  }
  return { kind: 'range', tz, startMs: s.ms, endMs: e.ms, start: a.start, end: a.end };
}

/**
 * Anchor a checked window on the data [dataStartMs, dataEndMs) (bar open of the first bar, close of the last) and
 * clip nothing silently: a window entirely outside the data is a DataError (exit 3) naming both ranges; a window
 * partly outside is cut to the data by the caller's bar selection and reported in the provenance.
 */
export function anchorWindow(w: WindowSpec, data: { startMs: number; endMs: number; where: string }): ResolvedWindow {
  let startMs: number;
  let endMs: number;
  let spec: string;
  if (w.kind === 'range') {
    startMs = w.startMs;
    endMs = w.endMs;
    spec = `${w.start}..${w.end}`;
  } else {
    endMs = data.endMs;
    startMs = DateTime.fromMillis(endMs, { zone: w.tz }).minus(parseIsoDuration(w.duration)).toMillis();
    spec = w.duration;
  }
  if (startMs >= data.endMs || endMs <= data.startMs) {
    throw new DataError(`the window ${iso(startMs)} .. ${iso(endMs)} is outside the data (${iso(data.startMs)} .. ${iso(data.endMs)})`, {
      file: data.where, field: 'window', value: spec,
    }, { hint: 'choose dates inside the data, or ingest the missing period first (docs/lab.md "Data")' });
  }
  const local = (ms: number) => DateTime.fromMillis(ms, { zone: w.tz }).toISO() ?? iso(ms);
  return {
    kind: w.kind, tz: w.tz, startMs, endMs, spec,
    start_utc: iso(startMs), end_utc: iso(endMs), start_local: local(startMs), end_local: local(endMs),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The env keys `--allow-env-dates` reads, in this order of precedence: the process environment, then `.env`. */
export const ENV_DATE_KEYS = ['QUANTLAB_START', 'QUANTLAB_END', 'QUANTLAB_WINDOW', 'QUANTLAB_TZ'] as const;

/** Parse a `.env` file's text: KEY=VALUE lines, `#` comments, optional quotes. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]!] = v;
  }
  return out;
}

/**
 * Date defaults from the environment for the flags the user did not give (only with --allow-env-dates): returns
 * the args to use and the exact keys and values taken, so the caller logs them.
 */
export function envDateDefaults(
  a: WindowArgs, env: Record<string, string | undefined>, dotenv: Record<string, string>,
): { args: WindowArgs; used: Record<string, string> } {
  const used: Record<string, string> = {};
  const pick = (k: (typeof ENV_DATE_KEYS)[number]): string | undefined => {
    const v = env[k] ?? dotenv[k];
    if (v !== undefined && v !== '') used[k] = v;
    return v === '' ? undefined : v;
  };
  const out: WindowArgs = { ...a };
  if (a.start === undefined && a.end === undefined && a.window === undefined) {
    const w = pick('QUANTLAB_WINDOW');
    if (w !== undefined) out.window = w;
    else {
      out.start = pick('QUANTLAB_START');
      out.end = pick('QUANTLAB_END');
    }
  }
  if (a.tz === undefined) {
    const tz = pick('QUANTLAB_TZ');
    if (tz !== undefined) out.tz = tz;
  }
  return { args: out, used };
}
