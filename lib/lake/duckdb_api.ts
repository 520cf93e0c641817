import { createRequire } from 'node:module';
import type * as Api from '@duckdb/node-api';

/**
 * The DuckDB Node API, loaded with `require`. It is a CommonJS package of about a hundred files re-exported from
 * its index: an ESM `import` of it makes Node's ESM loader lex every one of them for named exports (cjs-module-
 * lexer), which cost 0.26 s of CPU (0.5-0.9 s wall on the shared machine) in every stage and shard process;
 * `require` loads the same module without that pass. Same objects, same behaviour (docs/scale.md).
 */
const api = createRequire(import.meta.url)('@duckdb/node-api') as typeof Api;

export const { DuckDBInstance, DuckDBDataChunk, DOUBLE, INTEGER, UTINYINT, VARCHAR } = api;
export type DuckDBInstance = Api.DuckDBInstance;
export type DuckDBDataChunk = Api.DuckDBDataChunk;
export type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
