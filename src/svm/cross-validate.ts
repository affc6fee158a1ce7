/**
 * Choosing the SVM cost C by stratified k-fold cross-validation on balanced accuracy, warm-starting
 * each fold's solver along the C path in ascending order.
 */
import { Matrix } from '../util/matrix';
import { scoreRows } from './dual-cd';
import { LinearSVC, LinearSVCParams } from './linear-svc';
import { stratifiedKFold } from './stratified-k-fold';
import { checkBinaryLabels, checkC, checkMatrix, checkPositiveInt } from './validate';

/**
 * The paper's C grid: `count` values log-spaced from `10^lo` to `10^hi` (default 1e-6 ... 1, 7 values).
 *
 * @example
 * ```ts
 * logGrid(); // [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1]
 * ```
 */
export function logGrid(lo = -6, hi = 0, count = 7): number[] {
  if (count === 1) return [Math.pow(10, lo)];
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const e = lo + ((hi - lo) * k) / (count - 1);
    // Exact powers of ten where the exponent is an integer (1e-6, not 9.999999999999999e-7).
    out.push(Number.isInteger(e) ? Number(`1e${e}`) : Math.pow(10, e));
  }
  return out;
}

/** Options of {@link crossValidateC}: the grid, the folds, and the {@link LinearSVC} parameters. */
export interface CrossValidateCOptions extends Partial<Omit<LinearSVCParams, 'C'>> {
  /** Costs to try (any order; duplicates removed). Default {@link logGrid}() = 1e-6 ... 1. */
  Cs?: number[];
  /** Number of stratified folds. Default 2 (the paper). */
  folds?: number;
  /**
   * Shuffle the stratified fold assignment (seeded by `seed`). Default true, so rows stored in
   * a meaningful order (by sub-folder, by time) do not end up in one fold. `false` reproduces
   * scikit-learn's `StratifiedKFold(k)`, i.e. the paper's `cross_val_score(..., cv=k)`, exactly.
   */
  shuffle?: boolean;
  /** Explicit test-fold index per row (0 .. folds-1); overrides `folds` / `shuffle`. */
  foldIds?: ArrayLike<number>;
  /** Warm-start each fold's solver from the previous (smaller) C. Default true. */
  warmStart?: boolean;
}

/** Result of {@link crossValidateC}. */
export interface CrossValidateCResult {
  /** The grid, ascending. */
  Cs: number[];
  /** `foldScores[c][f]`: balanced accuracy on test fold f of the model trained at `Cs[c]`. */
  foldScores: number[][];
  /** Mean balanced accuracy over folds, per C. */
  meanScores: number[];
  /** Index into `Cs` of the best mean score; ties go to the smaller C. */
  bestIndex: number;
  bestC: number;
  bestScore: number;
  /** Test-fold index of each row. */
  foldIds: Int32Array;
  /** Whether every fold's solver converged, per C. */
  converged: boolean[];
  /** Solver iterations, `nIter[c][f]`. */
  nIter: number[][];
}

/**
 * Balanced accuracy of sign predictions (score > 0 means label 1): the mean recall over the labels
 * present in `yTrue`, as scikit-learn's `balanced_accuracy_score`.
 *
 * @example
 * ```ts
 * balancedAccuracyOfScores(new Uint8Array([0, 1, 1]), new Float64Array([-1, 1, -1])); // 0.75
 * ```
 */
export function balancedAccuracyOfScores(yTrue: ArrayLike<number>, scores: ArrayLike<number>): number {
  let n0 = 0, n1 = 0, ok0 = 0, ok1 = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const pred = scores[i] > 0 ? 1 : 0;
    if (yTrue[i] === 1) {
      n1++;
      ok1 += pred;
    } else {
      n0++;
      ok0 += 1 - pred;
    }
  }
  if (n0 === 0 && n1 === 0) return NaN;
  if (n0 === 0) return ok1 / n1;
  if (n1 === 0) return ok0 / n0;
  return (ok0 / n0 + ok1 / n1) / 2;
}

/**
 * Stratified k-fold cross-validation of a {@link LinearSVC} over a grid of C, scored by balanced
 * accuracy. Each fold's model is warm-started from the previous C (the grid is visited in ascending
 * order, where the previous dual solution stays feasible). The best C maximises the mean score;
 * **ties go to the smaller C** (stronger regularisation), as the paper's strict `>` over an
 * ascending grid does.
 *
 * @example
 * ```ts
 * const cv = fd.crossValidateC(X, y, { classWeight: 'balanced', folds: 2, seed: 0 }); // y: 1 = correct
 * cv.bestC; cv.meanScores;
 * ```
 */
export function crossValidateC(X: Matrix, y: ArrayLike<number>, options: CrossValidateCOptions = {}): CrossValidateCResult {
  const caller = 'crossValidateC';
  checkMatrix(X, caller);
  const labels = checkBinaryLabels(y, X.rows, caller);
  const { Cs: CsIn, folds: foldsIn, shuffle, foldIds: foldIdsIn, warmStart, ...svmParams } = options;
  const Cs = [...new Set((CsIn ?? logGrid()).map((c, i) => checkC(c, caller, `Cs[${i}]`)))].sort((a, b) => a - b);
  if (Cs.length === 0) throw new RangeError(`${caller}: Cs is empty`);
  let foldIds: Int32Array;
  let k: number;
  if (foldIdsIn) {
    if (foldIdsIn.length !== X.rows) throw new RangeError(`${caller}: foldIds has ${foldIdsIn.length} entries but X has ${X.rows} rows`);
    foldIds = Int32Array.from(foldIdsIn);
    k = 0;
    for (let i = 0; i < foldIds.length; i++) {
      if (!(foldIds[i] >= 0) || foldIds[i] !== foldIdsIn[i]) throw new RangeError(`${caller}: foldIds[${i}] = ${foldIdsIn[i]} is not a fold index`);
      k = Math.max(k, foldIds[i] + 1);
    }
    if (k < 2) throw new RangeError(`${caller}: foldIds must name at least 2 folds`);
  } else {
    k = checkPositiveInt(foldsIn ?? 2, caller, 'folds', 2);
    foldIds = stratifiedKFold(labels, k, { shuffle: shuffle ?? true, seed: svmParams.seed ?? 0 });
  }

  const foldScores = Cs.map(() => new Array<number>(k).fill(NaN));
  const nIter = Cs.map(() => new Array<number>(k).fill(0));
  const converged = Cs.map(() => true);
  for (let f = 0; f < k; f++) {
    // Row-index views into X: the folds share one copy of the data (and one resident SIMD copy).
    let nTest = 0;
    for (let i = 0; i < foldIds.length; i++) nTest += foldIds[i] === f ? 1 : 0;
    if (nTest === 0) throw new RangeError(`${caller}: fold ${f} has no rows`);
    const train = new Int32Array(X.rows - nTest);
    const test = new Int32Array(nTest);
    for (let i = 0, a = 0, b = 0; i < foldIds.length; i++) {
      if (foldIds[i] === f) test[b++] = i;
      else train[a++] = i;
    }
    const ytr = Uint8Array.from(train, (i) => labels[i]);
    const yte = Uint8Array.from(test, (i) => labels[i]);
    let has0 = false, has1 = false;
    for (let i = 0; i < ytr.length; i++) {
      if (ytr[i]) has1 = true;
      else has0 = true;
    }
    if (!has0 || !has1) throw new RangeError(`${caller}: training folds without fold ${f} hold only label ${has1 ? 1 : 0}`);
    const svm = new LinearSVC(svmParams);
    for (let c = 0; c < Cs.length; c++) {
      svm.setParams({ C: Cs[c] }).fitRows(X, train, ytr, (warmStart ?? true) && c > 0, caller);
      const scores = scoreRows(X.data, X.cols, test.length, test, svm.coef_!, svm.intercept_!);
      foldScores[c][f] = balancedAccuracyOfScores(yte, scores);
      nIter[c][f] = svm.nIter_!;
      converged[c] = converged[c] && svm.converged_!;
    }
  }
  const meanScores = foldScores.map((s) => s.reduce((a, b) => a + b, 0) / s.length);
  let bestIndex = 0;
  for (let c = 1; c < Cs.length; c++) if (meanScores[c] > meanScores[bestIndex]) bestIndex = c;
  return { Cs, foldScores, meanScores, bestIndex, bestC: Cs[bestIndex], bestScore: meanScores[bestIndex], foldIds, converged, nIter };
}

/**
 * Fits one {@link LinearSVC} per C on the same data, warm-starting along the path in ascending
 * order; returns the models in the order of `Cs` as given (independent copies).
 *
 * @example
 * ```ts
 * const models = fitCPath(X, y, [1e-3, 1e-2, 1e-1], { classWeight: 'balanced' });
 * models.map((m) => m.decisionFunction(X));
 * ```
 */
export function fitCPath(X: Matrix, y: ArrayLike<number>, Cs: number[], params: Partial<Omit<LinearSVCParams, 'C'>> = {}): LinearSVC[] {
  const caller = 'fitCPath';
  if (!Array.isArray(Cs) || Cs.length === 0) throw new RangeError(`${caller}: Cs must be a non-empty array`);
  Cs.forEach((c, i) => checkC(c, caller, `Cs[${i}]`));
  const order = Cs.map((_, i) => i).sort((a, b) => Cs[a] - Cs[b]);
  const out = new Array<LinearSVC>(Cs.length);
  const svm = new LinearSVC(params);
  let first = true;
  for (const i of order) {
    svm.setParams({ C: Cs[i] }).fit(X, y, { warmStart: !first });
    first = false;
    out[i] = svm.clone();
  }
  return out;
}
