/**
 * Download data.binance.vision files into destDir, keeping the site's relative layout so discoverBinanceFiles reads
 * them back. Every file is checked against its CHECKSUM (sha256) and lands under its final name only after that
 * check (rename from `.part`); a `.verified` sidecar lets a rerun skip it without the network.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import pLimit from 'p-limit';
import { DataError } from '../../errors.js';
import { writeFileAtomic } from '../../fsx.js';
import { sha256File } from '../../hash.js';
import { silentLogger } from '../../log.js';
import { parseChecksum, sidecarPath, verifiedDigest, writeSidecar } from './checksum.js';
import { joinUrl } from './layout.js';
import { resolveInside } from '../../paths.js';
import { DOWNLOAD_DEFAULTS, planDownload, type DownloadOptions, type PlannedFile } from './plan.js';
import { fetchText, fetchToPart, type HttpContext } from './transfer.js';

export type { DownloadOptions } from './plan.js';

export interface FileResult {
  rel: string;
  path: string;
  url: string;
  sha256: string;
  /** Size of the file on disk. */
  bytes: number;
}

export interface DownloadReport {
  /** Fetched and verified in this run. */
  downloaded: FileResult[];
  /** Already present and verified (sidecar, or an existing file that matched its CHECKSUM). */
  skipped: FileResult[];
  /** 404: the period does not exist (before listing, after delisting, not yet published). */
  missing: { rel: string; url: string }[];
  /** Bytes received over the network for data files in this run. */
  bytes: number;
}

type Outcome =
  | { type: 'downloaded'; file: FileResult; received: number }
  | { type: 'skipped'; file: FileResult }
  | { type: 'missing'; rel: string; url: string };

export async function downloadBinanceVision(opts: DownloadOptions): Promise<DownloadReport> {
  const planned = planDownload(opts);
  const baseUrl = opts.baseUrl ?? DOWNLOAD_DEFAULTS.baseUrl;
  const log = opts.log ?? silentLogger();
  const ctx: HttpContext = {
    fetchImpl: opts.fetchImpl ?? fetch,
    retries: opts.retries ?? DOWNLOAD_DEFAULTS.retries,
    retryBaseMs: opts.retryBaseMs ?? DOWNLOAD_DEFAULTS.retryBaseMs,
    idleTimeoutMs: opts.idleTimeoutMs ?? DOWNLOAD_DEFAULTS.idleTimeoutMs,
    log,
  };
  log.info({ files: planned.length, base_url: baseUrl, dest: opts.destDir }, 'binance vision download planned');
  const limit = pLimit(opts.concurrency ?? DOWNLOAD_DEFAULTS.concurrency);
  // Each file's place under the download folder, checked before anything is fetched (a symbol is part of the path).
  const dests = planned.map((p) => resolveInside(opts.destDir, p.rel));
  const settled = await Promise.allSettled(
    planned.map((p, i) => limit(() => fetchVerified(ctx, joinUrl(baseUrl, p.rel), dests[i]!, p))),
  );
  const failures = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ rel: planned[i]!.rel, err: s.reason as unknown }] : []));
  for (const f of failures.slice(1)) log.error({ rel: f.rel, err: String(f.err) }, 'download failed');
  if (failures.length > 0) throw failures[0]!.err;
  const report = toReport(settled.map((s) => (s as PromiseFulfilledResult<Outcome>).value));
  log.info(
    { downloaded: report.downloaded.length, skipped: report.skipped.length, missing: report.missing.length, bytes: report.bytes },
    'binance vision download done',
  );
  return report;
}

function toReport(outcomes: Outcome[]): DownloadReport {
  const r: DownloadReport = { downloaded: [], skipped: [], missing: [], bytes: 0 };
  for (const o of outcomes) {
    switch (o.type) {
      case 'downloaded':
        r.downloaded.push(o.file);
        r.bytes += o.received;
        break;
      case 'skipped':
        r.skipped.push(o.file);
        break;
      case 'missing':
        r.missing.push({ rel: o.rel, url: o.url });
        break;
    }
  }
  return r;
}

async function fetchVerified(ctx: HttpContext, url: string, path: string, p: PlannedFile): Promise<Outcome> {
  const done = await verifiedDigest(path);
  if (done) return { type: 'skipped', file: await result(p, path, url, done) };
  const checksumUrl = `${url}.CHECKSUM`;
  const cs = await fetchText(ctx, checksumUrl);
  if (cs.status === 'missing') {
    ctx.log.info({ url }, 'not published (404); recorded as missing');
    return { type: 'missing', rel: p.rel, url };
  }
  const expected = parseChecksum(cs.text, basename(path), checksumUrl);
  if (await existingMatches(ctx, path, expected)) {
    await writeFileAtomic(`${path}.CHECKSUM`, cs.text);
    await writeSidecar(path, expected, url);
    return { type: 'skipped', file: await result(p, path, url, expected) };
  }
  await mkdir(dirname(path), { recursive: true });
  const part = `${path}.part`;
  let fetched: Awaited<ReturnType<typeof fetchToPart>>;
  if (existsSync(part) && (await sha256File(part)) === expected) {
    // An earlier run finished the transfer but stopped before the rename.
    fetched = { status: 'ok', bytesReceived: 0, resumed: false };
  } else {
    fetched = await fetchToPart(ctx, url, part);
  }
  let received = fetched.status === 'ok' ? fetched.bytesReceived : 0;
  let actual = fetched.status === 'ok' ? await sha256File(part) : undefined;
  if (fetched.status === 'ok' && actual !== expected && fetched.resumed) {
    // A .part left from an earlier file version can poison a resumed download: start over once.
    ctx.log.warn({ url, expected, actual }, 'resumed download does not verify; downloading the whole file again');
    await rm(part, { force: true });
    fetched = await fetchToPart(ctx, url, part);
    received += fetched.status === 'ok' ? fetched.bytesReceived : 0;
    actual = fetched.status === 'ok' ? await sha256File(part) : undefined;
  }
  if (fetched.status === 'missing') {
    await rm(part, { force: true });
    ctx.log.warn({ url }, 'CHECKSUM exists but the file is 404; recorded as missing');
    return { type: 'missing', rel: p.rel, url };
  }
  if (actual !== expected) {
    await rm(part, { force: true });
    throw new DataError(`does not match its CHECKSUM (expected ${expected}, got ${actual})`, { file: url, field: 'sha256' }, {
      hint: `The download from ${url} does not match ${checksumUrl}; it was deleted. Rerun; if it persists the mirror is bad`,
    });
  }
  await writeFileAtomic(`${path}.CHECKSUM`, cs.text);
  await rename(part, path);
  await writeSidecar(path, expected, url);
  ctx.log.debug({ url, sha256: expected }, 'downloaded and verified');
  return { type: 'downloaded', file: await result(p, path, url, expected), received };
}

/** A file already at the final path without a valid sidecar (copied in, or changed): keep it only if it verifies. */
async function existingMatches(ctx: HttpContext, path: string, expected: string): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) return false;
  const actual = await sha256File(path);
  if (actual === expected) return true;
  ctx.log.warn({ path, expected, actual }, 'existing file does not match its CHECKSUM; removed, downloading it again');
  await rm(path, { force: true });
  await rm(sidecarPath(path), { force: true });
  return false;
}

async function result(p: PlannedFile, path: string, url: string, sha256: string): Promise<FileResult> {
  return { rel: p.rel, path, url, sha256, bytes: (await stat(path)).size };
}
