/**
 * Small helpers shared by the research-plan stages for reading spec files: a stable display path (the same on every
 * checkout, so it can be written into outputs) and the file:line:col of a path inside a YAML file, for semantic
 * errors found after schema validation (a duplicate id, a budget exceeded).
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, posix, relative, sep } from 'node:path';
import { SpecError } from '../errors.js';
import { type SpecSchema } from '../spec/loader.js';
import { parseLocated, type LocatedYaml } from '../spec/located.js';

export { locatedYaml, where, type LocatedYaml } from '../spec/located.js';

/** `spec/concepts/default.yaml` for `<specDir>/concepts/default.yaml`: the spec folder's own name, then the path inside it. */
export function specDisplayPath(specDir: string, abs: string): string {
  return posix.join(basename(specDir), relative(specDir, abs).split(sep).join('/'));
}

/**
 * Path of a spec file for error messages only (never written into outputs): relative to the working directory
 * when inside it (`spec/plan.yaml`), else absolute.
 */
export function specErrorPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? abs : rel.split(sep).join('/');
}

/** Read, validate (located SpecError) and keep the document for later locating. `file` is read, `display` shown. */
export async function loadLocated<T>(file: string, display: string, schema: SpecSchema): Promise<{ value: T; yaml: LocatedYaml }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SpecError([`${display}: cannot read spec file (${(err as NodeJS.ErrnoException).code ?? err})`], {
      hint: 'check the path; spec files live under spec/ in the repository root',
    });
  }
  return parseLocated<T>(text, display, schema);
}

/**
 * Every `.yaml`/`.yml` file of a spec folder, sorted by name, each validated; problems of all files are reported
 * together. A missing folder gives `undefined` (the caller decides whether that is an error).
 */
export async function loadLocatedDir<T>(
  specDir: string, dir: string, schema: SpecSchema,
): Promise<{ value: T; yaml: LocatedYaml }[] | undefined> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: { value: T; yaml: LocatedYaml }[] = [];
  const issues: string[] = [];
  for (const name of names) {
    const abs = join(dir, name);
    try {
      out.push(await loadLocated<T>(abs, specDisplayPath(specDir, abs), schema));
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      issues.push(...err.issues);
    }
  }
  if (issues.length > 0) throw new SpecError(issues, { hint: 'fix the spec files at the positions shown and rerun' });
  return out;
}
