import { argsortAscending, Mask, rankedInput, RankingOptions, Scores } from './inputs';

/*
 * Ranking convention for every function in this file: samples are ranked **ascending by score**,
 * so position 1 is the lowest score = the hardest / most suspicious sample (the SVM decision value
 * and confidence convention). Pass `positive: 'high'` to rank descending instead.
 *
 * Ties: when the K-th position falls inside a run of tied scores, the tied samples share the
 * remaining positions equally (the expected value under a random tie-break), so results never
 * depend on input order. Samples with a `NaN` score are excluded; K larger than the number of kept
 * samples `n` is clipped to `n`.
 */

function checkK(k: number, caller: string, what = 'k'): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${caller}: ${what} must be a positive integer, got ${k}`);
}

/**
 * Expected number of positives among the first k ranked samples, for k = 0..maxK (clipped to n),
 * with ties shared fractionally. Returns the counts and the number of positives.
 */
function cumulativeHits(scores: Scores, target: Mask, maxK: number, opts: RankingOptions | undefined, caller: string) {
  const { key, y } = rankedInput(scores, target, opts, caller);
  const n = key.length;
  const kMax = Math.min(maxK, n);
  const hits = new Float64Array(kMax + 1);
  const order = argsortAscending(key);
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += y[i];
  let before = 0; // positives strictly before the current tie run
  let i = 0;
  while (i < kMax) {
    let j = i + 1;
    while (j < n && key[order[j]] === key[order[i]]) j++;
    let inTie = 0;
    for (let t = i; t < j; t++) inTie += y[order[t]];
    const rate = inTie / (j - i);
    const end = Math.min(j, kMax);
    for (let k = i + 1; k <= end; k++) hits[k] = before + (k - i) * rate;
    before += inTie;
    i = j;
  }
  return { hits, n, nPos };
}

/**
 * Precision@K: the fraction of `target` samples among the K lowest-scored (see the ranking
 * convention above). A random ranking scores about the positive rate.
 * Returns `NaN` when every score is `NaN`.
 *
 * Named `...Score` because `precisionAtK` is the figure builder in `viz/`.
 *
 * @example
 * ```ts
 * // lowest two scores: one error (target 1) and one correct sample -> 0.5
 * fd.precisionAtKScore(new Float64Array([-1, -0.5, 2, 3]), new Uint8Array([1, 0, 1, 0]), 2); // 0.5
 * ```
 */
export function precisionAtKScore(scores: Scores, target: Mask, k: number, opts?: RankingOptions): number {
  checkK(k, 'precisionAtKScore');
  const { hits, n } = cumulativeHits(scores, target, k, opts, 'precisionAtKScore');
  if (n === 0) return NaN;
  const kk = hits.length - 1;
  return hits[kk] / kk;
}

/**
 * Recall@K: the fraction of all `target` samples found among the K lowest-scored (see the ranking
 * convention above). Returns `NaN` when no kept sample is positive.
 *
 * @example
 * ```ts
 * recallAtKScore(new Float64Array([-1, -0.5, 2, 3]), new Uint8Array([1, 0, 1, 0]), 2); // 0.5
 * ```
 */
export function recallAtKScore(scores: Scores, target: Mask, k: number, opts?: RankingOptions): number {
  checkK(k, 'recallAtKScore');
  const { hits, nPos } = cumulativeHits(scores, target, k, opts, 'recallAtKScore');
  if (nPos === 0) return NaN;
  return hits[hits.length - 1] / nPos;
}

/** Precision@K and recall@K for every K = 1..maxK (clipped to the number of kept samples). */
export interface PrecisionAtKCurve {
  /** K values, 1..min(maxK, n). */
  k: Int32Array;
  /** precision[i] = precision@k[i]. */
  precision: Float64Array;
  /** recall[i] = recall@k[i] (`NaN` when there are no positives). */
  recall: Float64Array;
  /** Number of samples kept (non-NaN score). */
  n: number;
  /** Number of positives among the kept samples. */
  nPositive: number;
}

/**
 * Precision@K and recall@K for K = 1..maxK in one pass (same conventions as
 * {@link precisionAtKScore}); the curve stops at the number of kept samples.
 *
 * @example
 * ```ts
 * const errors = Array.from(scores.array('correct') as ArrayLike<boolean>, (ok) => !ok);
 * const c = precisionAtKCurve(scores.array('score') as ArrayLike<number>, errors, 100);
 * c.precision[9]; // precision@10
 * ```
 */
export function precisionAtKCurve(scores: Scores, target: Mask, maxK: number, opts?: RankingOptions): PrecisionAtKCurve {
  checkK(maxK, 'precisionAtKCurve', 'maxK');
  const { hits, n, nPos } = cumulativeHits(scores, target, maxK, opts, 'precisionAtKCurve');
  const m = hits.length - 1;
  const k = new Int32Array(m);
  const precision = new Float64Array(m);
  const recall = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    k[i] = i + 1;
    precision[i] = hits[i + 1] / (i + 1);
    recall[i] = nPos === 0 ? NaN : hits[i + 1] / nPos;
  }
  return { k, precision, recall, n, nPositive: nPos };
}
