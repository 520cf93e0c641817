import { describe, expect, test } from '@jest/globals';
import { PAIRS_SCREEN_DEFAULTS, screenPairs, screenedOutTrials, type PairsScreenConfig, type ScreenInstrument } from '../../lib/dsl/index.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBlueprintSpec } from '../../lib/stages/blueprint/spec.js';
import { SpecError } from '../../lib/errors.js';
import { withTempDir } from '../helpers/tmp.js';

/** The repository root (this file runs from dist/tests/dsl). */
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const TF = 300_000;
const T0 = Date.UTC(2025, 0, 1);

function grid(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, t) => T0 + t * TF);
}

/** A seeded Gaussian random walk of log prices (step sd `sd`), started at ln(p0). */
function walk(n: number, seed: number, sd = 0.002, p0 = 100): Float64Array {
  const rng = Xoshiro128ss.fromSeed(seed, 1);
  const out = new Float64Array(n);
  let x = Math.log(p0);
  for (let t = 0; t < n; t++) { x += sd * rng.normal(); out[t] = x; }
  return out;
}

/** Stationary AR(1) noise (phi 0.9, innovation sd `sd`). */
function ar(n: number, seed: number, sd = 0.002): Float64Array {
  const rng = Xoshiro128ss.fromSeed(seed, 2);
  const out = new Float64Array(n);
  let x = 0;
  for (let t = 0; t < n; t++) { x = 0.9 * x + sd * rng.normal(); out[t] = x; }
  return out;
}

function inst(symbol: string, logClose: Float64Array, volume = 1000, market = 'um'): ScreenInstrument {
  return { id: `x/${market}/${symbol}`, symbol, close: Float64Array.from(logClose, Math.exp), volume: new Float64Array(logClose.length).fill(volume) };
}

const EG: PairsScreenConfig = { ...PAIRS_SCREEN_DEFAULTS, method: 'engle_granger', buckets: [], max_pairs: 10, max_p_value: 0.05 };

describe('pairs screen: train data only', () => {
  const n = 4000;
  const split = 2000; // screen on [0, split): the "train" period; [split, n) plays the test window
  const ts = grid(n);
  // C ~ D cointegrated over the whole period; A, B independent walks before the split, A = B + AR(1) noise after it
  const d = walk(n, 1);
  const cNoise = ar(n, 2);
  const c = Float64Array.from(d, (v, t) => v + 0.5 + cNoise[t]!);
  const b = walk(n, 3);
  const aBefore = walk(n, 4);
  const noise = ar(n, 5);
  const a = Float64Array.from(b, (v, t) => (t < split ? aBefore[t]! : v + noise[t]!));
  const instruments = [inst('AAA', a, 4000), inst('BBB', b, 3000), inst('CCC', c, 2000), inst('DDD', d, 1000)];

  test('a pair cointegrated only in the test period is not chosen; one cointegrated in the train period is', () => {
    const r = screenPairs(ts, instruments, 0, split, EG);
    expect(r.chosen).toEqual([['x/um/CCC', 'x/um/DDD']]);
    const ab = r.pairs.find((p) => p.a === 'x/um/AAA' && p.b === 'x/um/BBB')!;
    expect(ab.eg_p_value).toBeGreaterThan(0.05);
    expect(ab.n).toBe(split);
    // the same pair screened on the test period alone is strongly cointegrated: the screen above did not look there
    const later = screenPairs(ts, instruments, split, n, EG);
    expect(later.pairs.find((p) => p.a === 'x/um/AAA' && p.b === 'x/um/BBB')!.eg_p_value).toBeLessThan(1e-3);
  });

  test('bars from `until` on are never read: replacing them (NaN, other prices) changes nothing', () => {
    const before = screenPairs(ts, instruments, 0, split, EG);
    const scrambled = instruments.map((x, i) => {
      const close = Float64Array.from(x.close, (v, t) => (t < split ? v : i % 2 ? NaN : 1e9 * Math.random()));
      const volume = Float64Array.from(x.volume, (v, t) => (t < split ? v : 1e12));
      return { ...x, close, volume };
    });
    expect(screenPairs(ts, scrambled, 0, split, EG)).toEqual(before);
    expect(screenPairs(ts, scrambled, 0, split, { ...EG, method: 'correlation', min_correlation: 0.3 }))
      .toEqual(screenPairs(ts, instruments, 0, split, { ...EG, method: 'correlation', min_correlation: 0.3 }));
  });

  test('correlation method: a pair whose returns co-move only after the split is not chosen', () => {
    const r = screenPairs(ts, instruments, 0, split, { ...EG, method: 'correlation', min_correlation: 0.5 });
    const ab = r.pairs.find((p) => p.a === 'x/um/AAA' && p.b === 'x/um/BBB')!;
    expect(Math.abs(ab.correlation)).toBeLessThan(0.1);
    expect(r.chosen.some(([x, y]) => x === 'x/um/AAA' && y === 'x/um/BBB')).toBe(false);
  });
});

describe('pairs screen: buckets, orientation, exclusions, ranking', () => {
  const n = 288 * 4; // 4 days
  const ts = grid(n);
  const common = walk(n, 10, 0.003);
  // six instruments sharing a market factor (return correlation ~ 0.9 / (0.9 + 0.1) for equal idiosyncratic noise)
  const mk = (s: string, seed: number, vol: number, market = 'um') => {
    const own = walk(n, seed, 0.001);
    return inst(s, Float64Array.from(common, (v, t) => v + own[t]!), vol, market);
  };

  test('liquidity terciles by median daily quote volume; pairs only inside a bucket; A is the more liquid', () => {
    const xs = [mk('L1', 1, 10), mk('H1', 2, 1e6), mk('M1', 3, 1e3), mk('H2', 4, 2e6), mk('L2', 5, 20), mk('M2', 6, 2e3)];
    const r = screenPairs(ts, xs, 0, n, { ...PAIRS_SCREEN_DEFAULTS, method: 'correlation', min_correlation: 0.5, buckets: ['liquidity'], max_pairs: 2 });
    expect(r.instruments.map((x) => [x.id.split('/')[2], x.bucket])).toEqual([
      ['H2', 'liquidity 1/3'], ['H1', 'liquidity 1/3'], ['M2', 'liquidity 2/3'], ['M1', 'liquidity 2/3'], ['L2', 'liquidity 3/3'], ['L1', 'liquidity 3/3'],
    ]);
    expect(r.pairs.map((p) => [p.a, p.b].map((id) => id.split('/')[2]).join('/'))).toEqual(['H2/H1', 'M2/M1', 'L2/L1']);
    // median daily quote volume: close x volume summed per UTC day
    const h2 = r.instruments[0]!;
    const days = [0, 1, 2, 3].map((k) => { let s = 0; for (let t = k * 288; t < (k + 1) * 288; t++) s += xs[3]!.close[t]! * 2e6; return s; }).sort((p, q) => p - q);
    expect(h2.median_daily_quote_volume).toBeCloseTo((days[1]! + days[2]!) / 2, 6);
    // ranking by correlation (descending), max_pairs kept
    const kept = r.pairs.filter((p) => p.kept).sort((p, q) => q.correlation - p.correlation);
    expect(r.chosen).toEqual(kept.slice(0, 2).map((p) => [p.a, p.b]));
    expect(r.pairs.filter((p) => p.chosen).length).toBe(2);
  });

  test('sector buckets; a symbol without a sector, a short history or the same coin on another market is left out', () => {
    const short = mk('NEW', 7, 100);
    short.close.fill(NaN, 0, n / 2); // listed half-way: coverage 0.5 < 0.8
    const xs = [mk('AAA', 1, 100), mk('BBB', 2, 100), mk('CCC', 3, 100), mk('AAA', 4, 100, 'spot'), mk('ZZZ', 5, 100), short];
    const r = screenPairs(ts, xs, 0, n, {
      ...PAIRS_SCREEN_DEFAULTS, method: 'correlation', min_correlation: 0.5, buckets: ['sector'],
      sectors: { AAA: 'l1', BBB: 'l1', CCC: 'defi', NEW: 'l1' },
    });
    expect(r.excluded).toEqual([
      { id: 'x/um/ZZZ', reason: 'no sector for ZZZ in screen.sectors' },
      { id: 'x/um/NEW', reason: `${n / 2} of the ${n} screen-period bars (coverage below 0.8)` },
    ]);
    // l1: AAA (um), BBB, AAA (spot) -> AAA/BBB twice, never AAA/AAA; defi: CCC alone
    const unordered = r.pairs.map((p) => `${p.bucket}: ${[p.a, p.b].sort().join(' ~ ')}`).sort();
    expect(unordered).toEqual(['sector l1: x/spot/AAA ~ x/um/BBB', 'sector l1: x/um/AAA ~ x/um/BBB']);
  });

  test('every screened pair not chosen counts as a trial, times the grid variants per pair', () => {
    const r = { pairs: new Array(30).fill(0) as never[], chosen: [['a', 'b'], ['c', 'd'], ['e', 'f']] as [string, string][] };
    expect(screenedOutTrials(r, undefined)).toBe(27);
    expect(screenedOutTrials(r, { entry_z: [2, 3], exit_z: [0, 0.5, 1] })).toBe(27 * 6);
  });

  test('a bad range throws', () => {
    expect(() => screenPairs(ts, [], 5, 5, PAIRS_SCREEN_DEFAULTS)).toThrow(/bad screen range/);
    expect(() => screenPairs(ts, [], 0, n + 1, PAIRS_SCREEN_DEFAULTS)).toThrow(/bad screen range/);
  });
});

describe('spec/blueprints.yaml pairs entry', () => {
  test('the shipped spec screens pairs (pairs: auto) with the documented settings', async () => {
    const spec = await loadBlueprintSpec(join(REPO, 'spec', 'blueprints.yaml'));
    const pairs = spec.templates.find((t) => t.template === 'pairs')!;
    expect(pairs.pairs).toBe('auto');
    expect({ ...PAIRS_SCREEN_DEFAULTS, ...pairs.screen }).toMatchObject({ method: 'correlation', days: 14, buckets: ['liquidity'], max_pairs: 4 });
  });

  test('an explicit list still loads; a screen beside a list, on another template, or sectors missing are located errors', async () => {
    await withTempDir(async (dir) => {
      const f = join(dir, 'blueprints.yaml');
      await writeFile(f, 'templates:\n  - template: pairs\n    pairs: [[BTCUSDT, ETHUSDT]]\n');
      expect((await loadBlueprintSpec(f)).templates[0]!.pairs).toEqual([['BTCUSDT', 'ETHUSDT']]);
      await writeFile(f, [
        'templates:',
        '  - template: pairs',
        '    pairs: [[BTCUSDT, ETHUSDT]]',
        '    screen: {method: correlation}',
        '  - template: momentum',
        '    screen: {days: 10}',
        '  - template: pairs',
        '    screen: {buckets: [sector]}',
        '',
      ].join('\n'));
      const err = await loadBlueprintSpec(f).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SpecError);
      expect((err as SpecError).issues).toEqual([
        `${f}:4:13 templates[0].screen: only used with pairs: auto (this entry lists its pairs)`,
        `${f}:5:5 templates[1]: pairs and screen belong to the pairs template, not momentum`,
        `${f}:8:23 templates[2].screen.buckets: sector needs screen.sectors (symbol -> sector)`,
      ]);
      await writeFile(f, 'templates:\n  - template: pairs\n    screen: {method: cointegration}\n');
      await expect(loadBlueprintSpec(f)).rejects.toThrow(/method/);
    });
  });
});
