/**
 * Values that become paths, and the paths built from them. The one source of the name patterns (run ids;
 * identifiers: stage, event, event family, feature, indicator, blueprint names, `--set` keys) and the one way the
 * project builds a path under a root (the data dir): `resolveInside`, which refuses anything that could leave the
 * root, including a symlink that points out of it. Nothing is created or removed before these checks pass.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { DataError, SpecError, UsageError } from './errors.js';

/** A run id: a letter or digit, then letters, digits, `-` and `_`; at most 80 characters (e.g. 20251121T113512Z-3f9a). */
export const RUN_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$';
/** An identifier: a lower case letter, then lower case letters, digits and `_`; at most 63 characters. */
export const IDENTIFIER_PATTERN = '^[a-z][a-z0-9_]{0,62}$';

const RUN_ID_RE = new RegExp(RUN_ID_PATTERN);
const IDENTIFIER_RE = new RegExp(IDENTIFIER_PATTERN);

export type NameKind = 'run_id' | 'identifier';

const PATTERN_OF: Record<NameKind, { re: RegExp; text: string; what: string }> = {
  run_id: { re: RUN_ID_RE, text: RUN_ID_PATTERN, what: 'a letter or digit, then letters, digits, - or _ (at most 80)' },
  identifier: { re: IDENTIFIER_RE, text: IDENTIFIER_PATTERN, what: 'a lower case letter, then lower case letters, digits or _ (at most 63)' },
};

/**
 * Where a checked value came from: a command-line flag (a bad value is a usage error, exit 2) or a spec value at a
 * located position `file:line:col path` (exit 3).
 */
export type NameSource = { flag: string } | { spec: string };

export function isSafeName(kind: NameKind, value: unknown): value is string {
  return typeof value === 'string' && PATTERN_OF[kind].re.test(value);
}

/** Throw a located error unless `value` matches the pattern of `kind`. Returns the value. */
export function assertSafeName(kind: NameKind, value: unknown, where: NameSource): string {
  if (isSafeName(kind, value)) return value;
  const p = PATTERN_OF[kind];
  const shown = JSON.stringify(value) ?? String(value);
  const hint = `use ${p.what}: ${p.text}`;
  if ('flag' in where) throw new UsageError(`${where.flag} must match ${p.text}, was ${shown}`, { hint });
  throw new SpecError([`${where.spec}: must match ${p.text}, was ${shown}`], { hint });
}

/** Separators that are not `/` but look like it, or become it (or `\`) under Unicode NFKC normalisation. */
const LOOKALIKE_SEPARATORS = ['\u2215', '\uFF0F', '\u2044', '\u29F8', '\u2571', '\u2216', '\uFF3C', '\uFE68', '\u29F9', '\u2572'];
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const PERCENT_ENCODED = /%[0-9A-Fa-f]{2}/;

/** Why one segment of a relative path is unsafe, or undefined when it is safe. */
function unsafeSegment(seg: string): string | undefined {
  if (seg === '') return 'an empty segment (// or a leading or trailing /)';
  if (seg === '.' || seg === '..') return `a "${seg}" segment`;
  if (seg.includes('\0')) return 'a NUL character';
  if (CONTROL.test(seg)) return 'a control character';
  if (seg.includes('\\')) return 'a backslash';
  if (PERCENT_ENCODED.test(seg)) return 'a percent-encoded character';
  const look = LOOKALIKE_SEPARATORS.find((c) => seg.includes(c));
  if (look) return `a look-alike separator U+${look.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  const nfkc = seg.normalize('NFKC');
  if (nfkc !== seg && (/[/\\]/.test(nfkc) || nfkc.split('/').some((s) => s === '.' || s === '..') || nfkc === '.' || nfkc === '..')) {
    return `characters that normalise to a separator or dot segment (${JSON.stringify(nfkc)})`;
  }
  return undefined;
}

function refuse(root: string, parts: readonly string[], why: string, value?: unknown): never {
  throw new DataError(`refused a path outside the data root: ${why}`, {
    file: root, field: parts.join('/'), ...(value !== undefined ? { value } : {}),
  }, { hint: 'names that become paths must be plain names; a symlink under the root must point inside it (docs/architecture.md "Paths")' });
}

/**
 * The real path of `p`: realpath of its deepest existing ancestor (lstat, so a dangling symlink counts as existing)
 * plus the part that does not exist yet. A dangling symlink is refused (writing through it would land wherever it
 * points), as is any ancestor that cannot be resolved.
 */
function realPathDeep(p: string): { real: string } | { dangling: string } {
  let cur = p;
  const rest: string[] = [];
  for (;;) {
    let exists: boolean;
    try {
      exists = lstatSync(cur, { throwIfNoEntry: false }) !== undefined; // ENOENT without building an Error
    } catch {
      exists = false;
    }
    if (exists) {
      try {
        return { real: rest.length ? join(realpathSync(cur), ...rest.reverse()) : realpathSync(cur) };
      } catch {
        return { dangling: cur };
      }
    }
    const up = dirname(cur);
    if (up === cur) return { real: p };
    rest.push(cur.slice(up.length).replace(/^[/\\]+/, ''));
    cur = up;
  }
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * `root` joined with `parts` (each a relative path whose segments are separated by `/`), after checking that the
 * result cannot leave `root`: no `..` or `.` or empty segment, no absolute part, no NUL or control character, no
 * backslash, no percent-encoded character, no Unicode separator look-alike (U+2215, U+FF0F, U+2044, ...); and the
 * real path (through every symlink that exists so far) stays inside the real path of `root`. A symlink under the
 * root that points inside it is fine. Throws a DataError (exit 3) naming the root, the parts and the reason.
 * Call it just before creating, writing or removing anything at the path.
 */
export function resolveInside(root: string, ...parts: string[]): string {
  const absRoot = resolve(root);
  for (const part of parts) {
    if (typeof part !== 'string') refuse(absRoot, parts.map(String), 'a part is not a string', part);
    if (isAbsolute(part) || /^[A-Za-z]:/.test(part)) refuse(absRoot, parts, 'an absolute part', part);
    for (const seg of part.split('/')) {
      const why = unsafeSegment(seg);
      if (why) refuse(absRoot, parts, `${why} in ${JSON.stringify(part)}`, part);
    }
  }
  const target = join(absRoot, ...parts);
  if (!inside(absRoot, target)) refuse(absRoot, parts, 'the joined path leaves the root', target);
  const realRoot = realPathDeep(absRoot);
  if ('dangling' in realRoot) refuse(absRoot, parts, `${realRoot.dangling} is a dangling symlink`);
  const realTarget = realPathDeep(target);
  if ('dangling' in realTarget) refuse(absRoot, parts, `${realTarget.dangling} is a dangling symlink (writing through it would leave the root)`);
  if (!inside(realRoot.real, realTarget.real)) {
    refuse(absRoot, parts, `a symlink leads out of the root: ${target} is really ${realTarget.real}`, realTarget.real);
  }
  return target;
}
