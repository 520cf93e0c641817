/**
 * The one loader for every YAML file under spec/. Parses YAML (syntax errors and duplicate keys are errors),
 * validates against a JSON Schema with ajv (strict, all errors, defaults filled here and nowhere else), and reports
 * every problem at once as `spec/x.yaml:LINE:COL path: message, was VALUE` in a SpecError.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { posix } from 'node:path';
import type { Ajv, Options as AjvOptions, ValidateFunction } from 'ajv';
import { visit, type Document, type LineCounter, type YAMLError } from 'yaml';
import { parsedYaml } from './documents.js';
import { SpecError } from '../errors.js';
import { pathOfKeyAt, positionOf, type Position } from './locate.js';
import { formatPath, toRawIssues, type RawIssue } from './messages.js';
import type { SpecSchema } from './schema.js';
import { sha256Hex } from '../hash.js';
import { PRECOMPILED } from './validators.generated.js';

export type { SpecSchema };

/** The options of the one ajv instance (and of the validators generated from it at build time: PRECOMPILED). */
export const AJV_OPTIONS = {
  strict: true,
  allErrors: true,
  useDefaults: true,
  verbose: true,
  discriminator: true,
  allowUnionTypes: true,
} as const satisfies AjvOptions;

/**
 * The key of a schema among the precompiled validators: the sha256 of its JSON text (key order included: ajv's code,
 * hence the order of its errors, follows it).
 */
export function schemaKey(schema: SpecSchema): string {
  return sha256Hex(JSON.stringify(schema));
}

const requireHere = createRequire(import.meta.url);
let ajv: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();
const byKey = new Map<string, ValidateFunction>();

/**
 * The validator of a schema, made once per process: from the code generated at build time for this very schema
 * (lib/spec/validators.generated.ts: ajv standalone code from the same options, `npm run gen:validators`) when there
 * is some, else compiled here by ajv, which is then loaded (0.1 to 0.3 s of CPU for ajv, its meta-schema and the
 * schema: the cost every stage process paid before). Same validator either way: ajv's code for the schema.
 */
export function validatorFor(schema: SpecSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (v === undefined) {
    const key = schemaKey(schema);
    v = byKey.get(key);
    if (v === undefined) {
      const code = PRECOMPILED.get(key);
      // the code ajv generated from this schema at build time, instantiated as ajv instantiates the code it compiles
      v = code !== undefined ? (new Function('require', code)(requireHere) as ValidateFunction) : compileWithAjv(schema);
      byKey.set(key, v);
    }
    compiled.set(schema, v);
  }
  return v;
}

/** ajv's own compilation of a schema (the one path when no validator was generated for it). */
export function compileWithAjv(schema: SpecSchema): ValidateFunction {
  // ajv is CommonJS with `module.exports = Ajv` plus a named `Ajv` export; loaded with require, only when needed.
  if (ajv === undefined) {
    const { Ajv: AjvClass } = requireHere('ajv') as typeof import('ajv');
    ajv = new AjvClass(AJV_OPTIONS);
  }
  try {
    return ajv.compile(schema);
  } catch (err) {
    const title = typeof schema.title === 'string' ? ` "${schema.title}"` : '';
    throw new Error(`invalid JSON Schema${title}: ${(err as Error).message}`, { cause: err });
  }
}

interface LocatedIssue {
  pos: Position | undefined;
  text: string;
}

/** Parses and validates YAML text. `file` is the display path used in messages (e.g. `spec/costs.yaml`). */
export function parseSpecText<T>(text: string, file: string, schema: SpecSchema): T {
  return parseSpecDocument<T>(text, file, schema).value;
}

/**
 * parseSpecText, also returning the parsed document and its line counter (lib/spec/located.ts keeps them to locate
 * problems found later, without parsing the text a second time).
 */
export function parseSpecDocument<T>(text: string, file: string, schema: SpecSchema): { value: T; doc: Document; lc: LineCounter } {
  const { doc, lc } = parsedYaml(text); // parsed once per process (also for the stage's fingerprint)
  const yamlIssues = [...doc.errors, ...doc.warnings].map((e) => yamlIssue(doc, lc, e));
  if (doc.errors.length === 0) yamlIssues.push(...unresolvedAliases(doc, lc));
  if (yamlIssues.length > 0) throw specError(file, yamlIssues);
  const value: unknown = doc.toJS({ maxAliasCount: 1000 });
  const raw = validate(value, schema);
  if (raw.length > 0) {
    throw specError(
      file,
      raw.map((i) => ({ pos: positionOf(doc, lc, i.segments, i.anchor), text: issueText(i) })),
    );
  }
  return { value: value as T, doc, lc };
}

/** Reads, parses and validates one spec file; `file` is both the path read and the path shown in messages. */
export async function loadSpecFile<T>(file: string, schema: SpecSchema): Promise<T> {
  return parseSpecText<T>(await readSpec(file), file, schema);
}

/**
 * Loads every `.yaml`/`.yml` file in `dir` (not recursive), sorted by file name, against one schema. Problems in
 * all files are reported together in one SpecError.
 */
export async function loadSpecDir<T>(dir: string, schema: SpecSchema): Promise<{ file: string; value: T }[]> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries.filter((e) => e.isFile() && /\.ya?ml$/.test(e.name)).map((e) => e.name);
  } catch (err) {
    throw new SpecError([`${dir}: cannot read spec folder (${(err as NodeJS.ErrnoException).code ?? err})`], {
      hint: 'check the path; spec folders live under spec/ in the repository root',
    });
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: { file: string; value: T }[] = [];
  const issues: string[] = [];
  for (const name of names) {
    const file = posix.join(dir, name);
    try {
      out.push({ file, value: await loadSpecFile<T>(file, schema) });
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      issues.push(...err.issues);
    }
  }
  if (issues.length > 0) throw new SpecError(issues, { hint: 'fix the spec files at the positions shown and rerun' });
  return out;
}

/**
 * Validates an in-memory value (e.g. a config embedded in JSON) against a schema. Returns a deep copy with the
 * defaults filled; the input is not modified. Issues name `source` and the path, without line:col unless `locate`
 * maps an issue's path to a position in `source` (e.g. a value merged from a YAML file: the line it came from).
 */
export function validateSpecValue<T>(
  value: unknown, source: string, schema: SpecSchema, locate?: (segments: readonly string[], anchor: 'value' | 'key') => Position | undefined,
): T {
  const copy: unknown = structuredClone(value);
  const raw = validate(copy, schema);
  if (raw.length > 0) throw specError(source, raw.map((i) => ({ pos: locate?.(i.segments, i.anchor), text: issueText(i) })));
  return copy as T;
}

function validate(value: unknown, schema: SpecSchema): RawIssue[] {
  const v = validatorFor(schema);
  return v(value) ? [] : toRawIssues(v.errors ?? []);
}

function issueText(i: RawIssue): string {
  return `${formatPath(i.segments)}: ${i.message}`;
}

function yamlIssue(doc: Document, lc: LineCounter, e: YAMLError): LocatedIssue {
  const offset = e.pos[0];
  const pos = lc.linePos(offset);
  if (e.code === 'DUPLICATE_KEY') {
    const path = pathOfKeyAt(doc, offset);
    const key = path?.[path.length - 1] ?? '?';
    const where = path ? `${formatPath(path)}: ` : '';
    return { pos, text: `${where}duplicate key "${key}" (a key may appear only once in a mapping)` };
  }
  return { pos, text: `YAML ${e.name === 'YAMLWarning' ? 'warning' : 'syntax error'}: ${e.message}` };
}

/** An alias to an anchor that is never defined makes toJS throw; report it as a located error instead. */
function unresolvedAliases(doc: Document, lc: LineCounter): LocatedIssue[] {
  const out: LocatedIssue[] = [];
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) !== undefined) return;
      out.push({
        pos: lc.linePos(node.range?.[0] ?? 0),
        text: `YAML syntax error: alias *${node.source} has no anchor &${node.source} defined before it`,
      });
    },
  });
  return out;
}

function specError(file: string, issues: LocatedIssue[]): SpecError {
  const sorted = issues
    .map((issue, index) => ({ issue, index }))
    .sort((x, y) => compare(x.issue.pos, y.issue.pos) || x.index - y.index)
    .map(({ issue: { pos, text } }) => (pos ? `${file}:${pos.line}:${pos.col} ${text}` : `${file} ${text}`));
  return new SpecError(sorted, { hint: `fix ${file} at the positions shown and rerun` });
}

function compare(a: Position | undefined, b: Position | undefined): number {
  if (!a || !b) return 0;
  return a.line - b.line || a.col - b.col;
}

async function readSpec(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new SpecError([`${file}: cannot read spec file (${(err as NodeJS.ErrnoException).code ?? err})`], {
      hint: 'check the path; spec files live under spec/ in the repository root',
    });
  }
}
