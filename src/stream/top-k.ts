/**
 * Per-class top-K while streaming: the K hardest (lowest score) and K easiest (highest score) rows
 * of every class, kept in bounded binary heaps (O(K) memory per class, O(log K) per admitted row).
 * Ties are broken by position (shard, then row), so the result equals `ORDER BY score, shard, row`
 * over all rows, whatever order the rows arrive in. NaN scores (classes without a direction) are
 * never kept.
 */

/** One kept row. */
export interface TopKEntry {
  score: number;
  shard: number;
  row: number;
}

/** Positions pack (shard, row) into one exact double: shard < 2^20, row < 2^32. */
const ROW_SPAN = 2 ** 32;

/** A bounded heap of the K most extreme (lowest when `lowest`, else highest) scores. */
export class BoundedHeap {
  private readonly score: Float64Array;
  private readonly pos: Float64Array;
  private n = 0;

  constructor(
    readonly k: number,
    readonly lowest: boolean,
  ) {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`BoundedHeap: k must be a non-negative integer, got ${k}`);
    this.score = new Float64Array(k);
    this.pos = new Float64Array(k);
  }

  /** True when (s1, p1) is more extreme than (s2, p2): kept in preference. */
  private better(s1: number, p1: number, s2: number, p2: number): boolean {
    if (s1 !== s2) return this.lowest ? s1 < s2 : s1 > s2;
    return p1 < p2;
  }

  /** Offers a row; returns whether it was kept. */
  offer(score: number, shard: number, row: number): boolean {
    if (this.k === 0 || score !== score) return false;
    const p = shard * ROW_SPAN + row;
    const { score: S, pos: P } = this;
    if (this.n < this.k) {
      // sift up: the root is the least extreme kept entry
      let i = this.n++;
      while (i > 0) {
        const up = (i - 1) >> 1;
        if (!this.better(S[up], P[up], score, p)) break;
        S[i] = S[up];
        P[i] = P[up];
        i = up;
      }
      S[i] = score;
      P[i] = p;
      return true;
    }
    if (!this.better(score, p, S[0], P[0])) return false;
    // replace the root, sift down
    let i = 0;
    const n = this.n;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      // the child that is least extreme goes up
      const c = r < n && this.better(S[l], P[l], S[r], P[r]) ? r : l;
      if (!this.better(score, p, S[c], P[c])) break;
      S[i] = S[c];
      P[i] = P[c];
      i = c;
    }
    S[i] = score;
    P[i] = p;
    return true;
  }

  /** Number of kept rows. */
  get size(): number {
    return this.n;
  }

  /** The kept rows, most extreme first. */
  sorted(): TopKEntry[] {
    const idx = Array.from({ length: this.n }, (_, i) => i);
    idx.sort((a, b) => (this.better(this.score[a], this.pos[a], this.score[b], this.pos[b]) ? -1 : 1));
    return idx.map((i) => {
      const shard = Math.floor(this.pos[i] / ROW_SPAN);
      return { score: this.score[i], shard, row: this.pos[i] - shard * ROW_SPAN };
    });
  }
}

/** The hardest and easiest K rows of every class. */
export class ClassTopK {
  readonly hardest: BoundedHeap[];
  readonly easiest: BoundedHeap[];

  constructor(
    readonly nClasses: number,
    readonly k: number,
  ) {
    this.hardest = Array.from({ length: nClasses }, () => new BoundedHeap(k, true));
    this.easiest = Array.from({ length: nClasses }, () => new BoundedHeap(k, false));
  }

  /** Offers `n` rows of one shard window: class ids, scores, the shard and the window's first row. */
  offerRows(labels: Int32Array, scores: Float64Array, n: number, shard: number, firstRow: number): void {
    if (this.k === 0) return;
    for (let i = 0; i < n; i++) {
      const s = scores[i];
      if (s !== s) continue;
      const c = labels[i];
      this.hardest[c].offer(s, shard, firstRow + i);
      this.easiest[c].offer(s, shard, firstRow + i);
    }
  }

  /** Rows of one side as flat arrays: class, rankInClass, score, shard, row (class-major, most extreme first). */
  entries(side: 'hardest' | 'easiest'): { label: number[]; rankInClass: number[]; score: number[]; shard: number[]; row: number[] } {
    const out = { label: [] as number[], rankInClass: [] as number[], score: [] as number[], shard: [] as number[], row: [] as number[] };
    const heaps = side === 'hardest' ? this.hardest : this.easiest;
    heaps.forEach((h, c) => {
      h.sorted().forEach((e, r) => {
        out.label.push(c);
        out.rankInClass.push(r);
        out.score.push(e.score);
        out.shard.push(e.shard);
        out.row.push(e.row);
      });
    });
    return out;
  }
}
