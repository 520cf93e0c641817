/**
 * Events that cannot fire are said so. A Binance Vision source the test writes: BTCUSDT with 5m klines and daily
 * `metrics` files (open interest) holding a planted liquidation cascade (a 12-bar slide on heavy volume while open
 * interest falls), ETHUSDT with klines only. Through the real ingest, clean, features and events executables:
 * liquidation_cascade fires on BTCUSDT, and on ETHUSDT it is "not evaluated: needs open_interest for ETHUSDT", in the
 * features and events summaries and in lake/events/_events.json (which discovery and the report read); without any
 * metrics it is not evaluated anywhere and is not passed off as an event that "never fired".
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { EVENTS_TABLE } from '../../lib/lake/derived.js';
import { LakeDb, listPartitions } from '../../lib/lake/index.js';
import { readEventPartitions } from '../../lib/events/index.js';
import { PROJECT_ROOT } from '../../lib/stage/main.js';
import type { EventsInfo } from '../../lib/stages/events/run.js';
import { BUILD_ROOT } from '../fixtures/stages/harness.js';
import { put, zipCsv, KLINE_HEADER } from '../bad_input/helpers.js';
import { M5, metricsDay, metricsRel, metricsZip } from '../ingest/binance_vision/metrics_fixture.js';

const T0 = Date.UTC(2025, 0, 1);
const DAYS = ['2025-01-01', '2025-01-02'];
/** The cascade: bars 440..451 (of 576) each close 0.4% lower on 30x volume; open interest falls 0.5% per snapshot. */
const CASCADE = { first: 440, last: 451 };

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-not-evaluated-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function closeAt(i: number): number {
  const slide = Math.max(0, Math.min(i, CASCADE.last) - CASCADE.first + 1);
  return 100 * (1 + 0.002 * Math.sin(i / 5)) * 0.996 ** slide;
}

/** One day of 12-field futures kline rows (with header) for bars k0 .. k0+287. */
function klinesDay(k0: number): string {
  const lines = [KLINE_HEADER];
  for (let i = k0; i < k0 + 288; i++) {
    const open = i === 0 ? closeAt(0) : closeAt(i - 1);
    const close = closeAt(i);
    const vol = i >= CASCADE.first && i <= CASCADE.last ? 300 : 10 + (i % 7);
    const ts = T0 + i * M5;
    lines.push([ts, open, Math.max(open, close) * 1.001, Math.min(open, close) * 0.999, close, vol, ts + M5 - 1, vol * close, 50, vol / 2, (vol * close) / 2, 0].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Open interest at snapshot time t: 50 000, then -0.5% per snapshot through the cascade. */
function oiAt(t: number): number {
  const k = (t - T0) / M5;
  return 50_000 * 0.995 ** Math.max(0, Math.min(k, CASCADE.last + 1) - CASCADE.first);
}

async function writeSource(name: string, withMetrics: boolean): Promise<string> {
  const src = join(work, name);
  for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
    for (const [d, day] of DAYS.entries()) {
      await put(src, `data/futures/um/daily/klines/${symbol}/5m/${symbol}-5m-${day}.zip`, zipCsv(`${symbol}-5m-${day}.csv`, klinesDay(d * 288)));
    }
  }
  if (withMetrics) for (const day of DAYS) await put(src, metricsRel('BTCUSDT', day), metricsZip('BTCUSDT', day, metricsDay(day, oiAt)));
  return src;
}

async function stage(name: string, dataDir: string, params: object): Promise<void> {
  const r = await execa(process.execPath, [join(BUILD_ROOT, 'stages', `${name}.js`), '--data_dir', dataDir, '--spec_dir', join(PROJECT_ROOT, 'spec'),
    '--run_id', 'not-evaluated-test', '--params_json', JSON.stringify(params)], { reject: false, env: { QUANTLAB_NOW_MS: '1750000000000', QUANTLAB_LOG_LEVEL: 'warn' } });
  if (r.exitCode !== 0) throw new Error(`${name} exited ${r.exitCode}:\n${String(r.stderr)}`);
}

/** ingest -> clean -> features -> events; the stage summaries' warnings and the events info file. */
async function pipeline(name: string, withMetrics: boolean) {
  const d = join(work, `data-${name}`);
  await stage('ingest', d, { source: 'binance-vision', binance_vision: { path: await writeSource(`src-${name}`, withMetrics), market: 'um', kinds: withMetrics ? ['klines', 'metrics'] : ['klines'] } });
  await stage('clean', d, { timeframe: '5m', extra_timeframes: [] });
  await stage('features', d, { timeframe: '5m' });
  await stage('events', d, { timeframe: '5m' });
  const summary = async (s: string) => (JSON.parse(await readFile(join(d, 'state', 'stages', `${s}.json`), 'utf8')) as {
    summary: { warnings?: string[]; metrics: Record<string, number> };
  }).summary;
  const info = JSON.parse(await readFile(join(d, 'lake', 'events', '_events.json'), 'utf8')) as EventsInfo;
  return { d, features: await summary('features'), events: await summary('events'), info };
}

async function eventsOf(d: string, symbol: string): Promise<string[]> {
  const db = await LakeDb.open({ threads: 1 });
  try {
    const parts = await listPartitions(join(d, 'lake'), EVENTS_TABLE, { symbol, timeframe: '5m' });
    return (await readEventPartitions(db, join(d, 'lake'), parts)).event;
  } finally {
    db.close();
  }
}

describe('events whose inputs are absent are listed as not evaluated', () => {
  test('open interest from metrics for BTCUSDT: the cascade fires there; ETHUSDT is named as needing open_interest', async () => {
    const r = await pipeline('partial', true);
    const btc = await eventsOf(r.d, 'BTCUSDT');
    expect(btc.filter((e) => e === 'liquidation_cascade_oi1').length).toBe(1);
    expect(btc.filter((e) => e === 'liquidation_cascade_oi2').length).toBe(1);
    expect((await eventsOf(r.d, 'ETHUSDT')).filter((e) => e.startsWith('liquidation_cascade'))).toEqual([]);
    expect(r.features.warnings).toEqual(expect.arrayContaining([
      'features oi_change_12, oi_change_288: not evaluated on 1 of 2 instruments: needs open_interest for ETHUSDT: ingest the missing data, or remove them from spec/features',
    ]));
    expect(r.events.warnings).toEqual(expect.arrayContaining([
      'events liquidation_cascade_oi1, liquidation_cascade_oi2: not evaluated on 1 of 2 instruments: needs open_interest for ETHUSDT (via oi_change_12): ' +
        'ingest the missing data to test them, or remove them from spec/events',
    ]));
    const liq = r.info.not_evaluated.filter((e) => e.kind === 'event' && e.name.startsWith('liquidation'));
    expect(liq).toEqual(['liquidation_cascade_oi1', 'liquidation_cascade_oi2'].map((name) => ({
      kind: 'event', name, family: 'liquidation_cascade', needs: ['open_interest'], instruments: ['binance/um/ETHUSDT'], of: 2, via: ['oi_change_12'],
    })));
    // the features' own entries are passed on for discovery and the report
    expect(r.info.not_evaluated).toEqual(expect.arrayContaining([
      { kind: 'feature', name: 'oi_change_12', needs: ['open_interest'], instruments: ['binance/um/ETHUSDT'], of: 2 },
    ]));
    expect(r.info.counts.liquidation_cascade_oi1).toBe(1);
  });

  test('no metrics at all: not evaluated on every instrument, and not reported as "never fired"', async () => {
    const r = await pipeline('none', false);
    expect(r.events.warnings).toEqual(expect.arrayContaining([
      'events liquidation_cascade_oi1, liquidation_cascade_oi2: not evaluated on 2 of 2 instruments: needs open_interest for BTCUSDT, ETHUSDT (via oi_change_12): ' +
        'ingest the missing data to test them, or remove them from spec/events',
    ]));
    const never = (r.events.warnings ?? []).find((w) => w.startsWith('events that never fired'));
    expect(never ?? '').not.toContain('liquidation_cascade');
    expect(r.events.metrics.events_liquidation_cascade_oi1).toBe(0);
  });
});
