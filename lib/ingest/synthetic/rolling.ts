/**
 * Fixed-size trailing windows for the edge planter: mean / population std and maximum over the last W values.
 * O(1) per push; the running sums are recomputed from the buffer every W pushes so rounding cannot drift.
 */

export class RollingMoments {
  private readonly buf: Float64Array;
  private pos = 0;
  private count = 0;
  private sum = 0;
  private sumSq = 0;
  private sinceRebuild = 0;

  constructor(readonly size: number) {
    this.buf = new Float64Array(size);
  }

  get full(): boolean {
    return this.count === this.size;
  }

  push(x: number): void {
    const old = this.buf[this.pos]!;
    this.buf[this.pos] = x;
    this.pos = this.pos + 1 === this.size ? 0 : this.pos + 1;
    if (this.count < this.size) this.count++;
    else {
      this.sum -= old;
      this.sumSq -= old * old;
    }
    this.sum += x;
    this.sumSq += x * x;
    if (++this.sinceRebuild === this.size) this.rebuild();
  }

  mean(): number {
    return this.sum / this.count;
  }

  /** Population standard deviation (divisor = count). */
  std(): number {
    const m = this.sum / this.count;
    const v = this.sumSq / this.count - m * m;
    return v > 0 ? Math.sqrt(v) : 0;
  }

  private rebuild(): void {
    let s = 0;
    let q = 0;
    for (let i = 0; i < this.count; i++) {
      const x = this.buf[i]!;
      s += x;
      q += x * x;
    }
    this.sum = s;
    this.sumSq = q;
    this.sinceRebuild = 0;
  }
}

/** Maximum of the last W pushed values: a monotonic deque in a power-of-two ring. */
export class RollingMax {
  private readonly idx: Int32Array;
  private readonly val: Float64Array;
  private readonly mask: number;
  private head = 0;
  private len = 0;
  private n = 0;

  constructor(readonly size: number) {
    let cap = 1;
    while (cap < size) cap *= 2;
    this.mask = cap - 1;
    this.idx = new Int32Array(cap);
    this.val = new Float64Array(cap);
  }

  get full(): boolean {
    return this.n >= this.size;
  }

  push(x: number): void {
    const i = this.n++;
    const m = this.mask;
    while (this.len > 0 && this.val[(this.head + this.len - 1) & m]! <= x) this.len--;
    if (this.len > 0 && this.idx[this.head]! <= i - this.size) {
      this.head = (this.head + 1) & m;
      this.len--;
    }
    const at = (this.head + this.len) & m;
    this.idx[at] = i;
    this.val[at] = x;
    this.len++;
  }

  max(): number {
    return this.len > 0 ? this.val[this.head]! : -Infinity;
  }
}
