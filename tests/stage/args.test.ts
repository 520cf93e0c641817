/**
 * Issue 12, stage start-up: a stage's command line as the orchestrator writes it (the fixed stage options only) is
 * parsed by yargs-parser alone (lib/cli_args.ts parseFast over STAGE_OPTIONS), without loading yargs; it must give
 * exactly what yargs gives for the stage's full table (fixed options plus one option per parameter), and anything
 * only yargs handles (a parameter option, --help, an unknown option, a value outside its choices) goes to yargs.
 */
import { describe, expect, test } from '@jest/globals';
import { resolve } from 'node:path';
import { parseFast } from '../../lib/cli_args.js';
import { STAGE_OPTIONS, parseStageArgs, parseWithYargs } from '../../lib/stage/main.js';
import { UsageError } from '../../lib/errors.js';
import { discoveryStage } from '../../lib/stages/discovery/definition.js';

const def = discoveryStage;

/** What both parsers put in argv, without yargs' own `$0` and `_`. */
function table(argv: Record<string, unknown>): Record<string, unknown> {
  const { _: _pos, $0: _script, ...rest } = argv;
  return rest;
}

describe('stage arguments: one table, two parsers', () => {
  const plain: string[][] = [
    [],
    ['--data_dir', '/tmp/d', '--spec_dir', 'spec', '--run_id', 'r1', '--params_json', '{"timeframe":"5m","top":20}', '--parent_pid', '123'],
    ['--data_dir', '/tmp/d', '--run_id', 'r1', '--params_json', '{}', '--keep_generation', '--parent_pid', '9', '--verbose'],
    ['--run_id', 'r1', '--params_json', '{"a":[1,2]}', '--shard_phase', 'shard', '--shard_id', 's0003', '--parent_pid', '9'],
    ['--shard_phase', 'commit', '--keep_generation', '--log-format', 'json'],
    ['--set', 'top=5', '--set', 'timeframe=1h', '--log-format', 'pretty', '--no-verbose'],
    ['--run_id=r2', '--params_json={"x":"--y"}', '--data_dir', 'd'],
  ];
  test.each(plain)('a plain line gives what yargs gives: %j', async (...args) => {
    const fast = await parseFast(STAGE_OPTIONS, args);
    expect(fast).toBeDefined();
    expect(table(fast!)).toEqual(table(await parseWithYargs(def, args)));
  });

  test('the orchestrator\'s line becomes the same invocation as before', async () => {
    const inv = await parseStageArgs(def, ['--data_dir', 'd', '--spec_dir', 's', '--run_id', 'r1', '--params_json', '{"timeframe":"5m"}',
      '--keep_generation', '--parent_pid', '42', '--set', 'top=7']);
    expect(inv).toMatchObject({
      dataDir: resolve('d'), specDir: resolve('s'), runId: 'r1', params: { timeframe: '5m', top: 7 }, verbose: false, keepGeneration: true, parentPid: 42,
    });
  });

  const forYargs: [string, string[], RegExp | null][] = [
    ['a parameter option', ['--timeframe', '1h', '--shard-candidates', '10'], null],
    ['an unknown option', ['--bogus', '1'], /Unknown argument: bogus/],
    // yargs-parser lists an alias pair for every dashed key it meets: that must not make an undeclared one known
    ['an unknown dashed option', ['--data_dir', 'd', '--some-option'], /Unknown arguments?: some-option/],
    ['a dashed parameter flag (walkforward --allow-cheaper-costs style)', ['--data_dir', 'd', '--shard-candidates', '5'], null],
    ['a word', ['foo'], /Unknown argument: foo/],
    ['a lone dash (yargs reads it as a word)', ['--data_dir', '-'], /Unknown argument: -/],
    ['the camel-case form of an option without a type', ['--logFormat', 'pretty'], null],
    ['a value outside its choices', ['--shard_phase', 'maybe'], /Invalid values:\s+Argument: shard_phase, Given: "maybe"/],
    ['a log format outside its choices', ['--log-format', 'xml'], /Invalid values/],
  ];
  test.each(forYargs)('%s goes to yargs', async (_what, args, error) => {
    expect(await parseFast(STAGE_OPTIONS, args)).toBeUndefined();
    if (error) {
      await expect(parseStageArgs(def, args)).rejects.toThrow(UsageError);
      await expect(parseStageArgs(def, args)).rejects.toThrow(error);
    }
  });

  test('parameter options still work (through yargs), with their dashed aliases', async () => {
    const inv = await parseStageArgs(def, ['--run_id', 'r1', '--timeframe', '1h', '--shard-candidates', '10']);
    expect(inv.params).toEqual({ timeframe: '1h', shard_candidates: 10 });
  });

  test('--help goes to yargs (its help text)', async () => {
    expect(await parseFast(STAGE_OPTIONS, ['--help'])).toBeUndefined();
  });
});
