/**
 * Child process for the store tests. `events <dataDir> <tag> <n>`: appends n experiment_metric events, one
 * transaction each. `fills <dataDir> <n>`: inserts fills f0..f(n-1) one transaction each (existing ones skipped),
 * printing each index after its commit.
 */
import { ExperimentStore } from '../../lib/experiments/store.js';

const [mode, dataDir, a, b] = process.argv.slice(2);
const store = ExperimentStore.open(dataDir!);
if (mode === 'events') {
  const tag = a!;
  const n = Number(b);
  for (let i = 0; i < n; i++) {
    store.appendEvent({ experiment_id: 'concurrency', run_id: `run-${tag}`, type: 'experiment_metric', actor: tag, payload: { i } });
  }
} else if (mode === 'fills') {
  const n = Number(a);
  for (let i = 0; i < n; i++) {
    store.insertFills([{ experiment_id: 'crash', run_id: 'run-1', fill_id: `f${i}`, order_id: `o${i}`, ts_ms: 1_700_000_000_000 + i * 60_000, symbol: 'BTCUSDT', side: i % 2 ? 'sell' : 'buy', qty: 0.01, price: 40_000 + i, fee_usd: 0.2 }]);
    process.stdout.write(`${i}\n`);
  }
}
store.close();
