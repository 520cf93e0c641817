/**
 * The small synthetic strategy lake the walk-forward stage tests share: 2 symbols x 3 days through `blueprint`
 * (bridge.scope=all so there are bridge blueprints), the compiled executables run as the orchestrator runs them, and
 * walk-forward parameters short enough for 3 days of 5m bars. Run `npm run build` first.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** The project root: this file is compiled to dist/tests/helpers/. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DAY = 86_400_000;
export const START = Date.UTC(2025, 0, 1);
/** Walk-forward parameters for 3 days of 5m bars, as stage params and as `npm run all` overrides. */
// every blueprint selectable (no trade or Sharpe floor): these lakes test the machinery, not the selection rule
export const WF = { timeframe: '5m', train_days: 0.5, test_days: 0.25, min_train_trades: 0, min_train_sharpe: -100, train_sharpe_floor: 'none' };
export const WF_SET = ['--set', 'walkforward.train_days=0.5', '--set', 'walkforward.test_days=0.25', '--set', 'walkforward.min_train_trades=0', '--set', 'walkforward.min_train_sharpe=-100', '--set', 'walkforward.train_sharpe_floor=none'];

export interface RunResult { exitCode: number; stdout: string; stderr: string }

/** Run dist/<script> with a fixed clock and info logs; never throws on a non-zero exit. */
export async function runNode(script: string, args: string[], timeout = 180_000): Promise<RunResult> {
  const r = await execa('node', [join(ROOT, 'dist', script), ...args], {
    reject: false, cwd: ROOT, timeout, env: { QUANTLAB_NOW_MS: String(Date.UTC(2025, 5, 1)), QUANTLAB_LOG_LEVEL: 'info' },
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** ingest .. blueprint on the 2-symbol, 3-day synthetic market into `dir`; throws with the log when it fails. */
export async function seedStrategyLake(dir: string): Promise<void> {
  const r = await runNode('orchestrator/run_all.js', [
    '--data_dir', dir, '--allow-synthetic', '--until', 'blueprint',
    '--set', 'ingest.synthetic.n_symbols=2', '--set', `ingest.synthetic.start_ms=${START}`, '--set', `ingest.synthetic.end_ms=${START + 3 * DAY}`,
    '--set', 'bridge.scope=all',
  ]);
  if (r.exitCode !== 0) throw new Error(`seed pipeline failed:\n${r.stderr}`);
}
