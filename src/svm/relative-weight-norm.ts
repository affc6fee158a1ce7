/**
 * Whether a fitted linear SVM learned anything, measured scale-free (independent of C, the loss and
 * the data's units). In the dual, w = sum_i alpha_i y_i x_i (y in {-1, +1}): a weighted sum of the
 * training rows. When the rows of the two sides cannot be told apart, either the weighted rows
 * cancel and w is what rounding leaves (|w| ~ 1e-16 of the size of its terms: `relativeWeightNorm`),
 * or the rows are identical so that every one gets the same decision value whatever w the solver
 * stopped at (`relativeDecisionSpread` = 0; with the squared hinge and a free intercept, w is then
 * only as small as the solver's tolerance on the intercept, ~1e-5 of its terms).
 */
import type { Matrix } from '../util/matrix';

/**
 * |w| / sum_i alpha_i |x_i| for a dual solution `alpha` on rows `X` with weights `coef` (the bias
 * term left out): 0 when w is exactly zero, about 1e-16 when it is rounding residue, and, on the
 * paper-procedure fixtures, 1e-2 ... 1.4e-1 for real directions at every C of the grid. Returns 0
 * when every alpha is zero (then w is zero too).
 *
 * @example
 * ```ts
 * relativeWeightNorm(svm.coef_!, svm.alpha_!, X); // < 1e-6: the SVM learned nothing
 * ```
 */
export function relativeWeightNorm(coef: ArrayLike<number>, alpha: ArrayLike<number>, X: Matrix): number {
  const { data, rows, cols } = X;
  if (alpha.length !== rows) throw new RangeError(`relativeWeightNorm: ${alpha.length} dual variables for ${rows} rows`);
  if (coef.length !== cols) throw new RangeError(`relativeWeightNorm: ${coef.length} weights for ${cols} columns`);
  let terms = 0;
  for (let i = 0; i < rows; i++) {
    const a = alpha[i];
    if (a === 0) continue;
    let ss = 0;
    const off = i * cols;
    for (let j = 0; j < cols; j++) ss += data[off + j] * data[off + j];
    terms += Math.abs(a) * Math.sqrt(ss);
  }
  let ww = 0;
  for (let j = 0; j < cols; j++) ww += coef[j] * coef[j];
  const norm = Math.sqrt(ww);
  if (terms === 0) return norm === 0 ? 0 : Infinity;
  return norm / terms;
}

/**
 * How much a weight vector separates the rows it was fitted on: (max_i w.x_i - min_i w.x_i) /
 * (|w| max_i |x_i|), in [0, 2]. Exactly 0 when the rows are identical (every row gets the same
 * decision value, whatever w the solver stopped at, so the ranking is arbitrary); about 1e-7 when
 * they differ only by float32 rounding; 0.1 ... 2 for real data. Returns 0 for a zero w.
 *
 * @example
 * ```ts
 * relativeDecisionSpread(svm.coef_!, X); // < 1e-6: every sample scores the same
 * ```
 */
export function relativeDecisionSpread(coef: ArrayLike<number>, X: Matrix): number {
  const { data, rows, cols } = X;
  if (coef.length !== cols) throw new RangeError(`relativeDecisionSpread: ${coef.length} weights for ${cols} columns`);
  let ww = 0;
  for (let j = 0; j < cols; j++) ww += coef[j] * coef[j];
  if (ww === 0 || rows === 0) return 0;
  let lo = Infinity;
  let hi = -Infinity;
  let maxNorm = 0;
  for (let i = 0; i < rows; i++) {
    const off = i * cols;
    let s = 0;
    let ss = 0;
    for (let j = 0; j < cols; j++) {
      const x = data[off + j];
      s += coef[j] * x;
      ss += x * x;
    }
    if (s < lo) lo = s;
    if (s > hi) hi = s;
    if (ss > maxNorm) maxNorm = ss;
  }
  if (maxNorm === 0) return 0;
  return (hi - lo) / (Math.sqrt(ww) * Math.sqrt(maxNorm));
}
