/**
 * A stage loads its own code, not another stage's: the report, discovery, plan and blueprint stages read file names
 * and columns the walk-forward, events and features stages write, from those stages' small files.ts modules. Loading
 * the writer's run.ts instead costs the reader that whole stage (the report took the walk-forward's engine, DSL and
 * statistics: ~0.14 s of CPU inside its stage time). Checked on the compiled module graph (what the stage process
 * loads and what its code digest covers).
 */
import { describe, expect, test } from '@jest/globals';
import { join, relative } from 'node:path';
import { moduleGraph } from '../../lib/stage/code_digest.js';
import { BUILD_ROOT } from '../research/discovery/fixture.js';
import * as wf from '../../lib/stages/walkforward/run.js';
import * as wfFiles from '../../lib/stages/walkforward/files.js';
import * as ev from '../../lib/stages/events/run.js';
import * as evFiles from '../../lib/stages/events/files.js';
import * as ft from '../../lib/stages/features/run.js';
import * as ftFiles from '../../lib/stages/features/files.js';

const graph = (stage: string) => moduleGraph(join(BUILD_ROOT, 'stages', `${stage}.js`)).map((f) => relative(BUILD_ROOT, f));

describe('stage module graphs', () => {
  test.each([
    ['report', ['lib/stages/walkforward/run.js', 'lib/engine/engine.js', 'lib/stages/events/run.js']],
    ['discovery', ['lib/stages/events/run.js', 'lib/stages/walkforward/run.js']],
    ['plan', ['lib/stages/events/run.js', 'lib/stages/features/run.js']],
    ['blueprint', ['lib/stages/features/run.js', 'lib/stages/events/run.js']],
  ])('%s does not load %j', (stage, absent) => {
    const g = graph(stage);
    expect(g).toContain(`lib/stages/${stage}/run.js`);
    for (const f of absent) expect(g).not.toContain(f);
  });

  test('the names they read are the ones the writers use', () => {
    expect([wf.OOS_FILE, wf.SUMMARY_FILE, wf.TRADES_FILE, wf.OOS_COLUMNS]).toEqual([wfFiles.OOS_FILE, wfFiles.SUMMARY_FILE, wfFiles.TRADES_FILE, wfFiles.OOS_COLUMNS]);
    expect(wf.OOS_COLUMNS.map((c) => `${c.name}:${c.type}`)).toEqual(['ts_ms:ts', 'window:i32', 'ret:f64', 'equity:f64', 'gross_leverage:f64', 'benchmark_equity:f64']);
    expect(ev.EVENTS_INFO_FILE).toBe(evFiles.EVENTS_INFO_FILE);
    expect(ft.FEATURES_INFO_FILE).toBe(ftFiles.FEATURES_INFO_FILE);
  });
});
