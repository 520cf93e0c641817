/**
 * `npm run mm:roles -- --symbols BTCUSDT,ETHUSDT,SOLUSDT --max-workers 2 [common mm flags]`
 * The market-making roles as independent processes: for each symbol data -> model -> execution -> risk (each
 * `node dist/cli/mm/role.js --role R`, writing its artifact under artifacts/roles/<run_id>/), symbols in parallel
 * with at most --max-workers processes at once. Logs `runtime_complete` with the number of failures; exit 1 if any.
 *
 * Why not orchestrator/runner.ts: runPipeline runs the research DAG of a pipeline spec, under the lake lock, with
 * lake outputs staged and rolled back per stage; the mm roles write only artifacts/ and chain per symbol, so they
 * would need a second pipeline spec format and runner changes (orchestrator/ is being reworked in parallel). This is
 * the small execa + p-limit runner the issue allows instead.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import pLimit from 'p-limit';
import { hideBin } from 'yargs/helpers';
import { UsageError } from '../../lib/errors.js';
import { PROJECT_ROOT } from '../../lib/stage/main.js';
import { baseArgs, runCli, runIdOf, type CommonArgs } from './common.js';

const ROLES = ['data', 'model', 'execution', 'risk'] as const;

await runCli('mm-roles', async (log) => {
  const argv = hideBin(process.argv);
  const a = (await baseArgs('mm:roles', '$0 --symbols BTCUSDT,ETHUSDT --max-workers 2')
    .option('symbols', { type: 'string', describe: 'comma-separated symbols (default: --symbol)' })
    .option('max-workers', { type: 'number', default: 2, describe: 'role processes running at once' })
    .parseAsync(argv)) as unknown as CommonArgs & { symbols?: string; 'max-workers': number };
  if (argv.includes('--help')) return;
  const workers = a['max-workers'];
  if (!(Number.isInteger(workers) && workers >= 1)) throw new UsageError(`--max-workers must be an integer >= 1, was ${workers}`);
  const runId = runIdOf(a);
  const symbols = (a.symbols ?? a.symbol).split(',').map((s) => s.trim()).filter(Boolean);
  // pass every flag through except the runner's own
  const pass: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i]!;
    const name = f.replace(/^--/, '').split('=')[0]!;
    if (['symbols', 'max-workers', 'run_id', 'symbol'].includes(name)) { if (!f.includes('=')) i++; continue; }
    pass.push(f);
  }
  const limit = pLimit(workers);
  const script = join(PROJECT_ROOT, 'dist', 'cli', 'mm', 'role.js');
  const failures: { symbol: string; role: string; exit_code: number }[] = [];
  const t0 = performance.now();
  await Promise.all(symbols.map(async (symbol) => {
    for (const role of ROLES) {
      const r = await limit(() => execa('node', [script, '--role', role, '--run_id', runId, '--symbol', symbol, ...pass], { reject: false, stdio: ['ignore', 'inherit', 'inherit'] }));
      log.info({ symbol, role, exit_code: r.exitCode }, 'role finished');
      if (r.exitCode !== 0) { failures.push({ symbol, role, exit_code: r.exitCode ?? -1 }); return; }
    }
  }));
  log.info({ mm_run_id: runId, symbols, max_workers: workers, failures: failures.length, failed: failures, ms: Math.round(performance.now() - t0) }, 'runtime_complete');
  if (failures.length) process.exitCode = 1;
});
