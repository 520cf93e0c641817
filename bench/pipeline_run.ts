import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { execa } from 'execa';
import { readStageManifest } from '../lib/stage/manifest.js';
import type { RunRecord } from '../orchestrator/runner.js';

export interface StageFigures {
  stage: string;
  outcome: string;
  /** inside the stage process, from its manifest */
  duration_ms: number | null;
  /** as the orchestrator saw it: process start to exit */
  wall_ms: number;
  peak_rss_mb: number | null;
  rows: Record<string, number>;
}

export interface RunFigures {
  /** wall time of the whole run_all process */
  wall_ms: number;
  /**
   * CPU time (user + system) and peak RSS of the run_all process itself, from /usr/bin/time when the machine has it
   * (null otherwise). On a shared machine CPU time is the steadier figure: wall time grows with the load.
   */
  cpu_ms?: number | null;
  rss_mb?: number | null;
  status: string;
  stages: StageFigures[];
}

/**
 * Spawn `node dist/orchestrator/run_all.js --data_dir D ...args` (exactly what a user runs), time it end to end,
 * and collect each stage's own time, peak RSS and rows from its manifest. Stage logs go to `logFile`.
 */
export async function runAll(projectRoot: string, dataDir: string, args: string[], runId: string, logFile: string): Promise<RunFigures> {
  const cmd = [process.execPath, join(projectRoot, 'dist', 'orchestrator', 'run_all.js'), '--data_dir', dataDir, '--run_id', runId, ...args];
  const timeOut = `${logFile}.${runId}.time`;
  const timed = existsSync(TIME) ? [TIME, '-f', '%U %S %M', '-o', timeOut, ...cmd] : cmd;
  const t0 = performance.now();
  const res = await execa(timed[0]!, timed.slice(1), {
    cwd: projectRoot, reject: false, stdout: 'pipe', stderr: { file: logFile, append: true }, env: { QUANTLAB_LOG_LEVEL: 'info' },
  });
  const wall_ms = performance.now() - t0;
  const usage = timed !== cmd ? await readTime(timeOut) : { cpu_ms: null, rss_mb: null };
  let record: RunRecord | undefined;
  try {
    record = JSON.parse(await readFile(join(dataDir, 'reports', 'runs', runId, 'run.json'), 'utf8')) as RunRecord;
  } catch {
    record = undefined;
  }
  if (!record) return { wall_ms, ...usage, status: `exit code ${res.exitCode ?? res.signal} (no run record; see ${logFile})`, stages: [] };
  const stages: StageFigures[] = [];
  for (const s of record.stages) {
    const m = s.outcome.type === 'ran' ? await readStageManifest(dataDir, s.name) : undefined;
    stages.push({
      stage: s.name, outcome: s.outcome.type, wall_ms: s.duration_ms,
      duration_ms: m?.duration_ms ?? null, peak_rss_mb: m?.peak_rss_mb ?? null, rows: m?.summary.rows ?? {},
    });
  }
  return { wall_ms, ...usage, status: record.status, stages };
}

const TIME = '/usr/bin/time';

/** `%U %S %M` as GNU time writes it (seconds, seconds, KB), the last line of its -o file. */
async function readTime(file: string): Promise<{ cpu_ms: number | null; rss_mb: number | null }> {
  const text = await readFile(file, 'utf8').catch(() => '');
  await rm(file, { force: true });
  const last = text.trim().split('\n').pop() ?? '';
  const m = /^([\d.]+) ([\d.]+) (\d+)$/.exec(last);
  if (!m) return { cpu_ms: null, rss_mb: null };
  return { cpu_ms: Math.round((Number(m[1]) + Number(m[2])) * 1000), rss_mb: Math.round(Number(m[3]) / 1024) };
}
