/**
 * Issue 12: `npm run all` options live in one table (orchestrator/run_all_options.ts). A plain command line is parsed
 * by yargs-parser alone (no yargs loaded); it must give exactly what yargs gives from the same table, and anything
 * yargs alone handles (--help, --version, an unknown option or word, a value outside its choices) goes to yargs.
 */
import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../../lib/stage/root.js';
import { parseFast, parseFull, parserOptions } from '../../lib/cli_args.js';
import { RUN_ALL_OPTIONS, RUN_ALL_USAGE } from '../../orchestrator/run_all_options.js';

const spec = { ...RUN_ALL_USAGE, options: RUN_ALL_OPTIONS, fail: (msg: string): never => { throw new Error(msg); } };

/** Every key yargs and yargs-parser put in argv for the table: option names, aliases, camel-case forms. */
function table(argv: Record<string, unknown>): Record<string, unknown> {
  const { _: _pos, $0: _script, ...rest } = argv;
  return rest;
}

describe('one option table, two parsers', () => {
  const plain: string[][] = [
    [],
    ['--data_dir', '/tmp/x', '--backtest_timeframe', '5m', '--allow-synthetic'],
    ['--timeframe=1h', '--only', 'clean,features', '--force', '--dry-run'],
    ['--from', 'events', '--on-error', 'keep-going', '--jobs', '3', '--verbose'],
    ['--set', 'clean.outlier_mad_k=8', '--set', 'features.x=1', '--allow-cheaper-costs'],
    ['--set', 'a.b=1', 'c.d=2', '--no-force', '--log-format', 'json'],
    ['--sharded', '--executor', 'bullmq', '--redis', 'redis://h:6379', '--queue', 'q', '--shard_attempts', '5', '--shard_backoff_ms=10', '--shard_concurrency', '1'],
    ['--dryRun', '--allowSynthetic', 'true', '--run_id', 'r1', '--pipeline', 'p.yaml', '--spec_dir', 's'],
    ['--data_dir', '--force'],
    ['--jobs', 'x'],
    ['--on-error', 'fail', '--on-error', 'keep-going'],
  ];
  test.each(plain)('a plain line is parsed by yargs-parser exactly as yargs parses it: %j', async (...args) => {
    const fast = await parseFast(RUN_ALL_OPTIONS, args);
    expect(fast).toBeDefined();
    const full = await parseFull(spec, args);
    expect(table(fast!)).toEqual(table(full));
  });

  const forYargs: [string, string[], RegExp | null][] = [
    ['--help', ['--help'], null],
    ['--version', ['--version'], null],
    ['an unknown option', ['--bogus', '1'], /Unknown argument: bogus/],
    // yargs-parser lists an alias pair for every dashed key it meets: that must not make an undeclared one known
    ['an unknown dashed option', ['--some-option'], /Unknown arguments?: some-option/],
    ['a word', ['foo'], /Unknown argument: foo/],
    ['words after -- (yargs accepts them, run_all ignores them)', ['--', 'foo'], null],
    ['a value outside its choices', ['--on-error', 'maybe'], /Invalid values:\s+Argument: on-error, Given: "maybe"/],
    ['one of several values outside its choices', ['--executor', 'local', '--executor', 'x'], /Invalid values/],
  ];
  test.each(forYargs)('%s goes to yargs', async (_what, args, error) => {
    expect(await parseFast(RUN_ALL_OPTIONS, args)).toBeUndefined();
    if (error) await expect(parseFull(spec, args)).rejects.toThrow(error);
  });

  test('a table using an option field the fast path does not mirror is left to yargs', async () => {
    expect(parserOptions({ n: { type: 'number', coerce: (x: number) => x * 2 } })).toBeUndefined();
    expect(await parseFast({ n: { type: 'number', demandOption: true } }, ['--n', '1'])).toBeUndefined();
    expect(parserOptions(RUN_ALL_OPTIONS)).toBeDefined();
  });

  test('npm run all -- --help is yargs help from the table: every option, its aliases and choices', async () => {
    const r = await execa(process.execPath, [join(PROJECT_ROOT, 'dist', 'orchestrator', 'run_all.js'), '--help'], { reject: false });
    expect(r.exitCode).toBe(0);
    const help = String(r.stdout);
    expect(help.startsWith('npm run all -- [options]\n\nRuns the research pipeline')).toBe(true);
    for (const [k, o] of Object.entries(RUN_ALL_OPTIONS)) {
      expect(help).toContain(`--${k}`);
      if ('alias' in o) expect(help).toContain(`--${k}, --${o.alias}`);
      if ('choices' in o) expect(help).toContain(`[choices: ${o.choices.map((c) => `"${c}"`).join(', ')}]`);
    }
  });
});
