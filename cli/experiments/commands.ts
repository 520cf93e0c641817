/**
 * `quantlab experiment validate|create|show|list|start|pause|resume|invalidate|promote`, one yargs CommandModule each
 * (`run` is cli/experiments/run.ts).
 */
import { readFile } from 'node:fs/promises';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { stringify } from 'yaml';
import { SpecError, UsageError } from '../../lib/errors.js';
import { latestMetrics, transition, type TransitionRequest } from '../../lib/experiments/lifecycle.js';
import { loadExperimentFile } from '../../lib/experiments/load.js';
import type { StoredEvent } from '../../lib/experiments/store.js';
import { runCommand, withCommon, type CommonArgs, type Ctx } from './common.js';

type Args<T> = ArgumentsCamelCase<T & CommonArgs>;

export const validateCommand: CommandModule<object, CommonArgs & { files: string[] }> = {
  command: 'validate <files..>',
  describe: 'check experiment specs (YAML or JSON): schema, rules, catalog; every problem at file:line:col',
  builder: (y) => withCommon(y).positional('files', { type: 'string', array: true, demandOption: true, describe: 'spec files' }) as Argv<CommonArgs & { files: string[] }>,
  handler: (argv) => runCommand('validate', argv, async (ctx) => {
    const book = await ctx.book();
    const lines: string[] = [];
    const issues: string[] = [];
    for (const f of argv.files) {
      try {
        const s = await loadExperimentFile(f, book);
        lines.push(`ok ${f}: ${s.id} (${s.exposure.scope}, ${s.exposure.entry_style}, hold <= ${s.exposure.max_hold_minutes} min, ${s.metrics.length} metrics)`);
      } catch (err) {
        if (!(err instanceof SpecError)) throw err;
        issues.push(...err.issues);
      }
    }
    if (issues.length) throw new SpecError(issues, { hint: 'fix the spec files at the positions shown and rerun' });
    return lines.join('\n');
  }),
};

export const createCommand: CommandModule<object, CommonArgs & { file: string }> = {
  command: 'create <file>',
  describe: 'validate a spec and store it as a draft (experiment_created)',
  builder: (y) => withCommon(y).positional('file', { type: 'string', demandOption: true, describe: 'spec file' }) as Argv<CommonArgs & { file: string }>,
  handler: (argv) => runCommand('create', argv, async (ctx) => {
    const spec = await loadExperimentFile(argv.file, await ctx.book());
    const stored = ctx.store().create(spec, { run_id: ctx.run_id, actor: ctx.actor, source: argv.file });
    return `created ${stored.id} (draft) in ${ctx.store().file}`;
  }),
};

export const showCommand: CommandModule<object, CommonArgs & { id: string; json: boolean }> = {
  command: 'show <id>',
  describe: 'the stored spec, its latest metrics and its audit trail',
  builder: (y) => withCommon(y)
    .positional('id', { type: 'string', demandOption: true, describe: 'experiment id' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' }) as Argv<CommonArgs & { id: string; json: boolean }>,
  handler: (argv) => runCommand('show', argv, async (ctx) => {
    const store = ctx.store();
    const spec = store.require(argv.id);
    const events = store.events(argv.id);
    const metrics = [...latestMetrics(store, argv.id).values()];
    if (argv.json) return JSON.stringify({ spec, metrics, events }, null, 2);
    const metricLines = spec.metrics.map((m) => {
      const r = metrics.find((x) => x.name === m.name && x.aggregation === m.aggregation);
      const got = r ? `${Number.isFinite(r.value) ? r.value : 'n/a'} (n ${r.n}) ${r.status}` : 'no data';
      return `  ${m.name.padEnd(26)} ${m.aggregation.padEnd(6)} ${m.direction.padEnd(13)} ${JSON.stringify(m.pass_threshold).padEnd(10)} min ${String(m.min_samples).padEnd(4)} ${got}`;
    });
    return [
      stringify(spec).trimEnd(),
      '',
      'metrics (latest experiment_metric):',
      ...metricLines,
      '',
      `audit trail (${events.length} events):`,
      ...events.map(formatEvent),
    ].join('\n');
  }),
};

function formatEvent(e: StoredEvent): string {
  const move = e.type === 'experiment_status_changed' ? ` ${e.before_status} -> ${e.after_status}` : e.type === 'experiment_created' ? ` -> ${e.after_status}` : '';
  const why = e.reason ? ` "${e.reason}"` : '';
  return `  #${e.event_id} ${e.created_at} ${e.type}${move} by ${e.actor} run ${e.run_id}${why} ${JSON.stringify(e.payload)}`;
}

export const listCommand: CommandModule<object, CommonArgs> = {
  command: 'list',
  describe: 'every stored experiment with its status',
  builder: (y) => withCommon(y),
  handler: (argv) => runCommand('list', argv, async (ctx) => {
    const specs = ctx.store().list();
    if (specs.length === 0) return `no experiments in ${ctx.store().file}`;
    const head = `${'id'.padEnd(28)} ${'status'.padEnd(22)} ${'scope'.padEnd(6)} ${'entry'.padEnd(10)} ${'owner'.padEnd(14)} updated_at`;
    return [head, ...specs.map((s) => `${s.id.padEnd(28)} ${s.status.padEnd(22)} ${s.exposure.scope.padEnd(6)} ${s.exposure.entry_style.padEnd(10)} ${s.owner.padEnd(14)} ${s.updated_at ?? ''}`)].join('\n');
  }),
};

function transitionCommand<T>(
  name: TransitionRequest['action'],
  command: string,
  describe: string,
  options: (y: Argv<CommonArgs & { id: string }>) => Argv<CommonArgs & { id: string } & T>,
  request: (argv: Args<{ id: string } & T>, ctx: Ctx) => Promise<TransitionRequest>,
): CommandModule<object, CommonArgs & { id: string } & T> {
  return {
    command,
    describe,
    builder: (y) => options(withCommon(y).positional('id', { type: 'string', demandOption: true, describe: 'experiment id' }) as Argv<CommonArgs & { id: string }>),
    handler: (argv) => runCommand(name, argv, async (ctx) => {
      const req = await request(argv, ctx);
      const ev = transition(ctx.store(), argv.id, req, { run_id: ctx.run_id, actor: ctx.actor, reason: ctx.reason });
      return `${argv.id}: ${ev.before_status} -> ${ev.after_status} (event #${ev.event_id}, by ${ev.actor}, run ${ev.run_id})`;
    }),
  };
}

export const startCommand = transitionCommand<{ approved_by: string }>(
  'start', 'start <id>', 'draft -> running: needs operator approval and learning_book_enabled',
  (y) => y.option('approved_by', { type: 'string', demandOption: true, describe: 'the operator approving the start' }) as Argv<CommonArgs & { id: string; approved_by: string }>,
  async (argv, ctx) => ({ action: 'start', approved_by: argv.approved_by, learning_book_enabled: (await ctx.book()).learning_book_enabled }),
);

export const pauseCommand = transitionCommand<{ kill_switch: boolean }>(
  'pause', 'pause <id>', 'running -> paused (manual, or --kill_switch)',
  (y) => y.option('kill_switch', { type: 'boolean', default: false, describe: 'paused by the kill switch, not by hand' }) as Argv<CommonArgs & { id: string; kill_switch: boolean }>,
  async (argv) => ({ action: 'pause', cause: argv.kill_switch ? 'kill_switch' : 'manual' }),
);

export const resumeCommand = transitionCommand<object>(
  'resume', 'resume <id>', 'paused -> running: needs learning_book_enabled',
  (y) => y as Argv<CommonArgs & { id: string }>,
  async (_argv, ctx) => ({ action: 'resume', learning_book_enabled: (await ctx.book()).learning_book_enabled }),
);

export const invalidateCommand = transitionCommand<{ cause: 'data_quality' | 'exposure_violation'; evidence: string }>(
  'invalidate', 'invalidate <id>', 'running -> invalidated, with the evidence of a data-quality failure or an exposure violation',
  (y) => y
    .option('cause', { choices: ['data_quality', 'exposure_violation'] as const, demandOption: true, describe: 'what failed' })
    .option('evidence', { type: 'string', demandOption: true, describe: 'what was observed: text, or @file.json to attach a JSON file' }) as Argv<CommonArgs & { id: string; cause: 'data_quality' | 'exposure_violation'; evidence: string }>,
  async (argv) => ({ action: 'invalidate', cause: argv.cause, evidence: await evidenceOf(argv.evidence) }),
);

export const promoteCommand = transitionCommand<{ review_note: string }>(
  'promote', 'promote <id>', 'running -> ready_for_exploitation: every metric passes with min_samples, and a review note',
  (y) => y.option('review_note', { type: 'string', demandOption: true, describe: 'the reviewer\'s conclusion' }) as Argv<CommonArgs & { id: string; review_note: string }>,
  async (argv) => ({ action: 'promote', review_note: argv.review_note }),
);

async function evidenceOf(v: string): Promise<unknown> {
  if (!v.startsWith('@')) return v;
  const file = v.slice(1);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--evidence ${v}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})`, { hint: 'give text, or @path/to/evidence.json' });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`--evidence ${v}: ${file} is not JSON (${(err as Error).message})`, { hint: 'attach a JSON file, or give the evidence as text' });
  }
}
