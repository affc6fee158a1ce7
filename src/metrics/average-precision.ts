import { argsortAscending, Mask, rankedInput, RankingOptions, Scores } from './inputs';

/**
 * Average precision for detecting `target` from `scores`, scikit-learn's definition
 * (`average_precision_score`): the step-wise sum `AP = sum_n (R_n - R_{n-1}) P_n` over the distinct
 * score thresholds, most suspicious first, with no interpolation. Tied scores enter together at
 * one threshold. A random ranking scores about the positive rate.
 *
 * Conventions (see `inputs.ts`): by default the **lowest** score is the most likely positive;
 * pass `positive: 'high'` for the scikit-learn orientation. Samples with a `NaN` score are
 * excluded. Returns `NaN` when no kept sample is positive.
 *
 * @example
 * ```ts
 * // ranked hardest first: pos, neg, pos -> (1/2) * 1 + (1/2) * (2/3)
 * fd.averagePrecision(new Float64Array([-3, -2, -1]), new Uint8Array([1, 0, 1])); // 0.8333
 * ```
 */
export function averagePrecision(scores: Scores, target: Mask, opts?: RankingOptions): number {
  const { key, y } = rankedInput(scores, target, opts, 'averagePrecision');
  const n = key.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += y[i];
  if (nPos === 0) return NaN;
  const order = argsortAscending(key);
  let tp = 0;
  let ap = 0;
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && key[order[j]] === key[order[i]]) j++;
    let tpInTie = 0;
    for (let t = i; t < j; t++) tpInTie += y[order[t]];
    if (tpInTie > 0) {
      tp += tpInTie;
      ap += tpInTie * (tp / j);
    }
    i = j;
  }
  // One division at the end: a perfect ranking sums to exactly nPos, so AP is exactly 1, not 1 + ulps.
  return ap / nPos;
}
