/**
 * better-sqlite3 (12.x, synchronous, prebuilt for Node 20) behind the small typed surface the store uses; the
 * package ships no TypeScript types and @types/better-sqlite3 is not a dependency.
 */
import { createRequire } from 'node:module';

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface Statement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): Database;
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): ((...args: A) => R) & { immediate: (...args: A) => R };
  close(): void;
  readonly open: boolean;
}

type DatabaseCtor = new (file: string, options?: { timeout?: number; readonly?: boolean; fileMustExist?: boolean }) => Database;

let ctor: DatabaseCtor | undefined;

export function openDatabase(file: string, options?: { timeout?: number; readonly?: boolean; fileMustExist?: boolean }): Database {
  ctor ??= createRequire(import.meta.url)('better-sqlite3') as DatabaseCtor;
  return new ctor(file, options);
}
