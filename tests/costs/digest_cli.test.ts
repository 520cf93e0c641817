// Tests for orchestrator/digest_cli.ts (kept next to the cost tests it exercises).
import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadCosts } from '../../lib/costs/digest.js';
import { runDigestCli } from '../../orchestrator/digest_cli.js';

const cliPath = fileURLToPath(new URL('../../orchestrator/digest_cli.js', import.meta.url));

const costs = (takerBps: number): string => `venues:
  binance:
    um: {maker_fee_bps: 2, taker_fee_bps: ${takerBps}}
slippage_bps: 1
impact: {model: sqrt, coefficient: 1}
borrow: {spot_short_bps_per_year: 1000}
`;

async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDigestCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

async function withDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'quantlab-digest-'));
  try {
    return await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('digest CLI', () => {
  test('prints the digest of the costs file', () =>
    withDir(async (dir) => {
      const file = join(dir, 'a.yaml');
      await writeFile(file, costs(5));
      const r = await run(['--costs', file]);
      expect(r).toEqual({ code: 0, out: [(await loadCosts(file)).digest], err: [] });
    }));

  test('with --compare says whether A is at least as costly as B and what differs', () =>
    withDir(async (dir) => {
      await writeFile(join(dir, 'a.yaml'), costs(4));
      await writeFile(join(dir, 'b.yaml'), costs(5));
      const r = await run(['--costs', join(dir, 'a.yaml'), '--compare', join(dir, 'b.yaml')]);
      expect(r.code).toBe(0);
      expect(r.out.slice(3)).toEqual([
        'A is NOT at least as costly as B (cheaper or incomparable components below)',
        '  cheaper      venues.binance.um.taker_fee_bps: A 4, B 5',
      ]);
      const json = await run(['--costs', join(dir, 'b.yaml'), '--compare', join(dir, 'a.yaml'), '--json']);
      expect(JSON.parse(json.out.join('\n'))).toMatchObject({
        compare: { atLeastAsCostly: true, costlier: [{ path: 'venues.binance.um.taker_fee_bps', a: 5, b: 4 }] },
      });
    }));

  test('an invalid spec exits 3 with every located issue on stderr', () =>
    withDir(async (dir) => {
      const file = join(dir, 'bad.yaml');
      await writeFile(file, costs(-1).replace('slippage_bps: 1', 'slippage_bps: x'));
      const r = await run(['--costs', file]);
      expect(r.code).toBe(3);
      expect(r.out).toEqual([]);
      expect(r.err.join('\n')).toContain(`${file}:3:43 venues.binance.um.taker_fee_bps: must be >= 0, was -1`);
      expect(r.err.join('\n')).toContain(`${file}:4:15 slippage_bps: must be number, was "x"`);
    }));

  test('a usage error exits 2', async () => {
    expect((await run(['--nope'])).code).toBe(2);
    expect((await run(['extra'])).code).toBe(2);
    expect((await run(['--costs'])).code).toBe(2);
  });

  test('runs as an executable with the documented exit code', async () => {
    const exec = promisify(execFile);
    await expect(exec(process.execPath, [cliPath, '--bogus'])).rejects.toMatchObject({ code: 2 });
  });
});
