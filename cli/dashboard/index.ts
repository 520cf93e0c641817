/** `quantlab dashboard`: the read-only web dashboard (lib/dashboard, docs/dashboard.md). */
import { join, resolve } from 'node:path';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { DataError, UsageError } from '../../lib/errors.js';
import { buildServer } from '../../lib/dashboard/server.js';
import { PROJECT_ROOT, labLogger, reportError } from '../lab/common.js';

const DESCRIPTION = `Serve the read-only dashboard over what every system wrote: research runs and the strategy report,
lab backtests, paper/live sessions (live by server-sent events), the regime monitor, market making, experiments,
lessons and the resolved settings. It never writes: files are opened read-only, the experiment store too.

Binds 127.0.0.1 by default; another --host only when asked (a warning on stderr: the pages show your results to
anyone who can reach the port). Serves until Ctrl-C.

EXIT: 0 after Ctrl-C, 2 usage (bad flag, port in use), 3 a missing or unreadable folder.`;

interface F { port: number; host: string; data_dir?: string; runs_dir?: string }

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export const dashboardModule: CommandModule<object, F> = {
  command: 'dashboard',
  describe: 'the read-only web dashboard over every run (docs/dashboard.md)',
  builder: (y: Argv) => y.usage(`quantlab dashboard [options]\n\n${DESCRIPTION}`)
    .option('port', { type: 'number', default: 8501, requiresArg: true, describe: 'TCP port (0: any free port)' })
    .option('host', { type: 'string', default: '127.0.0.1', requiresArg: true, describe: 'address to bind (another than loopback: warned)' })
    .option('data_dir', { type: 'string', requiresArg: true, describe: 'lake root: reports/, artifacts/, experiments/ (default data/ or $QUANTLAB_DATA_DIR)' })
    .option('runs_dir', { type: 'string', requiresArg: true, describe: 'lab runs (default <data_dir>/runs when --data_dir is given, else ./runs, as quantlab backtest writes them)' }) as unknown as Argv<F>,
  handler: async (f) => {
    const log = labLogger('dashboard');
    try {
      if (!Number.isInteger(f.port) || f.port < 0 || f.port > 65535) throw new UsageError(`--port must be an integer 0..65535, was ${f.port}`, { hint: 'e.g. --port 8501' });
      const dataDir = resolve(f.data_dir ?? process.env.QUANTLAB_DATA_DIR ?? 'data');
      const runsDir = f.runs_dir !== undefined ? resolve(f.runs_dir) : f.data_dir !== undefined ? join(dataDir, 'runs') : resolve('runs');
      if (!isDir(dataDir)) throw new DataError(`the data dir ${existsSync(dataDir) ? 'is not a folder' : 'does not exist'}`, { file: dataDir, field: '--data_dir' }, { hint: 'run the pipeline first (npm run all -- --allow-synthetic) or pass --data_dir' });
      if (f.runs_dir !== undefined && !isDir(runsDir)) throw new DataError(`the runs dir ${existsSync(runsDir) ? 'is not a folder' : 'does not exist'}`, { file: runsDir, field: '--runs_dir' }, { hint: 'quantlab backtest writes it; or omit --runs_dir' });
      try {
        accessSync(dataDir, constants.R_OK | constants.X_OK);
      } catch {
        throw new DataError('the data dir is not readable', { file: dataDir, field: '--data_dir' }, { hint: 'give the user running the dashboard read access' });
      }
      if (!isDir(runsDir)) log.warn({ runs_dir: runsDir }, 'no runs dir yet: the backtests, sessions and lessons pages stay empty until quantlab writes one');
      const loopback = f.host === '127.0.0.1' || f.host === '::1' || f.host === 'localhost';
      if (!loopback) process.stderr.write(`WARNING: binding ${f.host}: the dashboard has no login; anyone who can reach ${f.host}:${f.port} sees every run. Use the default 127.0.0.1 unless you mean it.\n`);
      const { app } = buildServer({ host: f.host, port: f.port, dataDir, runsDir, projectRoot: PROJECT_ROOT, log });
      // Signal handlers first: a Ctrl-C right after the URL is printed must close the server, not kill the process.
      let signalled: (sig: string) => void = () => {};
      const stopped = new Promise<string>((r) => (signalled = r));
      const onSignal = (sig: string) => () => signalled(sig);
      process.once('SIGINT', onSignal('SIGINT'));
      process.once('SIGTERM', onSignal('SIGTERM'));
      try {
        await app.listen({ host: f.host, port: f.port });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new UsageError(`port ${f.port} on ${f.host} is in use (another dashboard?)`, { hint: 'choose another with --port N, or stop what listens there' });
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot bind ${f.host}: not an address of this machine`, { hint: 'use --host 127.0.0.1 (default)' });
        if (code === 'EACCES') throw new UsageError(`port ${f.port} needs privileges`, { hint: 'use a port above 1023' });
        throw e;
      }
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : f.port;
      const shownHost = f.host.includes(':') ? `[${f.host}]` : f.host;
      process.stdout.write(`quantlab dashboard: http://${shownHost}:${port}/  (data ${dataDir}, runs ${runsDir}; Ctrl-C stops)\n`);
      const sig = await stopped;
      log.info({ signal: sig }, 'shutting down');
      await app.close();
    } catch (err) {
      reportError(log, err);
    }
  },
};
