/**
 * Issue 9.1: values that become paths can never escape their root. `resolveInside` refuses `..`, absolute parts,
 * percent-encoded and Unicode look-alike separators, backslashes, NUL and symlinks that leave the root; every input
 * that becomes a path (--run_id of npm run all and of a stage executable, --set keys, event and concept names, a
 * lake/ symlinked out of the data dir) is refused with its exit code, and a before/after snapshot of a "victim"
 * folder beside the data dir proves nothing outside the root was touched.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { PROJECT_ROOT } from '../../lib/stage/main.js';
import { assertSafeName, IDENTIFIER_PATTERN, isSafeName, resolveInside, RUN_ID_PATTERN } from '../../lib/paths.js';
import { DataError, SpecError, UsageError, exitCodeOf } from '../../lib/errors.js';
import { newRunId } from '../../lib/stage/run_id.js';
import { setOverride } from '../../lib/stage/params.js';
import { recoverGenerations, rollbackGeneration } from '../../lib/stage/generation.js';
import { stagingRoot } from '../../lib/stage/outputs.js';
import { loadCatalog } from '../../lib/research/catalog.js';
import { loadConcepts } from '../../lib/research/concepts.js';
import { parseEventSpecs } from '../../lib/events/spec.js';
import { FEATURE_NAME_PATTERN } from '../../lib/features/spec.js';
import { templatesStage } from '../../lib/stages/templates/definition.js';
import { runStage, writeSpec } from '../research/plan/fixtures.js';

const ORCH = join(PROJECT_ROOT, 'dist', 'orchestrator');
const STAGES = join(PROJECT_ROOT, 'dist', 'stages');
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-paths-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Every entry under `dir` (not following symlinks): type, size, mtime and content hash. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(p: string, rel: string): Promise<void> {
    const st = await lstat(p);
    if (st.isSymbolicLink()) out[rel] = `link ${await readlink(p)}`;
    else if (st.isDirectory()) {
      out[rel] = `dir ${st.mtimeMs}`;
      for (const e of (await readdir(p)).sort()) await walk(join(p, e), `${rel}/${e}`);
    } else out[rel] = `file ${st.size} ${st.mtimeMs} ${createHash('sha256').update(await readFile(p)).digest('hex')}`;
  }
  await walk(dir, '.');
  return out;
}

/** A case folder: `<case>/victim` (files that must stay untouched) beside `<case>/d` (the data dir). */
async function caseDir(name: string): Promise<{ base: string; data: string; victim: string }> {
  const base = join(work, name);
  const victim = join(base, 'victim');
  await mkdir(join(victim, 'sub'), { recursive: true });
  await writeFile(join(victim, 'precious.txt'), 'do not delete\n');
  await writeFile(join(victim, 'sub', 'run.json'), '{"mine": true}\n');
  return { base, data: join(base, 'd'), victim };
}

function node(script: string, args: string[]) {
  return execa(process.execPath, [script, ...args], { reject: false, cwd: PROJECT_ROOT, env: { QUANTLAB_LOG_FORMAT: 'json' } });
}

function errorLine(stderr: unknown): string {
  const lines = String(stderr).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string });
  return lines.filter((l) => l.level === 50).map((l) => l.msg).join('\n');
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

async function rejected(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** The inputs that try to leave the root, each as one path part. */
const ESCAPES: [string, string, RegExp][] = [
  ['..', '../victim', /"\.\." segment/],
  ['.. inside a part', 'a/../../victim', /"\.\." segment/],
  ['absolute', '/etc/passwd', /absolute part/],
  ['%2e%2e%2f', '%2e%2e%2fvictim', /percent-encoded/],
  ['%2F', '..%2Fvictim', /percent-encoded/],
  ['U+2215 division slash', '..\u2215victim', /look-alike separator U\+2215/],
  ['U+FF0F fullwidth solidus', '..\uFF0Fvictim', /look-alike separator U\+FF0F/],
  ['U+2044 fraction slash', '..\u2044victim', /look-alike separator U\+2044/],
  ['U+FF0E fullwidth dots (NFKC ..)', '\uFF0E\uFF0E', /normalise to a separator or dot segment/],
  ['backslash', '..\\victim', /backslash/],
  ['NUL', 'a\0b', /NUL/],
  ['empty segment', 'a//b', /empty segment/],
];

describe('resolveInside: the unit matrix', () => {
  test.each(ESCAPES)('refuses %s (DataError, exit 3) and creates nothing', async (_what, part, reason) => {
    const { data, base, victim } = await caseDir(`unit-${ESCAPES.findIndex((e) => e[1] === part)}`);
    const before = await snapshot(base);
    const err = thrown(() => resolveInside(data, 'reports', part));
    expect(err).toBeInstanceOf(DataError);
    expect(exitCodeOf(err)).toBe(3);
    expect((err as DataError).message).toMatch(reason);
    expect((err as DataError).message).toContain(data); // located: the root and the parts
    expect(await snapshot(base)).toEqual(before);
    expect(existsSync(victim)).toBe(true);
  });

  test('a symlink leaving the root is refused; one inside the root is followed; a dangling one is refused', async () => {
    const { data, victim } = await caseDir('unit-links');
    await mkdir(join(data, 'real'), { recursive: true });
    await symlink(victim, join(data, 'out'), 'dir');
    await symlink(join(data, 'real'), join(data, 'in'), 'dir');
    await symlink(join(victim, 'nothing-yet'), join(data, 'dangling'));
    const out = thrown(() => resolveInside(data, 'out', 'precious.txt'));
    expect(out).toBeInstanceOf(DataError);
    expect((out as Error).message).toMatch(/a symlink leads out of the root: .*\/d\/out\/precious\.txt is really .*\/victim\/precious\.txt/);
    expect(() => resolveInside(data, 'out')).toThrow(DataError);
    expect(() => resolveInside(data, 'out/new/deeper')).toThrow(DataError); // not existing yet below the link
    expect(() => resolveInside(data, 'dangling')).toThrow(/dangling symlink/);
    expect(resolveInside(data, 'in', 'x/y')).toBe(join(data, 'in', 'x', 'y'));
    expect(resolveInside(data, 'lake/raw', 'klines')).toBe(join(data, 'lake', 'raw', 'klines'));
    expect(resolveInside(data)).toBe(data);
  });

  test('the root itself may be a symlink (a data dir on another disk); a root that does not exist yet is fine', async () => {
    const { base, victim } = await caseDir('unit-root-link');
    await symlink(victim, join(base, 'data-link'), 'dir');
    expect(resolveInside(join(base, 'data-link'), 'sub', 'run.json')).toBe(join(base, 'data-link', 'sub', 'run.json'));
    expect(resolveInside(join(base, 'not', 'yet'), 'a', 'b')).toBe(join(base, 'not', 'yet', 'a', 'b'));
  });

  test('lib/stage paths go through it: a staging folder from a bad run id is refused', () => {
    expect(() => stagingRoot(join(work, 'x'), 'clean', '../../victim')).toThrow(DataError);
    expect(stagingRoot(join(work, 'x'), 'clean', 'r1')).toBe(join(work, 'x', '.staging', 'clean', 'r1'));
  });
});

describe('assertSafeName: one pattern per kind, located errors', () => {
  const BAD = ['../../../victim', '/abs', '%2e%2e%2f', 'a\u2215b', 'a\uFF0Fb', 'a\\b', 'a\0b', '', '.hidden', 'a b', 'a/b', '-x'];
  test.each(BAD)('run id %j is a usage error (exit 2) naming --run_id and the pattern', (v) => {
    const err = thrown(() => assertSafeName('run_id', v, { flag: '--run_id' }));
    expect(err).toBeInstanceOf(UsageError);
    expect(exitCodeOf(err)).toBe(2);
    expect((err as Error).message).toBe(`--run_id must match ${RUN_ID_PATTERN}, was ${JSON.stringify(v)}`);
  });

  test('generated and conventional run ids pass', () => {
    for (const v of [newRunId(new Date()), 'golden', 'run-1', 'planted-3-edges', 'bench_features']) expect(isSafeName('run_id', v)).toBe(true);
  });

  test('a spec value is a SpecError (exit 3) at its location', () => {
    const err = thrown(() => assertSafeName('identifier', '../../../evil', { spec: 'spec/x.yaml:3:9 events[0].name' }));
    expect(err).toBeInstanceOf(SpecError);
    expect(exitCodeOf(err)).toBe(3);
    expect((err as Error).message).toBe(`spec/x.yaml:3:9 events[0].name: must match ${IDENTIFIER_PATTERN}, was "../../../evil"`);
  });

  test('the feature name pattern is the identifier pattern (one source)', () => {
    expect(FEATURE_NAME_PATTERN).toBe(IDENTIFIER_PATTERN);
  });
});

describe('--run_id on the command line', () => {
  // '<abs>' stands for an absolute path into the case's victim folder (known only once the case folder exists).
  const RUN_IDS = ['../../../victim', '../../../victim/sub', '<abs>', '..%2f..%2f..%2fvictim', '..\u2215..\u2215victim', '..\\..\\victim'];
  const clis: [string, (data: string, runId: string) => [string, string[]]][] = [
    ['npm run all', (data, runId) => [join(ORCH, 'run_all.js'), ['--data_dir', data, '--run_id', runId, '--allow-synthetic', '--only', 'templates']]],
    ['the templates stage executable', (data, runId) => [join(STAGES, 'templates.js'), ['--data_dir', data, '--run_id', runId]]],
  ];
  const cases = clis.flatMap(([cli, argv]) => RUN_IDS.map((r) => [cli, r, argv] as const));
  test.each(cases)('%s --run_id %j: exit 2, nothing outside the data dir touched, nothing written', async (cli, runId, argv) => {
    const { base, data, victim } = await caseDir(`runid-${cases.findIndex((c) => c[0] === cli && c[1] === runId)}`);
    const id = runId === '<abs>' ? join(victim, 'sub') : runId;
    await mkdir(data);
    const before = await snapshot(base);
    const [script, args] = argv(data, id);
    const r = await node(script, args);
    expect(r.exitCode).toBe(2);
    expect(errorLine(r.stderr)).toContain(`--run_id must match ${RUN_ID_PATTERN}, was ${JSON.stringify(id)}`);
    expect(await snapshot(base)).toEqual(before);
  });

  test('control: a plain run id runs and records reports/runs/<run_id>/run.json inside the data dir', async () => {
    const { base, data, victim } = await caseDir('runid-ok');
    const before = await snapshot(victim);
    const r = await node(join(ORCH, 'run_all.js'), ['--data_dir', data, '--run_id', 'safe-run_1', '--allow-synthetic', '--only', 'templates']);
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(data, 'reports', 'runs', 'safe-run_1', 'run.json'))).toBe(true);
    expect(existsSync(join(data, 'research', 'templates', 'templates.jsonl'))).toBe(true);
    expect(await snapshot(victim)).toEqual(before);
    expect((await readdir(base)).sort()).toEqual(['d', 'victim']);
  });
});

describe('--set keys', () => {
  test.each(['..', 'a..b', '__proto__.polluted', 'a/../../victim', 'x\u2215y', 'A'])('setOverride refuses key path %j (exit 2)', (path) => {
    const err = thrown(() => setOverride({}, path, '1'));
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(new RegExp(`^--set ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: a key must match`));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test.each([
    ['npm run all', 'templates...victim=1'],
    ['npm run all', 'templates.a/../../../victim=1'],
    ['the templates stage executable', '../../victim=1'],
    ['the templates stage executable', 'x..y=1'],
  ])('%s --set %j: exit 2, nothing outside the data dir touched', async (cli, set) => {
    const { base, data } = await caseDir(`set-${cli.length}-${set.length}`);
    await mkdir(data);
    const before = await snapshot(base);
    const r = cli === 'npm run all'
      ? await node(join(ORCH, 'run_all.js'), ['--data_dir', data, '--set', set, '--allow-synthetic', '--only', 'templates'])
      : await node(join(STAGES, 'templates.js'), ['--data_dir', data, '--set', set]);
    expect(r.exitCode).toBe(2);
    expect(errorLine(r.stderr)).toMatch(/--set .*: a key must match/);
    expect(await snapshot(base)).toEqual(before);
  });
});

describe('event and concept names (templates uses the events stage pattern)', () => {
  const EVENT = (name: string, family = 'spike') =>
    `events:\n  - name: ${JSON.stringify(name)}\n    family: ${JSON.stringify(family)}\n    condition: {feature: x, op: '>', value: 1}\n    direction: long\n    cooldown_bars: 0\n`;
  const CONCEPT = (family: string) =>
    `concepts:\n  - id: c1\n    claim: c\n    event_family: ${JSON.stringify(family)}\n    expected: follow\n    horizons_bars: [4]\n    universe: all\n`;
  const NAMES = ['../../../evil', 'evil/../../x', 'Spike', 'sp\u2215ike', 'a\\b', 'a b', '_x', 'a'.repeat(64), 'ok_name', 'spike_2'];

  test.each(NAMES)('event name %j: the templates catalog accepts it exactly when the events stage does', async (name) => {
    const eventsOk = (() => {
      try {
        parseEventSpecs([{ file: 'spec/events/e.yaml', text: EVENT(name) }], new Set(['x']));
        return true;
      } catch (e) {
        if (e instanceof SpecError) return false;
        throw e;
      }
    })();
    const spec = join(work, `catalog-${NAMES.indexOf(name)}`, 'spec');
    await writeSpec(spec, { 'events/e.yaml': EVENT(name) });
    const catalogErr = await loadCatalog(spec).then(() => undefined, (e: unknown) => e);
    expect(catalogErr === undefined).toBe(eventsOk);
    expect(eventsOk).toBe(/^[a-z][a-z0-9_]{0,62}$/.test(name));
    if (catalogErr) {
      expect(catalogErr).toBeInstanceOf(SpecError);
      expect((catalogErr as Error).message).toMatch(/^spec\/events\/e\.yaml:2:\d+ events\[0\]\.name: /);
    }
  });

  test('spec/events naming an event ../../../evil: the templates stage fails (exit 3, located) and writes no templates.jsonl', async () => {
    const { base, data, victim } = await caseDir('templates-evil');
    const spec = join(base, 'spec');
    await writeSpec(spec, { 'events/e.yaml': EVENT('../../../evil'), 'concepts/c.yaml': CONCEPT('spike'), 'features/f.yaml': 'features: []\n' });
    const before = await snapshot(victim);
    const err = await rejected(runStage(templatesStage, data, spec, {}));
    expect(exitCodeOf(err)).toBe(3);
    expect((err as Error).message).toMatch(/spec\/events\/e\.yaml:2:\d+ events\[0\]\.name: .*"\.\.\/\.\.\/\.\.\/evil"/);
    expect(existsSync(join(data, 'research', 'templates'))).toBe(false);
    expect(await snapshot(victim)).toEqual(before);
  });

  test.each(['../../../evil', 'Spike', 'a.b'])('a concept with event_family %j is a located spec error (exit 3)', async (family) => {
    const spec = join(work, `concept-${family.length}`, 'spec');
    await writeSpec(spec, { 'concepts/c.yaml': CONCEPT(family) });
    const err = await rejected(loadConcepts(spec));
    expect(err).toBeInstanceOf(SpecError);
    expect((err as Error).message).toMatch(/spec\/concepts\/c\.yaml:4:\d+ concepts\[0\]\.event_family: /);
  });
});

describe('a generation journal read from disk is checked before anything is removed', () => {
  test('an output path ../victim in a journal is refused and the victim is untouched', async () => {
    const { base, data, victim } = await caseDir('journal');
    const entry = join(data, '.generations', 'r1', 's');
    await mkdir(entry, { recursive: true });
    await writeFile(join(entry, 'journal.json'), JSON.stringify({ version: 1, stage: 's', outputs: { '../victim': false }, had_manifest: false }));
    const before = await snapshot(victim);
    const err = await rejected(rollbackGeneration(data, 'r1'));
    expect(err).toBeInstanceOf(DataError);
    expect(await snapshot(victim)).toEqual(before);
    // A folder no run can have made is not taken for a run id; recovery removes it with the generations folder.
    await rm(join(data, '.generations'), { recursive: true });
    await mkdir(join(data, '.generations', '..%2fvictim', 's'), { recursive: true });
    await writeFile(join(data, '.generations', '..%2fvictim', 's', 'journal.json'), JSON.stringify({ version: 1, stage: 's', outputs: { '../victim': false }, had_manifest: false }));
    expect(await recoverGenerations(data)).toEqual([]);
    expect(existsSync(join(data, '.generations'))).toBe(false);
    expect(await snapshot(victim)).toEqual(before);
    expect((await readdir(base)).sort()).toEqual(['d', 'victim']);
  });
});

describe('a data dir whose lake/ is a symlink to outside it: refused (docs/architecture.md "Paths")', () => {
  test.each([
    ['npm run all', (d: string) => [join(ORCH, 'run_all.js'), ['--data_dir', d, '--allow-synthetic', '--only', 'templates']]],
    ['npm run all (clean)', (d: string) => [join(ORCH, 'run_all.js'), ['--data_dir', d, '--allow-synthetic', '--only', 'clean', '--force']]],
    ['the clean stage executable', (d: string) => [join(STAGES, 'clean.js'), ['--data_dir', d, '--timeframe', '5m']]],
  ] as [string, (d: string) => [string, string[]]][])('%s: exit 3, naming the symlink; nothing written on either side', async (what, argv) => {
    const { base, data, victim } = await caseDir(`lake-link-${what.length}`);
    await mkdir(join(victim, 'raw'), { recursive: true });
    await writeFile(join(victim, 'raw', 'keep.parquet'), 'not really parquet');
    await mkdir(data);
    await symlink(victim, join(data, 'lake'), 'dir');
    const before = await snapshot(base);
    const [script, args] = argv(data);
    const r = await node(script, args);
    expect(r.exitCode).toBe(3);
    expect(errorLine(r.stderr)).toMatch(/refused a path outside the data root: a symlink leads out of the root: .*\/d\/lake\/\S+ is really .*\/victim\//);
    expect(await snapshot(base)).toEqual(before);
  });

  test('a lake/ symlinked to a folder inside the data dir works', async () => {
    const { data, victim } = await caseDir('lake-link-inside');
    await mkdir(join(data, 'store', 'lake'), { recursive: true });
    await symlink(join(data, 'store', 'lake'), join(data, 'lake'), 'dir');
    await mkdir(join(data, 'store', 'research'), { recursive: true });
    await symlink(join(data, 'store', 'research'), join(data, 'research'), 'dir');
    const before = await snapshot(victim);
    const r = await node(join(ORCH, 'run_all.js'), ['--data_dir', data, '--run_id', 'inside-1', '--allow-synthetic', '--only', 'templates']);
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(data, 'store', 'research', 'templates', 'templates.jsonl'))).toBe(true);
    expect(await snapshot(victim)).toEqual(before);
  });
});
