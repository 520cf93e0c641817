/**
 * A bad spec/pipeline.yaml: `npm run all` (dist/orchestrator/run_all.js) exits 3 before running anything, printing
 * every problem at once as `<file>:LINE:COL path: message`, and leaves the data dir alone.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectFailure, put, run, snapshot } from './helpers.js';

let work: string;
let n = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-bad-spec-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/**
 * Run the orchestrator on a spec dir holding only `yaml` as pipeline.yaml, over a small data dir that must stay as
 * it was. Returns the pipeline file's path (as printed) and the located issue lines of the error message.
 */
async function runAllWith(yaml: string): Promise<{ file: string; issues: string[] }> {
  const specDir = join(work, `spec-${++n}`);
  const file = await put(specDir, 'pipeline.yaml', yaml);
  const dataDir = join(work, `data-${n}`);
  await put(dataDir, 'lake/raw/_provenance.json', '{"source":"an earlier good ingest"}\n');
  await put(dataDir, 'state/stages/ingest.json', '{"stage":"ingest"}\n');
  const before = await snapshot(dataDir);
  const r = await run('run_all', ['--spec_dir', specDir, '--data_dir', dataDir]);
  const msg = expectFailure(r, 3);
  expect(await snapshot(dataDir)).toEqual(before);
  const issues = msg.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(`${file}:`));
  return { file, issues };
}

/** Each issue line starts with the given prefix, in order, and there are no others. */
function expectIssues(issues: string[], prefixes: string[]): void {
  expect(issues).toHaveLength(prefixes.length);
  prefixes.forEach((p, i) => expect(issues[i]!.startsWith(p) ? p : issues[i]).toBe(p));
}

describe('a bad pipeline spec stops run_all with exit 3 and every problem located', () => {
  test('unknown keys (top level and stage names) are all reported at once with LINE:COL', async () => {
    const { file, issues } = await runAllWith(['timeframe: 5m', 'jobz: 2', 'stages:', '  cleen:', '    extra_timeframes: [1h]', ''].join('\n'));
    expectIssues(issues, [
      `${file}:2:1 jobz: unknown key "jobz" (did you mean "jobs"?`,
      `${file}:4:3 stages.cleen: unknown key "cleen" (did you mean "clean"?`,
    ]);
  });

  test('wrong types (top level and a stage section) are all reported at once with LINE:COL', async () => {
    const { file, issues } = await runAllWith(['timeframe: 5m', 'jobs: two', 'stages:', '  ingest: [synthetic]', ''].join('\n'));
    expectIssues(issues, [
      `${file}:2:7 jobs: must be integer, was "two"`,
      `${file}:4:11 stages.ingest: must be object, was ["synthetic"]`,
    ]);
  });

  // FAILING (this and the next): orchestrator/pipeline.ts pipelineSchema declares each stage as a bare
  // { type: 'object' }; the stage parameters are validated afterwards by resolvePipeline -> validateParams, which
  // (1) has no file positions (the message reads "ingest params sorce: unknown key ..." and the hint "fix ingest
  // params at the positions shown"), and (2) throws at the first stage with a problem, so clean's errors only show
  // after ingest's are fixed. Fix: in resolvePipeline validate every stage first, collect all issues, and locate
  // those whose path exists in the YAML at stages.<stage>.<path> (e.g. expose from lib/spec/loader.ts a
  // parseSpecDocument(text, file) returning a locate(segments, anchor) function, and make validateSpecValue return
  // RawIssues for the caller to place); values that came from --set keep the "--set stage.key" label.
  test('unknown keys inside stage parameters are reported at once with LINE:COL, every stage', async () => {
    const yaml = ['timeframe: 5m', 'stages:', '  ingest:', '    source: synthetic', '    sorce: csv', '  clean:', '    extra_timeframe: [1h]', ''];
    const { file, issues } = await runAllWith(yaml.join('\n'));
    expectIssues(issues, [
      `${file}:5:5 stages.ingest.sorce: unknown key "sorce" (did you mean "source"?`,
      `${file}:7:5 stages.clean.extra_timeframe: unknown key "extra_timeframe" (did you mean "extra_timeframes"?`,
    ]);
  });

  test('wrong types inside stage parameters are reported at once with LINE:COL, every stage', async () => {
    const yaml = ['timeframe: 5m', 'stages:', '  ingest:', '    allow_synthetic: "yes"', '  clean:', '    outlier_mad_k: high', ''];
    const { file, issues } = await runAllWith(yaml.join('\n'));
    expectIssues(issues, [
      `${file}:4:22 stages.ingest.allow_synthetic: must be boolean, was "yes"`,
      `${file}:6:20 stages.clean.outlier_mad_k: must be number, was "high"`,
    ]);
  });
});
