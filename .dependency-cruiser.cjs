/**
 * The layers of quantlab, as rules: the map to read first (docs/architecture.md "Layers" draws the same picture).
 * `npm run depcheck` checks them (and `npm test` runs it first, so CI fails on a violation).
 *
 * Bottom to top; a layer imports only from the layers below it (and npm packages / node: built-ins):
 *
 *   shared cores       lib/*.ts (utilities: errors, log, fsx, paths, text, hash, timeframe, market, arrays, process)
 *                      lib/lake lib/spec lib/stats lib/costs lib/engine lib/events lib/dsl lib/stage
 *   systems            lib/<system>/: the research pipeline (lib/ingest clean features research walkforward report
 *                      golden lookahead stages) and, pre-declared, lib/monitor lab mm experiments dashboard.
 *                      A system imports the shared cores and itself, never another system.
 *   stage executables  stages/*.ts: lib/ only (each is `runStageMain(definition)`)
 *   orchestrator, CLIs orchestrator/: lib/ (stages/ are spawned as processes, never imported)
 *   bench/, tests/     anything; nothing in lib/, stages/ or orchestrator/ imports them
 *
 * and no import cycle anywhere, type-only imports included.
 *
 * Why these cores. A shared core is what a second system needs to read the pipeline's results or to run a strategy:
 * the lake (readers, writers, and the raw, cleaned, features and events table schemas: lib/lake), the spec loaders
 * (lib/spec), statistics with the rolling-window primitives and the seeded RNG (lib/stats), costs (lib/costs), the
 * backtest engine (lib/engine), the strategy DSL (lib/dsl) and the event condition language it is written in
 * (lib/events: spec/events parsing, evaluateCondition, detection, and readEventPartitions, the events table reader),
 * plus the stage contract every system's stages implement and the orchestrator drives (lib/stage: definition, main,
 * manifest, fingerprint, generations). The pipeline's other lake readers (cleaned bars, plan, discovery and bridge
 * results, walk-forward inputs) live in pipeline code (lib/stages/<name>/io.ts, load.ts, table.ts): a new system
 * that needs one moves it into lib/lake first; this file refuses the import.
 *
 * Why one pipeline system, not several: its folders are the steps of one research chain and read each other's
 * types and outputs (report -> research, stages/<x> -> research, golden and lookahead -> the stages they check);
 * inside it only the no-cycle rule applies. A new lib/ folder must be added to a layer here (rule lib-folder-has-a-
 * layer) before it may import anything.
 *
 * Parsing: depcruise reads .ts through Babel (.dependency-cruiser.babel.cjs says why), so pass the sources as globs
 * (`'lib/**\/*.ts'`), not as folders: a folder scan only picks up extensions depcruise can parse itself.
 */
'use strict';

// Without Babel depcruise would not fail: it would silently read no .ts file. So a missing parser is an error here.
for (const pkg of ['@babel/core', '@babel/plugin-syntax-typescript']) {
  try {
    require.resolve(pkg);
  } catch {
    throw new Error(`.dependency-cruiser.cjs: ${pkg} is not installed, and without it no .ts file would be checked. Run npm ci (jest brings it).`);
  }
}

const CORE_FOLDERS = ['lake', 'spec', 'stats', 'costs', 'engine', 'events', 'dsl', 'stage'];
const PIPELINE_FOLDERS = ['ingest', 'clean', 'features', 'research', 'walkforward', 'report', 'golden', 'lookahead', 'stages'];
const FUTURE_SYSTEMS = ['monitor', 'lab', 'mm', 'experiments', 'dashboard'];

const UTILITIES = '^lib/[^/]+\\.ts$';
const CORE = [UTILITIES, `^lib/(?:${CORE_FOLDERS.join('|')})/`];
const PIPELINE = `^lib/(?:${PIPELINE_FOLDERS.join('|')})/`;
const FUTURE = `^lib/(${FUTURE_SYSTEMS.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'No import cycle, type-only imports included: a cycle means two modules are one. Move what both need into a ' +
        'module below them (a types file, a shared helper).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lib-not-to-apps',
      comment:
        'lib/ is the library: it never imports the orchestrator, a stage executable, a CLI, bench or tests. What lib ' +
        'needs from the orchestrator is passed in (lib/golden takes the batch runner from orchestrator/golden_batch.ts).',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(?:orchestrator|stages|bench|tests|cli)/' },
    },
    {
      name: 'utilities-are-leaves',
      comment: 'lib/*.ts are the bottom layer: they import each other (no cycles) and npm packages, no lib/ folder.',
      severity: 'error',
      from: { path: UTILITIES },
      to: { path: '^lib/[^/]+/' },
    },
    {
      name: 'cores-import-cores',
      comment:
        'A shared core imports only shared cores (see the header for the list and why): a core that reached into a ' +
        'system would drag that system into every other one.',
      severity: 'error',
      from: { path: CORE },
      to: { path: '^lib/', pathNot: CORE },
    },
    {
      name: 'pipeline-imports-pipeline-or-cores',
      comment: 'The research pipeline (one system: the header says why) imports itself and the shared cores, never another system.',
      severity: 'error',
      from: { path: PIPELINE },
      to: { path: '^lib/', pathNot: [...CORE, PIPELINE] },
    },
    {
      name: 'system-imports-itself-or-cores',
      comment:
        'A system still to come (lib/monitor, lab, mm, experiments, dashboard) imports only itself and the shared ' +
        'cores: never another system, never pipeline internals. The pipeline\'s lake outputs are read through lib/lake.',
      severity: 'error',
      from: { path: FUTURE, pathNot: '^lib/dashboard/' },
      to: { path: '^lib/', pathNot: [...CORE, '^lib/$1/'] },
    },
    {
      name: 'dashboard-imports-itself-cores-or-readers',
      comment:
        'The dashboard (lib/dashboard) is a viewer over every system: it reads their OUTPUT FILES (through its own ' +
        'readers) and imports only itself, the shared cores and, as the one public reader it needs, the experiment ' +
        'store (lib/experiments/store.ts, opened with ExperimentStore.openReadOnly: the SQLite schema lives there and ' +
        'a second copy of it would drift). No other system module, no pipeline internals.',
      severity: 'error',
      from: { path: '^lib/dashboard/' },
      to: { path: '^lib/', pathNot: [...CORE, '^lib/dashboard/', '^lib/experiments/store\\.ts$'] },
    },
    {
      name: 'lib-folder-has-a-layer',
      comment:
        'Every lib/ folder belongs to a layer named in this file. A new folder: add it to CORE_FOLDERS (only if every ' +
        'system may need it and it imports cores only), to PIPELINE_FOLDERS, or to FUTURE_SYSTEMS as a new system.',
      severity: 'error',
      from: { path: '^lib/[^/]+/', pathNot: [...CORE, PIPELINE, FUTURE] },
      to: {},
    },
    {
      name: 'stage-executables-import-lib',
      comment: 'stages/<name>.ts is runStageMain(definition): it imports lib/ only.',
      severity: 'error',
      from: { path: '^stages/' },
      to: { path: '^(?:orchestrator|stages|bench|tests|cli)/' },
    },
    {
      name: 'orchestrator-imports-lib',
      comment:
        'The orchestrator and its CLIs sit on lib/; stage executables are spawned as processes (registry scriptFor), ' +
        'never imported; bench and tests are never imported by production code.',
      severity: 'error',
      from: { path: '^orchestrator/' },
      to: { path: '^(?:stages|bench|tests|cli)/' },
    },
    {
      name: 'relative-imports-resolve',
      comment:
        'Every relative import resolves to a file. This guards the check itself: if depcruise stopped resolving ' +
        './x.js to ./x.ts, every edge would vanish and the rules above would pass over nothing.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, path: '^\\.' },
    },
  ],
  options: {
    babelConfig: { fileName: '.dependency-cruiser.babel.cjs' },
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    // `./x.js` in an import is ./x.ts on disk (NodeNext): depcruise retries without the extension, with these.
    // The exports fields and conditions let it resolve packages that only declare `exports` (yargs/helpers, ccxt).
    enhancedResolveOptions: {
      extensions: ['.ts', '.js'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
