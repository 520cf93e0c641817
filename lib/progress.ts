/**
 * Progress of long work on a terminal (issue 12): a cli-progress bar on stderr with the units done, their rate and an
 * ETA, drawn only when stderr is a TTY (a person is watching) and neither CI nor QUANTLAB_PROGRESS=0 is set; otherwise
 * nothing is drawn and the caller's fallback (the stage's throttled pino `progress` line) runs instead. The bar is
 * created on the first call (its total can change between calls) and stopped, and its line cleared, when done reaches
 * the total; pino lines keep going to the same stream.
 */
import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';

export type ProgressFn = (done: number, total: number, unit: string) => void;

export interface ProgressOptions {
  /** What is being done (the stage name), shown before the bar. */
  label: string;
  /** Default process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Default: the environment (CI, QUANTLAB_PROGRESS). */
  env?: NodeJS.ProcessEnv;
  /** Called instead of drawing when no bar is drawn. */
  fallback: ProgressFn;
  /** ms clock (tests). */
  now?: () => number;
}

/** True when a bar should be drawn on `stream`. */
export function progressBarWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.CI && env.QUANTLAB_PROGRESS !== '0';
}

export function progressReporter(o: ProgressOptions): ProgressFn {
  const stream = o.stream ?? process.stderr;
  if (!progressBarWanted(stream, o.env ?? process.env)) return o.fallback;
  // Loaded only when a bar is drawn: stage and shard processes under the orchestrator (stderr not a TTY) never load
  // it (require: an ESM import of this CommonJS package is lexed for named exports first; docs/scale.md)
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  const now = o.now ?? Date.now;
  let bar: CliProgress.SingleBar | undefined;
  let t0 = 0;
  return (done, total, unit) => {
    if (!bar) {
      t0 = now();
      bar = new cliProgress.SingleBar({
        stream: stream as NodeJS.WritableStream, format: `${o.label} [{bar}] {value}/{total} {unit} | {rate}/s | ETA {eta_formatted}`,
        barsize: 24, hideCursor: false, clearOnComplete: true, etaBuffer: 20, fps: 5,
      }, cliProgress.Presets.shades_classic);
      // cli-progress redraws from a setTimeout it re-arms on every render: unref each one, so a stage that ends
      // before its total (an abort, an error) is never kept alive by the bar
      const b = bar as unknown as { render: (...a: unknown[]) => void; timer?: { unref?: () => void } };
      const render = b.render.bind(bar);
      b.render = (...a: unknown[]) => { render(...a); b.timer?.unref?.(); };
      bar.start(total, 0, { unit, rate: '0' });
      b.timer?.unref?.();
    }
    bar.setTotal(total);
    const s = (now() - t0) / 1000;
    bar.update(done, { unit, rate: s > 0 ? (done / s).toFixed(done / s >= 10 ? 0 : 1) : '0' });
    // stages report per unit of work (a symbol, a blueprint), not per row: draw now rather than at the next tick
    (bar as unknown as { render: () => void }).render();
    if (done >= total) {
      bar.stop();
      bar = undefined;
    }
  };
}
