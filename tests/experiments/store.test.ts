import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseExperimentText } from '../../lib/experiments/load.js';
import { ExperimentStore, MIGRATIONS, storePath } from '../../lib/experiments/store.js';
import { DataError, SpecError } from '../../lib/errors.js';
import { withTempDir } from '../helpers/tmp.js';
import { BOOK, specText } from './fixtures.js';

const child = join(dirname(fileURLToPath(import.meta.url)), 'writer_child.js');
const clock = () => new Date('2026-12-06T09:00:00.000Z');
const ctx = { run_id: 'cli-1', actor: 'tester', source: 'experiments/t.yaml' };

function runChild(args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code) => resolve(code));
  });
}

describe('ExperimentStore', () => {
  test('WAL mode, migrations recorded, file under <data_dir>/experiments', async () => {
    await withTempDir(async (dir) => {
      const s = ExperimentStore.open(dir);
      expect(s.file).toBe(join(dir, 'experiments', 'experiments.sqlite'));
      expect(storePath(dir)).toBe(s.file);
      expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(s.schemaVersion()).toBe(MIGRATIONS.length);
      const tables = (s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
      expect(tables).toEqual(['block_events', 'experiment_events', 'experiment_runs', 'experiment_specs', 'fills', 'orders', 'position_snapshots', 'risk_allocations', 'schema_version']);
      for (const t of tables.filter((n) => n !== 'schema_version')) {
        const cols = (s.db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name);
        expect(cols).toEqual(expect.arrayContaining(['experiment_id', 'run_id']));
      }
      s.close();
      const again = ExperimentStore.open(dir); // reopening applies nothing twice
      expect((again.db.prepare('SELECT COUNT(*) AS n FROM schema_version').get() as { n: number }).n).toBe(MIGRATIONS.length);
      again.close();
    });
  });

  test('a spec round-trips through storage exactly (YAML -> store -> read back)', async () => {
    await withTempDir(async (dir) => {
      const text = specText((l) => l.push('regime_filters: [range, high_vol]', 'tags: [a, "b c"]', 'trigger_categories: [volume_breakout]'))
        .replace('risk_budget_pct: 0.5', 'risk_budget_pct: 0.1')
        .replace('stop_distance_pct: 0.8', 'stop_distance_pct: 0.30000000000000004');
      const spec = parseExperimentText(text, 'experiments/t.yaml', BOOK).spec;
      const s = ExperimentStore.open(dir, { now: clock });
      const stored = s.create(spec, ctx);
      expect(stored).toEqual({ ...spec, created_at: '2026-12-06T09:00:00.000Z', updated_at: '2026-12-06T09:00:00.000Z' });
      s.close();
      const back = ExperimentStore.open(dir).get(spec.id)!;
      expect(back).toStrictEqual(stored);
      expect(back.exposure.stop_distance_pct).toBe(0.30000000000000004);
      expect(JSON.stringify(back)).toBe(JSON.stringify(stored)); // same key order too
    });
  });

  test('create writes experiment_created with experiment_id, learning_book and run_id; refuses duplicates and non-draft', async () => {
    await withTempDir(async (dir) => {
      const s = ExperimentStore.open(dir, { now: clock });
      const spec = parseExperimentText(specText(), 'experiments/t.yaml', BOOK).spec;
      s.create(spec, ctx);
      const [ev] = s.events(spec.id);
      expect(ev).toEqual({
        event_id: 1, experiment_id: 't-exp-1', run_id: 'cli-1', learning_book: 'learning', type: 'experiment_created', actor: 'tester',
        reason: null, before_status: null, after_status: 'draft', payload: { source: 'experiments/t.yaml' }, created_at: '2026-12-06T09:00:00.000Z',
      });
      expect(() => s.create(spec, ctx)).toThrow(DataError);
      expect(() => s.create(spec, ctx)).toThrow(`${s.file} experiment_id: experiment "t-exp-1" already exists (status draft), was "t-exp-1"`);
      const running = { ...spec, id: 'other', status: 'running' as const };
      expect(() => s.create(running, ctx)).toThrow(SpecError);
      expect(() => s.create(running, ctx)).toThrow('experiments/t.yaml status: a new experiment starts as "draft", was "running"');
      expect(s.list().map((x) => x.id)).toEqual(['t-exp-1']);
      expect(() => s.require('nope')).toThrow(`${s.file} experiment_id: no experiment "nope", was "nope"`);
      s.close();
    });
  });

  test('blocks: a block_events row and an experiment_blocked event together', async () => {
    await withTempDir(async (dir) => {
      const s = ExperimentStore.open(dir, { now: clock });
      s.recordBlock({ experiment_id: 'e1', run_id: 'r1', actor: 'engine' }, { ts_ms: 5, symbol: 'BTCUSDT', rule: 'max_slippage_bps', detail: { expected_bps: 31, max_bps: 25 } });
      expect(s.db.prepare('SELECT experiment_id, run_id, rule, detail_json FROM block_events').all()).toEqual([
        { experiment_id: 'e1', run_id: 'r1', rule: 'max_slippage_bps', detail_json: '{"expected_bps":31,"max_bps":25}' },
      ]);
      expect(s.events('e1').map((e) => [e.type, e.reason, e.payload])).toEqual([
        ['experiment_blocked', 'max_slippage_bps', { ts_ms: 5, symbol: 'BTCUSDT', expected_bps: 31, max_bps: 25 }],
      ]);
      s.close();
    });
  });

  test('two processes writing events at once lose nothing', async () => {
    await withTempDir(async (dir) => {
      ExperimentStore.open(dir).close();
      const n = 400;
      const codes = await Promise.all([runChild(['events', dir, 'a', String(n)]), runChild(['events', dir, 'b', String(n)])]);
      expect(codes).toEqual([0, 0]);
      const s = ExperimentStore.open(dir);
      const rows = s.db.prepare('SELECT actor, COUNT(*) AS n, COUNT(DISTINCT json_extract(payload_json, \'$.i\')) AS d FROM experiment_events GROUP BY actor ORDER BY actor').all();
      expect(rows).toEqual([{ actor: 'a', n, d: n }, { actor: 'b', n, d: n }]);
      // interleaved, not one after the other
      const actors = (s.db.prepare('SELECT actor FROM experiment_events ORDER BY event_id').all() as { actor: string }[]).map((r) => r.actor);
      let switches = 0;
      for (let i = 1; i < actors.length; i++) if (actors[i] !== actors[i - 1]) switches++;
      expect(switches).toBeGreaterThan(1);
      s.close();
    });
  });

  test('two processes opening a fresh file migrate it once', async () => {
    await withTempDir(async (dir) => {
      const codes = await Promise.all([runChild(['events', dir, 'a', '1']), runChild(['events', dir, 'b', '1'])]);
      expect(codes).toEqual([0, 0]);
      const s = ExperimentStore.open(dir);
      expect(s.db.prepare('SELECT version FROM schema_version').all()).toEqual(MIGRATIONS.map((_, i) => ({ version: i + 1 })));
      s.close();
    });
  });

  test('kill -9 mid-run: committed fills survive, a rerun adds the rest without duplicates', async () => {
    await withTempDir(async (dir) => {
      ExperimentStore.open(dir).close();
      const n = 1000;
      const committed = await new Promise<number>((resolve, reject) => {
        const p = spawn(process.execPath, [child, 'fills', dir, String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
        let last = -1;
        let buf = '';
        p.stdout.on('data', (chunk: Buffer) => {
          buf += chunk.toString();
          const lines = buf.split('\n');
          buf = lines.pop()!;
          for (const l of lines) last = Number(l);
          if (last >= 200 && !p.killed) p.kill('SIGKILL');
        });
        p.on('error', reject);
        p.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(last) : reject(new Error(`child ended without being killed (${signal})`))));
      });
      expect(existsSync(storePath(dir))).toBe(true);
      const s = ExperimentStore.open(dir);
      const count = () => (s.db.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT fill_id) AS d FROM fills').get() as { n: number; d: number });
      const after = count();
      expect(after.n).toBe(after.d);
      expect(after.n).toBeGreaterThanOrEqual(committed + 1); // every fill reported committed is there
      expect(after.n).toBeLessThan(n);
      expect(s.db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(await runChild(['fills', dir, String(n)])).toBe(0);
      expect(count()).toEqual({ n, d: n });
      s.close();
    });
  });
});

describe('runs and replayable rows', () => {
  test('a run is registered and closed once; orders, snapshots, allocations are idempotent', async () => {
    await withTempDir(async (dir) => {
      const s = ExperimentStore.open(dir, { now: clock });
      const spec = parseExperimentText(specText(), 'experiments/t.yaml', BOOK).spec;
      s.create(spec, ctx);
      expect(() => s.beginRun({ run_id: 'bt-1', experiment_id: 'nope', mode: 'backtest' })).toThrow(`${s.file} experiment_id: no experiment "nope", was "nope"`);
      s.beginRun({ run_id: 'bt-1', experiment_id: spec.id, mode: 'backtest' });
      const base = { experiment_id: spec.id, run_id: 'bt-1', symbol: 'BTCUSDT' };
      const order = { ...base, order_id: 'o1', ts_ms: 1, side: 'buy' as const, order_type: 'post_only' as const, qty: 0.01, limit_price: 40_000, status: 'filled' };
      expect(s.insertOrders([order, { ...order, order_id: 'o2' }])).toBe(2);
      expect(s.insertOrders([order])).toBe(0);
      expect(s.insertPositionSnapshots([{ ...base, ts_ms: 1, qty: 0.01, avg_price: 40_000, unrealized_usd: 0 }, { ...base, ts_ms: 1, qty: 0.02, avg_price: 1, unrealized_usd: 0 }])).toBe(1);
      expect(s.insertRiskAllocations([{ ...base, ts_ms: 1, notional_usd: 400, risk_usd: 6 }])).toBe(1);
      s.endRun('bt-1', 'finished');
      expect(() => s.endRun('bt-1', 'failed')).toThrow(`${s.file} run_id: no running experiment run "bt-1", was "bt-1"`);
      expect(s.runs(spec.id)).toEqual([{ run_id: 'bt-1', experiment_id: spec.id, mode: 'backtest', status: 'finished', started_at: '2026-12-06T09:00:00.000Z', ended_at: '2026-12-06T09:00:00.000Z' }]);
      s.close();
    });
  });
});

test('a database from a newer quantlab is refused, not migrated backwards', async () => {
  await withTempDir(async (dir) => {
    const s = ExperimentStore.open(dir);
    s.db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(MIGRATIONS.length + 1, 'x');
    s.close();
    expect(() => ExperimentStore.open(dir)).toThrow(`${storePath(dir)} schema_version: database schema version ${MIGRATIONS.length + 1} is newer than this code knows (${MIGRATIONS.length}), was ${MIGRATIONS.length + 1}`);
  });
});
