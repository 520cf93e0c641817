/**
 * A tiny data.binance.vision stand-in on 127.0.0.1 for download tests: serves in-memory files, answers Range requests
 * with 206, and can misbehave on purpose (cut a transfer halfway, fail with 500, ignore Range).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { zipSync, strToU8 } from 'fflate';
import { sha256Hex } from '../../../lib/hash.js';

export interface Misbehaviour {
  /** Paths whose first GET sends half the body and then drops the connection. */
  cutOnce?: Set<string>;
  /** Paths whose first GET sends half the body and then stalls (never ends). */
  stallOnce?: Set<string>;
  /** Paths whose first GET answers 500. */
  failOnce?: Set<string>;
  /** Ignore Range headers (always 200 with the whole body). */
  noRange?: boolean;
}

export interface FixtureServer {
  baseUrl: string;
  files: Map<string, Uint8Array>;
  /** Every request as "<path> <range header or ->". */
  requests: string[];
  close(): Promise<void>;
}

export async function startFixtureServer(files: Map<string, Uint8Array>, mis: Misbehaviour = {}): Promise<FixtureServer> {
  const requests: string[] = [];
  const seen = new Set<string>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\//, '');
    const range = req.headers.range;
    requests.push(`${path} ${range ?? '-'}`);
    const first = !seen.has(path);
    seen.add(path);
    const body = files.get(path);
    if (!body) return void res.writeHead(404).end('not found');
    if (first && mis.failOnce?.has(path)) return void res.writeHead(500).end('boom');
    const m = /^bytes=(\d+)-$/.exec(range ?? '');
    if (m && !mis.noRange) {
      const start = Number(m[1]);
      if (start >= body.length) return void res.writeHead(416).end();
      res.writeHead(206, { 'Content-Length': body.length - start, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` });
      return void res.end(body.subarray(start));
    }
    res.writeHead(200, { 'Content-Length': body.length, 'Accept-Ranges': 'bytes' });
    if (first && mis.cutOnce?.has(path)) {
      // Let the client read the first half before the cut (a web stream drops queued chunks when it errors).
      return void res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => res.socket?.destroy(), 100));
    }
    if (first && mis.stallOnce?.has(path)) return void res.write(body.subarray(0, Math.floor(body.length / 2)));
    res.end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    files,
    requests,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

/** A zipped kline CSV the size of a few hundred rows, stored uncompressed so the byte count is predictable. */
export function klineZip(name: string, rows: number, seed: number): Uint8Array {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const t = 1_735_689_600_000 + i * 300_000;
    const p = 100 + seed + i / 100;
    lines.push(`${t},${p},${p + 1},${p - 1},${p + 0.5},${10 + i},${t + 299_999},0,0,0,0,0`);
  }
  return zipSync({ [name.replace(/\.zip$/, '.csv')]: strToU8(lines.join('\n') + '\n') }, { level: 0, mtime: new Date('2025-01-01T00:00:00Z') });
}

/** Put `<rel>` and `<rel>.CHECKSUM` in the map; `checksumOf` lets a test publish a wrong digest. */
export function publish(files: Map<string, Uint8Array>, rel: string, body: Uint8Array, checksumOf: Uint8Array = body): void {
  files.set(rel, body);
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  files.set(`${rel}.CHECKSUM`, strToU8(`${sha256Hex(checksumOf)}  ${name}\n`));
}
