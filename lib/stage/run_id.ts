import { randomBytes } from 'node:crypto';

/** Sortable, unique run ids: 20251121T113512Z-3f9a. */
export function newRunId(now: Date): string {
  const iso = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${iso}-${randomBytes(2).toString('hex')}`;
}
