/**
 * The events stage on a small features lake written here with writeMonthlyPartitions(featuresTable(...)):
 * its rows equal detectEvents on the same arrays, partitioned by instrument, timeframe and month; ties ordered by
 * event name; a located error for an instrument lacking a feature; a SpecError for an unknown feature.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { EventsInfo } from '../../lib/stages/events/run.js';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { LakeDb, listPartitions, writeMonthlyPartitions } from '../../lib/lake/index.js';
import { sqlString } from '../../lib/lake/db.js';
import { EVENTS_TABLE, featuresTable } from '../../lib/lake/derived.js';
import { detectEvents, parseEventSpecs, readEventPartitions } from '../../lib/events/index.js';
import { executeStage } from '../../lib/stage/main.js';
import { silentLogger } from '../../lib/log.js';
import { DataError, SpecError } from '../../lib/errors.js';
import { eventsStage } from '../../lib/stages/events/definition.js';
import { withTempDir } from '../helpers/tmp.js';

const BUILD_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = join(BUILD_ROOT, 'stages', 'events.js');
const STEP = 300_000;
const START = Date.UTC(2024, 0, 31, 20, 0); // 4 h before a month boundary

const SPEC = `events:
  - name: up_cross
    family: cross
    condition: {cross_above: {feature: x, value: 0.5}}
    direction: long
    cooldown_bars: 3
    attributes: [x, y]
  - name: big_y
    family: level
    condition: {all: [{feature: y, op: '>', value: 0.8}, {feature: oi, op: '<', value: 0}]}
    direction: {sign_of: x}
    cooldown_bars: 0
`;

/** Deterministic features: x a slow wave (crosses 0.5 regularly), y a faster one, oi missing half the time. */
function featureArrays(n: number, phase: number): { ts: Float64Array; cols: Record<string, Float64Array> } {
  const ts = Float64Array.from({ length: n }, (_, i) => START + i * STEP);
  const x = Float64Array.from({ length: n }, (_, i) => Math.sin((i + phase) / 7));
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin((i + phase) / 3));
  const oi = Float64Array.from({ length: n }, (_, i) => (i % 20 < 10 ? NaN : Math.cos(i / 5)));
  // Make big_y fire on the bars where x crosses 0.5 too: ties that must come out ordered by event name.
  for (let i = 1; i < n; i++) if (x[i - 1]! <= 0.5 && x[i]! > 0.5) [y[i], oi[i]] = [0.9, -0.5];
  return { ts, cols: { x, y, oi } };
}

let db: LakeDb;
beforeAll(async () => {
  db = await LakeDb.open({ threads: 2 });
});
afterAll(() => db.close());

async function makeLake(dir: string, opts: { dropOiFor?: string } = {}) {
  const dataDir = join(dir, 'data');
  const specDir = join(dir, 'spec');
  await mkdir(join(specDir, 'events'), { recursive: true });
  await writeFile(join(specDir, 'events', 'test.yaml'), SPEC);
  const inputs: Record<string, { ts: Float64Array; cols: Record<string, Float64Array> }> = {};
  for (const [symbol, phase] of [['AAAUSDT', 0], ['BBBUSDT', 11]] as const) {
    const a = featureArrays(120, phase);
    const names = symbol === opts.dropOiFor ? ['x', 'y'] : ['x', 'y', 'oi'];
    const data = Object.fromEntries([['ts_ms', a.ts], ...names.map((k) => [k, a.cols[k]!])]);
    await writeMonthlyPartitions(db, join(dataDir, 'lake'), featuresTable(names), { exchange: 'synthetic', market: 'um', symbol, timeframe: '5m' }, data);
    // Another timeframe the stage must ignore.
    await writeMonthlyPartitions(db, join(dataDir, 'lake'), featuresTable(names), { exchange: 'synthetic', market: 'um', symbol, timeframe: '1h' }, { ts_ms: Float64Array.of(START), x: Float64Array.of(1), y: Float64Array.of(1), ...(names.includes('oi') ? { oi: Float64Array.of(-1) } : {}) });
    inputs[symbol] = a;
  }
  return { dataDir, specDir, inputs };
}

const invocation = (dataDir: string, specDir: string) => ({
  dataDir, specDir, runId: 'test-run', params: { timeframe: '5m' }, verbose: false, script: SCRIPT,
});

describe('events stage', () => {
  test('writes detectEvents\' rows per instrument and month, ties by event name; summary counts per event', async () => {
    await withTempDir(async (dir) => {
      const { dataDir, specDir, inputs } = await makeLake(dir);
      const manifest = await executeStage(eventsStage, invocation(dataDir, specDir), silentLogger());
      const set = parseEventSpecs([{ file: 'test.yaml', text: SPEC }], new Set(['x', 'y', 'oi']));
      let total = 0;
      const perEvent: Record<string, number> = { big_y: 0, up_cross: 0 };
      const info = JSON.parse(await readFile(join(dataDir, 'lake', 'events', '_events.json'), 'utf8')) as EventsInfo;
      expect(Object.values(info.variants).map((v) => v.direction)).toEqual(['both', 'both']);
      for (const symbol of ['AAAUSDT', 'BBBUSDT']) {
        const { cooldown, ...want } = detectEvents(set, inputs[symbol]!.ts, inputs[symbol]!.cols);
        // _events.json carries detection's kept / removed-by-cooldown counts per event and instrument.
        for (const [name, c] of Object.entries(cooldown)) expect(info.cooldown[name]![`synthetic/um/${symbol}`]).toEqual(c);
        expect(Object.keys(cooldown).sort()).toEqual(['big_y', 'up_cross']);
        total += want.event.length;
        for (const e of want.event) perEvent[e]!++;
        const parts = await listPartitions(join(dataDir, 'lake'), EVENTS_TABLE, { symbol, timeframe: '5m' });
        expect(parts.map((p) => p.keys.month)).toEqual(['2024-01', '2024-02']);
        const files = parts.map((p) => sqlString(join(dataDir, 'lake', p.manifest.file))).join(', ');
        // Files in month order, rows in file order (no ORDER BY: the files themselves must be in (ts, event) order).
        const rows = await db.rows(`SELECT ts_ms, event, family, direction, attributes FROM read_parquet([${files}])`);
        expect(rows.map((r) => [Number(r[0]), r[1], r[2], r[3], r[4]])).toEqual(
          Array.from(want.ts_ms, (t, i) => [t, want.event[i], want.family[i], want.direction[i], want.attributes[i]]),
        );
        // The reader gives back exactly what detection produced.
        expect(await readEventPartitions(db, join(dataDir, 'lake'), parts)).toEqual(want);
        // Ties exist (both events on one bar) and come out by name.
        const keys = rows.map((r) => `${String(r[0]).padStart(16, '0')} ${String(r[1])}`);
        expect(keys).toEqual([...keys].sort());
      }
      expect(total).toBeGreaterThan(10);
      expect(manifest.summary.rows).toEqual({ events: total });
      expect(manifest.summary.metrics).toEqual({ instruments: 2, events: 2, events_big_y: perEvent.big_y, events_up_cross: perEvent.up_cross });
      expect(perEvent.big_y).toBeGreaterThan(0);
      const ties = await db.rows(`SELECT count(*) FROM (SELECT ts_ms FROM read_parquet(${sqlString(join(dataDir, 'lake', 'events', '**', 'part.parquet'))}) GROUP BY ALL HAVING count(*) > 1)`);
      expect(Number(ties[0]![0])).toBeGreaterThan(0);
    });
  });

  test('an instrument lacking a feature column an event needs is a located DataError', async () => {
    await withTempDir(async (dir) => {
      const { dataDir, specDir } = await makeLake(dir, { dropOiFor: 'BBBUSDT' });
      const err = await executeStage(eventsStage, invocation(dataDir, specDir), silentLogger()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      expect((err as DataError).exitCode).toBe(3);
      expect((err as DataError).message).toBe(
        `${join(dataDir, 'lake', 'features', 'exchange=synthetic', 'market=um', 'symbol=BBBUSDT', 'timeframe=5m', 'month=2024-01', 'part.parquet')} oi: ` +
          `instrument synthetic/um/BBBUSDT has no feature column oi (needed by event big_y, ${join(specDir, 'events', 'test.yaml')}:8:11)`,
      );
    });
  });

  test('an event naming a feature no partition has is a located SpecError; no partitions for the timeframe is a DataError', async () => {
    await withTempDir(async (dir) => {
      const { dataDir, specDir } = await makeLake(dir);
      await writeFile(join(specDir, 'events', 'test.yaml'), SPEC.replace('{feature: oi,', '{feature: oi_change,'));
      const err = await executeStage(eventsStage, invocation(dataDir, specDir), silentLogger()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SpecError);
      expect((err as SpecError).issues).toEqual([
        `${join(specDir, 'events', 'test.yaml')}:10:68 events[1].condition.all[1].feature: unknown feature "oi_change" (known: oi, x, y)`,
      ]);
      const none = await executeStage(eventsStage, { ...invocation(dataDir, specDir), params: { timeframe: '15m' } }, silentLogger()).catch((e: unknown) => e);
      expect(none).toBeInstanceOf(DataError);
      expect((none as Error).message).toContain('no features partitions for timeframe 15m');
    });
  });

  test('the compiled stage script exits 0 and is deterministic; a bad spec exits 3 with the located message', async () => {
    await withTempDir(async (dir) => {
      const { dataDir, specDir } = await makeLake(dir);
      const runScript = (runId: string) =>
        execa(process.execPath, [SCRIPT, '--data_dir', dataDir, '--spec_dir', specDir, '--run_id', runId, '--timeframe', '5m'], {
          reject: false, env: { QUANTLAB_LOG_LEVEL: 'warn' },
        });
      const first = await runScript('r1');
      expect(first.stderr).toBe('');
      expect(first.exitCode).toBe(0);
      const digest = async () => (await db.rows(`SELECT sum(hash(ts_ms, event, attributes)) FROM read_parquet(${sqlString(join(dataDir, 'lake', 'events', '**', 'part.parquet'))})`))[0]![0];
      const d1 = await digest();
      expect((await runScript('r2')).exitCode).toBe(0);
      expect(await digest()).toEqual(d1);
      await writeFile(join(specDir, 'events', 'test.yaml'), SPEC.replace('cooldown_bars: 3', 'cooldown_bars: -3'));
      const bad = await runScript('r3');
      expect(bad.exitCode).toBe(3);
      expect(bad.stderr).toContain(`${join(specDir, 'events', 'test.yaml')}:6:20 events[0].cooldown_bars: must be >= 0, was -3`);
    });
  });
});
