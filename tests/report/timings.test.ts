import { describe, expect, test } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../../lib/errors.js';
import { renderReportHtml } from '../../lib/report/html.js';
import { renderReportMarkdown } from '../../lib/report/markdown.js';
import { timingsTable } from '../../lib/report/sections.js';
import { stageTimings } from '../../lib/stages/report/run.js';
import { withTempDir } from '../helpers/tmp.js';
import { makeFixture } from './fixture.js';

async function manifest(dir: string, stage: string, m: Record<string, unknown>): Promise<void> {
  const d = join(dir, 'state', 'stages');
  await mkdir(d, { recursive: true });
  await writeFile(join(d, `${stage}.json`), JSON.stringify({ version: 1, stage, ...m }));
}

describe('stageTimings: the stage manifests as the report\'s timings', () => {
  test('every stage but the report, in start order, seconds and the run that ran it', async () => {
    await withTempDir(async (dir) => {
      await manifest(dir, 'clean', { run_id: 'r2', started_at: '2026-01-01T10:00:05.000Z', duration_ms: 3020 });
      await manifest(dir, 'ingest', { run_id: 'r1', started_at: '2026-01-01T09:00:00.000Z', duration_ms: 2310, summary: { rows: { 'raw/klines': 1000, 'raw/funding': 20 } } });
      await manifest(dir, 'walkforward', { run_id: 'r2', started_at: '2026-01-01T10:01:00.000Z', duration_ms: 61_250 });
      await manifest(dir, 'report', { run_id: 'r2', started_at: '2026-01-01T10:02:00.000Z', duration_ms: 900 });
      expect(await stageTimings(dir, 'report')).toEqual([
        { stage: 'ingest', seconds: 2.31, rows: 1020, run_id: 'r1' },
        { stage: 'clean', seconds: 3.02, run_id: 'r2' },
        { stage: 'walkforward', seconds: 61.25, run_id: 'r2' },
      ]);
    });
  });

  test('no state/stages folder: no timings', async () => {
    await withTempDir(async (dir) => {
      expect(await stageTimings(dir, 'report')).toEqual([]);
    });
  });

  test('a manifest without a valid duration or not JSON is a located error', async () => {
    await withTempDir(async (dir) => {
      await manifest(dir, 'clean', { run_id: 'r', started_at: 'x', duration_ms: 'slow' });
      const err = await stageTimings(dir, 'report').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      expect((err as DataError).field).toBe('duration_ms');
      expect(String((err as Error).message)).toContain(join(dir, 'state', 'stages', 'clean.json'));
      await writeFile(join(dir, 'state', 'stages', 'clean.json'), '{not json');
      await expect(stageTimings(dir, 'report')).rejects.toThrow(/clean\.json.*not valid JSON|not valid JSON.*clean\.json/);
    });
  });
});

describe('the timings table with run ids', () => {
  test('"this run" for the report\'s own run, the run id otherwise; shares and total', () => {
    const d = makeFixture();
    const data = {
      ...d,
      stages: [{ stage: 'ingest', seconds: 1, run_id: 'old-run' }, { stage: 'clean', seconds: 3, run_id: d.generated.run_id }],
    };
    const t = timingsTable(data);
    expect(t.columns.map((c) => c.label)).toEqual(['Stage', 'Wall time', 'Share', 'Rows', 'Rows/s', 'Ran in']);
    expect(t.rows.map((r) => [r[0]!.text, r[2]!.text, r[5]!.text])).toEqual([['ingest', '25.0%', 'old-run'], ['clean', '75.0%', 'this run'], ['total', '', '']]);
    const html = renderReportHtml(data);
    expect(html).toContain('<td>old-run</td>');
    expect(html).toContain('<td>this run</td>');
    expect(renderReportMarkdown(data)).toContain('| ingest |');
    // without run ids (older data) the table keeps its five columns
    expect(timingsTable(d).columns.length).toBe(5);
  });
});
