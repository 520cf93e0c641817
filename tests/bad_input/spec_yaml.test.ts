/**
 * A spec file that is not valid YAML (here a duplicate key) in a folder a stage lists: the stage's fingerprint is
 * still taken (the file is digested by its bytes) and the stage that loads the file reports the problem located,
 * `<file>:LINE:COL key: duplicate key`, exit 3. Before, the fingerprint's YAML parse threw first: a raw
 * YAMLParseError from the orchestrator, exit 1, no file named.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, run } from './helpers.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-bad-yaml-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

test('a duplicate key in spec/features/*.yaml: the features stage names file:line:col, exit 3', async () => {
  const specDir = join(work, 'spec');
  await cp(join(ROOT, 'spec'), specDir, { recursive: true });
  const file = join(specDir, 'features', 'price.yaml');
  const text = await readFile(file, 'utf8');
  await writeFile(file, `${text}features: []\n`); // the top-level key again
  const line = text.split('\n').length; // the appended line's number (the text ends with a newline)
  const r = await run('run_all', [
    '--allow-synthetic', '--spec_dir', specDir, '--data_dir', join(work, 'data'), '--until', 'features',
    '--set', 'ingest.synthetic.n_symbols=2', '--set', 'ingest.synthetic.end_ms=1736294400000', // 7 days
  ]);
  expect(r.exitCode).toBe(3);
  expect(r.stderr).toContain(`${file}:${line}:1 features: duplicate key \\"features\\"`);
  expect(r.stderr).not.toContain('YAMLParseError');
}, 120_000);
