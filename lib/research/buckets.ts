/**
 * Buckets of `pooling: bucket` (docs/research.md "Pooled candidates"): the instruments of one exchange and market in a
 * concept's universe, cut into groups that are tested as one pooled candidate each.
 *
 * - `{by: liquidity, count: k}`: the instruments ranked by their median daily quote volume over their first
 *   LIQUIDITY_DAYS days of bars (ties: instrument key), most liquid first, cut into k groups of nearly equal size
 *   (instrument of rank r, 0-based, of n goes to bucket floor(r k / n) + 1). Names `liq1of3` (most liquid) ..
 *   `liq3of3`. The membership is known once those first days are over: it is a scope decided at the start of the
 *   sample, not re-ranked on later data (the look-ahead it has is confined to those first days).
 * - `{by: sector}`: spec/universe/sectors.yaml (a versioned symbol -> sector map); symbols it does not list form the
 *   bucket `unmapped` (and are named in a plan warning).
 * Empty buckets give no candidate.
 */
import { join } from 'node:path';
import type { BucketSpec } from './concepts.js';
import { loadLocated, specErrorPath, where } from './spec_files.js';
import type { SpecSchema } from '../spec/schema.js';
import { SpecError } from '../errors.js';
import type { LakeDb } from '../lake/index.js';
import { sqlString } from '../lake/db.js';

/** Days of bars at the start of each instrument over which its liquidity is measured. */
export const LIQUIDITY_DAYS = 30;
export const UNMAPPED_SECTOR = 'unmapped';

export function validBucketSpec(b: unknown): b is BucketSpec {
  const x = b as { by?: unknown; count?: unknown } | undefined;
  if (x?.by === 'sector') return Object.keys(x).length === 1;
  return x?.by === 'liquidity' && Number.isInteger(x.count) && (x.count as number) >= 2 && (x.count as number) <= 10 && Object.keys(x).length === 2;
}

/** What bucketing needs beyond the instruments: liquidity by instrument key, sector by symbol (only what is used). */
export interface BucketInputs {
  liquidity?: ReadonlyMap<string, number>;
  sectors?: ReadonlyMap<string, string>;
}

/**
 * The buckets of `members` (instrument keys `exchange/market/symbol` with their symbols) as [name, symbols][] in
 * bucket order. Throws when the input the spec needs is missing (a programming error: the plan stage loads it).
 */
export function assignBuckets(spec: BucketSpec, members: readonly { key: string; symbol: string }[], inputs: BucketInputs): [string, string[]][] {
  if (spec.by === 'liquidity') {
    const liq = inputs.liquidity;
    if (!liq) throw new Error('liquidity buckets need the instruments\' liquidity');
    const ranked = [...members].sort((a, b) => {
      const la = liq.get(a.key) ?? -Infinity;
      const lb = liq.get(b.key) ?? -Infinity;
      return lb - la || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    });
    const out: [string, string[]][] = Array.from({ length: spec.count }, (_, k) => [`liq${k + 1}of${spec.count}`, []]);
    ranked.forEach((m, r) => out[Math.floor((r * spec.count) / ranked.length)]![1].push(m.symbol));
    return out.filter(([, s]) => s.length > 0).map(([n, s]) => [n, s.sort()]);
  }
  const sectors = inputs.sectors;
  if (!sectors) throw new Error('sector buckets need spec/universe/sectors.yaml');
  const by = new Map<string, string[]>();
  for (const m of members) {
    const s = sectors.get(m.symbol) ?? UNMAPPED_SECTOR;
    by.set(s, [...(by.get(s) ?? []), m.symbol]);
  }
  return [...by.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, s]) => [n, s.sort()]);
}

export const SECTORS_SCHEMA: SpecSchema = {
  type: 'object', additionalProperties: false, required: ['version', 'sectors'],
  description: 'symbol -> sector map for pooling: bucket {by: sector}',
  properties: {
    version: { type: 'integer', minimum: 1, description: 'bump when a symbol changes sector (the buckets, and so the candidate ids, change)' },
    sectors: {
      type: 'object', description: 'sector name -> its symbols', minProperties: 1,
      propertyNames: { pattern: '^[a-z][a-z0-9_]{0,31}$' },
      additionalProperties: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' } },
    },
  },
};

/** spec/universe/sectors.yaml as symbol -> sector; a symbol listed under two sectors is a located error. */
export async function loadSectors(specDir: string): Promise<Map<string, string>> {
  const file = join(specDir, 'universe', 'sectors.yaml');
  const { value, yaml } = await loadLocated<{ version: number; sectors: Record<string, string[]> }>(file, specErrorPath(file), SECTORS_SCHEMA);
  const out = new Map<string, string>();
  const issues: string[] = [];
  for (const [sector, symbols] of Object.entries(value.sectors)) {
    if (sector === UNMAPPED_SECTOR) issues.push(`${where(yaml, ['sectors', sector]).text}: sector "${UNMAPPED_SECTOR}" is reserved for the symbols the map does not list`);
    for (const [k, s] of symbols.entries()) {
      const prev = out.get(s);
      if (prev !== undefined) issues.push(`${where(yaml, ['sectors', sector, k]).text} sectors.${sector}[${k}]: ${s} is already listed under "${prev}"`);
      else out.set(s, sector);
    }
  }
  if (issues.length) throw new SpecError(issues, { hint: 'list every symbol under one sector' });
  return out;
}

/**
 * An instrument's liquidity for the buckets: the median over UTC days of the day's quote volume (close * volume where
 * the source has none), over the days that start within LIQUIDITY_DAYS days of its first bar. NaN without volume.
 */
export async function startLiquidity(db: LakeDb, files: readonly string[]): Promise<number> {
  const src = `read_parquet([${files.map(sqlString).join(', ')}])`;
  const rows = await db.rows(
    `WITH b AS (SELECT ts_ms, coalesce(quote_volume, close * volume) AS qv FROM ${src}), ` +
    `d AS (SELECT floor(ts_ms / 86400000) AS day, sum(qv) AS qv FROM b WHERE ts_ms < (SELECT min(ts_ms) FROM b) + ${LIQUIDITY_DAYS * 86_400_000} GROUP BY day) ` +
    'SELECT median(qv) FROM d',
  );
  const v = Number(rows[0]?.[0]);
  return Number.isFinite(v) ? v : NaN;
}
