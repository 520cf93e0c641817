/**
 * The stage contract (STYLE #13), one suite run over every real stage in orchestrator/registry.ts: a stage writes
 * only its declared outputs, is deterministic, fails with a named error on missing input or bad params, and never
 * leaves partial files when killed. Stages are spawned as their compiled executables, as the orchestrator does.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type Result, type ResultPromise } from 'execa';
import { REGISTRY } from '../../orchestrator/registry.js';
import { stagingRoot } from '../../lib/stage/outputs.js';
import { ExitCode } from '../../lib/errors.js';
import { sha256File } from '../../lib/hash.js';
import { LakeDb, sqlString, num } from '../../lib/lake/db.js';
import { BUILD_ROOT, listFiles } from '../fixtures/stages/harness.js';
import { CONTRACT_CASES, TINY_INGEST_PARAMS, START_MS, PIPELINE_ORDER, TEMPLATE_PARAMS } from './cases.js';

/** Fixed clock for the provenance stages record (2025-06-15T15:06:40Z). */
const NOW_MS = '1750000000000';
const STAGES = REGISTRY.map((r) => r.def.name);
const declaredOutputs = (name: string) => REGISTRY.find((r) => r.def.name === name)!.def.outputs;

let root: string;
let template: string;
let n = 0;
const newDir = () => join(root, `d${++n}`);

function spawnStage(name: string, dataDir: string, params: object, runId = 'contract-run'): ResultPromise {
  return execa(process.execPath, [join(BUILD_ROOT, 'stages', `${name}.js`), '--data_dir', dataDir, '--run_id', runId, '--params_json', JSON.stringify(params)], {
    reject: false, env: { QUANTLAB_NOW_MS: NOW_MS, QUANTLAB_LOG_LEVEL: 'warn' },
  });
}

function expectOk(res: Result): void {
  if (res.exitCode !== 0) throw new Error(`stage exited ${res.exitCode} (${res.signal ?? 'no signal'}):\n${res.stderr}`);
}

/** relative path -> sha256 of every file under `dir`, hidden files included. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of await listFiles(dir)) out.set(f, await sha256File(join(dir, f)));
  return out;
}

function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k)).sort();
}

const inside = (path: string, dirs: readonly string[]) => dirs.some((o) => path === o || path.startsWith(`${o}/`));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'quantlab-contract-'));
  template = join(root, 'template');
  for (const stage of PIPELINE_ORDER) expectOk(await spawnStage(stage, template, TEMPLATE_PARAMS[stage]!, 'template-run'));
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

test('every registered stage has a contract case', () => {
  expect([...PIPELINE_ORDER]).toEqual(STAGES);
  expect(STAGES.filter((s) => !CONTRACT_CASES[s])).toEqual([]);
  for (const s of STAGES) expect(existsSync(join(BUILD_ROOT, 'stages', `${s}.js`))).toBe(true);
});

describe.each(STAGES.filter((s) => CONTRACT_CASES[s]))('stage %s', (name) => {
  const c = CONTRACT_CASES[name]!;
  const outputs = declaredOutputs(name);
  const stampsRunId = REGISTRY.find((r) => r.def.name === name)!.def.stampsRunId === true;

  /** Three runs on identical inputs and clock: the first two with one run id, the third with another. */
  let runs: Promise<string[]> | undefined;
  const threeRuns = () =>
    (runs ??= (async () => {
      const dirs = [newDir(), newDir(), newDir()];
      for (const [i, d] of dirs.entries()) {
        await c.prepare(d, template);
        expectOk(await spawnStage(name, d, c.params, i < 2 ? 'same-run' : 'other-run'));
      }
      return dirs;
    })());

  async function expectIdenticalOutputs(a: string, b: string, runIds?: { a: string; b: string }): Promise<void> {
    for (const o of outputs) {
      const [sa, sb] = [await snapshot(join(a, o)), await snapshot(join(b, o))];
      expect(sa.size).toBeGreaterThan(0);
      expect([...sb.keys()]).toEqual([...sa.keys()]);
      const changed = changedPaths(sa, sb);
      if (runIds && stampsRunId && changed.length > 0) {
        // A stage that names its run (the report header) must differ by the run id and nothing else.
        for (const f of changed) {
          const [ta, tb] = [await readFile(join(a, o, f), 'utf8'), await readFile(join(b, o, f), 'utf8')];
          expect(tb.includes(runIds.b)).toBe(true);
          expect(tb.split(runIds.b).join(runIds.a)).toEqual(ta);
        }
      } else {
        expect(changed).toEqual([]);
      }
    }
  }

  test('writes only its declared outputs and its own manifest', async () => {
    const d = newDir();
    await c.prepare(d, template);
    const before = await snapshot(d);
    expectOk(await spawnStage(name, d, c.params));
    const after = await snapshot(d);
    const changed = changedPaths(before, after);
    expect(changed.filter((p) => !inside(p, outputs) && p !== `state/stages/${name}.json`)).toEqual([]);
    for (const o of outputs) expect(changed.some((p) => inside(p, [o]))).toBe(true);
    // The manifest records exactly the declared outputs, with digests over what is on disk.
    const m = JSON.parse(await readFile(join(d, 'state', 'stages', `${name}.json`), 'utf8')) as { outputs: Record<string, { files: number }> };
    expect(Object.keys(m.outputs).sort()).toEqual([...outputs].sort());
    for (const o of outputs) expect(m.outputs[o]!.files).toBe((await listFiles(join(d, o))).length);
  });

  test('gives byte-identical outputs on identical inputs, clock and run id', async () => {
    const [d1, d2] = await threeRuns();
    await expectIdenticalOutputs(d1!, d2!);
  });

  test('gives byte-identical outputs when only the run id differs', async () => {
    const [d1, , d3] = await threeRuns();
    await expectIdenticalOutputs(d1!, d3!, { a: 'same-run', b: 'other-run' });
  });

  test('fails with a named error and a non-zero exit when its input is missing', async () => {
    if (c.missingInput === null) return; // reads only specs: nothing to take away
    const d = newDir();
    const res = await spawnStage(name, d, c.missingInput.params);
    expect(res.exitCode).toBe(c.missingInput.exitCode);
    expect(res.stderr).toContain(c.missingInput.message);
    expect(res.stderr).toMatch(/"err_type":"(QuantError|UsageError|DataError|SpecError)"/);
    for (const o of outputs) expect(existsSync(join(d, o))).toBe(false);
  });

  test('refuses an unknown parameter with exit code 3, naming the key, and writes nothing', async () => {
    const d = newDir();
    await c.prepare(d, template);
    const before = await snapshot(d);
    const res = await spawnStage(name, d, { ...c.params, not_a_param: 1 });
    expect(res.exitCode).toBe(ExitCode.invalidInput);
    expect(res.stderr).toContain(`${name} params not_a_param: unknown key \\"not_a_param\\"`); // JSON-escaped log line
    expect(changedPaths(before, await snapshot(d))).toEqual([]);
  });
});

describe('ingest killed with SIGKILL mid-run', () => {
  /** 3 symbols x 59 days of 5m bars: long enough (about 1-2 s of work) to be killed after the first symbol's file. */
  const BIG = { ...TINY_INGEST_PARAMS, synthetic: { ...TINY_INGEST_PARAMS.synthetic, n_symbols: 3, end_ms: Date.UTC(2025, 2, 1) } };
  const BARS_PER_SYMBOL = (Date.UTC(2025, 2, 1) - START_MS) / 300_000; // 59 days * 288 bars = 16992

  async function parquetFiles(dir: string): Promise<string[]> {
    return (await listFiles(dir)).filter((f) => f.endsWith('.parquet')).map((f) => join(dir, f));
  }

  test('leaves the committed outputs unchanged, and the next run completes with readable parquet', async () => {
    const d = newDir();
    expectOk(await spawnStage('ingest', d, TINY_INGEST_PARAMS, 'previous-run'));
    const committed = await snapshot(join(d, 'lake'));
    const manifest = await readFile(join(d, 'state', 'stages', 'ingest.json'), 'utf8');

    const child = spawnStage('ingest', d, BIG, 'killed-run');
    const staging = stagingRoot(d, 'ingest', 'killed-run');
    const t0 = Date.now();
    while ((await parquetFiles(staging)).length === 0) {
      if (Date.now() - t0 > 20000) throw new Error('ingest wrote no parquet into staging within 20 s');
      await sleep(10);
    }
    child.kill('SIGKILL');
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL'); // it was killed mid-run, not finished

    // Committed outputs and the manifest are the previous version; nothing temporary outside staging.
    expect(changedPaths(committed, await snapshot(join(d, 'lake')))).toEqual([]);
    expect(await readFile(join(d, 'state', 'stages', 'ingest.json'), 'utf8')).toBe(manifest);
    const outsideStaging = (await listFiles(d)).filter((f) => !f.startsWith('.staging/'));
    expect(outsideStaging.filter((f) => /(^|\/)\.[^/]*\.tmp-/.test(f))).toEqual([]);
    expect(outsideStaging.filter((f) => f.startsWith('.trash/'))).toEqual([]);

    const rerun = await spawnStage('ingest', d, BIG, 'rerun');
    expectOk(rerun);
    expect(existsSync(staging)).toBe(false); // the killed run's staging folder was swept
    expect(await listFiles(join(d, '.staging'))).toEqual([]); // and nothing else is left in staging
    const files = await parquetFiles(join(d, 'lake'));
    expect(files.length).toBeGreaterThan(0);
    const db = await LakeDb.open({ threads: 1 });
    try {
      let klines = 0;
      for (const f of files) {
        const rows = num((await db.rows(`SELECT count(*) FROM read_parquet(${sqlString(f)})`))[0]![0]);
        const partManifest = JSON.parse(await readFile(join(f, '..', '_manifest.json'), 'utf8')) as { rows: number; sha256: string };
        expect(rows).toBe(partManifest.rows);
        expect(await sha256File(f)).toBe(partManifest.sha256);
        if (f.includes('/klines/')) klines += rows;
      }
      expect(klines).toBe(3 * BARS_PER_SYMBOL);
    } finally {
      db.close();
    }
    expect((await stat(join(d, 'state', 'stages', 'ingest.json'))).isFile()).toBe(true);
    expect(JSON.parse(await readFile(join(d, 'state', 'stages', 'ingest.json'), 'utf8')).run_id).toBe('rerun');
  });
});
