import { describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { commitOutputs, digestOutput, stagingRoot, sweepStale, undeclaredWrites } from '../../lib/stage/outputs.js';
import { sha256Hex } from '../../lib/hash.js';
import { withTempDir } from '../helpers/tmp.js';
import { listFiles } from '../fixtures/stages/harness.js';

async function put(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

describe('staged outputs', () => {
  test('files beside or outside the declared outputs are reported as undeclared, files inside them are not', () =>
    withTempDir(async (staging) => {
      await put(join(staging, 'lake/cleaned/bars/part.parquet'), 'x');
      await put(join(staging, 'lake/stray.txt'), 'x');
      await put(join(staging, 'reports/quality/q.json'), 'x');
      await put(join(staging, 'reports/other/r.json'), 'x');
      await put(join(staging, 'top.txt'), 'x');
      expect(await undeclaredWrites(staging, ['lake/cleaned', 'reports/quality'])).toEqual(['lake/stray.txt', 'reports/other', 'top.txt']);
    }));

  test('an output digest depends on relative paths and contents, not on where the tree lives or the write order', () =>
    withTempDir(async (dir) => {
      await put(join(dir, 'one/b.txt'), 'B');
      await put(join(dir, 'one/a/a.txt'), 'A');
      await put(join(dir, 'two/a/a.txt'), 'A');
      await put(join(dir, 'two/b.txt'), 'B');
      const one = await digestOutput(join(dir, 'one'));
      expect(one).toEqual(await digestOutput(join(dir, 'two')));
      // Independent computation: sha256 over sorted "relpath\0sha256(content)" lines joined by '\n'.
      expect(one.digest).toBe(sha256Hex(`a/a.txt\0${sha256Hex('A')}\nb.txt\0${sha256Hex('B')}`));
      expect(one).toMatchObject({ files: 2, bytes: 2 });
      await writeFile(join(dir, 'two/b.txt'), 'C');
      expect((await digestOutput(join(dir, 'two'))).digest).not.toBe(one.digest);
      expect(await digestOutput(join(dir, 'absent'))).toEqual({ digest: 'missing', files: 0, bytes: 0 });
    }));

  test('files above the one-read size are hashed streamed, empty ones count, nested folders in name order', () =>
    withTempDir(async (dir) => {
      const big = Buffer.alloc((1 << 20) + 12345, 7);
      big.write('the start differs', 0);
      await mkdir(join(dir, 'out/z/y'), { recursive: true });
      await writeFile(join(dir, 'out/z/y/big.bin'), big);
      await put(join(dir, 'out/empty.txt'), '');
      await put(join(dir, 'out/a.txt'), 'A');
      const d = await digestOutput(join(dir, 'out'));
      expect(d.digest).toBe(sha256Hex([`a.txt\0${sha256Hex('A')}`, `empty.txt\0${sha256Hex('')}`, `z/y/big.bin\0${sha256Hex(big)}`].join('\n')));
      expect(d).toMatchObject({ files: 3, bytes: big.length + 1 });
      // a single file is its own tree
      expect((await digestOutput(join(dir, 'out/a.txt'))).digest).toBe(sha256Hex(`\0${sha256Hex('A')}`));
    }));

  test('commit replaces the previous version of each output whole and removes outputs the stage did not write', () =>
    withTempDir(async (data) => {
      await put(join(data, 'out/a/old.txt'), 'old');
      await put(join(data, 'out/b/old.txt'), 'old');
      const staging = stagingRoot(data, 'st', 'run1');
      await put(join(staging, 'out/a/new.txt'), 'new');
      await commitOutputs(data, staging, ['out/a', 'out/b'], 'st-run1');
      expect(await listFiles(data)).toEqual(['out/a/new.txt']); // no staging, no trash, no old files left
      expect(await readFile(join(data, 'out/a/new.txt'), 'utf8')).toBe('new');
    }));

  test('sweeping removes the staging folders left by killed runs of that stage only', () =>
    withTempDir(async (data) => {
      const killedClean = stagingRoot(data, 'clean', '20250101T000000Z-aaaa');
      const runningIngest = stagingRoot(data, 'ingest', '20250101T000000Z-bbbb');
      await put(join(killedClean, 'lake/cleaned/x'), 'partial');
      await put(join(runningIngest, 'lake/raw/x'), 'partial');
      await sweepStale(data, 'clean');
      expect(existsSync(killedClean)).toBe(false);
      expect(await readFile(join(runningIngest, 'lake/raw/x'), 'utf8')).toBe('partial');
    }));

  // BUG (lib/stage/outputs.ts sweepStale: `if (e.startsWith(`${stage}-`)) await rm(...)`): staging folders are
  // named `<stage>-<run_id>`, so sweeping stage `features` also deletes the live staging folder of a stage named
  // `features-1h` running in parallel (`features-1h-<run_id>` starts with `features-`); run ids are free text
  // (--run_id), so no pattern can tell them apart. Fix: one folder per stage: stagingRoot returns
  // `join(dataDir, '.staging', stage, runId)`, sweepStale does `rm(join(root, stage), {recursive, force})` for
  // root in .staging/.trash, and main.ts passes `join(def.name, inv.runId)` as commitOutputs' trash name.
  // (Verified on a scratch copy: this test then passes.) Remove `.failing` once fixed.
  test('sweeping one stage leaves the staging folder of a stage whose name starts with it', () =>
    withTempDir(async (data) => {
      const other = stagingRoot(data, 'features-1h', '20250101T000000Z-cccc');
      await put(join(other, 'lake/features_1h/x'), 'in progress');
      await sweepStale(data, 'features');
      expect(existsSync(other)).toBe(true);
    }));
});
