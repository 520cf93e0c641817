import { describe, expect, test } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { changedParts, fingerprintOf, fingerprintParts, type FingerprintParts } from '../../lib/stage/fingerprint.js';
import { codeDigest, moduleGraph } from '../../lib/stage/code_digest.js';
import { defineStage, type JsonSchemaObject } from '../../lib/stage/definition.js';
import { withTempDir } from '../helpers/tmp.js';

async function put(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

const parts = (over: Partial<FingerprintParts> = {}): FingerprintParts => ({
  code: 'c', lockfile: 'l', node: 'v20', params: 'p', specs: { 'features/a.yaml': 's1' }, inputs: { 'lake/raw': 'i1' }, external: {}, costs: null, ...over,
});

const stage = defineStage<{ k: number }>({
  name: 'probe',
  description: 'probe',
  paramsSchema: { type: 'object', additionalProperties: false, properties: { k: { type: 'integer' } } } as JsonSchemaObject,
  inputs: () => ['lake/raw'],
  specs: () => ['features'],
  outputs: ['lake/features'],
  usesCosts: false,
  run: async () => ({}),
});

describe('stage fingerprints', () => {
  test('changed parts are named as readable reasons', () => {
    expect(changedParts(parts(), parts())).toEqual([]);
    expect(changedParts(parts(), parts({ params: 'p2', lockfile: 'l2' }))).toEqual(['dependencies', 'params']);
    expect(changedParts(parts(), parts({ inputs: { 'lake/raw': 'i2' }, specs: { 'features/a.yaml': 's1', 'features/b.yaml': 's' } })))
      .toEqual(['spec features/b.yaml', 'input lake/raw']);
  });

  test('a spec file reordered or reformatted gives the same fingerprint; a changed value does not', () =>
    withTempDir(async (dir) => {
      const specDir = join(dir, 'spec');
      const script = join(dir, 'dist', 'stages', 'probe.js');
      await put(script, 'export {};\n');
      const env = { dataDir: join(dir, 'data'), specDir, projectRoot: dir, script, committed: new Map([['lake/raw', 'raw-digest']]), costDigest: async () => '' };
      await put(join(specDir, 'features', 'vol.yaml'), 'window_bars: 12\nname: vol\n');
      const a = await fingerprintParts(stage, { k: 1 }, env);
      await put(join(specDir, 'features', 'vol.yaml'), '# comment\nname:   vol\nwindow_bars: 12\n');
      const b = await fingerprintParts(stage, { k: 1 }, env);
      expect(fingerprintOf(b)).toBe(fingerprintOf(a));
      expect(a.inputs).toEqual({ 'lake/raw': 'raw-digest' }); // from the committed manifest, not by reading the lake
      await put(join(specDir, 'features', 'vol.yaml'), 'name: vol\nwindow_bars: 24\n');
      const c = await fingerprintParts(stage, { k: 1 }, env);
      expect(changedParts(a, c)).toEqual(['spec features/vol.yaml']);
      expect(changedParts(c, await fingerprintParts(stage, { k: 2 }, env))).toEqual(['params']);
    }));

  test('the code digest covers the modules a stage imports through relative paths, and only those', () =>
    withTempDir(async (dir) => {
      const entry = join(dir, 'dist', 'stages', 's.js');
      await put(entry, "import { x } from '../lib/x.js';\nexport * from '../lib/y.js';\nawait import('../lib/z.js');\nimport 'yargs';\n");
      await put(join(dir, 'dist', 'lib', 'x.js'), "import '../lib/w.js';\nexport const x = 1;\n");
      await put(join(dir, 'dist', 'lib', 'y.js'), 'export const y = 1;\n');
      await put(join(dir, 'dist', 'lib', 'z.js'), 'export const z = 1;\n');
      await put(join(dir, 'dist', 'lib', 'w.js'), 'export const w = 1;\n');
      await put(join(dir, 'dist', 'lib', 'unrelated.js'), 'export const u = 1;\n');
      expect(moduleGraph(entry).map((f) => f.slice(dir.length))).toEqual(
        ['/dist/lib/w.js', '/dist/lib/x.js', '/dist/lib/y.js', '/dist/lib/z.js', '/dist/stages/s.js'],
      );
      const before = codeDigest(entry);
      await put(join(dir, 'dist', 'lib', 'unrelated.js'), 'export const u = 2;\n');
      expect(codeDigest(entry)).toBe(before);
      await put(join(dir, 'dist', 'lib', 'w.js'), 'export const w = 2;\n');
      expect(codeDigest(entry)).not.toBe(before);
    }));
});
