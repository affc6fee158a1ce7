/**
 * Domino as a per-class ranking, the protocol the science benchmark compares failure directions
 * against: one {@link DominoSlicer} per class, fit on that class's validation images (embeddings,
 * labels, the model's class probabilities), as failure directions fit one SVM per class. Each image
 * is then ranked by its probability of one slice of its class:
 *
 * - **matched** (`'domino'`): the slice that best matches the target on the validation split (highest
 *   average precision for the ground-truth minority, or for the model's errors). This is how Domino
 *   is evaluated in its paper (each planted slice is matched with the discovered slice that recovers
 *   it best), and it uses ground-truth groups of the validation split, which the SVM never sees: an
 *   upper bound on what a user who inspects the slices by eye would pick.
 * - **top** (`'dominoTop'`): Domino's own first slice, the most error-dense component, no ground
 *   truth: what a user gets without looking.
 */
import type { Matrix } from '../util/matrix';
import { averagePrecision } from '../metrics';
import { DominoSlicer, type DominoSlicerOptions } from '../directions/domino-slicer';

/** One split's inputs to the slicers. */
export interface DominoInput {
  latents: Matrix;
  labels: ArrayLike<number>;
  /** The model's class probabilities (n x classes). */
  probs: Matrix;
}

function rowsOf(m: Matrix, rows: number[]): Matrix {
  const out = new Float32Array(rows.length * m.cols);
  rows.forEach((r, k) => out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), k * m.cols));
  return { data: out, rows: rows.length, cols: m.cols };
}

function byClass(labels: ArrayLike<number>): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    let a = out.get(c);
    if (!a) out.set(c, (a = []));
    a.push(i);
  }
  return out;
}

/**
 * One Domino slicer per class (see the module comment).
 *
 * @example
 * ```ts
 * const v = { latents: zVal, labels: val.labels, probs: (await fd.predictArrays(model, val)).probs };
 * const dom = new PerClassDomino({ seed: 0 }).fit(v);
 * const slice = dom.matchSlices(v, Uint8Array.from(val.groups!, (g) => (g === 'small' ? 1 : 0)));
 * const t = { latents: zTest, labels: test.labels, probs: (await fd.predictArrays(model, test)).probs };
 * const hardestFirst = dom.scores(t, slice); // lowest = most likely in the matched slice
 * ```
 */
export class PerClassDomino {
  readonly options: DominoSlicerOptions;
  /** The fitted slicer of each class (classes with fewer validation rows than mixture components have none). */
  slicers_ = new Map<number, DominoSlicer>();

  constructor(options: DominoSlicerOptions = {}) {
    this.options = options;
  }

  /** Fits one slicer on each class's rows of `val`. */
  fit(val: DominoInput): this {
    const k = this.options.nMixtureComponents ?? 25;
    this.slicers_ = new Map();
    for (const [c, rows] of [...byClass(val.labels)].sort((a, b) => a[0] - b[0])) {
      if (rows.length < k) continue;
      const slicer = new DominoSlicer(this.options).fit(rowsOf(val.latents, rows), {
        labels: rows.map((r) => val.labels[r]),
        probs: rowsOf(val.probs, rows),
      });
      this.slicers_.set(c, slicer);
    }
    return this;
  }

  /** Per row, its probability of slice `slice.get(class)` of its class (NaN for a class without a slicer). */
  sliceProbability(input: DominoInput, slice: Map<number, number> | number): Float64Array {
    const out = new Float64Array(input.labels.length).fill(NaN);
    for (const [c, rows] of byClass(input.labels)) {
      const s = this.slicers_.get(c);
      if (!s) continue;
      const q = s.predictProba(rowsOf(input.latents, rows), { labels: rows.map((r) => input.labels[r]), probs: rowsOf(input.probs, rows) });
      const a = typeof slice === 'number' ? slice : slice.get(c) ?? 0;
      rows.forEach((r, k) => (out[r] = q[k * s.nSlices + a]));
    }
    return out;
  }

  /**
   * For each class, the slice whose probability ranks `target` (1 = wanted, one entry per row of
   * `val`) best on `val`, by average precision; ties go to the more error-dense slice.
   */
  matchSlices(val: DominoInput, target: ArrayLike<number>): Map<number, number> {
    const chosen = new Map<number, number>();
    for (const [c, rows] of byClass(val.labels)) {
      const s = this.slicers_.get(c);
      if (!s) continue;
      const q = s.predictProba(rowsOf(val.latents, rows), { labels: rows.map((r) => val.labels[r]), probs: rowsOf(val.probs, rows) });
      const y = Uint8Array.from(rows, (r) => (target[r] ? 1 : 0));
      let best = 0;
      let bestAp = -Infinity;
      for (let a = 0; a < s.nSlices; a++) {
        const score = Float64Array.from(rows, (_, k) => -q[k * s.nSlices + a]);
        const ap = averagePrecision(score, y);
        if (ap > bestAp) {
          bestAp = ap;
          best = a;
        }
      }
      chosen.set(c, best);
    }
    return chosen;
  }

  /** Ranking scores, lowest = most suspicious: minus each row's probability of its class's chosen slice. */
  scores(input: DominoInput, slice: Map<number, number> | number): Float64Array {
    const p = this.sliceProbability(input, slice);
    for (let i = 0; i < p.length; i++) p[i] = -p[i];
    return p;
  }
}
