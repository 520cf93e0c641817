/**
 * The layer rules (.dependency-cruiser.cjs, docs/architecture.md "Layers") bite: over a small tree written here,
 * with one violation of each rule and edges every layer is allowed, depcruise reports exactly the violations; and
 * on the real lib/dsl it reads the TypeScript (type-only imports included) and finds nothing. `npm run depcheck`
 * checks the whole tree (npm test runs it before jest).
 */
import { describe, expect, test } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractBabelConfig from 'dependency-cruiser/config-utl/extract-babel-config';
import { PROJECT_ROOT } from '../../lib/stage/main.js';
import { withTempDir } from '../helpers/tmp.js';

const SOURCES = ['lib/**/*.ts', 'stages/**/*.ts', 'orchestrator/**/*.ts', 'bench/**/*.ts', 'tests/**/*.ts'];

async function depcruise(baseDir: string, sources: string[]): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(join(PROJECT_ROOT, '.dependency-cruiser.cjs'));
  const babelConfig = await extractBabelConfig(join(PROJECT_ROOT, '.dependency-cruiser.babel.cjs'));
  const r = await cruise(sources, { ...options, baseDir }, {}, { babelConfig });
  if (typeof r.output === 'string') throw new Error('depcruise returned a formatted report, not a result');
  return r.output;
}

const violations = (r: ICruiseResult): string[] =>
  r.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();

/** One file per line: path, then its source. */
const TREE: Record<string, string> = {
  // allowed: utilities import utilities; a core imports cores; the pipeline imports cores and itself; a system
  // imports cores and itself; stage executables import lib/; the orchestrator imports lib/; bench and tests anything
  'lib/log.ts': `export const log = 1;`,
  'lib/errors.ts': `import { log } from './log.js'; export const e = log;`,
  'lib/lake/db.ts': `import { e } from '../errors.js'; export const db = e;`,
  'lib/events/spec.ts': `import { db } from '../lake/db.js'; export type Condition = number; export const spec = db;`,
  'lib/dsl/types.ts': `import type { Condition } from '../events/spec.js'; export interface Blueprint { c: Condition }`,
  'lib/features/f.ts': `import { spec } from '../events/spec.js'; export const f = spec;`,
  'lib/research/r.ts': `import { f } from '../features/f.js'; import type { Blueprint } from '../dsl/types.js'; export const r = (b: Blueprint) => [f, b];`,
  'lib/stages/x/params.ts': `export type XParams = Record<string, never>;`,
  'lib/stages/x/definition.ts': `import type { XParams } from './params.js'; export const run = async (p: XParams) => (await import('./run.js')).go(p);`,
  'lib/stages/x/run.ts': `import type { XParams } from './params.js'; import { r } from '../../research/r.js'; export const go = (p: XParams) => [p, r];`,
  'lib/monitor/feed.ts': `export const feed = 1;`,
  'lib/monitor/m.ts': `import { feed } from './feed.js'; import { db } from '../lake/db.js'; export const m = [feed, db];`,
  'lib/experiments/store.ts': `import { db } from '../lake/db.js'; export const store = db;`,
  'lib/experiments/lifecycle.ts': `import { store } from './store.js'; export const lc = store;`,
  'lib/dashboard/d.ts': `import { store } from '../experiments/store.js'; import { db } from '../lake/db.js'; export const d = [store, db];`, // the viewer's one reader
  'stages/x.ts': `import { run } from '../lib/stages/x/definition.js'; export const main = run;`,
  'orchestrator/registry.ts': `import { run } from '../lib/stages/x/definition.js'; export const REGISTRY = [run];`,
  'bench/b.ts': `import { main } from '../stages/x.js'; import { REGISTRY } from '../orchestrator/registry.js'; export const b = [main, REGISTRY];`,
  'tests/t.test.ts': `import { b } from '../bench/b.js'; import { m } from '../lib/monitor/m.js'; export const t = [b, m];`,

  // one violation of each rule
  'lib/arrays.ts': `import { db } from './lake/db.js'; export const a = db;`, // utilities-are-leaves
  'lib/dsl/signals.ts': `import { f } from '../features/f.js'; export const s = f;`, // cores-import-cores
  'lib/dsl/slice.ts': `import type { Compiled } from './compile.js'; export interface Slice { c?: Compiled }`, // no-circular (type-only)
  'lib/dsl/compile.ts': `import type { Slice } from './slice.js'; export interface Compiled { s?: Slice }`,
  'lib/stages/y/definition.ts': `export type YParams = number; export const run = async () => (await import('./run.js')).go;`, // no-circular (dynamic)
  'lib/stages/y/run.ts': `import type { YParams } from './definition.js'; export const go = (p: YParams) => p;`,
  'lib/golden/batch.ts': `import { REGISTRY } from '../../orchestrator/registry.js'; export const g = REGISTRY;`, // lib-not-to-apps
  'lib/lab/l.ts': `import { m } from '../monitor/m.js'; import { r } from '../research/r.js'; export const l = [m, r];`, // system-imports-itself-or-cores (x2)
  'lib/report/rep.ts': `import { l } from '../lab/l.js'; export const rep = l;`, // pipeline-imports-pipeline-or-cores
  'lib/dashboard/bad.ts': `import { m } from '../monitor/m.js'; import { lc } from '../experiments/lifecycle.js'; export const bad = [m, lc];`, // dashboard-imports-itself-cores-or-readers (x2)
  'lib/newthing/n.ts': `import { log } from '../log.js'; export const n = log;`, // lib-folder-has-a-layer
  'stages/bad.ts': `import { REGISTRY } from '../orchestrator/registry.js'; export const bad = REGISTRY;`, // stage-executables-import-lib
  'orchestrator/bad.ts': `import { main } from '../stages/x.js'; export const bad = main;`, // orchestrator-imports-lib
  'orchestrator/typo.ts': `import { nothing } from './registyr.js'; export const typo = nothing;`, // relative-imports-resolve
};

describe('the layer rules (.dependency-cruiser.cjs)', () => {
  test('report one violation of each rule in a small tree, and nothing for the allowed edges', async () => {
    await withTempDir(async (dir) => {
      for (const [file, source] of Object.entries(TREE)) {
        await mkdir(dirname(join(dir, file)), { recursive: true });
        await writeFile(join(dir, file), source + '\n');
      }
      const r = await depcruise(dir, SOURCES);
      // every file was read (depcruise skips what it cannot parse without a word)
      expect(r.modules.filter((m) => m.source.endsWith('.ts')).map((m) => m.source).sort()).toEqual(Object.keys(TREE).sort());
      expect(violations(r).filter((v) => !v.startsWith('no-circular'))).toEqual([
        'cores-import-cores: lib/dsl/signals.ts -> lib/features/f.ts',
        'dashboard-imports-itself-cores-or-readers: lib/dashboard/bad.ts -> lib/experiments/lifecycle.ts',
        'dashboard-imports-itself-cores-or-readers: lib/dashboard/bad.ts -> lib/monitor/m.ts',
        'lib-folder-has-a-layer: lib/newthing/n.ts -> lib/log.ts',
        'lib-not-to-apps: lib/golden/batch.ts -> orchestrator/registry.ts',
        'orchestrator-imports-lib: orchestrator/bad.ts -> stages/x.ts',
        'pipeline-imports-pipeline-or-cores: lib/report/rep.ts -> lib/lab/l.ts',
        'relative-imports-resolve: orchestrator/typo.ts -> ./registyr.js',
        'stage-executables-import-lib: stages/bad.ts -> orchestrator/registry.ts',
        'system-imports-itself-or-cores: lib/lab/l.ts -> lib/monitor/m.ts',
        'system-imports-itself-or-cores: lib/lab/l.ts -> lib/research/r.ts',
        'utilities-are-leaves: lib/arrays.ts -> lib/lake/db.ts',
      ]);
      // both cycles, one through type-only imports and one through a dynamic import(), whichever edge depcruise names
      const cycles = r.summary.violations.filter((v) => v.rule.name === 'no-circular').map((v) => [v.from, ...(v.cycle ?? []).map((c) => c.name)].sort().join(' '));
      expect(new Set(cycles)).toEqual(new Set([
        'lib/dsl/compile.ts lib/dsl/compile.ts lib/dsl/slice.ts',
        'lib/stages/y/definition.ts lib/stages/y/definition.ts lib/stages/y/run.ts',
      ]));
    });
  });

  test('read the real lib/dsl: type-only imports are edges, ./x.js resolves to x.ts, no violation', async () => {
    const r = await depcruise(PROJECT_ROOT, ['lib/dsl/*.ts']);
    expect(violations(r)).toEqual([]);
    const rule = r.modules.find((m) => m.source === 'lib/dsl/rule.ts');
    // rule.ts: `import type { MarketSlice, RunWindow } from './slice.js'`, `import type { ... } from '../engine/index.js'`,
    // and value imports such as `from './decisions.js'`
    expect(rule?.dependencies.map((d) => d.resolved)).toEqual(expect.arrayContaining(['lib/dsl/slice.ts', 'lib/engine/index.ts', 'lib/dsl/decisions.ts']));
    expect(rule?.dependencies.some((d) => d.couldNotResolve)).toBe(false);
  });
});
