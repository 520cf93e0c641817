import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { appendFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCache, csvColumn, csvTimeMs, parseCsv, parseCsvSeries, parseJson, tailLines } from '../../lib/dashboard/files.js';
import { thin, drawdown, type Point } from '../../lib/dashboard/charts.js';
import { looksLikeSecret, redact } from '../../lib/dashboard/readers.js';
import { jsonBlock } from '../../lib/dashboard/html.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'quantlab-dash-files-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FileCache', () => {
  test('parses once while mtime and size stay; reparses when either changes; a missing file is an error value', () => {
    const f = join(dir, 'a.json');
    writeFileSync(f, '{"x":1}');
    utimesSync(f, 1000, 1000);
    const c = new FileCache();
    let parses = 0;
    const parse = (t: string) => { parses++; return JSON.parse(t) as { x: number }; };
    expect(c.load(f, 'j', parse)).toMatchObject({ ok: true, value: { x: 1 } });
    expect(c.load(f, 'j', parse)).toMatchObject({ ok: true, value: { x: 1 } });
    expect([parses, c.hits, c.misses]).toEqual([1, 1, 1]);
    writeFileSync(f, '{"x":2}'); // same size: the mtime tells
    utimesSync(f, 2000, 2000);
    expect(c.load(f, 'j', parse)).toMatchObject({ ok: true, value: { x: 2 } });
    expect(parses).toBe(2);
    expect(c.load(join(dir, 'none.json'), 'j', parse)).toEqual({ ok: false, file: join(dir, 'none.json'), error: 'missing (not written yet?)' });
  });
});

describe('tailLines', () => {
  test('the last lines of a 100k-line file from one tail read; appended lines from an offset; a partial last line held back', () => {
    const f = join(dir, 'big.jsonl');
    writeFileSync(f, Array.from({ length: 100_000 }, (_, i) => `{"seq":${i}}`).join('\n') + '\n');
    const t = tailLines(f, 3);
    expect(t.lines).toEqual(['{"seq":99997}', '{"seq":99998}', '{"seq":99999}']);
    appendFileSync(f, '{"seq":100000}\n{"seq":1000');
    const n = tailLines(f, 100, { fromByte: t.size });
    expect(n.lines).toEqual(['{"seq":100000}']);
    expect(n.partial).toBe('{"seq":1000');
    appendFileSync(f, '01}\n');
    expect(tailLines(f, 100, { fromByte: n.size }).lines).toEqual(['{"seq":100001}']);
  });
});

describe('parsers', () => {
  test('CSV with quotes; a short row is located', () => {
    expect(parseCsv('a,b\n"x,1","say ""hi"""\n', 'f.csv')).toEqual({ header: ['a', 'b'], rows: [['x,1', 'say "hi"']] });
    expect(() => parseCsv('a,b\n1,2\n3\n', 'f.csv')).toThrow('f.csv:3: 1 fields, the header has 2');
  });
  test('a CSV series (time + numeric columns) equals the full parse, on every time form, blanks and CRLF', () => {
    // the generic route the fast scanner replaces: parseCsv, then csvTimeMs and csvColumn
    const generic = (text: string, ts: string, cols: string[]) => {
      const csv = parseCsv(text, 'f.csv');
      return { ts: csv.rows.map((r) => csvTimeMs(r[csv.header.indexOf(ts)]!)), cols: Object.fromEntries(cols.map((c) => [c, csvColumn(csv, c, 'f.csv')])) };
    };
    const rows = ['ts_utc,equity,cash,fees'];
    let t = Date.UTC(2024, 1, 28, 23, 57, 0); // crosses a leap day and a month end
    for (let i = 0; i < 400; i++, t += 61_001) {
      const iso = new Date(t).toISOString();
      const ts = i % 7 === 0 ? iso.replace(/\.\d{3}Z$/, 'Z') : i % 11 === 0 ? String(t) : iso;
      rows.push(`${ts},${100000 + i * 0.125},${i % 5 === 0 ? '' : -i},${i % 3 === 0 ? 'x' : i * 1e-7}`);
    }
    rows.push('2024-03-05,1,2,3'); // a date alone: UTC midnight
    const text = rows.join('\n') + '\n';
    const fast = parseCsvSeries(text, 'f.csv', 'ts_utc', ['equity', 'cash', 'fees']);
    expect(fast).toEqual(generic(text, 'ts_utc', ['equity', 'cash', 'fees']));
    expect(fast.ts[1]).toBe(Date.UTC(2024, 1, 28, 23, 58, 1, 1));
    expect(parseCsvSeries(text.replace(/\n/g, '\r\n'), 'f.csv', 'ts_utc', ['cash'])).toEqual(generic(text, 'ts_utc', ['cash']));
    // a quoted file goes through the RFC 4180 parser
    expect(parseCsvSeries('ts,"v"\n2024-01-01T00:00:00.000Z,"1.5"\n', 'q.csv', 'ts', ['v'])).toEqual({ ts: [Date.UTC(2024, 0, 1)], cols: { v: [1.5] } });
  });
  test('a CSV series locates a short row, a bad time and a missing column', () => {
    expect(() => parseCsvSeries('ts,v\n2024-01-01,1\n2024-01-02\n', 'f.csv', 'ts', ['v'])).toThrow('f.csv:3: 1 fields, the header has 2');
    expect(() => parseCsvSeries('ts,v\n2024-01-01T25:00:00.000Z,1\n', 'f.csv', 'ts', ['v'])).toThrow('f.csv:2: ts "2024-01-01T25:00:00.000Z" is not a time');
    expect(() => parseCsvSeries('ts,v\nyesterday,1\n', 'f.csv', 'ts', ['v'])).toThrow('f.csv:2: ts "yesterday" is not a time');
    expect(() => parseCsvSeries('ts,v\n1,2\n', 'f.csv', 'ts', ['w'])).toThrow('f.csv: no column "w" (columns: ts, v)');
  });
  test('truncated JSON is located at its end', () => {
    expect(() => parseJson('{\n "a": [1,', 'm.json')).toThrow(/^m\.json:2:\d+: invalid JSON/);
  });
  test('a JSON data block cannot close its script element', () => {
    expect(jsonBlock({ s: '</script><script>alert(1)</script>' })).not.toContain('</script>');
    expect(JSON.parse(jsonBlock({ s: '</script>', n: NaN }))).toEqual({ s: '</script>', n: null });
  });
});

describe('charts', () => {
  test('thinning keeps the extremes, the first and the last point', () => {
    const pts: Point[] = Array.from({ length: 100_000 }, (_, i) => [i, Math.sin(i / 1000)]);
    pts[54_321] = [54_321, 9];
    const t = thin(pts, 4000);
    expect(t.length).toBeLessThanOrEqual(4000);
    expect(t[0]).toEqual([0, 0]);
    expect(t[t.length - 1]).toEqual(pts[pts.length - 1]);
    expect(t).toContainEqual([54_321, 9]);
  });
  test('drawdown from the running peak', () => {
    expect(drawdown([[0, 100], [1, 110], [2, 99], [3, 120]])).toEqual([[0, 0], [1, 0], [2, 99 / 110 - 1], [3, 0]]);
  });
});

describe('redact', () => {
  test('secret keys and key-looking values are redacted; digests, ids and ordinary values are kept', () => {
    const v = redact({ api_key: 'abc', nested: { secret: 'x', password: 'p', fee_bps: 5 }, token: '', list: ['sk_live_1234567890abcdefGHIJ'], digest: 'a'.repeat(64), id: 'bp-7b0c77fd8424a459' });
    expect(v).toEqual({ api_key: '[redacted]', nested: { secret: '[redacted]', password: '[redacted]', fee_bps: 5 }, token: '', list: ['[redacted]'], digest: 'a'.repeat(64), id: 'bp-7b0c77fd8424a459' });
    expect(looksLikeSecret('AKIAIOSFODNN7EXAMPLEaaaaBBBB12345678')).toBe(true);
    expect(looksLikeSecret('momentum on DEMO')).toBe(false);
  });
});
