/** Which ccxt errors are transient, and turning a failed request into a QuantError that says where it failed. */
import { BadSymbol, NetworkError, NotSupported } from 'ccxt';
import { QuantError } from '../../errors.js';
import { isoMs } from '../../timeframe.js';
import { RetriesExhausted } from './retry.js';

/** ccxt NetworkError covers timeouts, RateLimitExceeded, DDoSProtection, ExchangeNotAvailable (HTTP 5xx). */
export function isTransient(err: unknown): boolean {
  return err instanceof NetworkError;
}

export function errorName(err: unknown): string {
  return err instanceof Error ? err.constructor.name : typeof err;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `label` names exchange, symbol and call; `sinceMs` is the request's start (undefined for loadMarkets). */
export function requestFailure(label: string, sinceMs: number | undefined, err: unknown): QuantError {
  if (err instanceof QuantError) return err;
  const at = sinceMs === undefined ? '' : ` since ${isoMs(sinceMs)} (${sinceMs} ms)`;
  if (err instanceof RetriesExhausted) {
    return new QuantError(
      `${label}${at}: failed after ${err.attempts} attempts: ${errorName(err.last)}: ${messageOf(err.last)}`,
      {
        cause: err.last,
        hint: 'a network, rate-limit or exchange-side failure that did not clear; rerun later (pass the last stored ' +
          'bar + one timeframe as sinceMs to resume) or raise rateLimitMs',
      },
    );
  }
  return new QuantError(`${label}${at}: ${errorName(err)}: ${messageOf(err)}`, { cause: err, hint: hintFor(err) });
}

function hintFor(err: unknown): string {
  if (err instanceof BadSymbol) return 'the exchange rejected the symbol; check it against exchange.markets';
  if (err instanceof NotSupported) return 'the exchange does not support this call for this market type';
  return 'the exchange refused the request; check the symbol, timeframe and time range, or rerun with --verbose';
}
