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
  const out = Math.abs(v) >= 1000 ? localeFixed(v, digits) : v.toFixed(digits);
  return /^-0(\.0*)?$/.test(out) ? out.slice(1) : out;
}

/** An integer count with thousands separators: 1234567 -> "1,234,567" (non-integers are rounded). */
export function fmtInt(x: Num): string {
  const s = special(x);
  if (s !== undefined) return s;
  const r = Math.round(x as number);
  // String(r) is every digit of an integer below 1e21; -0 prints as "-0" there
  return Math.abs(r) < 1e21 && !Object.is(r, -0) ? (r < 0 ? '-' : '') + grouped(String(Math.abs(r))) : r.toLocaleString('en-US');
}

/**
 * `v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })` for a finite v,
 * without Intl: ICU formats the shortest decimal that reads back as v (String(v)) rounded half away from zero
 * (halfExpand) to `digits` decimals, and groups the integer digits by three. Beyond 1e21 (exponent notation in
 * String) it is toLocaleString itself. Intl's first use costs ~25 ms (ICU's data) and each call with options
 * builds a formatter (~60 us): a report formats hundreds of numbers.
 */
export function localeFixed(v: number, digits: number): string {
  const a = Math.abs(v);
  if (!(a < 1e21) || !Number.isInteger(digits) || digits < 0 || digits > 20) {
    return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  const str = String(a);
  const e = str.indexOf('e'); // below 1e-6: "1.5e-7"
  let int: string;
  let frac: string;
  if (e >= 0) {
    const exp = Number(str.slice(e + 1)); // negative here
    const mant = str.slice(0, e).replace('.', '');
    int = '0';
    frac = '0'.repeat(-exp - 1) + mant;
  } else {
    const dot = str.indexOf('.');
    int = dot < 0 ? str : str.slice(0, dot);
    frac = dot < 0 ? '' : str.slice(dot + 1);
  }
  if (frac.length > digits) {
    const up = frac.charCodeAt(digits) >= 53; // '5': half or more of the last kept decimal
    frac = frac.slice(0, digits);
    if (up) {
      // add one unit of the last kept decimal to int.frac (carry to the left)
      const d = (int + frac).split('');
      let k = d.length - 1;
      for (; k >= 0; k--) {
        if (d[k] === '9') d[k] = '0';
        else {
          d[k] = String.fromCharCode(d[k]!.charCodeAt(0) + 1);
          break;
        }
      }
      const all = (k < 0 ? '1' : '') + d.join('');
      int = all.slice(0, all.length - digits);
      frac = all.slice(all.length - digits);
    }
  } else frac = frac.padEnd(digits, '0');
  // ICU keeps the sign of a negative number that rounds to zero ("-0.00"), and of -0
  return (v < 0 || Object.is(v, -0) ? '-' : '') + grouped(int) + (digits > 0 ? `.${frac}` : '');
}

/** Integer digits with a comma every three from the right: "1234567" -> "1,234,567". */
function grouped(int: string): string {
  const head = int.length % 3 || 3;
  let out = int.slice(0, head);
  for (let i = head; i < int.length; i += 3) out += `,${int.slice(i, i + 3)}`;
  return out;
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
