/**
 * Issue 10.5, an honest CLI: the synthetic refusal is a usage error (exit 2) with one sentence saying what to pass,
 * in a dry run too, before anything is written; every --help prints help and exits 0; logs are readable lines or
 * JSON as asked.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../../lib/stage/main.js';

const ORCH = join(PROJECT_ROOT, 'dist', 'orchestrator');
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-cli-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function node(script: string, args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [script, ...args], { reject: false, cwd: PROJECT_ROOT, env: { QUANTLAB_LOG_LEVEL: 'info', ...env } });
}

describe('synthetic data without --allow-synthetic', () => {
  test.each([[[]], [['--dry-run']]])('npm run all %j exits 2 with one sentence naming the flag, and writes nothing', async (extra) => {
    const dataDir = join(work, `data-${extra.length}`);
    const r = await node(join(ORCH, 'run_all.js'), ['--data_dir', dataDir, ...extra]);
    expect(r.exitCode).toBe(2);
    const errors = String(r.stderr).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(errors.filter((e) => e.level === 50)).toHaveLength(1);
    expect(errors.find((e) => e.level === 50)!.msg).toMatch(/^ingest source is "synthetic" but synthetic data was not allowed: pass --allow-synthetic /);
    expect(String(r.stdout)).not.toContain('would run');
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('--help prints help and exits 0', () => {
  const cases: [string, string[], RegExp][] = [
    ['run_all.js', ['--help'], /--data_dir/],
    ['stage_cli.js', ['--help'], /^usage: npm run stage -- NAME[\s\S]*--data_dir[\s\S]*Stages: ingest, clean/],
    ['stage_cli.js', ['clean', '--help'], /outlier_mad_k/],
    ['digest_cli.js', ['--help'], /\S/],
    ['golden_cli.js', ['--help'], /check/],
    ['lookahead_cli.js', ['--help'], /\S/],
  ];
  test.each(cases)('%s %j', async (cli, args, expected) => {
    const r = await node(join(ORCH, cli), args);
    expect(r.exitCode).toBe(0);
    expect(String(r.stdout)).toMatch(expected);
  });

  test('a stage executable', async () => {
    const r = await node(join(PROJECT_ROOT, 'dist', 'stages', 'ingest.js'), ['--help']);
    expect(r.exitCode).toBe(0);
    expect(String(r.stdout)).toContain('--data_dir');
  });
});

describe('log format', () => {
  const refused = (env: Record<string, string>, extra: string[] = []) => node(join(ORCH, 'run_all.js'), ['--data_dir', join(work, 'x'), ...extra], env);

  test('JSON lines when stderr is not a terminal', async () => {
    const r = await refused({});
    expect(String(r.stderr).trim().split('\n').every((l) => l.startsWith('{'))).toBe(true);
  });

  test('readable lines with --log-format pretty (the default on a terminal), JSON with --log-format json', async () => {
    const pretty = await refused({}, ['--log-format', 'pretty']);
    expect(String(pretty.stderr)).toMatch(/^\[\d\d:\d\d:\d\d\] ERROR: orchestrator ingest source is "synthetic"/);
    const json = await refused({ QUANTLAB_LOG_FORMAT: 'pretty' }, ['--log-format', 'json']);
    expect(String(json.stderr).startsWith('{')).toBe(true);
  });

  test('an unknown format is a usage error', async () => {
    const r = await refused({}, ['--log-format', 'xml']);
    expect(r.exitCode).toBe(2);
  });
});
