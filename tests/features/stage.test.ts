/**
 * The features stage end to end: a tiny lake from the synthetic ingest + clean executables, then the compiled
 * features stage, checked against the library computed on the same cleaned data.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type Result } from 'execa';
import { computeAllFeatures, featureNames, featuresTable, loadFeatureSpecs } from '../../lib/features/index.js';
import { LakeDb, groupPartitions, listPartitions, readPartitions } from '../../lib/lake/index.js';
import { PROJECT_ROOT } from '../../lib/stage/main.js';
import { loadCleanedSeries } from '../../lib/stages/features/load.js';
import { sha256File } from '../../lib/hash.js';
import { BUILD_ROOT, listFiles } from '../fixtures/stages/harness.js';

const START = Date.UTC(2025, 0, 1);
const INGEST = { source: 'synthetic', allow_synthetic: true, synthetic: { seed: 11, n_symbols: 3, start_ms: START, end_ms: START + 4 * 86_400_000, timeframe: '5m' } };
const SPEC_DIR = join(PROJECT_ROOT, 'spec');

let root: string;
let template: string;

function spawnStage(name: string, dataDir: string, params: object, specDir = SPEC_DIR): Promise<Result> {
  return execa(process.execPath, [join(BUILD_ROOT, 'stages', `${name}.js`), '--data_dir', dataDir, '--spec_dir', specDir, '--run_id', 'features-test', '--params_json', JSON.stringify(params)], {
    reject: false, env: { QUANTLAB_NOW_MS: '1750000000000', QUANTLAB_LOG_LEVEL: 'warn' },
  });
}

function expectOk(res: Result): void {
  if (res.exitCode !== 0) throw new Error(`stage exited ${res.exitCode}:\n${String(res.stderr)}`);
}

async function copyOfTemplate(name: string): Promise<string> {
  const d = join(root, name);
  await cp(template, d, { recursive: true });
  return d;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'quantlab-features-stage-'));
  template = join(root, 'template');
  expectOk(await spawnStage('ingest', template, INGEST));
  expectOk(await spawnStage('clean', template, { timeframe: '5m', extra_timeframes: [] }));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('features stage', () => {
  test('writes one column per spec feature, bit-identical to the library on the same cleaned bars, with a summary', async () => {
    const d = await copyOfTemplate('ok');
    expectOk(await spawnStage('features', d, { timeframe: '5m' }));
    const set = await loadFeatureSpecs(join(SPEC_DIR, 'features'));
    const names = featureNames(set);
    const lake = join(d, 'lake');
    const parts = await listPartitions(lake, featuresTable([]), { timeframe: '5m' });
    const groups = groupPartitions(parts, ['exchange', 'market', 'symbol']);
    expect([...groups.keys()]).toEqual(['SYN01USDT', 'SYN02USDT', 'SYN03USDT'].map((s) => `exchange=synthetic/market=um/symbol=${s}`));

    const expected = await computeAllFeatures(set, await loadCleanedSeries(join(lake, 'cleaned'), '5m'));
    const db = await LakeDb.open({ threads: 1 });
    try {
      for (const [, group] of groups) {
        const k = group[0]!.keys;
        const cols = await readPartitions(db, lake, featuresTable(names), group, ['ts_ms', ...names]);
        expect(cols.ts_ms!.length).toBe(4 * 288);
        const want = expected.get(`${k.exchange}/${k.market}/${k.symbol}`)!;
        for (const n of names) expect(Buffer.from((cols[n] as Float64Array).buffer).equals(Buffer.from(want[n]!.buffer))).toBe(true);
        // The Parquet schema: ts_ms then the features in spec order, as DOUBLE.
        const schema = await db.rows(`DESCRIBE SELECT * FROM read_parquet('${join(lake, group[0]!.manifest.file)}', hive_partitioning = false)`);
        expect(schema.map((r) => r[0])).toEqual(['ts_ms', ...names]);
        expect(schema.slice(1).every((r) => r[1] === 'DOUBLE')).toBe(true);
      }
    } finally {
      db.close();
    }

    const manifest = JSON.parse(await readFile(join(d, 'state', 'stages', 'features.json'), 'utf8')) as {
      summary: { rows: Record<string, number>; metrics: Record<string, number | string>; warnings?: string[] };
      parts: { specs: Record<string, string> };
    };
    expect(manifest.summary.rows).toEqual({ features: 3 * 4 * 288 });
    expect(manifest.summary.metrics.instruments).toBe(3);
    expect(manifest.summary.metrics.features).toBe(names.length);
    expect(manifest.summary.metrics.reference).toBe('synthetic/um/SYN01USDT');
    // NaN shares: ret_288 is NaN for the first 288 bars of 1152; range_1 never.
    expect(manifest.summary.metrics.nan_share_ret_288).toBe(0.25);
    expect(manifest.summary.metrics.nan_share_range_1).toBe(0);
    expect(manifest.summary.warnings).toBeUndefined();
    // The spec folder is part of the fingerprint, file by file.
    expect(Object.keys(manifest.parts.specs).sort()).toEqual(['features/derivatives.yaml', 'features/liquidity.yaml', 'features/market.yaml', 'features/price.yaml']);

    const info = JSON.parse(await readFile(join(lake, 'features', '_features.json'), 'utf8')) as {
      features: { name: string; units: string }[]; instruments: { id: string; rows: number; unavailable: Record<string, string> }[];
    };
    expect(info.features.map((f) => f.name)).toEqual(names);
    expect(info.instruments.map((i) => [i.id, i.rows])).toEqual(['SYN01USDT', 'SYN02USDT', 'SYN03USDT'].map((s) => [`synthetic/um/${s}`, 1152]));
  });

  test('is deterministic: a second run on the same lake writes byte-identical files', async () => {
    const [a, b] = [await copyOfTemplate('det-a'), await copyOfTemplate('det-b')];
    expectOk(await spawnStage('features', a, { timeframe: '5m' }));
    expectOk(await spawnStage('features', b, { timeframe: '5m' }));
    const files = await listFiles(join(a, 'lake', 'features'));
    expect(files.length).toBeGreaterThan(3);
    expect(await listFiles(join(b, 'lake', 'features'))).toEqual(files);
    for (const f of files) expect(await sha256File(join(b, 'lake', 'features', f))).toBe(await sha256File(join(a, 'lake', 'features', f)));
  });

  test('features an instrument cannot have (no open interest) are "not evaluated", naming the input and the instruments', async () => {
    const d = await copyOfTemplate('no-oi');
    for (const s of ['SYN02USDT', 'SYN03USDT']) {
      await rm(join(d, 'lake', 'cleaned', 'open_interest', 'exchange=synthetic', 'market=um', `symbol=${s}`), { recursive: true, force: true });
    }
    expectOk(await spawnStage('features', d, { timeframe: '5m' }));
    const manifest = JSON.parse(await readFile(join(d, 'state', 'stages', 'features.json'), 'utf8')) as { summary: { warnings?: string[]; metrics: Record<string, number> } };
    expect(manifest.summary.warnings).toEqual([
      // one line per cause: the features with the same missing input on the same instruments together
      'features oi_change_12, oi_change_288: not evaluated on 2 of 3 instruments: needs open_interest for SYN02USDT, SYN03USDT: ' +
        'ingest the missing data, or remove them from spec/features',
    ]);
    // SYN01USDT keeps its open interest: a third of the column has values (less the first 12 bars of warm-up)
    expect(manifest.summary.metrics.nan_share_oi_change_12).toBeGreaterThan(2 / 3);
    expect(manifest.summary.metrics.nan_share_oi_change_12).toBeLessThan(0.7);
    const info = JSON.parse(await readFile(join(d, 'lake', 'features', '_features.json'), 'utf8')) as {
      instruments: { id: string; needs: Record<string, string> }[]; not_evaluated: unknown[];
    };
    expect(info.instruments.map((i) => i.needs)).toEqual([{}, { oi_change_12: 'open_interest', oi_change_288: 'open_interest' }, { oi_change_12: 'open_interest', oi_change_288: 'open_interest' }]);
    expect(info.not_evaluated).toEqual(['oi_change_12', 'oi_change_288'].map((name) => ({
      kind: 'feature', name, needs: ['open_interest'], instruments: ['synthetic/um/SYN02USDT', 'synthetic/um/SYN03USDT'], of: 3,
    })));
  });

  test('an invalid feature spec fails with exit 3 and a located message, writing nothing', async () => {
    const d = await copyOfTemplate('bad-spec');
    const spec = join(root, 'bad-spec-dir');
    await mkdir(join(spec, 'features'), { recursive: true });
    await writeFile(join(spec, 'features', 'x.yaml'), 'features:\n  - { name: z, family: zscore, input: nope, params: { n: 5 } }\n');
    const res = await spawnStage('features', d, { timeframe: '5m' }, spec);
    expect(res.exitCode).toBe(3);
    expect(String(res.stderr)).toContain('features/x.yaml:2:39 features[0].input: unknown input \\"nope\\"');
    expect(existsSync(join(d, 'lake', 'features'))).toBe(false);
  });

  test('a timeframe clean did not produce is a data error naming it', async () => {
    const d = await copyOfTemplate('no-1h');
    const res = await spawnStage('features', d, { timeframe: '1h' });
    expect(res.exitCode).toBe(3);
    expect(String(res.stderr)).toContain('no cleaned bars of timeframe 1h');
    expect(existsSync(join(d, 'lake', 'features'))).toBe(false);
  });
});
