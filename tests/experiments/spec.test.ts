import { describe, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadExperimentFile, loadLearningBook, parseExperimentText, validateExperimentValue } from '../../lib/experiments/load.js';
import { issuesOf, asyncIssuesOf } from '../helpers/spec_errors.js';
import { withTempDir } from '../helpers/tmp.js';
import { BOOK, replaceLine, specText } from './fixtures.js';

const F = 'experiments/t.yaml';
const parse = (text: string) => parseExperimentText(text, F, BOOK).spec;

describe('ExperimentSpec schema', () => {
  test('fills every default of the runbook', () => {
    const spec = parse(specText());
    expect(spec.status).toBe('draft');
    expect(spec.book).toBe('learning');
    expect(spec.trigger_categories).toEqual([]);
    expect(spec.regime_filters).toEqual([]);
    expect(spec.tags).toEqual([]);
    expect(spec.exposure.max_slippage_bps).toBe(25);
    expect(spec.exposure.allow_short).toBe(false);
    expect(spec.metrics[0]!.min_samples).toBe(30);
  });

  test('JSON loads too, with line:col errors', () => {
    const good = JSON.stringify(parse(specText()), null, 2);
    expect(parseExperimentText(good, 'x.json', BOOK).spec).toEqual(parse(specText()));
    const bad = good.replace('"scope": "micro"', '"scope": "nano"');
    const line = bad.split('\n').findIndex((l) => l.includes('"nano"')) + 1;
    expect(issuesOf(() => parseExperimentText(bad, 'x.json', BOOK))).toEqual([
      `x.json:${line}:14 exposure.scope: must be one of "micro", "meso", "macro", was "nano"`,
    ]);
  });

  test('bounds and enums of the runbook, each located', () => {
    const text = specText((l) => {
      replaceLine(l, 'risk_budget_pct', 'risk_budget_pct: 0');
      replaceLine(l, 'max_hold_minutes', '  max_hold_minutes: 0');
      replaceLine(l, 'max_trades_per_day', '  max_trades_per_day: 0');
      replaceLine(l, 'stop_distance_pct', '  stop_distance_pct: -1');
      replaceLine(l, 'max_notional_usd', '  max_notional_usd: 0');
      replaceLine(l, 'entry_style', '  entry_style: limit');
      replaceLine(l, 'unit:', '    unit: euros');
      replaceLine(l, 'aggregation', '    aggregation: p99');
      replaceLine(l, 'direction', '    direction: up');
    });
    expect(issuesOf(() => parse(text))).toEqual([
      `${F}:6:18 risk_budget_pct: must be > 0, was 0`,
      `${F}:9:21 exposure.max_hold_minutes: must be >= 1, was 0`,
      `${F}:10:23 exposure.max_trades_per_day: must be >= 1, was 0`,
      `${F}:11:22 exposure.stop_distance_pct: must be >= 0, was -1`,
      `${F}:12:21 exposure.max_notional_usd: must be > 0, was 0`,
      `${F}:13:16 exposure.entry_style: must be one of "taker", "maker", "post_only", was "limit"`,
      `${F}:16:11 metrics[0].unit: must be one of "bps", "pct", "usd", "count", "ratio", "seconds", was "euros"`,
      `${F}:17:18 metrics[0].aggregation: must be one of "mean", "median", "p95", "sum", "count", was "p99"`,
      `${F}:19:16 metrics[0].direction: must be one of "lower_better", "higher_better", "band", was "up"`,
    ]);
  });

  test('status enum, book const, max_hold_minutes required', () => {
    const text = specText((l) => {
      l.push('status: live', 'book: main');
      replaceLine(l, 'max_hold_minutes', '  # no hold');
    });
    expect(issuesOf(() => parse(text))).toEqual([
      `${F}:8:3 exposure: missing required key "max_hold_minutes"`,
      `${F}:20:9 status: must be one of "draft", "running", "paused", "invalidated", "ready_for_exploitation", was "live"`,
      `${F}:21:7 book: must be "learning", was "main"`,
    ]);
  });
});

describe('ExperimentSpec rules (exact messages)', () => {
  test('both stop kinds', () => {
    const text = specText((l) => l.splice(11, 0, '  stop_distance_atr: 1.5'));
    expect(issuesOf(() => parse(text))).toEqual([
      `${F}:12:22 exposure: exactly one of stop_distance_pct / stop_distance_atr must be set, both are (stop_distance_pct 0.8, stop_distance_atr 1.5)`,
    ]);
  });

  test('no stop', () => {
    const text = specText((l) => replaceLine(l, 'stop_distance_pct', '  # no stop'));
    expect(issuesOf(() => parse(text))).toEqual([
      `${F}:8:3 exposure: exactly one of stop_distance_pct / stop_distance_atr must be set, neither is`,
    ]);
  });

  test.each([
    ['micro', 61, 'max_hold_minutes <= 60'],
    ['meso', 59, '60 <= max_hold_minutes <= 720'],
    ['meso', 721, '60 <= max_hold_minutes <= 720'],
    ['macro', 719, 'max_hold_minutes >= 720'],
  ])('scope %s with hold %d', (scope, hold, need) => {
    const text = specText((l) => {
      replaceLine(l, 'scope', `  scope: ${scope}`);
      replaceLine(l, 'max_hold_minutes', `  max_hold_minutes: ${hold}`);
    });
    expect(issuesOf(() => parse(text))).toEqual([
      `${F}:9:21 exposure.max_hold_minutes: scope "${scope}" needs ${need}, was ${hold}`,
    ]);
  });

  test.each([['micro', 60], ['meso', 60], ['meso', 720], ['macro', 720], ['macro', 10080]])('scope %s accepts hold %d', (scope, hold) => {
    const text = specText((l) => {
      replaceLine(l, 'scope', `  scope: ${scope}`);
      replaceLine(l, 'max_hold_minutes', `  max_hold_minutes: ${hold}`);
    });
    expect(parse(text).exposure.max_hold_minutes).toBe(hold);
  });

  test('notional over the learning book budget', () => {
    const text = specText((l) => replaceLine(l, 'max_notional_usd', '  max_notional_usd: 5000.01'));
    expect(issuesOf(() => parse(text))).toEqual([
      `${F}:12:21 exposure.max_notional_usd: exceeds the learning book's daily budget of 5000 USD (experiments/learning_book.yaml), was 5000.01`,
    ]);
    expect(parse(specText((l) => replaceLine(l, 'max_notional_usd', '  max_notional_usd: 5000'))).exposure.max_notional_usd).toBe(5000);
  });

  test('metric name outside the catalog, with a suggestion', () => {
    const text = specText((l) => replaceLine(l, '- name', '  - name: slipage_bps'));
    const [issue] = issuesOf(() => parse(text));
    expect(issue).toMatch(/^experiments\/t\.yaml:15:11 metrics\[0\]\.name: unknown metric "slipage_bps" \(did you mean "slippage_bps"\? catalog: fill_rate, /);
  });

  test('metric unit must match the catalog', () => {
    const text = specText((l) => replaceLine(l, 'unit:', '    unit: pct'));
    expect(issuesOf(() => parse(text))).toEqual([`${F}:16:11 metrics[0].unit: metric "slippage_bps" is measured in "bps", was "pct"`]);
  });

  test('pass_threshold shape by direction', () => {
    const band = specText((l) => replaceLine(l, 'direction', '    direction: band'));
    expect(issuesOf(() => parse(band))).toEqual([`${F}:18:21 metrics[0].pass_threshold: direction "band" needs [low, high], was 8`]);
    const inverted = specText((l) => {
      replaceLine(l, 'direction', '    direction: band');
      replaceLine(l, 'pass_threshold', '    pass_threshold: [9, 2]');
    });
    expect(issuesOf(() => parse(inverted))).toEqual([`${F}:18:21 metrics[0].pass_threshold: band [low, high] needs low <= high, was [9,2]`]);
    const list = specText((l) => replaceLine(l, 'pass_threshold', '    pass_threshold: [1, 2]'));
    expect(issuesOf(() => parse(list))).toEqual([`${F}:18:21 metrics[0].pass_threshold: direction "lower_better" needs a number, was [1,2]`]);
  });

  test('the same metric twice', () => {
    const text = specText((l) => l.push('  - name: slippage_bps', '    unit: bps', '    aggregation: p95', '    pass_threshold: 5', '    direction: lower_better'));
    expect(issuesOf(() => parse(text))).toEqual([`${F}:20:5 metrics[1]: same name and aggregation as metrics[0] ("slippage_bps", p95)`]);
  });

  test('every violation reported at once, in file order', () => {
    const text = specText((l) => {
      replaceLine(l, 'max_hold_minutes', '  max_hold_minutes: 90');
      replaceLine(l, 'stop_distance_pct', '  # none');
      replaceLine(l, 'max_notional_usd', '  max_notional_usd: 9000');
    });
    const issues = issuesOf(() => parse(text));
    expect(issues.map((i) => i.split(' ')[0])).toEqual([`${F}:8:3`, `${F}:9:21`, `${F}:12:21`]);
  });

  test('in-memory values: source and path, no line', () => {
    const spec = parse(specText());
    const bad = { ...spec, exposure: { ...spec.exposure, scope: 'macro' } };
    expect(issuesOf(() => validateExperimentValue(bad, 'db:t-exp-1', BOOK))).toEqual([
      'db:t-exp-1 exposure.max_hold_minutes: scope "macro" needs max_hold_minutes >= 720, was 30',
    ]);
  });
});

describe('files', () => {
  test('the shipped examples and learning book validate', async () => {
    const book = await loadLearningBook('experiments/learning_book.yaml');
    expect(book.daily_budget_usd).toBe(5000);
    const micro = await loadExperimentFile('experiments/micro_taker_breakout.yaml', book);
    const meso = await loadExperimentFile('experiments/meso_maker_post_only.yaml', book);
    expect([micro.exposure.scope, micro.exposure.entry_style]).toEqual(['micro', 'taker']);
    expect([meso.exposure.scope, meso.exposure.entry_style]).toEqual(['meso', 'post_only']);
  });

  test('a missing file is a located error', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'nope.yaml');
      expect(await asyncIssuesOf(loadExperimentFile(p, BOOK))).toEqual([`${p}: cannot read experiment spec (ENOENT)`]);
      await writeFile(p, 'id: [unclosed\n');
      const [issue] = await asyncIssuesOf(loadExperimentFile(p, BOOK));
      expect(issue).toMatch(new RegExp(`^${p}:\\d+:\\d+ YAML syntax error`));
    });
  });
});
