import { describe, expect, test } from '@jest/globals';
import { DuckDBInstance } from '@duckdb/node-api';
describe('duckdb', () => {
  test('native binding loads', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const r = await c.runAndReadAll('SELECT 1 AS x');
    expect(r.getRows()).toEqual([[1]]);
  });
});
