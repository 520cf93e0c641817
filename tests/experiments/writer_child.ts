/**
 * Child process for the store tests. `events <dataDir> <tag> <n>`: waits until both writers are ready, then appends n
 * experiment_metric events, one transaction each. `fills <dataDir> <n>`: inserts fills f0..f(n-1) one transaction each (existing ones skipped),
 * printing each index after its commit.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExperimentStore } from '../../lib/experiments/store.js';

const [mode, dataDir, a, b] = process.argv.slice(2);
const store = ExperimentStore.open(dataDir!);
if (mode === 'events') {
  const tag = a!;
  const n = Number(b);
  // barrier: both writers hold the store open before either writes (a fast machine would otherwise run them one
  // after the other), then a 1 ms pause after each commit lets the other process's transactions in between
  const nap = new Int32Array(new SharedArrayBuffer(4));
  writeFileSync(join(dataDir!, `ready-${tag}`), '');
  const t0 = Date.now();
  while (readdirSync(dataDir!).filter((f) => f.startsWith('ready-')).length < 2 && Date.now() - t0 < 30_000) Atomics.wait(nap, 0, 0, 5);
  for (let i = 0; i < n; i++) {
    store.appendEvent({ experiment_id: 'concurrency', run_id: `run-${tag}`, type: 'experiment_metric', actor: tag, payload: { i } });
    Atomics.wait(nap, 0, 0, 1);
  }
} else if (mode === 'fills') {
  const n = Number(a);
  for (let i = 0; i < n; i++) {
    store.insertFills([{ experiment_id: 'crash', run_id: 'run-1', fill_id: `f${i}`, order_id: `o${i}`, ts_ms: 1_700_000_000_000 + i * 60_000, symbol: 'BTCUSDT', side: i % 2 ? 'sell' : 'buy', qty: 0.01, price: 40_000 + i, fee_usd: 0.2 }]);
    process.stdout.write(`${i}\n`);
  }
}
store.close();
