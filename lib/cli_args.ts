import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { InferredOptionTypes, Options } from 'yargs';
import type yargsParser from 'yargs-parser';

/**
 * A command line described once, as a table of yargs options, and parsed two ways from that one table:
 * - fast: yargs-parser alone (the parser yargs itself runs, resolved from yargs' own location so it is the very same
 *   module), for the common case: known options only, values within their choices, no positional argument;
 * - full: yargs built from the same table, for everything else: --help, --version, and every mistake, which yargs
 *   reports exactly as before (strict: unknown arguments, invalid choices).
 * The fast path accepts only what yargs' strict validation accepts for such a table (no commands, no required or
 * implied options), and both hand the same table to the same parser, so they give the same values; the full path
 * costs ~45 modules (yargs, its help layout with string-width, y18n) that a no-op rerun does not need.
 */
export interface CliSpec<O extends Record<string, Options>> {
  scriptName: string;
  usage: string;
  options: O;
  /** A usage mistake: report it and exit (never returns). */
  fail: (message: string) => never;
}

export type ParsedArgs<O extends Record<string, Options>> = InferredOptionTypes<O> & { _: (string | number)[] };

/** Parse `args` (process.argv without node and the script): fast when the line is plain, else through yargs. */
export async function parseCli<O extends Record<string, Options>>(spec: CliSpec<O>, args: string[]): Promise<ParsedArgs<O>> {
  return (await parseFast(spec.options, args)) ?? parseFull(spec, args);
}

/**
 * yargs-parser over the table; undefined when yargs should decide (an unknown option or positional, a value outside
 * its choices, a parse error, --help or --version, which are not in the table and so unknown here).
 */
export async function parseFast<O extends Record<string, Options>>(options: O, args: string[]): Promise<ParsedArgs<O> | undefined> {
  const opts = parserOptions(options);
  if (!opts) return undefined;
  const parser = await yargsParserOfYargs();
  const r = parser.detailed(args, { ...opts, configuration: { 'parse-positional-numbers': false } });
  if (r.error || r.argv._.length > 0 || r.argv['--'] !== undefined) return undefined;
  // the table's options and their aliases only: yargs-parser also lists an alias pair (dashed, camelCase) for every
  // dashed key it met, declared or not, so its whole alias map would let an unknown --some-option through
  const known = new Set<string>(['_']);
  for (const k of Object.keys(options)) {
    known.add(k);
    for (const a of r.aliases[k] ?? []) known.add(a);
  }
  if (Object.keys(r.argv).some((k) => !known.has(k))) return undefined;
  for (const [k, o] of Object.entries(options)) {
    const v: unknown = r.argv[k];
    if (o.choices && v !== undefined && ([] as unknown[]).concat(v).some((x) => x !== undefined && !(o.choices as readonly unknown[]).includes(x))) return undefined;
  }
  return r.argv as ParsedArgs<O>;
}

/** yargs over the same table: help, version, and every error message as yargs writes them. */
export async function parseFull<O extends Record<string, Options>>(spec: CliSpec<O>, args: string[]): Promise<ParsedArgs<O>> {
  const { default: yargs } = await import('yargs');
  return yargs(args)
    .scriptName(spec.scriptName)
    .usage(spec.usage)
    .options(spec.options)
    .strict()
    .fail((msg, err) => spec.fail(msg ?? err?.message ?? 'bad arguments'))
    .parseSync() as unknown as ParsedArgs<O>;
}

/** What the fast path mirrors of an option (yargs-factory `option()`); any other field sends a table to yargs only. */
const MIRRORED = new Set(['type', 'alias', 'default', 'choices', 'describe', 'description', 'desc', 'array', 'boolean', 'string', 'number', 'hidden']);

/**
 * The yargs-parser options yargs derives from an option table (yargs-factory `option()`: types, arrays and aliases,
 * the alias typed like its key, defaults); undefined when an option uses a field this does not mirror.
 */
export function parserOptions(options: Record<string, Options>): yargsParser.Options | undefined {
  const string: string[] = [], boolean: string[] = [], number: string[] = [], array: string[] = [];
  const alias: Record<string, string[]> = {};
  const defaults: Record<string, unknown> = {};
  for (const [k, o] of Object.entries(options)) {
    if (Object.keys(o).some((f) => !MIRRORED.has(f))) return undefined;
    const names = [k, ...(o.alias === undefined ? [] : ([] as string[]).concat(o.alias))];
    if (names.length > 1) alias[k] = names.slice(1);
    if ('default' in o) defaults[k] = o.default;
    if (o.boolean || o.type === 'boolean') boolean.push(...names);
    if (o.array || o.type === 'array') array.push(...names);
    if (o.number || o.type === 'number') number.push(...names);
    if (o.string || o.type === 'string') string.push(...names);
  }
  return { string, boolean, number, array, alias, default: defaults };
}

let parserModule: Promise<typeof yargsParser> | undefined;

/** The yargs-parser that yargs imports (resolved from yargs' own location; not a separate dependency). */
function yargsParserOfYargs(): Promise<typeof yargsParser> {
  return (parserModule ??= (async () => {
    const file = createRequire(import.meta.resolve('yargs')).resolve('yargs-parser');
    return ((await import(pathToFileURL(file).href)) as { default: typeof yargsParser }).default;
  })());
}
