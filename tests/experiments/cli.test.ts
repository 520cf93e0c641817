import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import yargs from 'yargs';
import { experimentCommand, experimentCommands } from '../../cli/experiments/index.js';
import { ExperimentStore } from '../../lib/experiments/store.js';
import { withTempDir } from '../helpers/tmp.js';
import { specText } from './fixtures.js';

let out: string[] = [];
beforeEach(() => {
  out = [];
  process.exitCode = undefined;
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  process.env.QUANTLAB_LOG_LEVEL = 'silent';
});
afterEach(() => {
  jest.restoreAllMocks();
  process.exitCode = undefined;
  delete process.env.QUANTLAB_LOG_LEVEL;
});

async function ql(args: string[]): Promise<{ code: number; stdout: string }> {
  out = [];
  process.exitCode = undefined;
  await yargs(args).command(experimentCommand).strict().exitProcess(false).fail((msg, err) => {
    throw err ?? new Error(msg);
  }).parseAsync();
  return { code: Number(process.exitCode ?? 0), stdout: out.join('') };
}

describe('quantlab experiment <command>', () => {
  test('registers the ten commands', () => {
    expect(experimentCommands.map((c) => String(c.command).split(' ')[0])).toEqual(
      ['validate', 'create', 'show', 'list', 'start', 'pause', 'resume', 'invalidate', 'promote', 'run']);
  });

  test('validate the shipped examples', async () => {
    const r = await ql(['experiment', 'validate', 'experiments/micro_taker_breakout.yaml', 'experiments/meso_maker_post_only.yaml', '--book', 'experiments/learning_book.yaml']);
    expect(r).toEqual({
      code: 0,
      stdout: 'ok experiments/micro_taker_breakout.yaml: micro-taker-breakout-v1 (micro, taker, hold <= 30 min, 4 metrics)\n'
        + 'ok experiments/meso_maker_post_only.yaml: meso-maker-pullback-v1 (meso, post_only, hold <= 360 min, 5 metrics)\n',
    });
  });

  test('create, list, start, pause, resume, invalidate through the CLI; refusals exit 3 and write nothing', async () => {
    await withTempDir(async (dir) => {
      const spec = join(dir, 'e.yaml');
      const book = join(dir, 'book.yaml');
      await writeFile(spec, specText());
      await writeFile(book, 'learning_book_enabled: false\ndaily_budget_usd: 5000\n');
      const common = ['--data_dir', join(dir, 'd'), '--book', book, '--by', 'op'];
      expect((await ql(['experiment', 'create', spec, ...common])).stdout).toBe(`created t-exp-1 (draft) in ${join(dir, 'd', 'experiments', 'experiments.sqlite')}\n`);
      expect((await ql(['experiment', 'create', spec, ...common])).code).toBe(3); // exists
      expect((await ql(['experiment', 'start', 't-exp-1', '--approved_by', 'alice', ...common])).code).toBe(3); // book disabled
      await writeFile(book, 'learning_book_enabled: true\ndaily_budget_usd: 5000\n');
      const started = await ql(['experiment', 'start', 't-exp-1', '--approved_by', 'alice', '--reason', 'go', ...common]);
      expect(started.code).toBe(0);
      expect(started.stdout).toMatch(/^t-exp-1: draft -> running \(event #2, by op, run \d{8}T\d{6}Z-[0-9a-f]{4}\)\n$/);
      expect((await ql(['experiment', 'resume', 't-exp-1', ...common])).code).toBe(3); // illegal from running
      expect((await ql(['experiment', 'pause', 't-exp-1', '--kill_switch', ...common])).code).toBe(0);
      expect((await ql(['experiment', 'resume', 't-exp-1', ...common])).code).toBe(0);
      await writeFile(join(dir, 'ev.json'), '{"order":"o7","notional_usd":1500,"cap_usd":1000}');
      expect((await ql(['experiment', 'invalidate', 't-exp-1', '--cause', 'exposure_violation', '--evidence', `@${join(dir, 'ev.json')}`, ...common])).code).toBe(0);
      expect((await ql(['experiment', 'promote', 't-exp-1', '--review_note', 'x', ...common])).code).toBe(3);

      const list = await ql(['experiment', 'list', ...common]);
      expect(list.stdout.split('\n')[1]).toMatch(/^t-exp-1\s+invalidated\s+micro\s+taker\s+tester\s+2026|^t-exp-1\s+invalidated\s+micro\s+taker\s+tester\s+\d{4}-/);
      const show = await ql(['experiment', 'show', 't-exp-1', '--json', ...common]);
      const shown = JSON.parse(show.stdout) as { spec: { status: string }; events: { type: string; actor: string; payload: unknown }[] };
      expect(shown.spec.status).toBe('invalidated');
      expect(shown.events.map((e) => e.type)).toEqual(['experiment_created', ...Array(4).fill('experiment_status_changed')]);
      expect(shown.events.at(-1)!.payload).toEqual({ cause: 'exposure_violation', evidence: { order: 'o7', notional_usd: 1500, cap_usd: 1000 }, action: 'invalidate' });
      const text = await ql(['experiment', 'show', 't-exp-1', ...common]);
      expect(text.stdout).toContain('  #3 ');
      expect(text.stdout).toContain('experiment_status_changed running -> paused by op');
      const s = ExperimentStore.open(join(dir, 'd'));
      expect(s.events('t-exp-1').length).toBe(5);
      s.close();
    });
  });

  test('a bad spec exits 3 and creates no database', async () => {
    await withTempDir(async (dir) => {
      const spec = join(dir, 'bad.yaml');
      await writeFile(spec, specText((l) => l.splice(11, 0, '  stop_distance_atr: 1')));
      const r = await ql(['experiment', 'validate', spec, '--data_dir', join(dir, 'd')]);
      expect(r).toEqual({ code: 3, stdout: '' });
      expect((await ql(['experiment', 'create', spec, '--data_dir', join(dir, 'd')])).code).toBe(3);
      const { existsSync } = await import('node:fs');
      expect(existsSync(join(dir, 'd'))).toBe(false);
    });
  });
});
