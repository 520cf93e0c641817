import { createRequire } from 'node:module';
import type * as Api from '@duckdb/node-api';

/**
 * The DuckDB Node API, loaded with `require`. It is a CommonJS package of about a hundred files re-exported from
 * its index: an ESM `import` of it makes Node's ESM loader lex every one of them for named exports (cjs-module-
 * lexer), which cost 0.26 s of CPU (0.5-0.9 s wall on the shared machine) in every stage and shard process;
 * `require` loads the same module without that pass. Same objects, same behaviour (docs/scale.md).
 */
const requireHere = createRequire(import.meta.url);
const api = requireHere('@duckdb/node-api') as typeof Api;

export const { DuckDBInstance, DuckDBDataChunk, DuckDBTableFunction, DuckDBTypeId, BIGINT, DOUBLE, INTEGER, UTINYINT, VARCHAR } = api;
export type DuckDBInstance = Api.DuckDBInstance;
export type DuckDBDataChunk = Api.DuckDBDataChunk;
export type DuckDBTableFunctionInfo = Api.DuckDBTableFunctionInfo;

/**
 * The raw-vector calls of the native bindings under the Node API (its own pinned dependency, resolved from the
 * API's location): copy bytes from a typed array straight into a vector and its validity mask, and view a result
 * vector's data and mask. The API's vector classes do the same through a JS copy of each vector and a BigInt per
 * NULL on write, and a logical-type object, a vector object and a validity object per column and chunk on read; a
 * table function's output (lib/lake columns.ts, `withColumnScan`) fills ~25 vectors per 2048 rows and a read
 * (`queryColumns`) copies as many, so both use these. Undefined when the bindings do
 * not have them (another version): callers then use the API's vectors.
 */
export interface RawVectors {
  data_chunk_get_vector(chunk: unknown, column: number): unknown;
  copy_data_to_vector(vector: unknown, targetByteOffset: number, source: ArrayBufferLike, sourceByteOffset: number, byteCount: number): void;
  vector_ensure_validity_writable(vector: unknown): void;
  copy_data_to_vector_validity(vector: unknown, targetByteOffset: number, source: ArrayBufferLike, sourceByteOffset: number, byteCount: number): void;
  /** a view of the vector's first byteCount data bytes (no copy) */
  vector_get_data(vector: unknown, byteCount: number): Uint8Array;
  /** a view of the vector's validity mask (byteCount bytes), or null when every row is valid */
  vector_get_validity(vector: unknown, byteCount: number): Uint8Array | null;
}

function loadRawVectors(): RawVectors | undefined {
  try {
    const b = createRequire(requireHere.resolve('@duckdb/node-api'))('@duckdb/node-bindings') as Partial<RawVectors>;
    const names = [
      'data_chunk_get_vector', 'copy_data_to_vector', 'vector_ensure_validity_writable', 'copy_data_to_vector_validity', 'vector_get_data', 'vector_get_validity',
    ] as const;
    return names.every((n) => typeof b[n] === 'function') ? (b as RawVectors) : undefined;
  } catch {
    return undefined;
  }
}

export const rawVectors: RawVectors | undefined = loadRawVectors();
export type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
