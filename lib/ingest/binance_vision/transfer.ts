/**
 * HTTP transfers for the downloader: retries with exponential backoff on network errors, 5xx and 429; 404 is an
 * answer ("missing"), not a failure; a `.part` file is resumed with a Range request when the server honours it (206).
 */
import { open, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { QuantError } from '../../errors.js';
import type { Logger } from '../../log.js';

export interface HttpContext {
  fetchImpl: typeof fetch;
  /** Extra attempts after the first. */
  retries: number;
  /** Wait before retry n (0-based) is retryBaseMs * 2^n. */
  retryBaseMs: number;
  /** Abort a request when no bytes arrive for this long. */
  idleTimeoutMs: number;
  log: Logger;
}

/** A failure worth another attempt: network error, cut connection, idle timeout, 5xx, 429. */
class RetryableError extends Error {}

export type Fetched<T> = ({ status: 'ok' } & T) | { status: 'missing' };

export async function withRetries<T>(ctx: HttpContext, url: string, attemptFn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await attemptFn();
    } catch (e) {
      if (!(e instanceof RetryableError)) throw e;
      if (attempt >= ctx.retries) {
        throw new QuantError(`Download failed after ${attempt + 1} attempt(s): ${url}: ${e.message}`, {
          hint: 'Check the network or the base URL and rerun; finished files are kept and partial ones resume',
          cause: e,
        });
      }
      const waitMs = ctx.retryBaseMs * 2 ** attempt;
      ctx.log.warn({ url, attempt: attempt + 1, wait_ms: waitMs, err: e.message }, 'download attempt failed; retrying');
      await sleep(waitMs);
    }
  }
}

/** GET a small text resource (a CHECKSUM file). */
export async function fetchText(ctx: HttpContext, url: string): Promise<Fetched<{ text: string }>> {
  return withRetries(ctx, url, async () => {
    const { res, done } = await request(ctx, url, {});
    try {
      if (res.status === 404) {
        await res.body?.cancel().catch(() => undefined);
        return { status: 'missing' };
      }
      checkStatus(res, url);
      return { status: 'ok', text: await res.text().catch(retryable) };
    } finally {
      done();
    }
  });
}

/**
 * GET `url` into `partPath`, continuing an existing `.part` with `Range: bytes=<size>-`. Bytes written before a cut
 * stay in the `.part` file, so the next attempt (or the next run) resumes. `resumed` is true when any bytes were
 * appended to an earlier partial file.
 */
export async function fetchToPart(
  ctx: HttpContext,
  url: string,
  partPath: string,
): Promise<Fetched<{ bytesReceived: number; resumed: boolean }>> {
  let bytesReceived = 0;
  let resumed = false;
  const attempt = async (): Promise<Fetched<object>> => {
    const have = (await stat(partPath).catch(() => undefined))?.size ?? 0;
    const { res, done } = await request(ctx, url, have > 0 ? { Range: `bytes=${have}-` } : {});
    try {
      if (res.status === 404 || (res.status === 416 && have > 0)) await res.body?.cancel().catch(() => undefined);
      if (res.status === 404) return { status: 'missing' };
      if (res.status === 416 && have > 0) {
        ctx.log.warn({ url, from_byte: have }, 'server refused to resume (416); starting over');
        await rm(partPath, { force: true });
        return await attempt(); // have = 0 now, so this cannot loop
      }
      checkStatus(res, url);
      const append = res.status === 206 && have > 0;
      if (res.status === 206 && rangeStart(res) !== (append ? have : 0)) {
        await rm(partPath, { force: true });
        throw new RetryableError(`server sent a range other than the one asked for (${res.headers.get('content-range')})`);
      }
      if (append) {
        resumed = true;
        ctx.log.info({ url, from_byte: have }, 'resuming partial download');
      }
      await writeBody(res, partPath, append, (n) => {
        bytesReceived += n; // counted as it arrives, so bytes of a cut attempt count too
        done.refresh();
      });
      return { status: 'ok' };
    } finally {
      done();
    }
  };
  const result = await withRetries(ctx, url, attempt);
  return result.status === 'ok' ? { status: 'ok', bytesReceived, resumed } : result;
}

interface Done {
  (): void;
  /** Push the idle timeout back (called on each received chunk). */
  refresh(): void;
}

async function request(ctx: HttpContext, url: string, headers: Record<string, string>): Promise<{ res: Response; done: Done }> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(new Error(`no data for ${ctx.idleTimeoutMs} ms`)), ctx.idleTimeoutMs);
  const done = Object.assign(() => clearTimeout(timer), { refresh: () => void timer.refresh() });
  try {
    return { res: await ctx.fetchImpl(url, { headers, signal: ctrl.signal }), done };
  } catch (e) {
    done();
    return retryable(e);
  }
}

function checkStatus(res: Response, url: string): void {
  if (res.status === 200 || res.status === 206) return;
  void res.body?.cancel().catch(() => undefined);
  if (res.status >= 500 || res.status === 429) throw new RetryableError(`HTTP ${res.status} ${res.statusText}`);
  throw new QuantError(`Download refused: HTTP ${res.status} ${res.statusText} for ${url}`, {
    hint: 'Check the symbol, interval, market and base URL',
  });
}

/** Stream the body to the file, reporting each chunk's size. A short body (less than Content-Length) is retryable. */
async function writeBody(res: Response, partPath: string, append: boolean, onChunk: (bytes: number) => void): Promise<void> {
  const expected = Number(res.headers.get('content-length') ?? NaN);
  const fh = await open(partPath, append ? 'a' : 'w');
  let n = 0;
  try {
    const reader = res.body?.getReader();
    for (;;) {
      if (!reader) break;
      const r = await reader.read().catch(retryable);
      if (r.done) break;
      await fh.write(r.value);
      n += r.value.byteLength;
      onChunk(r.value.byteLength);
    }
  } finally {
    await fh.close();
  }
  if (Number.isFinite(expected) && n < expected) throw new RetryableError(`connection closed after ${n} of ${expected} bytes`);
}

function rangeStart(res: Response): number | undefined {
  const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : undefined;
}

function retryable(e: unknown): never {
  const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
  throw new RetryableError(`${e instanceof Error ? e.message : String(e)}${cause}`);
}
