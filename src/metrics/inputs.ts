/**
 * Input types shared by the metrics and the checks that turn them into plain arrays.
 *
 * Conventions used by every ranking metric in this folder:
 * - A **score** ranks samples; by default the *lowest* score is the most suspicious one (the SVM
 *   decision value is negative on the failure side, a low confidence is suspicious), so
 *   `positive: 'low'` is the default. Pass `positive: 'high'` for the usual machine-learning
 *   convention (higher score = more likely positive, as scikit-learn's `roc_auc_score`).
 * - A sample whose score is `NaN` (or `null` / `undefined`, Arquero's missing value) is
 *   **excluded** (with its target entry) before anything is computed; `±Infinity` is a valid,
 *   orderable score.
 * - A **mask** marks positives: `Uint8Array` / numbers (non-zero = true) or booleans.
 */

/** Scores, one per sample. Typed arrays are the fast path; plain arrays work too. */
export type Scores = Float64Array | Float32Array | ArrayLike<number>;

/** A boolean per sample: `Uint8Array` (non-zero = true), `boolean[]`, or numbers. */
export type Mask = Uint8Array | ArrayLike<boolean> | ArrayLike<number>;

/** Which end of the score range predicts the positive class. */
export type PositiveSide = 'low' | 'high';

/** Options shared by the ranking metrics. */
export interface RankingOptions {
  /**
   * `'low'` (default): the lowest score is the most likely positive (hardest first, the SVM and
   * confidence convention). `'high'`: the highest score is the most likely positive.
   */
  positive?: PositiveSide;
}

/** @internal Throws unless `a` and `b` have the same length, naming both. */
export function checkSameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>, caller: string, nameA: string, nameB: string): number {
  if (a == null || typeof a.length !== 'number') throw new TypeError(`${caller}: ${nameA} must be an array, got ${a}`);
  if (b == null || typeof b.length !== 'number') throw new TypeError(`${caller}: ${nameB} must be an array, got ${b}`);
  if (a.length !== b.length) {
    throw new RangeError(`${caller}: ${nameA} has ${a.length} entries but ${nameB} has ${b.length}`);
  }
  return a.length;
}

/** @internal Reads a mask entry as 0/1, rejecting values that are not booleans or numbers. */
export function maskBit(m: Mask, i: number, caller: string, name: string): 0 | 1 {
  const v = (m as ArrayLike<unknown>)[i];
  if (v === true) return 1;
  if (v === false) return 0;
  if (typeof v === 'number' && !Number.isNaN(v)) return v !== 0 ? 1 : 0;
  throw new TypeError(`${caller}: ${name}[${i}] is ${String(v)}; expected a boolean or a number`);
}

/** @internal Checks the `positive` option. */
export function positiveSide(opts: RankingOptions | undefined, caller: string): PositiveSide {
  const p = opts?.positive ?? 'low';
  if (p !== 'low' && p !== 'high') throw new RangeError(`${caller}: positive must be 'low' or 'high', got ${String(p)}`);
  return p;
}

/** @internal Scores (oriented so that ascending = most likely positive first) and 0/1 targets with NaN scores dropped. */
export interface RankedInput {
  /** Oriented scores of the kept samples, in input order: ascending = most likely positive first. */
  key: Float64Array;
  /** 0/1 target of the kept samples. */
  y: Uint8Array;
  /** Indices into the input of the kept samples. */
  kept: Int32Array;
}

/** @internal Drops NaN scores and orients the rest so that ascending order puts likely positives first. */
export function rankedInput(scores: Scores, target: Mask, opts: RankingOptions | undefined, caller: string): RankedInput {
  const n = checkSameLength(scores, target, caller, 'scores', 'target');
  const side = positiveSide(opts, caller);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i] as unknown;
    if (s == null) continue;
    if (typeof s !== 'number') throw new TypeError(`${caller}: scores[${i}] is ${String(s)}; expected a number`);
    if (!Number.isNaN(s)) m++;
  }
  const key = new Float64Array(m);
  const y = new Uint8Array(m);
  const kept = new Int32Array(m);
  let j = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (s == null || Number.isNaN(s)) continue;
    key[j] = side === 'low' ? s : -s;
    y[j] = maskBit(target, i, caller, 'target');
    kept[j] = i;
    j++;
  }
  return { key, y, kept };
}

/** @internal Indices 0..n-1 sorted by ascending `key` (ties keep input order, so the result is deterministic). */
export function argsortAscending(key: Float64Array): Int32Array {
  const order = Int32Array.from({ length: key.length }, (_, i) => i);
  // Typed-array sort is not guaranteed stable across engines: break ties by index explicitly.
  order.sort((a, b) => key[a] - key[b] || a - b);
  return order;
}
