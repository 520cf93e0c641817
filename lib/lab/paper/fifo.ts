/**
 * FIFO lot inventory of a paper session: each fill opens lots or closes the oldest lots of the opposite side
 * first, realizing (exit - entry) * qty per matched piece. Deterministic and rebuildable: replaying the session's
 * fills in order (`FifoBook.fromFills`) gives the same lots and realized PnL (the resume path).
 */
export interface Lot {
  /** Signed remaining quantity (+ long lot, - short lot). */
  qty: number;
  price: number;
  ts_ms: number;
  fill_id: string;
}

export interface Fill {
  fill_id: string;
  symbol: string;
  /** Signed (+ buy). */
  qty: number;
  price: number;
  ts_ms: number;
}

export interface Match {
  symbol: string;
  open_fill_id: string;
  close_fill_id: string;
  qty: number; // matched quantity, positive
  side: 'long' | 'short'; // of the closed lot
  entry_price: number;
  exit_price: number;
  realized: number;
}

const EPS = 1e-12;

export class FifoBook {
  private readonly lots = new Map<string, Lot[]>();
  realized = 0;

  static fromFills(fills: readonly Fill[]): FifoBook {
    const b = new FifoBook();
    for (const f of fills) b.apply(f);
    return b;
  }

  position(symbol: string): number {
    return (this.lots.get(symbol) ?? []).reduce((a, l) => a + l.qty, 0);
  }

  lotsOf(symbol: string): readonly Lot[] {
    return this.lots.get(symbol) ?? [];
  }

  symbols(): string[] {
    return [...this.lots.keys()].filter((s) => this.lotsOf(s).length > 0).sort();
  }

  /** Average entry price of the open lots of a symbol (NaN when flat). */
  avgEntry(symbol: string): number {
    const ls = this.lotsOf(symbol);
    const q = ls.reduce((a, l) => a + Math.abs(l.qty), 0);
    return q > 0 ? ls.reduce((a, l) => a + Math.abs(l.qty) * l.price, 0) / q : NaN;
  }

  apply(f: Fill): Match[] {
    if (!(Number.isFinite(f.qty) && f.qty !== 0 && Number.isFinite(f.price) && f.price > 0)) {
      throw new Error(`fill ${f.fill_id}: qty must be finite and non-zero, price positive (qty ${f.qty}, price ${f.price})`);
    }
    const lots = this.lots.get(f.symbol) ?? [];
    this.lots.set(f.symbol, lots);
    const matches: Match[] = [];
    let rest = f.qty;
    while (Math.abs(rest) > EPS && lots.length > 0 && Math.sign(lots[0]!.qty) !== Math.sign(rest)) {
      const lot = lots[0]!;
      const q = Math.min(Math.abs(rest), Math.abs(lot.qty));
      const dir = Math.sign(lot.qty);
      const realized = (f.price - lot.price) * q * dir;
      matches.push({
        symbol: f.symbol, open_fill_id: lot.fill_id, close_fill_id: f.fill_id, qty: q, side: dir > 0 ? 'long' : 'short',
        entry_price: lot.price, exit_price: f.price, realized,
      });
      this.realized += realized;
      lot.qty -= dir * q;
      rest += dir * q;
      if (Math.abs(lot.qty) <= EPS) lots.shift();
    }
    if (Math.abs(rest) > EPS) lots.push({ qty: rest, price: f.price, ts_ms: f.ts_ms, fill_id: f.fill_id });
    return matches;
  }
}
