/**
 * lib/stage/generation.ts: a run's replaced outputs are kept until the run ends and put back byte for byte when
 * it fails, including after a kill at any step of the commit or of the rollback itself.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  discardGeneration, generationDir, generationStages, keepPreviousGeneration, recoverGenerations, rollbackGeneration, rollbackStage,
} from '../../lib/stage/generation.js';
import { commitOutputs } from '../../lib/stage/outputs.js';
import { manifestPath } from '../../lib/stage/manifest.js';
import { listFiles } from '../fixtures/stages/harness.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function put(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** Every file (hidden ones too) with its content, except the generation folder itself. */
async function contents(dataDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listFiles(dataDir)) if (!f.startsWith('.generations')) out[f] = await readFile(join(dataDir, f), 'utf8');
  return out;
}

/** A lake where stage `s` has committed out/x (two files) and its manifest; out/y does not exist yet. */
async function lake(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'quantlab-gen-'));
  dirs.push(d);
  const data = join(d, 'data');
  await put(join(data, 'out/x/a.txt'), 'old a');
  await put(join(data, 'out/x/b.txt'), 'old b');
  await put(manifestPath(data, 's'), '{"old":true}');
  return data;
}

/** What a stage does when the orchestrator runs it: stage new outputs, keep the previous generation, commit. */
async function commitNew(data: string, runId: string): Promise<void> {
  const staging = join(data, '.staging', 's', runId);
  await put(join(staging, 'out/x/a.txt'), 'new a');
  await put(join(staging, 'out/y/c.txt'), 'new c');
  const keep = await keepPreviousGeneration(data, runId, 's', ['out/x', 'out/y']);
  await commitOutputs(data, staging, ['out/x', 'out/y'], join('s', runId), keep);
  await put(manifestPath(data, 's'), '{"new":true}');
}

describe('keeping and restoring the previous generation', () => {
  test('a rollback puts back every replaced output and the manifest, and removes outputs the run created', async () => {
    const data = await lake();
    const before = await contents(data);
    await commitNew(data, 'r1');
    expect(await readFile(join(data, 'out/x/a.txt'), 'utf8')).toBe('new a');
    expect(existsSync(join(data, 'out/x/b.txt'))).toBe(false);
    expect(await generationStages(data, 'r1')).toEqual(['s']);
    expect(await rollbackGeneration(data, 'r1')).toEqual(['s']);
    expect(await contents(data)).toEqual(before);
    expect(existsSync(generationDir(data, 'r1'))).toBe(false);
  });

  test('a stage that had no manifest before the run has none after the rollback', async () => {
    const data = await lake();
    await rm(manifestPath(data, 's'));
    const before = await contents(data);
    await commitNew(data, 'r1');
    await rollbackGeneration(data, 'r1');
    expect(await contents(data)).toEqual(before);
  });

  test('discarding a successful run\'s generation keeps the new outputs and leaves nothing behind', async () => {
    const data = await lake();
    await commitNew(data, 'r1');
    const after = await contents(data);
    await discardGeneration(data, 'r1');
    expect(await contents(data)).toEqual(after);
    expect(await listFiles(join(data, '.generations'))).toEqual([]);
  });
});

describe('a kill at any step is recovered by the next run', () => {
  test('killed after the journal, before anything moved: the rollback leaves the old outputs and manifest', async () => {
    const data = await lake();
    const before = await contents(data);
    await keepPreviousGeneration(data, 'r1', 's', ['out/x', 'out/y']); // moves the manifest, then the kill
    await recoverGenerations(data);
    expect(await contents(data)).toEqual(before);
  });

  test('killed between moving the old output away and renaming the new one in', async () => {
    const data = await lake();
    const before = await contents(data);
    const keep = await keepPreviousGeneration(data, 'r1', 's', ['out/x', 'out/y']);
    await mkdir(join(keep, 'out'), { recursive: true });
    await rename(join(data, 'out/x'), join(keep, 'out/x'));
    await recoverGenerations(data);
    expect(await contents(data)).toEqual(before);
  });

  test('a rollback killed half way is finished by running it again', async () => {
    const data = await lake();
    const before = await contents(data);
    await commitNew(data, 'r1');
    // first rollback attempt: the new manifest removed and out/x restored, then killed before out/y and the manifest
    await rm(manifestPath(data, 's'));
    await rm(join(data, 'out/x'), { recursive: true });
    await rename(join(generationDir(data, 'r1'), 's', 'outputs', 'out/x'), join(data, 'out/x'));
    await rollbackStage(data, 'r1', 's');
    expect(await contents(data)).toEqual(before);
  });

  test('the next run rolls back unfinished generations and only deletes committed ones', async () => {
    const data = await lake();
    const before = await contents(data);
    await commitNew(data, 'dead-run');
    await mkdir(join(data, '.generations', '.committed-old-run', 's'), { recursive: true });
    await put(join(data, '.generations', '.committed-old-run', 's', 'journal.json'), '{"version":1,"stage":"s","outputs":{"out/x":true},"had_manifest":true}');
    expect(await recoverGenerations(data)).toEqual([{ run_id: 'dead-run', rolled_back: ['s'] }]);
    expect(await contents(data)).toEqual(before);
    expect(existsSync(join(data, '.generations'))).toBe(false);
  });
});
