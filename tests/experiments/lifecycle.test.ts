import { describe, expect, test } from '@jest/globals';
import { allowedFrom, transition, TransitionError, type TransitionRequest } from '../../lib/experiments/lifecycle.js';
import { parseExperimentText } from '../../lib/experiments/load.js';
import { evaluateMetric } from '../../lib/experiments/metrics.js';
import type { ExperimentStatus } from '../../lib/experiments/schema.js';
import { ExperimentStore } from '../../lib/experiments/store.js';
import { withTempDir } from '../helpers/tmp.js';
import { BOOK, specText } from './fixtures.js';

const ID = 't-exp-1';
const ctx = { run_id: 'cli-2', actor: 'op', reason: 'test' };
const start: TransitionRequest = { action: 'start', approved_by: 'alice', learning_book_enabled: true };

async function withStore(fn: (s: ExperimentStore) => void): Promise<void> {
  await withTempDir(async (dir) => {
    let t = Date.parse('2026-12-06T09:00:00.000Z');
    const s = ExperimentStore.open(dir, { now: () => new Date((t += 1000)) });
    try {
      s.create(parseExperimentText(specText(), 'experiments/t.yaml', BOOK).spec, { run_id: 'cli-1', actor: 'op', source: 'experiments/t.yaml' });
      fn(s);
    } finally {
      s.close();
    }
  });
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TransitionError);
    expect((err as TransitionError).exitCode).toBe(3);
    return (err as Error).message;
  }
  throw new Error('expected a TransitionError');
}

describe('lifecycle', () => {
  test('start is audited: who, when, why, before/after, preconditions', async () => {
    await withStore((s) => {
      const ev = transition(s, ID, start, ctx);
      expect(ev).toEqual({
        event_id: 2, experiment_id: ID, run_id: 'cli-2', learning_book: 'learning', type: 'experiment_status_changed', actor: 'op', reason: 'test',
        before_status: 'draft', after_status: 'running', payload: { approved_by: 'alice', learning_book_enabled: true, action: 'start' },
        created_at: '2026-12-06T09:00:02.000Z',
      });
      const spec = s.get(ID)!;
      expect([spec.status, spec.updated_at, spec.created_at]).toEqual(['running', '2026-12-06T09:00:02.000Z', '2026-12-06T09:00:01.000Z']);
      expect((s.db.prepare('SELECT status FROM experiment_specs').get() as { status: string }).status).toBe('running');
    });
  });

  test('start preconditions: approval and learning_book_enabled', async () => {
    await withStore((s) => {
      expect(refusal(() => transition(s, ID, { ...start, approved_by: ' ' }, ctx))).toBe('cannot start experiment "t-exp-1": no operator approval (approved_by is empty)');
      expect(refusal(() => transition(s, ID, { ...start, learning_book_enabled: false }, ctx))).toBe('cannot start experiment "t-exp-1": learning_book_enabled is false');
      expect(s.get(ID)!.status).toBe('draft');
      expect(s.events(ID).length).toBe(1); // nothing written by refusals
    });
  });

  test('pause (manual, kill switch), resume, invalidate with evidence', async () => {
    await withStore((s) => {
      transition(s, ID, start, ctx);
      expect(transition(s, ID, { action: 'pause', cause: 'kill_switch' }, ctx).payload).toEqual({ cause: 'kill_switch', action: 'pause' });
      expect(refusal(() => transition(s, ID, { action: 'resume', learning_book_enabled: false }, ctx))).toBe('cannot resume experiment "t-exp-1": learning_book_enabled is false');
      transition(s, ID, { action: 'resume', learning_book_enabled: true }, ctx);
      expect(refusal(() => transition(s, ID, { action: 'invalidate', cause: 'data_quality', evidence: '' }, ctx))).toBe('cannot invalidate experiment "t-exp-1": no evidence for the data_quality failure');
      const evidence = { file: 'lake/bars/BTCUSDT.parquet', rows: [1200, 1201], issue: 'duplicate ts_ms' };
      const ev = transition(s, ID, { action: 'invalidate', cause: 'data_quality', evidence }, ctx);
      expect(ev.payload).toEqual({ cause: 'data_quality', evidence, action: 'invalidate' });
      expect(s.events(ID).filter((e) => e.type === 'experiment_status_changed').map((e) => `${e.before_status}->${e.after_status}`))
        .toEqual(['draft->running', 'running->paused', 'paused->running', 'running->invalidated']);
    });
  });

  test.each<[ExperimentStatus, string]>([
    ['draft', 'start (-> running)'],
    ['running', 'pause (-> paused), invalidate (-> invalidated), promote (-> ready_for_exploitation)'],
    ['paused', 'resume (-> running)'],
    ['invalidated', 'none (terminal status)'],
    ['ready_for_exploitation', 'none (terminal status)'],
  ])('allowed from %s', (status, allowed) => expect(allowedFrom(status)).toBe(allowed));

  test('illegal transitions are refused with the allowed ones listed (exact messages)', async () => {
    await withStore((s) => {
      expect(refusal(() => transition(s, ID, { action: 'pause', cause: 'manual' }, ctx))).toBe(
        'cannot pause experiment "t-exp-1": status is "draft", pause needs "running"; allowed from "draft": start (-> running)');
      expect(refusal(() => transition(s, ID, { action: 'promote', review_note: 'ok' }, ctx))).toBe(
        'cannot promote experiment "t-exp-1": status is "draft", promote needs "running"; allowed from "draft": start (-> running)');
      transition(s, ID, start, ctx);
      expect(refusal(() => transition(s, ID, start, ctx))).toBe(
        'cannot start experiment "t-exp-1": status is "running", start needs "draft"; allowed from "running": pause (-> paused), invalidate (-> invalidated), promote (-> ready_for_exploitation)');
      expect(refusal(() => transition(s, ID, { action: 'resume', learning_book_enabled: true }, ctx))).toBe(
        'cannot resume experiment "t-exp-1": status is "running", resume needs "paused"; allowed from "running": pause (-> paused), invalidate (-> invalidated), promote (-> ready_for_exploitation)');
      transition(s, ID, { action: 'pause', cause: 'manual' }, ctx);
      expect(refusal(() => transition(s, ID, { action: 'invalidate', cause: 'exposure_violation', evidence: 'x' }, ctx))).toBe(
        'cannot invalidate experiment "t-exp-1": status is "paused", invalidate needs "running"; allowed from "paused": resume (-> running)');
      transition(s, ID, { action: 'resume', learning_book_enabled: true }, ctx);
      transition(s, ID, { action: 'invalidate', cause: 'exposure_violation', evidence: { order: 'o7', notional_usd: 1500 } }, ctx);
      expect(refusal(() => transition(s, ID, { action: 'resume', learning_book_enabled: true }, ctx))).toBe(
        'cannot resume experiment "t-exp-1": status is "invalidated", resume needs "paused"; allowed from "invalidated": none (terminal status)');
    });
  });

  test('promote needs every metric passing with min_samples and a review note', async () => {
    await withStore((s) => {
      transition(s, ID, start, ctx);
      const m = s.get(ID)!.metrics[0]!; // slippage_bps p95 <= 8, min_samples 30
      const promote: TransitionRequest = { action: 'promote', review_note: 'reviewed by bob: slippage within budget' };
      expect(refusal(() => transition(s, ID, promote, ctx))).toBe('cannot promote experiment "t-exp-1": metrics not passing: slippage_bps p95 missing (no experiment_metric recorded)');
      const mctx = { experiment_id: ID, run_id: 'bt-1', actor: 'engine' };
      s.recordMetric(mctx, evaluateMetric(m, Array(12).fill(3)));
      expect(refusal(() => transition(s, ID, promote, ctx))).toBe('cannot promote experiment "t-exp-1": metrics not passing: slippage_bps p95 insufficient (n 12 < min_samples 30)');
      s.recordMetric(mctx, evaluateMetric(m, Array(40).fill(9)));
      expect(refusal(() => transition(s, ID, promote, ctx))).toBe('cannot promote experiment "t-exp-1": metrics not passing: slippage_bps p95 fail (9 vs lower_better 8)');
      s.recordMetric(mctx, evaluateMetric(m, Array(40).fill(4)));
      expect(refusal(() => transition(s, ID, { action: 'promote', review_note: '' }, ctx))).toBe('cannot promote experiment "t-exp-1": no review note');
      const ev = transition(s, ID, promote, ctx);
      expect(ev.after_status).toBe('ready_for_exploitation');
      expect(ev.payload).toEqual({
        review_note: 'reviewed by bob: slippage within budget', action: 'promote',
        metrics: [{ name: 'slippage_bps', aggregation: 'p95', unit: 'bps', value: 4, n: 40, dropped: 0, min_samples: 30, status: 'pass' }],
      });
      expect(s.events(ID).filter((e) => e.type === 'experiment_metric').every((e) => e.experiment_id === ID && e.learning_book === 'learning' && e.run_id === 'bt-1')).toBe(true);
    });
  });
});
