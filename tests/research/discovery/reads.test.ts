/**
 * Discovery's batched reads return what the per-instrument reads return: the events of several instruments in one
 * query (readEventRowsOf), the series of an event name built from them (eventSeries, rows in any
 * order), and a shard result copied as the JSON round trip would give it (passAsJson).
 */
import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { LakeDb, listPartitions, type DictColumn } from '../../../lib/lake/index.js';
import {
  eventSeries, instrumentLabel, readEventRows, readEventRowsOf, runPartitionLister, type EventRows, type InstrumentKey,
} from '../../../lib/stages/discovery/io.js';
import { decodeShardResult, encodeShardResult, passAsJson } from '../../../lib/stage/shard.js';
import { withTempDir } from '../../helpers/tmp.js';
import { T0, randomWalk, writeLake } from './fixture.js';

const key = (market: string, symbol: string): InstrumentKey => ({ exchange: 'synthetic', market, symbol, timeframe: '5m' });

/** Rows as comparable plain values: event names instead of dictionary indices. */
function plain(r: EventRows | undefined) {
  if (!r) return undefined;
  return { file: r.file, ts: [...r.ts], event: [...r.event.idx].map((i) => r.event.dict[i]), direction: [...r.direction] };
}

/** Three instruments, one symbol a prefix of another's (their folders must not be confused), and one without events. */
async function lake(dataDir: string): Promise<void> {
  const n = 9000; // 31 days: two monthly partitions each
  await writeLake(dataDir, [
    { ...key('um', 'AAAUSDT'), bars: randomWalk(n, { seed: 1, noiseBps: 10 }),
      events: { up: { family: 'f', t: [10, 20, 8700], direction: [1, 1, -1] }, down: { family: 'f', t: [15, 8800], direction: [-1, 1] } } },
    { ...key('um', 'AAAUSDTX'), bars: randomWalk(n, { seed: 2, noiseBps: 10 }),
      events: { up: { family: 'f', t: [11, 8701], direction: [-1, 1] }, other: { family: 'g', t: [5], direction: [1] } } },
    { ...key('spot', 'AAAUSDT'), bars: randomWalk(n, { seed: 3, noiseBps: 10 }), events: {} },
  ]);
}

describe('discovery reads in batches', () => {
  test('readEventRowsOf: per instrument the rows of its own query, one dictionary; no partition -> undefined', async () => {
    await withTempDir(async (dir) => {
      await lake(dir);
      const root = join(dir, 'lake');
      const keys = [key('um', 'AAAUSDTX'), key('spot', 'AAAUSDT'), key('um', 'AAAUSDT'), key('um', 'AAAUSDT')];
      const db = await LakeDb.open({ threads: 2 });
      try {
        const all = await readEventRowsOf(db, root, keys);
        expect([...all.keys()]).toEqual(['synthetic/um/AAAUSDTX/5m', 'synthetic/spot/AAAUSDT/5m', 'synthetic/um/AAAUSDT/5m']);
        for (const k of keys) expect(plain(all.get(instrumentLabel(k)))).toEqual(plain(await readEventRows(db, root, k)));
        expect(all.get('synthetic/spot/AAAUSDT/5m')).toBeUndefined();
        expect(plain(all.get('synthetic/um/AAAUSDT/5m'))!.event).toEqual(['up', 'down', 'up', 'up', 'down']);
        expect(plain(all.get('synthetic/um/AAAUSDTX/5m'))!.direction).toEqual([1, -1, 1]);
        expect(all.get('synthetic/um/AAAUSDT/5m')!.event.dict).toEqual(['down', 'other', 'up']);
        expect((await readEventRowsOf(db, root, [])).size).toBe(0);

        // through a run's memo of the partition listings (as the stage reads them), the same rows
        const listed = await readEventRowsOf(db, root, keys, runPartitionLister({}));
        expect(plain(listed.get('synthetic/um/AAAUSDTX/5m'))).toEqual(plain(all.get('synthetic/um/AAAUSDTX/5m')));
        expect(plain(listed.get('synthetic/um/AAAUSDT/5m'))).toEqual(plain(all.get('synthetic/um/AAAUSDT/5m')));
        expect(listed.get('synthetic/spot/AAAUSDT/5m')).toBeUndefined();
      } finally {
        db.close();
      }
    });
  });

  test('readEventRowsOf with names: only those events\' rows, in one query; every eventSeries of a subset of them unchanged', async () => {
    await withTempDir(async (dir) => {
      await lake(dir);
      const root = join(dir, 'lake');
      const keys = [key('um', 'AAAUSDTX'), key('spot', 'AAAUSDT'), key('um', 'AAAUSDT')];
      const db = await LakeDb.open({ threads: 2 });
      try {
        const all = await readEventRowsOf(db, root, keys);
        const some = await readEventRowsOf(db, root, keys, listPartitions, new Set(['up', 'down', 'absent']));
        expect([...some.keys()]).toEqual([...all.keys()]);
        expect(some.get('synthetic/spot/AAAUSDT/5m')).toBeUndefined();
        // AAAUSDTX's `other` row is not read; the dictionary is the names asked for, sorted
        const x = plain(all.get('synthetic/um/AAAUSDTX/5m'))!;
        const kept = x.event.map((e, i) => (e === 'other' ? -1 : i)).filter((i) => i >= 0);
        expect(kept.length).toBe(2);
        expect(plain(some.get('synthetic/um/AAAUSDTX/5m'))).toEqual({
          file: x.file, ts: kept.map((i) => x.ts[i]), event: ['up', 'up'], direction: [-1, 1],
        });
        expect(some.get('synthetic/um/AAAUSDT/5m')!.event.dict).toEqual(['absent', 'down', 'up']);
        expect(plain(some.get('synthetic/um/AAAUSDT/5m'))).toEqual(plain(all.get('synthetic/um/AAAUSDT/5m')));
        const shown = (m: ReturnType<typeof eventSeries>) => [...m].map(([n, v]) => [n, [...v.t], [...v.direction]]);
        for (const k of keys) {
          const label = instrumentLabel(k);
          for (const names of [['up'], ['down'], ['up', 'down'], ['down', 'absent']]) {
            expect(shown(eventSeries(some.get(label), new Set(names), T0, 300_000)))
              .toEqual(shown(eventSeries(all.get(label), new Set(names), T0, 300_000)));
          }
        }
        // no names: no rows (and no query of the names)
        const none = await readEventRowsOf(db, root, keys, listPartitions, new Set());
        expect(none.get('synthetic/um/AAAUSDT/5m')!.ts.length).toBe(0);
      } finally {
        db.close();
      }
    });
  });

  test('eventSeries: the names asked for, in time order whatever the row order; a bad row of another event is not read', () => {
    const dict = ['a', 'b', 'c'];
    const rows = (order: number[]): EventRows => {
      const ts = [5, 1, 3, 2, 4].map((k) => 1000 + k * 300);
      const ev = [0, 0, 1, 0, 2];
      const dir = [1, -1, 1, 1, 7]; // event c has a direction that is not +-1
      return {
        file: 'lake/events/x', ts: Float64Array.from(order, (i) => ts[i]!),
        event: { dict, idx: Int32Array.from(order, (i) => ev[i]!) } satisfies DictColumn, direction: Int32Array.from(order, (i) => dir[i]!),
      };
    };
    const shown = (m: ReturnType<typeof eventSeries>) => [...m].map(([n, s]) => [n, [...s.t], [...s.direction]]).sort();
    const want = [['a', [1, 2, 5], [-1, 1, 1]], ['b', [3], [1]]];
    expect(shown(eventSeries(rows([0, 1, 2, 3, 4]), new Set(['a', 'b', 'z']), 1000, 300))).toEqual(want);
    expect(shown(eventSeries(rows([1, 3, 2, 4, 0]), new Set(['a', 'b']), 1000, 300))).toEqual(want);
    expect(shown(eventSeries(rows([4, 3, 2, 1, 0]), new Set(['b', 'a']), 1000, 300))).toEqual(want);
    expect(() => eventSeries(rows([0, 1, 2, 3, 4]), new Set(['c']), 1000, 300)).toThrow(/lake\/events\/x direction: event c: direction must be \+1 or -1/);
    // the same event twice at one bar is still refused, rows in order or not
    const dup: EventRows = { file: 'f', ts: Float64Array.of(1300, 1300), event: { dict: ['a'], idx: Int32Array.of(0, 0) }, direction: Int32Array.of(1, 1) };
    expect(() => eventSeries(dup, new Set(['a']), 1000, 300)).toThrow(/event a occurs twice at the same bar/);
  });

  test('passAsJson: what the JSON round trip of a shard result gives, and the same located refusals', () => {
    const holey: unknown[] = [1];
    holey[2] = 3;
    const v = { a: NaN, b: [Infinity, -Infinity, -0, 0, 1.5e-300, undefined], c: { d: null, e: 'x\ud800', f: true, g: undefined }, h: holey, 7: 'seven' };
    const viaJson = decodeShardResult(JSON.parse(JSON.stringify(encodeShardResult(v))));
    const copied = passAsJson(v, 'r');
    expect(copied).toEqual(viaJson);
    expect(JSON.stringify(Object.keys(copied))).toBe(JSON.stringify(Object.keys(viaJson as object)));
    expect(Object.is((copied.b as number[])[2], -0)).toBe(true);
    expect((copied.b as unknown[])[5]).toBeNull();
    expect('g' in copied.c).toBe(false);
    expect(copied.h).toEqual([1, null, 3]);
    expect(copied.c).not.toBe(v.c);
    expect(() => passAsJson({ stats: [{ t: new Float64Array(2) }] }, 'r')).toThrow('a shard result must be JSON data: shard r: result.stats[0].t is a Float64Array');
    expect(() => passAsJson({ x: [{ $num: 'NaN' }] }, 'r')).toThrow(/must not use the key \$num \(shard r: result\.x\[0\]\)/);
    expect(() => passAsJson({ f: () => 1 }, 'r')).toThrow(/shard r: result\.f is a function/);
    expect(passAsJson(undefined, 'r')).toBeUndefined();
  });
});
