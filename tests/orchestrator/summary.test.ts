/** The end-of-run table lists every stage's run-summary warnings (an empty plan, an idle stage, PBO not computed). */
import { describe, expect, test } from '@jest/globals';
import { summaryTable } from '../../orchestrator/cli_common.js';
import type { RunRecord } from '../../orchestrator/runner.js';

describe('summaryTable', () => {
  test('warnings follow the stage rows, each with its stage; none: no warnings block', () => {
    const r: RunRecord = {
      run_id: 'r1', argv: [], timeframe: '4h', started_at: '', finished_at: '', duration_ms: 1500, status: 'ok',
      stages: [
        { name: 'plan', outcome: { type: 'ran', reason: 'no previous run', exit_code: 0 }, duration_ms: 1000, warnings: ['Empty candidate plan at 4h: x'] },
        { name: 'walkforward', outcome: { type: 'skipped', reason: 'fresh' }, duration_ms: 10, warnings: ['PBO not computed: y'] },
      ],
    };
    expect(summaryTable(r).split('\n').slice(3)).toEqual([
      'warnings (2):', '  ! plan: Empty candidate plan at 4h: x', '  ! walkforward: PBO not computed: y', '',
    ]);
    expect(summaryTable({ ...r, stages: r.stages.map(({ warnings: _w, ...s }) => s) })).not.toContain('warnings');
  });
});
