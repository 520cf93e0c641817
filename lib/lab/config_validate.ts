/**
 * `quantlab config validate`: the settings a lab command will use, checked without running anything: the cost
 * config (spec/costs.yaml, validated and digested), the data dir and its lake, the runs dir (writable), the default
 * risk limits and market rules of `live trade`, and the live-trading environment (which pieces of the live guard are
 * present; the credentials' values are never shown). Each check is one line; any failure is exit 3.
 */
import { access, constants } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadCosts } from '../costs/digest.js';
import { QuantError } from '../errors.js';
import { listPartitions, TABLES } from '../lake/index.js';
import { riskDigest, type RiskLimits } from './paper/guards.js';
import { checkLimits, DEFAULT_RULES } from './paper/command.js';

export interface ConfigCheck { check: string; ok: boolean; detail: string }

async function writableDir(path: string): Promise<boolean> {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  try {
    await access(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export async function validateConfig(o: { costsFile: string; dataDir: string; runsDir: string; limits: RiskLimits; env: Record<string, string | undefined> }): Promise<ConfigCheck[]> {
  const out: ConfigCheck[] = [];
  try {
    const c = await loadCosts(o.costsFile);
    out.push({ check: 'costs', ok: true, detail: `${o.costsFile} valid, digest ${c.digest}, venues ${Object.keys(c.config.venues).join(', ')}` });
  } catch (e) {
    out.push({ check: 'costs', ok: false, detail: e instanceof QuantError ? e.describe() : String(e) });
  }
  if (!existsSync(o.dataDir)) out.push({ check: 'data dir', ok: false, detail: `${o.dataDir} does not exist (pass --data_dir, or ingest into it: docs/lab.md "Data")` });
  else {
    const parts = await listPartitions(join(o.dataDir, 'lake'), TABLES.cleanBars);
    const inst = new Set(parts.map((p) => `${p.keys.symbol} ${p.keys.timeframe}`));
    out.push({ check: 'data dir', ok: true, detail: `${o.dataDir}: ${inst.size} instrument-timeframes of cleaned bars${inst.size ? ` (${[...inst].slice(0, 6).join(', ')}${inst.size > 6 ? ', ...' : ''})` : ' (backtests need --allow-synthetic until data is ingested)'}` });
  }
  out.push(await writableDir(o.runsDir)
    ? { check: 'runs dir', ok: true, detail: `${o.runsDir} writable` }
    : { check: 'runs dir', ok: false, detail: `${o.runsDir} is not writable` });
  try {
    checkLimits(o.limits);
    out.push({ check: 'risk defaults', ok: true, detail: `${JSON.stringify(o.limits)} digest ${riskDigest(o.limits)}; market rules ${JSON.stringify(DEFAULT_RULES)}` });
  } catch (e) {
    out.push({ check: 'risk defaults', ok: false, detail: e instanceof QuantError ? e.describe() : String(e) });
  }
  const live = ['MODE=live', 'CCXT_API_KEY', 'CCXT_API_SECRET'].map((k) => (k === 'MODE=live' ? o.env.MODE === 'live' : Boolean(o.env[k])));
  out.push({ check: 'live environment', ok: true, detail: `MODE=live ${live[0] ? 'set' : 'not set'}, CCXT_API_KEY ${live[1] ? 'set' : 'not set'}, CCXT_API_SECRET ${live[2] ? 'set' : 'not set'} (values never shown; live orders also need --live and --i-acknowledge-risk, and the ccxt adapter is not built)` });
  return out;
}
