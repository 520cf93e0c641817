/**
 * Narrow discovered files to what the user asked for. Asking for something that is not there is a usage error that
 * lists what is: a typo must never quietly ingest nothing.
 */
import { UsageError } from '../../errors.js';
import type { Market } from '../../market.js';
import { TIMEFRAME_MS, type Timeframe } from '../../timeframe.js';
import type { BinanceKind, DiscoveredFile } from './layout.js';

export interface FileFilter {
  kinds?: readonly BinanceKind[];
  markets?: readonly Market[];
  symbols?: readonly string[];
  /** Applies to klines and mark_klines; funding files have no interval and pass. */
  intervals?: readonly Timeframe[];
}

/**
 * Applied in order kinds, markets, symbols, intervals; each requested value must be present among the files left
 * by the previous steps. `root` names the searched folder in error messages.
 */
export function filterFiles(files: readonly DiscoveredFile[], f: FileFilter, root = 'the data folder'): DiscoveredFile[] {
  let out = [...files];
  if (f.kinds) {
    requirePresent('kind', f.kinds, out.map((x) => x.kind), root);
    out = out.filter((x) => f.kinds!.includes(x.kind));
  }
  if (f.markets) {
    requirePresent('market', f.markets, out.map((x) => x.market), root);
    out = out.filter((x) => f.markets!.includes(x.market));
  }
  if (f.symbols) {
    requirePresent('symbol', f.symbols, out.map((x) => x.symbol), root);
    out = out.filter((x) => f.symbols!.includes(x.symbol));
  }
  if (f.intervals) {
    const withInterval = out.flatMap((x) => (x.interval ? [x.interval] : []));
    requirePresent('interval', f.intervals, withInterval, root);
    out = out.filter((x) => !x.interval || f.intervals!.includes(x.interval));
  }
  return out;
}

function requirePresent(what: string, wanted: readonly string[], present: readonly string[], root: string): void {
  const available = sortAvailable(what, [...new Set(present)]);
  const missing = wanted.filter((w) => !available.includes(w));
  if (missing.length === 0) return;
  const names = missing.map((m) => JSON.stringify(m)).join(', ');
  const list = available.length > 0 ? available.join(', ') : '(none)';
  const near = missing.flatMap((m) => available.filter((a) => a.toLowerCase() === m.toLowerCase() && a !== m));
  throw new UsageError(`Unknown ${what}${missing.length > 1 ? 's' : ''} ${names}. Available in ${root}: ${list}`, {
    hint: near.length > 0 ? `Names are case-sensitive: did you mean ${near.join(', ')}?` : `Choose from the ${what}s listed above`,
  });
}

function sortAvailable(what: string, xs: string[]): string[] {
  if (what === 'interval') return xs.sort((a, b) => TIMEFRAME_MS[a as Timeframe] - TIMEFRAME_MS[b as Timeframe]);
  return xs.sort();
}
