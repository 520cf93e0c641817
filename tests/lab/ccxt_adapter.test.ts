/**
 * The ccxt broker adapter against a local mock of the Binance spot API (tests/lab/mock_exchange.ts; nothing leaves
 * the machine): the dry-run builds every request (ccxt's own createOrderRequest: quantity to the step size, price to
 * the nearest tick, ccxt's rounding: the order generator has already put prices on the tick) and logs it without sending; the send mode signs with the keys from the environment, sends the same
 * requests, records the exchange's answers, and never writes the key or the secret.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CcxtBrokerAdapter, type AdapterLogLine } from '../../lib/lab/paper/ccxt_adapter.js';
import { UsageError } from '../../lib/errors.js';
import { MOCK_KEY, MOCK_SECRET, startMockExchange, type MockExchange } from './mock_exchange.js';

const NOW = Date.UTC(2025, 0, 2, 12, 0);
let dir: string;
let mock: MockExchange;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'quantlab-adapter-')); mock = await startMockExchange(NOW); });
afterEach(async () => { await mock.close(); await rm(dir, { recursive: true, force: true }); });

const ORDERS = [
  { symbol: 'BTC/USDT', kind: 'market' as const, qty: 0.0123456, clientOrderId: 'ql-t-0' },
  { symbol: 'BTC/USDT', kind: 'stop' as const, qty: -0.01234, price: 38_999.987, reduceOnly: true, clientOrderId: 'ql-t-1' },
  { symbol: 'BTC/USDT', kind: 'limit' as const, qty: -0.01234, price: 41_000.016, reduceOnly: true, clientOrderId: 'ql-t-2' },
];
async function lines(f: string): Promise<AdapterLogLine[]> {
  return (await readFile(f, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as AdapterLogLine);
}

describe('ccxt broker adapter', () => {
  test('dry-run: markets from the exchange, every request built by ccxt and logged, nothing sent', async () => {
    const log = join(dir, 'adapter_logs.jsonl');
    const a = new CcxtBrokerAdapter({ exchangeId: 'binance', mode: 'dry-run', logFile: log, urls: mock.urls, nowMs: () => NOW });
    expect(await a.rules('BTC/USDT')).toEqual({ lot_size: 0.00001, tick_size: 0.01, min_notional: 5, market_id: 'BTCUSDT' });
    for (const o of ORDERS) await a.submit(o);
    await a.cancel('BTC/USDT', 'ql-t-2');
    const l = await lines(log);
    expect(l.map((x) => [x.op, x.sent, x.mode])).toEqual([['create_order', false, 'dry-run'], ['create_order', false, 'dry-run'], ['create_order', false, 'dry-run'], ['cancel_order', false, 'dry-run']]);
    expect(l[0]!.request).toEqual({ symbol: 'BTCUSDT', side: 'BUY', newClientOrderId: 'ql-t-0', newOrderRespType: 'FULL', type: 'MARKET', quantity: '0.01234' });
    expect(l[1]!.request).toEqual({ symbol: 'BTCUSDT', side: 'SELL', newClientOrderId: 'ql-t-1', newOrderRespType: 'FULL', type: 'STOP_LOSS', quantity: '0.01234', stopPrice: '38999.99' });
    expect(l[2]!.request).toEqual({ symbol: 'BTCUSDT', side: 'SELL', newClientOrderId: 'ql-t-2', newOrderRespType: 'FULL', type: 'LIMIT', quantity: '0.01234', price: '41000.02', timeInForce: 'GTC' });
    expect(l[2]!.endpoint).toEqual({ method: 'POST', url: `${(mock.urls.api as Record<string, string>).private}/order` });
    expect(l[3]).toMatchObject({ op: 'cancel_order', endpoint: { method: 'DELETE' }, request: { symbol: 'BTCUSDT', origClientOrderId: 'ql-t-2' } });
    expect(l[0]!.at_utc).toBe(new Date(NOW).toISOString());
    // the exchange saw the public market call only
    expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v3/exchangeInfo']);
  });

  test('send: signed with the environment keys, the same requests reach the exchange, answers logged, keys never written', async () => {
    const log = join(dir, 'adapter_logs.jsonl');
    const env = { CCXT_API_KEY: MOCK_KEY, CCXT_API_SECRET: MOCK_SECRET };
    const a = new CcxtBrokerAdapter({ exchangeId: 'binance', mode: 'send', logFile: log, urls: mock.urls, env, nowMs: () => NOW });
    expect((await a.ticker('BTC/USDT')).last).toBe(40_000);
    for (const o of ORDERS) await a.submit(o);
    await a.cancel('BTC/USDT', 'ql-t-2');
    const posts = mock.to('POST', '/api/v3/order');
    expect(posts).toHaveLength(3);
    expect(posts.every((p) => p.apiKey === MOCK_KEY && /^[0-9a-f]{64}$/.test(p.body.signature ?? p.query.signature ?? ''))).toBe(true);
    expect(posts.map((p) => [p.body.type, p.body.side, p.body.quantity, p.body.price ?? p.body.stopPrice ?? null])).toEqual([
      ['MARKET', 'BUY', '0.01234', null], ['STOP_LOSS', 'SELL', '0.01234', '38999.99'], ['LIMIT', 'SELL', '0.01234', '41000.02'],
    ]);
    const del = mock.to('DELETE', '/api/v3/order');
    expect(del).toHaveLength(1);
    expect(del[0]!.query.orderId).toBe('1002'); // the exchange id of ql-t-2, remembered from its answer
    const l = await lines(log);
    expect(l.map((x) => [x.op, x.sent, x.response?.id, x.response?.status])).toEqual([
      ['create_order', true, '1000', 'open'], ['create_order', true, '1001', 'open'], ['create_order', true, '1002', 'open'], ['cancel_order', true, '1002', 'canceled'],
    ]);
    const text = await readFile(log, 'utf8');
    expect(text).not.toContain(MOCK_KEY);
    expect(text).not.toContain(MOCK_SECRET);
    expect(text).not.toContain('signature');
  });

  test('send without both keys is refused naming the missing one; a rejected key is logged without the secret', async () => {
    const log = join(dir, 'a.jsonl');
    expect(() => new CcxtBrokerAdapter({ exchangeId: 'binance', mode: 'send', logFile: log, urls: mock.urls, env: { CCXT_API_KEY: 'k' }, nowMs: () => NOW }))
      .toThrow(new UsageError('the ccxt adapter sends orders only with CCXT_API_SECRET in the environment'));
    expect(() => new CcxtBrokerAdapter({ exchangeId: 'kraken2', mode: 'dry-run', logFile: log, nowMs: () => NOW })).toThrow(/is not a ccxt exchange id/);
    const a = new CcxtBrokerAdapter({ exchangeId: 'binance', mode: 'send', logFile: log, urls: mock.urls, env: { CCXT_API_KEY: 'wrong-key-xyz', CCXT_API_SECRET: 'top-secret-xyz' }, nowMs: () => NOW });
    const line = await a.submit(ORDERS[0]!);
    expect(line.sent).toBe(true);
    expect(line.error).toMatch(/Invalid API-key/);
    const text = await readFile(log, 'utf8');
    expect(text).not.toContain('top-secret-xyz');
    expect(text).not.toContain('wrong-key-xyz');
  });
});
