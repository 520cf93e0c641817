import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { appendFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCache, parseCsv, parseJson, tailLines } from '../../lib/dashboard/files.js';
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
