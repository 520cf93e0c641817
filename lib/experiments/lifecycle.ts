/**
 * The experiment lifecycle. Five actions, each from one status, each with its preconditions:
 *
 *   start       draft   -> running                 operator approval (approved_by) and learning_book_enabled
 *   pause       running -> paused                  cause manual | kill_switch
 *   resume      paused  -> running                 learning_book_enabled
 *   invalidate  running -> invalidated             cause data_quality | exposure_violation, with evidence
 *   promote     running -> ready_for_exploitation  every spec metric's latest experiment_metric passes
 *                                                  (n >= min_samples) and a review note
 *
 * A transition reads the status, checks, updates the spec row and appends `experiment_status_changed` (who, when,
 * why, before/after, the evidence) in one IMMEDIATE transaction, so two processes cannot both move the same
 * experiment. An illegal action is refused with the actions allowed from the current status.
 */
import { QuantError, ExitCode } from '../errors.js';
import type { MetricResult } from './metrics.js';
import type { ExperimentSpec, ExperimentStatus } from './schema.js';
import type { ExperimentStore, StoredEvent } from './store.js';

export const ACTIONS = ['start', 'pause', 'resume', 'invalidate', 'promote'] as const;
export type Action = (typeof ACTIONS)[number];

export const TRANSITIONS: Readonly<Record<Action, { from: ExperimentStatus; to: ExperimentStatus }>> = {
  start: { from: 'draft', to: 'running' },
  pause: { from: 'running', to: 'paused' },
  resume: { from: 'paused', to: 'running' },
  invalidate: { from: 'running', to: 'invalidated' },
  promote: { from: 'running', to: 'ready_for_exploitation' },
};

/** A refused transition: illegal from the status, or a precondition not met. Exit 3 (the store is unchanged). */
export class TransitionError extends QuantError {
  override readonly exitCode: number = ExitCode.invalidInput;
}

/** `resume (-> running)` for every action allowed from `status`, or `none (terminal status)`. */
export function allowedFrom(status: ExperimentStatus): string {
  const out = ACTIONS.filter((a) => TRANSITIONS[a].from === status).map((a) => `${a} (-> ${TRANSITIONS[a].to})`);
  return out.length ? out.join(', ') : 'none (terminal status)';
}

export interface TransitionContext {
  run_id: string;
  /** Who performs the transition. */
  actor: string;
  /** Why (free text, stored in the audit event). */
  reason: string;
}

export type TransitionRequest =
  | { action: 'start'; approved_by: string; learning_book_enabled: boolean }
  | { action: 'pause'; cause: 'manual' | 'kill_switch' }
  | { action: 'resume'; learning_book_enabled: boolean }
  | { action: 'invalidate'; cause: 'data_quality' | 'exposure_violation'; evidence: unknown }
  | { action: 'promote'; review_note: string };

/** Applies one transition; returns the audit event written. Throws TransitionError (nothing written) on refusal. */
export function transition(store: ExperimentStore, id: string, req: TransitionRequest, ctx: TransitionContext): StoredEvent {
  const t = TRANSITIONS[req.action];
  const run = store.db.transaction((): number => {
    const spec = store.require(id);
    const before = spec.status;
    if (before !== t.from) {
      throw new TransitionError(
        `cannot ${req.action} experiment "${id}": status is "${before}", ${req.action} needs "${t.from}"; allowed from "${before}": ${allowedFrom(before)}`,
        { hint: 'quantlab experiment show ' + id + ' lists its audit trail' },
      );
    }
    const payload = { ...preconditions(store, spec, req), action: req.action };
    const at = store.nowIso();
    const updated: ExperimentSpec = { ...spec, status: t.to, updated_at: at };
    store.db.prepare('UPDATE experiment_specs SET status = ?, spec_json = ?, updated_at = ? WHERE experiment_id = ?')
      .run(t.to, JSON.stringify(updated), at, id);
    return store.insertEvent({
      experiment_id: id, run_id: ctx.run_id, type: 'experiment_status_changed', actor: ctx.actor,
      reason: ctx.reason, before_status: before, after_status: t.to, payload,
    }, at);
  });
  const eventId = run.immediate();
  return store.events(id).find((e) => e.event_id === eventId)!;
}

function refuse(id: string, action: Action, why: string, hint: string): never {
  throw new TransitionError(`cannot ${action} experiment "${id}": ${why}`, { hint });
}

/** Checks the preconditions of `req`; returns what the audit event records about them. */
function preconditions(store: ExperimentStore, spec: ExperimentSpec, req: TransitionRequest): Record<string, unknown> {
  const id = spec.id;
  switch (req.action) {
    case 'start':
      if (req.approved_by.trim() === '') refuse(id, 'start', 'no operator approval (approved_by is empty)', 'pass --approved-by <operator>');
      if (!req.learning_book_enabled) refuse(id, 'start', 'learning_book_enabled is false', 'enable the learning book (experiments/learning_book.yaml) first');
      return { approved_by: req.approved_by, learning_book_enabled: true };
    case 'pause':
      return { cause: req.cause };
    case 'resume':
      if (!req.learning_book_enabled) refuse(id, 'resume', 'learning_book_enabled is false', 'enable the learning book (experiments/learning_book.yaml) first');
      return { learning_book_enabled: true };
    case 'invalidate':
      if (req.evidence === undefined || req.evidence === null || (typeof req.evidence === 'string' && req.evidence.trim() === '')) {
        refuse(id, 'invalidate', `no evidence for the ${req.cause} failure`, 'pass --evidence with what was observed (file, rows, values)');
      }
      return { cause: req.cause, evidence: req.evidence };
    case 'promote': {
      if (req.review_note.trim() === '') refuse(id, 'promote', 'no review note', 'pass --review-note with the reviewer\'s conclusion');
      const latest = latestMetrics(store, id);
      const problems: string[] = [];
      const results: MetricResult[] = [];
      for (const m of spec.metrics) {
        const r = latest.get(`${m.name}\u0000${m.aggregation}`);
        if (!r) {
          problems.push(`${m.name} ${m.aggregation} missing (no experiment_metric recorded)`);
          continue;
        }
        results.push(r);
        if (r.n < m.min_samples) problems.push(`${m.name} ${m.aggregation} insufficient (n ${r.n} < min_samples ${m.min_samples})`);
        else if (r.status !== 'pass') problems.push(`${m.name} ${m.aggregation} ${r.status} (${r.value} vs ${m.direction} ${JSON.stringify(m.pass_threshold)})`);
      }
      if (problems.length) refuse(id, 'promote', `metrics not passing: ${problems.join('; ')}`, 'keep the experiment running until every metric passes with min_samples, or invalidate it');
      return { review_note: req.review_note, metrics: results };
    }
  }
}

/** The latest experiment_metric result of each (name, aggregation) of an experiment. */
export function latestMetrics(store: ExperimentStore, id: string): Map<string, MetricResult> {
  const out = new Map<string, MetricResult>();
  for (const e of store.events(id)) {
    if (e.type !== 'experiment_metric') continue;
    const r = e.payload as MetricResult & { value: number | null };
    out.set(`${r.name}\u0000${r.aggregation}`, { ...r, value: r.value ?? NaN });
  }
  return out;
}
