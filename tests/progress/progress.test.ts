/** lib/progress.ts: a bar on a TTY only (not in CI, not with QUANTLAB_PROGRESS=0); the fallback otherwise. */
import { describe, expect, test } from '@jest/globals';
import { Writable } from 'node:stream';
import { progressBarWanted, progressReporter } from '../../lib/progress.js';

function fakeStream(isTTY: boolean): Writable & { isTTY: boolean; columns: number; text: () => string; cursorTo: () => boolean; clearLine: () => boolean; moveCursor: () => boolean } {
  const chunks: string[] = [];
  const w = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } }) as never as ReturnType<typeof fakeStream>;
  Object.assign(w, { isTTY, columns: 120, text: () => chunks.join(''), cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return w;
}

describe('progress on a terminal', () => {
  test('drawn only on a TTY outside CI and without QUANTLAB_PROGRESS=0', () => {
    expect(progressBarWanted({ isTTY: true }, {})).toBe(true);
    expect(progressBarWanted({ isTTY: false }, {})).toBe(false);
    expect(progressBarWanted({}, {})).toBe(false);
    expect(progressBarWanted({ isTTY: true }, { CI: 'true' })).toBe(false);
    expect(progressBarWanted({ isTTY: true }, { QUANTLAB_PROGRESS: '0' })).toBe(false);
  });

  test('not a TTY: nothing written, the fallback gets every call', () => {
    const s = fakeStream(false);
    const calls: [number, number, string][] = [];
    const p = progressReporter({ label: 'features', stream: s, env: {}, fallback: (...a) => calls.push(a) });
    p(1, 4, 'symbols');
    p(4, 4, 'symbols');
    expect(s.text()).toBe('');
    expect(calls).toEqual([[1, 4, 'symbols'], [4, 4, 'symbols']]);
  });

  test('a TTY: the bar shows units done of the total, the rate and an ETA; the fallback is not called', () => {
    const s = fakeStream(true);
    let t = 0;
    const calls: unknown[] = [];
    const p = progressReporter({ label: 'features', stream: s, env: {}, fallback: (...a) => calls.push(a), now: () => t });
    p(0, 10, 'symbols');
    t = 2000;
    p(3, 10, 'symbols');
    const out = s.text();
    expect(out).toContain('features [');
    expect(out).toContain('3/10 symbols');
    expect(out).toContain('1.5/s'); // 3 symbols in 2 s
    expect(out).toMatch(/ETA /);
    expect(calls).toEqual([]);
  });
});
