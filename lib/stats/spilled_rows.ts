/**
 * Equal-length Float64 rows kept in a temporary file instead of memory, read back one at a time (issue 12: the plan
 * candidates' standardized hourly series of the clustered DSR are ~360 MB on 50 symbols x 2 years, and their
 * correlations are summed a block of rows at a time). Row i sits at byte i * len * 8, so rows can be written in any
 * order and by index (a row never written reads as zeros). The bytes are this process's own Float64 representation,
 * read back by the same process: values come back bit for bit. Reads go through the page cache, not the heap.
 *
 * The file lives in a private temporary directory (mkdtemp under os.tmpdir(), or `dir`) and is removed by `close`;
 * callers close in a `finally`.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SeriesRows } from './onc.js';

export class SpilledRows implements SeriesRows {
  /** Rows written or reserved: 1 + the largest index written. */
  n = 0;
  private readonly dir: string;
  private fd: number | undefined;
  private readonly buf: Float64Array;
  private readonly bytes: Uint8Array;

  constructor(readonly len: number, o: { dir?: string; prefix?: string } = {}) {
    if (!(Number.isInteger(len) && len >= 0)) throw new RangeError(`SpilledRows: len must be an integer >= 0, was ${len}`);
    this.dir = mkdtempSync(join(o.dir ?? tmpdir(), o.prefix ?? 'quantlab-rows-'));
    this.fd = openSync(join(this.dir, 'rows.f64'), 'w+');
    this.buf = new Float64Array(len);
    this.bytes = new Uint8Array(this.buf.buffer);
  }

  /** Writes `values` (len of them) as row i. */
  write(i: number, values: ArrayLike<number>): void {
    if (values.length !== this.len) throw new RangeError(`SpilledRows.write: row ${i} has ${values.length} values, expected ${this.len}`);
    const fd = this.open();
    const src = values instanceof Float64Array ? new Uint8Array(values.buffer, values.byteOffset, values.byteLength) : (this.buf.set(values), this.bytes);
    let done = 0;
    while (done < src.length) done += writeSync(fd, src, done, src.length - done, i * this.len * 8 + done);
    if (i + 1 > this.n) this.n = i + 1;
  }

  /** Row i, in an array the next call reuses. */
  row(i: number): Float64Array {
    if (!(Number.isInteger(i) && i >= 0 && i < this.n)) throw new RangeError(`SpilledRows.row: row ${i} of ${this.n}`);
    const fd = this.open();
    let done = 0;
    while (done < this.bytes.length) {
      const got = readSync(fd, this.bytes, done, this.bytes.length - done, i * this.len * 8 + done);
      if (got === 0) { this.bytes.fill(0, done); break; } // past the end of the file: a row never written
      done += got;
    }
    return this.buf;
  }

  /** Removes the file (idempotent). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private open(): number {
    if (this.fd === undefined) throw new Error('SpilledRows: used after close');
    return this.fd;
  }
}
