import { argsortAscending, Mask, rankedInput, RankingOptions, Scores } from './inputs';

/**
 * Area under the ROC curve for detecting `target` from `scores`, computed exactly as the
 * Mann-Whitney U statistic: the probability that a random positive is ranked ahead of a random
 * negative, ties counting one half (average ranks). Equals scikit-learn's `roc_auc_score`.
 *
 * Conventions (see `inputs.ts`): by default the **lowest** score is the most likely positive
 * (`positive: 'low'`, as for SVM decision values and confidences); `positive: 'high'` gives the
 * scikit-learn orientation. Samples with a `NaN` score are excluded. Returns `NaN` when the kept
 * samples lack either positives or negatives (AUROC is undefined there).
 *
 * @example
 * ```ts
 * // errors (target 1) have the lowest SVM scores: perfect detection
 * fd.auroc(new Float64Array([-2, -1, 0.5, 1]), new Uint8Array([1, 1, 0, 0])); // 1
 * fd.auroc(new Float64Array([0.9, 0.8, 0.1]), [true, false, false], { positive: 'high' }); // 1
 * ```
 */
export function auroc(scores: Scores, target: Mask, opts?: RankingOptions): number {
  const { key, y } = rankedInput(scores, target, opts, 'auroc');
  const n = key.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += y[i];
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  // Rank ascending by oriented key: positives should get the *small* ranks. Sum ranks of the
  // negatives instead, so U counts (positive ahead of negative) pairs.
  const order = argsortAscending(key);
  let negRankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && key[order[j]] === key[order[i]]) j++;
    const avgRank = (i + 1 + j) / 2; // ranks i+1..j, 1-based
    let negInTie = 0;
    for (let t = i; t < j; t++) negInTie += 1 - y[order[t]];
    negRankSum += negInTie * avgRank;
    i = j;
  }
  const u = negRankSum - (nNeg * (nNeg + 1)) / 2;
  return u / (nPos * nNeg);
}
