import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseExperimentText } from '../../lib/experiments/load.js';
import { ExperimentStore } from '../../lib/experiments/store.js';
import { BOOK, specText } from '../experiments/fixtures.js';
import { withTempDir } from '../helpers/tmp.js';

describe('ExperimentStore.openReadOnly', () => {
  test('reads what a writer stored, refuses every write, creates nothing, and refuses a missing store', async () => {
    await withTempDir(async (dir) => {
      expect(() => ExperimentStore.openReadOnly(dir)).toThrow();
      expect(existsSync(join(dir, 'experiments'))).toBe(false); // no folder made
      const w = ExperimentStore.open(dir);
      const { spec } = parseExperimentText(specText(), 'x.yaml', BOOK);
      w.create(spec, { run_id: 'r1', actor: 'alice', source: 'x.yaml' });
      w.close();
      const files = readdirSync(join(dir, 'experiments')).sort();
      const ro = ExperimentStore.openReadOnly(dir);
      try {
        expect(ro.list().map((s) => s.id)).toEqual(['t-exp-1']);
        expect(ro.events('t-exp-1').map((e) => [e.type, e.actor])).toEqual([['experiment_created', 'alice']]);
        expect(() => ro.appendEvent({ experiment_id: 't-exp-1', run_id: 'r2', type: 'experiment_metric', actor: 'x' })).toThrow(/readonly/i);
      } finally {
        ro.close();
      }
      expect(readdirSync(join(dir, 'experiments')).sort()).toEqual(files);
      expect(files).toEqual(['experiments.sqlite']);
      // While a writer has the store open, its uncommitted-to-the-main-file rows (in the WAL) are read too.
      const w2 = ExperimentStore.open(dir);
      try {
        w2.appendEvent({ experiment_id: 't-exp-1', run_id: 'r3', type: 'experiment_blocked', actor: 'bob', reason: 'kill switch' });
        expect(existsSync(join(dir, 'experiments', 'experiments.sqlite-wal'))).toBe(true);
        const ro2 = ExperimentStore.openReadOnly(dir);
        try {
          expect(ro2.events('t-exp-1').map((e) => e.actor)).toEqual(['alice', 'bob']);
        } finally {
          ro2.close();
        }
      } finally {
        w2.close();
      }
    });
  });
});
