/**
 * Parameters of the synthetic market: defaults in one place, a JSON Schema for spec files, and the semantic
 * checks the schema cannot express (grid alignment, start < end). See README.md beside this file.
 */
import { SpecError } from '../../errors.js';
import type { Market } from '../../market.js';
import { MARKETS } from '../../market.js';
import { isTimeframe, timeframeMs, TIMEFRAMES } from '../../timeframe.js';
import type { Timeframe } from '../../timeframe.js';
import { EDGE_IDS, type EdgeId } from './edge_ids.js';

export interface SyntheticParams {
  /** Any safe integer; the whole dataset is a function of the params. */
  seed: number;
  /** 1..999; symbol 0 is the "BTC-like" leader (beta 1, largest market cap). */
  n_symbols: number;
  /** UTC ms, bars cover [start_ms, end_ms); both on the timeframe grid. */
  start_ms: number;
  end_ms: number;
  timeframe: Timeframe;
  exchange: string;
  market: Market;
  /** 'default' plants the event -> forward-return effects listed by plantedEdges(); 'none' plants nothing. */
  planted_edges: 'default' | 'none';
  /** Hours between funding settlements, a divisor of 24; settlements at multiples of it since 00:00 UTC. */
  funding_interval_hours: number;
  /**
   * Optional: the size in bps (>= 0, in the edge's own direction; 0 = off) of planted edges, by edge id
   * (edges.ts EDGE_IDS). Edges not named keep their documented size (EDGE_SPECS; the rare and the one-sided edge are
   * off unless named). Absent from the defaults, so the default market and its provenance are unchanged.
   */
  edge_strength_bps?: Partial<Record<EdgeId, number>>;
}

/** Largest planted edge size accepted (bps): far above anything realistic, it only catches typos. */
export const MAX_EDGE_STRENGTH_BPS = 1000;

/** 12 symbols x 2 years (2023-01-01 .. 2025-01-01 UTC) of 5m bars: 2.5M bars, about a second to generate. */
export const SYNTHETIC_DEFAULTS: Readonly<SyntheticParams> = Object.freeze({
  seed: 1,
  n_symbols: 12,
  start_ms: 1_672_531_200_000,
  end_ms: 1_735_689_600_000,
  timeframe: '5m',
  exchange: 'synthetic',
  market: 'um',
  planted_edges: 'default',
  funding_interval_hours: 8,
});

export const FUNDING_INTERVALS_HOURS = [1, 2, 3, 4, 6, 8, 12, 24] as const;
export const MAX_SYMBOLS = 999;
/** Per-symbol arrays are allocated whole; this keeps one symbol under ~200 MB. */
export const MAX_BARS_PER_SYMBOL = 20_000_000;

/** JSON Schema (draft-07) of the params object; every field is optional in a spec and filled from the defaults. */
export const SYNTHETIC_PARAMS_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'quantlab/synthetic-params',
  title: 'Synthetic market generator parameters',
  type: 'object',
  additionalProperties: false,
  properties: {
    seed: { type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991, default: SYNTHETIC_DEFAULTS.seed },
    n_symbols: { type: 'integer', minimum: 1, maximum: MAX_SYMBOLS, default: SYNTHETIC_DEFAULTS.n_symbols },
    start_ms: { type: 'integer', minimum: 0, description: 'UTC ms, inclusive, on the timeframe grid', default: SYNTHETIC_DEFAULTS.start_ms },
    end_ms: { type: 'integer', minimum: 0, description: 'UTC ms, exclusive, on the timeframe grid', default: SYNTHETIC_DEFAULTS.end_ms },
    timeframe: { type: 'string', enum: [...TIMEFRAMES], default: SYNTHETIC_DEFAULTS.timeframe },
    exchange: { type: 'string', pattern: '^[a-z0-9_]+$', default: SYNTHETIC_DEFAULTS.exchange },
    market: { type: 'string', enum: [...MARKETS], default: SYNTHETIC_DEFAULTS.market },
    planted_edges: { type: 'string', enum: ['default', 'none'], default: SYNTHETIC_DEFAULTS.planted_edges },
    funding_interval_hours: {
      type: 'integer', enum: [...FUNDING_INTERVALS_HOURS], default: SYNTHETIC_DEFAULTS.funding_interval_hours,
    },
    edge_strength_bps: {
      type: 'object',
      description: 'planted edge sizes in bps (>= 0, in the edge direction; 0 = off) by edge id; unnamed edges keep their documented size',
      additionalProperties: false,
      properties: Object.fromEntries(EDGE_IDS.map((id) => [id, { type: 'number', minimum: 0, maximum: MAX_EDGE_STRENGTH_BPS }])),
    },
  },
} as const;

const KEYS = Object.keys(SYNTHETIC_PARAMS_SCHEMA.properties) as (keyof SyntheticParams)[];

/** Every problem with a full params object, each naming the field and the bad value; [] when valid. */
export function checkSyntheticParams(p: SyntheticParams, where = 'synthetic'): string[] {
  const issues: string[] = [];
  const bad = (field: string, value: unknown, rule: string) =>
    issues.push(`${where}.${field}: ${rule}, was ${JSON.stringify(value)}`);
  if (!Number.isSafeInteger(p.seed)) bad('seed', p.seed, 'must be a safe integer');
  if (!Number.isInteger(p.n_symbols) || p.n_symbols < 1 || p.n_symbols > MAX_SYMBOLS) {
    bad('n_symbols', p.n_symbols, `must be an integer in 1..${MAX_SYMBOLS}`);
  }
  if (typeof p.exchange !== 'string' || !/^[a-z0-9_]+$/.test(p.exchange)) {
    bad('exchange', p.exchange, 'must be lower-case letters, digits or _');
  }
  if (!MARKETS.includes(p.market)) bad('market', p.market, `must be one of ${MARKETS.join(', ')}`);
  if (p.planted_edges !== 'default' && p.planted_edges !== 'none') {
    bad('planted_edges', p.planted_edges, 'must be "default" or "none"');
  }
  if (!(FUNDING_INTERVALS_HOURS as readonly number[]).includes(p.funding_interval_hours)) {
    bad('funding_interval_hours', p.funding_interval_hours, `must be one of ${FUNDING_INTERVALS_HOURS.join(', ')}`);
  }
  if (p.edge_strength_bps !== undefined) {
    const e = p.edge_strength_bps as unknown;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) bad('edge_strength_bps', e, `must be an object of edge id -> bps (ids: ${EDGE_IDS.join(', ')})`);
    else {
      for (const [k, v] of Object.entries(e as Record<string, unknown>)) {
        if (!(EDGE_IDS as readonly string[]).includes(k)) bad(`edge_strength_bps.${k}`, v, `unknown edge id (ids: ${EDGE_IDS.join(', ')})`);
        else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_EDGE_STRENGTH_BPS) {
          bad(`edge_strength_bps.${k}`, v, `must be a number of bps in 0..${MAX_EDGE_STRENGTH_BPS} (0 turns the edge off)`);
        }
      }
    }
  }
  if (typeof p.timeframe !== 'string' || !isTimeframe(p.timeframe)) {
    bad('timeframe', p.timeframe, `must be one of ${TIMEFRAMES.join(', ')}`);
    return issues;
  }
  const tf = timeframeMs(p.timeframe);
  for (const f of ['start_ms', 'end_ms'] as const) {
    if (!Number.isSafeInteger(p[f]) || p[f] < 0) bad(f, p[f], 'must be a non-negative integer (UTC ms)');
    else if (p[f] % tf !== 0) bad(f, p[f], `must be a multiple of ${tf} ms (the ${p.timeframe} UTC grid)`);
  }
  if (issues.length === 0 && p.end_ms <= p.start_ms) {
    bad('end_ms', p.end_ms, `must be after start_ms (${p.start_ms})`);
  } else if (issues.length === 0 && (p.end_ms - p.start_ms) / tf > MAX_BARS_PER_SYMBOL) {
    bad('end_ms', p.end_ms, `gives more than ${MAX_BARS_PER_SYMBOL} bars per symbol; shorten the range or use a coarser timeframe`);
  }
  return issues;
}

/**
 * Fills defaults into a partial params object (e.g. from a spec file or CLI) and validates it.
 * Unknown keys are errors. Throws SpecError listing every problem.
 */
export function resolveSyntheticParams(input: unknown, where = 'synthetic'): SyntheticParams {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new SpecError([`${where}: must be an object of generator params, was ${JSON.stringify(input)}`]);
  }
  const raw = input as Record<string, unknown>;
  const unknown = Object.keys(raw).filter((k) => !(KEYS as string[]).includes(k));
  const issues = unknown.map((k) => `${where}.${k}: unknown key. Available: ${KEYS.join(', ')}`);
  const merged = { ...SYNTHETIC_DEFAULTS } as Record<string, unknown>;
  for (const k of KEYS) if (raw[k] !== undefined) merged[k] = raw[k];
  if (raw.edge_strength_bps !== null && typeof raw.edge_strength_bps === 'object' && !Array.isArray(raw.edge_strength_bps)) {
    merged.edge_strength_bps = { ...(raw.edge_strength_bps as object) };
  }
  const p = merged as unknown as SyntheticParams;
  issues.push(...checkSyntheticParams(p, where));
  if (issues.length > 0) {
    throw new SpecError(issues, { hint: 'see lib/ingest/synthetic/README.md for the parameters and their defaults' });
  }
  return p;
}

/** Throws SpecError when a full params object is invalid (used at the top of the public API). */
export function assertSyntheticParams(p: SyntheticParams): void {
  const issues = checkSyntheticParams(p);
  if (issues.length > 0) throw new SpecError(issues);
}

/**
 * Symbol names: SYN01USDT, SYN02USDT, ... (three digits when n_symbols > 99). SYN01USDT is the BTC-like
 * leader, SYN02USDT the ETH-like second; market caps fall with the index.
 */
export function syntheticSymbols(p: SyntheticParams): string[] {
  assertSyntheticParams(p);
  const width = p.n_symbols > 99 ? 3 : 2;
  return Array.from({ length: p.n_symbols }, (_, i) => `SYN${String(i + 1).padStart(width, '0')}USDT`);
}

/** Number of bars per symbol. */
export function barCount(p: SyntheticParams): number {
  return (p.end_ms - p.start_ms) / timeframeMs(p.timeframe);
}
