/**
 * The explicit, versioned CoinGecko coin id -> exchange symbol map (spec/monitor/coin_map.v1.yaml) and the
 * maintained exclusion list (spec/monitor/stablecoins.v1.yaml). Loaded through the one spec loader (located errors).
 */
import { loadSpecFile } from '../../spec/loader.js';
import { digestJson } from '../../hash.js';
import { SpecError } from '../../errors.js';

export interface CoinMap {
  version: number;
  quote: string;
  coins: Record<string, string>;
  unmapped?: Record<string, string>;
}

export interface ExclusionList {
  version: number;
  stablecoins: string[];
  gold?: string[];
  wrapped?: string[];
}

const ID = '^[a-z0-9][a-z0-9._-]*$';

export const COIN_MAP_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'quote', 'coins'],
  properties: {
    version: { type: 'integer', minimum: 1 },
    quote: { type: 'string', pattern: '^[A-Z0-9]+$' },
    coins: { type: 'object', propertyNames: { pattern: ID }, additionalProperties: { type: 'string', pattern: '^[A-Z0-9]+$' } },
    unmapped: { type: 'object', propertyNames: { pattern: ID }, additionalProperties: { type: 'string' } },
  },
} as const;

export const EXCLUSION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'stablecoins'],
  properties: {
    version: { type: 'integer', minimum: 1 },
    stablecoins: { type: 'array', items: { type: 'string', pattern: ID } },
    gold: { type: 'array', items: { type: 'string', pattern: ID } },
    wrapped: { type: 'array', items: { type: 'string', pattern: ID } },
  },
} as const;

export async function loadCoinMap(file: string): Promise<CoinMap & { digest: string; file: string; symbolOf: (coin: string) => string | undefined }> {
  const m = await loadSpecFile<CoinMap>(file, COIN_MAP_SCHEMA as never);
  const bySymbol = new Map<string, string>();
  const issues: string[] = [];
  for (const [coin, base] of Object.entries(m.coins)) {
    const other = bySymbol.get(base);
    if (other) issues.push(`${file} coins.${coin}: symbol ${base} is already the symbol of ${other} (one exchange symbol per coin)`);
    bySymbol.set(base, coin);
  }
  if (issues.length > 0) {
    throw new SpecError(issues, { hint: 'map each coin to its own exchange base asset, or move one to unmapped' });
  }
  return { ...m, digest: digestJson(m), file, symbolOf: (coin) => (m.coins[coin] !== undefined ? `${m.coins[coin]}${m.quote}` : undefined) };
}

export async function loadExclusions(file: string): Promise<ExclusionList & { digest: string; file: string; all: Set<string> }> {
  const e = await loadSpecFile<ExclusionList>(file, EXCLUSION_SCHEMA as never);
  return { ...e, digest: digestJson(e), file, all: new Set([...e.stablecoins, ...(e.gold ?? []), ...(e.wrapped ?? [])]) };
}
