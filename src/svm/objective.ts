import { Matrix } from '../util/matrix';
import { ClassWeight, resolveClassWeight } from './class-weight';

/** The parameters that define a linear SVM's primal objective. */
export interface PrimalObjectiveParams {
  C: number;
  loss: 'hinge' | 'squared_hinge';
  classWeight?: ClassWeight;
  fitIntercept?: boolean;
  interceptScaling?: number;
  /** false: the intercept is not penalised (libsvm's SVC). Default true. */
  regularizeIntercept?: boolean;
}

/**
 * Primal objective of an L2-regularised linear SVM in liblinear's formulation (the intercept is the
 * weight of a constant feature `interceptScaling` and is regularised):
 * `0.5 (||coef||^2 + (intercept / interceptScaling)^2) + sum_i C_i loss(y_i f(x_i))`,
 * with y_i in {-1, +1}, C_i = C * classWeight[label_i], loss = hinge or squared hinge.
 * Use it to compare solutions from different solvers at equal tolerance.
 *
 * @example
 * ```ts
 * const svm = new fd.LinearSVC({ C: 0.1 }).fit(X, y);
 * svmPrimalObjective(X, y, svm.coef_!, svm.intercept_!, svm.getParams());
 * ```
 */
export function svmPrimalObjective(
  X: Matrix,
  y: ArrayLike<number>,
  coef: ArrayLike<number>,
  intercept: number,
  params: PrimalObjectiveParams,
): number {
  const { rows, cols, data } = X;
  const [w0, w1] = resolveClassWeight(params.classWeight ?? null, y, 'svmPrimalObjective');
  const fitIntercept = params.fitIntercept ?? true;
  const scaling = params.interceptScaling ?? 1;
  let reg = 0;
  for (let j = 0; j < cols; j++) reg += coef[j] * coef[j];
  if (fitIntercept && params.regularizeIntercept !== false) reg += (intercept / scaling) * (intercept / scaling);
  let loss = 0;
  for (let i = 0; i < rows; i++) {
    const off = i * cols;
    let f = intercept;
    for (let j = 0; j < cols; j++) f += coef[j] * data[off + j];
    const yi = y[i] === 1 ? 1 : -1;
    const xi = Math.max(0, 1 - yi * f);
    const Ci = params.C * (y[i] === 1 ? w1 : w0);
    loss += Ci * (params.loss === 'hinge' ? xi : xi * xi);
  }
  return 0.5 * reg + loss;
}
