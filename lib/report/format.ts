/**
 * Number, percent, bps and date formatting shared by the HTML and Markdown reports.
 *
 * Conventions: a missing value (NaN, null, undefined) is "n/a", never 0 or an empty cell; +-Infinity is "+inf" /
 * "-inf" (a Sortino with no losing period is infinite, and saying so is more honest than n/a); a minus sign is
 * the ASCII hyphen so the Markdown stays greppable; dates are UTC and ISO ordered (YYYY-MM-DD).
 */

export const NA = 'n/a';

type Num = number | null | undefined;

function special(x: Num): string | undefined {
  if (x === null || x === undefined || Number.isNaN(x)) return NA;
  if (x === Infinity) return '+inf';
  if (x === -Infinity) return '-inf';
  return undefined;
}

/** Fixed decimals, comma thousands separators: 12345.678 -> "12,345.68". -0 prints as "0". */
export function fmtNum(x: Num, digits = 2): string {
  const s = special(x);
  if (s !== undefined) return s;
  const v = x as number;
  const out = Math.abs(v) >= 1000 ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : v.toFixed(digits);
  return /^-0(\.0*)?$/.test(out) ? out.slice(1) : out;
}

/** An integer count with thousands separators: 1234567 -> "1,234,567" (non-integers are rounded). */
export function fmtInt(x: Num): string {
  const s = special(x);
  if (s !== undefined) return s;
  return Math.round(x as number).toLocaleString('en-US');
}

/** A fraction as a percentage: 0.1234 -> "12.34%". */
export function fmtPct(x: Num, digits = 2): string {
  const s = special(x);
  if (s !== undefined) return s;
  return `${fmtNum((x as number) * 100, digits)}%`;
}

/** A fraction as a signed percentage (returns): 0.1234 -> "+12.34%", -0.05 -> "-5.00%". */
export function fmtSignedPct(x: Num, digits = 2): string {
  const s = special(x);
  if (s !== undefined) return s;
  const p = fmtPct(x, digits);
  return (x as number) > 0 && !/^0\.0*%$/.test(p) ? `+${p}` : p;
}

/** A fraction in basis points: 0.00123 -> "12.3 bps". */
export function fmtBps(x: Num, digits = 1): string {
  const s = special(x);
  if (s !== undefined) return s;
  return `${fmtNum((x as number) * 10_000, digits)} bps`;
}

/** A probability in [0, 1] with 3 decimals ("0.973"); outside [0, 1] it is still printed, never clamped. */
export function fmtProb(x: Num): string {
  return fmtNum(x, 3);
}

/** A multiple: 1.5 -> "1.50x". */
export function fmtMult(x: Num, digits = 2): string {
  const s = special(x);
  if (s !== undefined) return s;
  return `${fmtNum(x, digits)}x`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function validMs(ms: Num): ms is number {
  return ms !== null && ms !== undefined && Number.isFinite(ms) && Math.abs(ms) <= 8.64e15;
}

/** UTC date: "2025-01-31". */
export function fmtDate(ms: Num): string {
  if (!validMs(ms)) return NA;
  return new Date(ms).toISOString().slice(0, 10);
}

/** UTC date and minute: "2025-01-31 23:55 UTC". */
export function fmtDateTime(ms: Num): string {
  if (!validMs(ms)) return NA;
  const d = new Date(ms);
  return `${d.toISOString().slice(0, 10)} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())} UTC`;
}

/**
 * A [start, end) span of time as dates; the end is exclusive, so the last covered day is shown when the end falls
 * on a UTC midnight (a test window [Jan 1, Feb 1) reads "2025-01-01 .. 2025-01-31"). Spans not on day boundaries
 * are printed to the minute.
 */
export function fmtSpan(startMs: Num, endMs: Num): string {
  if (!validMs(startMs) || !validMs(endMs)) return `${fmtDate(startMs)} .. ${fmtDate(endMs)}`;
  const day = 86_400_000;
  if (startMs % day === 0 && endMs % day === 0) {
    return `${fmtDate(startMs)} .. ${fmtDate(endMs > startMs ? endMs - day : endMs)}`;
  }
  return `${fmtDateTime(startMs).slice(0, 16)} .. ${fmtDateTime(endMs).slice(0, 16)} (end excl.)`;
}

/** A length of time in days: 3 days 4 h -> "3.2 d". */
export function fmtDays(ms: Num, digits = 1): string {
  const s = special(ms);
  if (s !== undefined) return s;
  return `${fmtNum((ms as number) / 86_400_000, digits)} d`;
}

/** Seconds of wall time: 0.0123 -> "12 ms", 4.56 -> "4.56 s", 754 -> "12 min 34 s". */
export function fmtSeconds(x: Num): string {
  const s = special(x);
  if (s !== undefined) return s;
  const v = x as number;
  if (Math.abs(v) < 1) return `${fmtNum(v * 1000, 0)} ms`;
  if (Math.abs(v) < 100) return `${fmtNum(v, 2)} s`;
  const total = Math.round(v);
  return `${Math.floor(total / 60)} min ${total % 60} s`;
}

/** Escape text for Markdown inline content and table cells. */
export function mdEscape(s: string): string {
  return s
    // only what could start an HTML tag, comment or entity: "<= 0" stays readable in the raw text
    .replace(/&(?=#?[A-Za-z0-9]+;)/g, '&amp;').replace(/<(?=[A-Za-z/!?])/g, '&lt;')
    .replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/([*`[\]])/g, '\\$1')
    // an underscore inside a word (min_n) never starts emphasis in GFM: escape only the others
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
    .replace(/\r?\n/g, ' ');
}

/** Escape text for HTML and XML (element content and double- or single-quoted attributes). */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** A number is present (finite, or an infinity that is meaningful); NaN/null/undefined are not. */
export function isPresent(x: Num): x is number {
  return x !== null && x !== undefined && !Number.isNaN(x);
}
