/**
 * Linear support vector classifier for 0/1 labels, solved in the dual by liblinear's coordinate
 * descent (see `dual-cd.ts` for the objective, stopping rule and citation). Mirrors scikit-learn's
 * `LinearSVC(dual=True)`: same parameters, same intercept handling, same class weights.
 */
import { Matrix } from '../util/matrix';
import { Random } from '../util/random';
import { NotFittedError } from '../util/errors';
import { ClassWeight, resolveClassWeight } from './class-weight';
import { EncodedArray, decodeFloat64, encodeArray } from './codec';
import { DualCDProblem, dualObjective, rowSqNorms, solveDualCD, scoreRowsPlain, solveDualCDFreeBias, weightsFromAlpha } from './dual-cd';
import { svmPrimalObjective } from './objective';
import { checkBinaryLabels, checkC, checkMatrix, checkPositiveInt } from './validate';

/** Loss of a {@link LinearSVC}: hinge (L1-loss SVM) or squared hinge (L2-loss SVM). */
export type SVMLoss = 'hinge' | 'squared_hinge';

/** Hyper-parameters of a {@link LinearSVC}. */
export interface LinearSVCParams {
  /** Cost of margin violations (inverse regularisation strength). Default 1. */
  C: number;
  /** Default `'hinge'` (the paper's SVM). */
  loss: SVMLoss;
  /** `'balanced'` (n / (2 n_k)), a map `{0: w0, 1: w1}`, or `null` (all 1). Default `null`. */
  classWeight: ClassWeight;
  /** Stopping tolerance on the projected gradient (liblinear's eps). Default 1e-4, as scikit-learn. */
  tol: number;
  /**
   * Maximum outer iterations (passes over the active set). Default 1000, as scikit-learn. With a
   * free intercept the cap counts passes over all of its proximal steps together.
   */
  maxIter: number;
  /** Learn an intercept through an augmented constant feature. Default true. */
  fitIntercept: boolean;
  /** Value of that constant feature; larger means a less regularised intercept. Default 1. */
  interceptScaling: number;
  /**
   * Regularise the intercept like a weight (liblinear / scikit-learn `LinearSVC`, default true). With
   * false the intercept is free, as in libsvm's `SVC(kernel='linear')` (the paper's SVM): solved by a
   * search over the intercept around warm-started dual CD solves (see `solveDualCDFreeBias`);
   * `interceptScaling` is then unused. Needs `fitIntercept`.
   */
  regularizeIntercept: boolean;
  /** Seed for the coordinate order. Default 0. */
  seed: number;
}

/** Options of {@link LinearSVC.fit}. */
export interface LinearSVCFitOptions {
  /**
   * Start from the previous fit's dual solution (clipped to the new box) instead of zero. Needs the
   * same rows in the same order; much faster when only `C` (or the class weights) changed.
   */
  warmStart?: boolean;
}

/** JSON form of a {@link LinearSVC}. */
export interface LinearSVCJSON {
  type: 'LinearSVC';
  version: 1;
  params: Omit<LinearSVCParams, 'classWeight'> & { classWeight: 'balanced' | Record<string, number> | null };
  fitted: null | {
    nFeatures: number;
    coef: EncodedArray;
    intercept: number;
    nIter: number;
    converged: boolean;
    alpha: EncodedArray;
    classWeight: [number, number];
    dualObjective: number;
    solverIntercept: number;
  };
}

const DEFAULTS: LinearSVCParams = {
  C: 1,
  loss: 'hinge',
  classWeight: null,
  tol: 1e-4,
  maxIter: 1000,
  fitIntercept: true,
  interceptScaling: 1,
  regularizeIntercept: true,
  seed: 0,
};

/** Cached per-data state for warm starts: the prepared problem and the matching weights. */
interface FitCache {
  x: Float32Array;
  rowIndex: Int32Array | null;
  rows: number;
  cols: number;
  bias: number;
  y: Uint8Array;
  sqNorm: Float64Array;
  /** Weights (cols + 1, last = bias weight) matching `alpha_` on this data. */
  w: Float64Array;
}

/**
 * L2-regularised linear SVM (hinge or squared-hinge loss) for labels 0/1, trained by liblinear's
 * dual coordinate descent. Follows scikit-learn's estimator contract: the constructor only stores
 * parameters, `fit` returns `this`, learned fields end in `_`.
 *
 * `decisionFunction(X) = X coef_ + intercept_`; positive means label 1.
 *
 * @example
 * ```ts
 * const X = { data: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]), rows: 4, cols: 2 };
 * const svm = new fd.LinearSVC({ C: 1, classWeight: 'balanced' }).fit(X, [0, 0, 0, 1]);
 * svm.decisionFunction(X); // Float64Array, most positive for the last row
 * svm.predict(X);          // Uint8Array [0, 0, 0, 1]
 * const copy = fd.LinearSVC.fromJSON(JSON.parse(JSON.stringify(svm)));
 * ```
 */
export class LinearSVC {
  C: number;
  loss: SVMLoss;
  classWeight: ClassWeight;
  tol: number;
  maxIter: number;
  fitIntercept: boolean;
  interceptScaling: number;
  regularizeIntercept: boolean;
  seed: number;

  /** Weights (one per feature), Float64. */
  coef_?: Float64Array;
  /** Intercept (`interceptScaling` times the weight of the constant feature; 0 without intercept). */
  intercept_?: number;
  /** Outer iterations run by the last fit. */
  nIter_?: number;
  /** Whether the last fit met the stopping rule before `maxIter`. */
  converged_?: boolean;
  /** Dual variables, one per training row (used for warm starts). */
  alpha_?: Float64Array;
  /** Resolved class weights `[w0, w1]`. */
  classWeight_?: [number, number];
  /** Number of features seen by `fit`. */
  nFeatures_?: number;
  /**
   * With a free intercept: the solver's last proximal intercept, where a warm start resumes (it
   * differs from `intercept_` only when every dual variable is at a bound). Else equals `intercept_`.
   */
  solverIntercept_?: number;
  /** Dual objective f(alpha) at the solution (its negative is a lower bound on the primal objective). */
  dualObjective_?: number;

  private cache: FitCache | null = null;

  constructor(params: Partial<LinearSVCParams> = {}) {
    const p = { ...DEFAULTS, ...params };
    this.C = p.C;
    this.loss = p.loss;
    this.classWeight = p.classWeight;
    this.tol = p.tol;
    this.maxIter = p.maxIter;
    this.fitIntercept = p.fitIntercept;
    this.interceptScaling = p.interceptScaling;
    this.regularizeIntercept = p.regularizeIntercept;
    this.seed = p.seed;
  }

  /** The current hyper-parameters. */
  getParams(): LinearSVCParams {
    return {
      C: this.C,
      loss: this.loss,
      classWeight: this.classWeight,
      tol: this.tol,
      maxIter: this.maxIter,
      fitIntercept: this.fitIntercept,
      interceptScaling: this.interceptScaling,
      regularizeIntercept: this.regularizeIntercept,
      seed: this.seed,
    };
  }

  /**
   * Updates hyper-parameters (learned fields are kept, so a following `fit(X, y, {warmStart: true})`
   * starts from the previous solution).
   *
   * @example
   * ```ts
   * svm.setParams({ C: 0.1 }).fit(X, y, { warmStart: true });
   * ```
   */
  setParams(params: Partial<LinearSVCParams>): this {
    for (const k of Object.keys(params) as (keyof LinearSVCParams)[]) {
      if (!(k in DEFAULTS)) throw new RangeError(`LinearSVC.setParams: unknown parameter '${k}'`);
      if (params[k] !== undefined) (this as Record<keyof LinearSVCParams, unknown>)[k] = params[k];
    }
    return this;
  }

  private validateParams(caller: string): void {
    checkC(this.C, caller);
    if (this.loss !== 'hinge' && this.loss !== 'squared_hinge') {
      throw new RangeError(`${caller}: loss must be 'hinge' or 'squared_hinge', got '${this.loss}'`);
    }
    if (!(this.tol > 0) || !Number.isFinite(this.tol)) throw new RangeError(`${caller}: tol must be a positive finite number, got ${this.tol}`);
    checkPositiveInt(this.maxIter, caller, 'maxIter');
    if (this.fitIntercept && (!(this.interceptScaling > 0) || !Number.isFinite(this.interceptScaling))) {
      throw new RangeError(`${caller}: interceptScaling must be a positive finite number, got ${this.interceptScaling}`);
    }
    if (typeof this.regularizeIntercept !== 'boolean') throw new TypeError(`${caller}: regularizeIntercept must be a boolean, got ${this.regularizeIntercept}`);
    if (!this.regularizeIntercept && !this.fitIntercept) throw new RangeError(`${caller}: regularizeIntercept: false needs fitIntercept: true`);
    if (!Number.isFinite(this.seed)) throw new RangeError(`${caller}: seed must be a finite number, got ${this.seed}`);
  }

  /**
   * Fits the SVM to rows of `X` with labels `y` in {0, 1} (both must occur).
   *
   * @example
   * ```ts
   * svm.fit(X, y);                          // from scratch
   * svm.setParams({ C: 10 }).fit(X, y, { warmStart: true });
   * ```
   */
  fit(X: Matrix, y: ArrayLike<number>, options: LinearSVCFitOptions = {}): this {
    const caller = 'LinearSVC.fit';
    this.validateParams(caller);
    checkMatrix(X, caller);
    const labels = checkBinaryLabels(y, X.rows, caller);
    return this.fitRows(X, null, labels, options.warmStart === true, caller);
  }

  /**
   * Fits on the rows `rowIndex` of `X` (null: all rows) with `labels` (one 0/1 per training row),
   * without copying and without re-validating `X` (callers validate once; used by cross-validation
   * so that every fold and every C share one resident matrix).
   *
   * @internal
   */
  fitRows(X: Matrix, rowIndex: Int32Array | null, labels: Uint8Array, warmStart: boolean, caller = 'LinearSVC.fit'): this {
    this.validateParams(caller);
    const weights = resolveClassWeight(this.classWeight, labels, `${caller}: classWeight`);
    let n1 = 0;
    for (let i = 0; i < labels.length; i++) n1 += labels[i];
    if (n1 === 0 || n1 === labels.length) {
      throw new RangeError(`${caller}: y contains only label ${labels[0]}; both 0 and 1 are needed`);
    }
    const rows = labels.length;
    const { cols } = X;
    const freeBias = this.fitIntercept && !this.regularizeIntercept;
    // A free intercept is solved by proximal steps over the problem with a unit constant feature.
    const bias = freeBias ? 1 : this.fitIntercept ? this.interceptScaling : 0;
    const l1Loss = this.loss === 'hinge';

    const yy = new Int8Array(rows);
    const cost = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const pos = labels[i] === 1;
      yy[i] = pos ? 1 : -1;
      cost[i] = this.C * (pos ? weights[1] : weights[0]);
    }

    const warm = warmStart && this.alpha_ !== undefined && this.alpha_.length === rows && this.nFeatures_ === cols;
    const cache = this.cache;
    const sameData =
      cache !== null && cache.x === X.data && cache.rowIndex === rowIndex && cache.rows === rows && cache.cols === cols && cache.bias === bias && sameLabels(cache.y, labels);
    const sqNorm = sameData ? cache!.sqNorm : rowSqNorms(X.data, rows, cols, rowIndex);
    const problem: DualCDProblem = { x: X.data, rows, cols, rowIndex, bias, y: yy, cost, sqNorm };

    const alpha = new Float64Array(rows);
    let w: Float64Array;
    if (warm) {
      const prev = this.alpha_!;
      for (let i = 0; i < rows; i++) alpha[i] = l1Loss ? Math.min(prev[i], cost[i]) : prev[i];
      if (sameData) {
        // Update the cached weights for the coordinates the new box clipped.
        w = Float64Array.from(cache!.w);
        for (let i = 0; i < rows; i++) {
          const d = (alpha[i] - prev[i]) * yy[i];
          if (d === 0) continue;
          const off = (rowIndex ? rowIndex[i] : i) * cols;
          for (let j = 0; j < cols; j++) w[j] += d * X.data[off + j];
          w[cols] += d * bias;
        }
      } else {
        w = new Float64Array(cols + 1);
        weightsFromAlpha(problem, alpha, w);
      }
    } else {
      w = new Float64Array(cols + 1);
    }

    const solverOpts = { l1Loss, tol: this.tol, maxIter: this.maxIter, rng: new Random(this.seed) };
    let intercept: number;
    let solverIntercept: number;
    let result;
    if (freeBias) {
      const prevB = this.solverIntercept_ ?? this.intercept_;
      const b0 = warm && prevB !== undefined && Number.isFinite(prevB) ? prevB : 0;
      const r = solveDualCDFreeBias(problem, alpha, w, solverOpts, b0);
      intercept = r.intercept;
      solverIntercept = r.offset;
      result = r;
    } else {
      result = solveDualCD(problem, alpha, w, solverOpts);
      intercept = this.fitIntercept ? bias * w[cols] : 0;
      solverIntercept = intercept;
    }

    this.coef_ = w.slice(0, cols);
    this.intercept_ = intercept;
    this.solverIntercept_ = solverIntercept;
    this.nIter_ = result.iter;
    this.converged_ = result.converged;
    this.alpha_ = alpha;
    this.classWeight_ = weights;
    this.nFeatures_ = cols;
    this.dualObjective_ = dualObjective(problem, alpha, w, l1Loss);
    this.cache = { x: X.data, rowIndex, rows, cols, bias, y: labels, sqNorm, w };
    return this;
  }

  private assertFitted(caller: string): void {
    if (this.coef_ === undefined) throw new NotFittedError(`${caller}: this LinearSVC is not fitted yet; call fit(X, y) first`);
  }

  /**
   * Signed distance-like score per row: `X coef_ + intercept_` (Float64). Positive means label 1.
   *
   * @example
   * ```ts
   * const scores = svm.decisionFunction(X);
   * ```
   */
  decisionFunction(X: Matrix): Float64Array {
    const caller = 'LinearSVC.decisionFunction';
    this.assertFitted(caller);
    checkMatrix(X, caller, 'X', true);
    if (X.cols !== this.nFeatures_) throw new RangeError(`${caller}: X has ${X.cols} columns but the model was fit on ${this.nFeatures_}`);
    return linearScores(X, this.coef_!, this.intercept_!);
  }

  /**
   * Predicted labels: 1 where the decision value is positive, else 0.
   *
   * @example
   * ```ts
   * svm.predict(X); // Uint8Array of 0/1
   * ```
   */
  predict(X: Matrix): Uint8Array {
    const f = this.decisionFunction(X);
    const out = new Uint8Array(f.length);
    for (let i = 0; i < f.length; i++) out[i] = f[i] > 0 ? 1 : 0;
    return out;
  }

  /**
   * The primal objective of this model on `(X, y)` with its own `C`, loss and class weights (see
   * {@link svmPrimalObjective}).
   *
   * @example
   * ```ts
   * svm.primalObjective(X, y) + svm.dualObjective_!; // duality gap, >= 0
   * ```
   */
  primalObjective(X: Matrix, y: ArrayLike<number>): number {
    const caller = 'LinearSVC.primalObjective';
    this.assertFitted(caller);
    checkMatrix(X, caller);
    const labels = checkBinaryLabels(y, X.rows, caller);
    return svmPrimalObjective(X, labels, this.coef_!, this.intercept_!, this.getParams());
  }

  /**
   * An independent copy: same parameters and learned state (the warm-start cache is not shared).
   *
   * @example
   * ```ts
   * const snapshot = svm.clone();
   * ```
   */
  clone(): LinearSVC {
    const c = new LinearSVC(this.getParams());
    if (this.coef_ !== undefined) {
      c.coef_ = this.coef_.slice();
      c.intercept_ = this.intercept_;
      c.nIter_ = this.nIter_;
      c.converged_ = this.converged_;
      c.alpha_ = this.alpha_!.slice();
      c.classWeight_ = [this.classWeight_![0], this.classWeight_![1]];
      c.nFeatures_ = this.nFeatures_;
      c.dualObjective_ = this.dualObjective_;
      c.solverIntercept_ = this.solverIntercept_;
    }
    return c;
  }

  /** Exact JSON form (parameters and learned state, typed arrays as base64). */
  toJSON(): LinearSVCJSON {
    const cw = this.classWeight;
    const classWeight: LinearSVCJSON['params']['classWeight'] =
      cw == null ? null : cw === 'balanced' ? 'balanced' : cw instanceof Map ? Object.fromEntries([...cw].map(([k, v]) => [String(k), v])) : { ...cw };
    return {
      type: 'LinearSVC',
      version: 1,
      params: { ...this.getParams(), classWeight },
      fitted:
        this.coef_ === undefined
          ? null
          : {
              nFeatures: this.nFeatures_!,
              coef: encodeArray(this.coef_),
              intercept: this.intercept_!,
              nIter: this.nIter_!,
              converged: this.converged_!,
              alpha: encodeArray(this.alpha_!),
              classWeight: [this.classWeight_![0], this.classWeight_![1]],
              dualObjective: this.dualObjective_!,
              solverIntercept: this.solverIntercept_!,
            },
    };
  }

  /**
   * Rebuilds a model from {@link LinearSVC.toJSON}'s output (or its `JSON.parse`d string).
   *
   * @example
   * ```ts
   * const text = JSON.stringify(svm.toJSON());
   * const svm2 = fd.LinearSVC.fromJSON(JSON.parse(text));
   * ```
   */
  static fromJSON(json: LinearSVCJSON | string): LinearSVC {
    const j: LinearSVCJSON = typeof json === 'string' ? JSON.parse(json) : json;
    if (j == null || j.type !== 'LinearSVC') throw new TypeError(`LinearSVC.fromJSON: not a LinearSVC (type ${j && (j as { type?: unknown }).type})`);
    if (j.version !== 1) throw new RangeError(`LinearSVC.fromJSON: unsupported version ${j.version}`);
    // Files written before the `seed` rename carry `randomState`.
    const { classWeight, randomState, ...rest } = j.params as LinearSVCJSON['params'] & { randomState?: number };
    if (rest.seed === undefined && randomState !== undefined) rest.seed = randomState;
    const svm = new LinearSVC({ ...rest, classWeight: classWeight == null || classWeight === 'balanced' ? classWeight : { ...classWeight } });
    const f = j.fitted;
    if (f) {
      svm.nFeatures_ = f.nFeatures;
      svm.coef_ = decodeFloat64(f.coef, 'LinearSVC.fromJSON: coef');
      if (svm.coef_.length !== f.nFeatures) throw new RangeError(`LinearSVC.fromJSON: coef has ${svm.coef_.length} values for ${f.nFeatures} features`);
      svm.intercept_ = f.intercept;
      svm.nIter_ = f.nIter;
      svm.converged_ = f.converged;
      svm.alpha_ = decodeFloat64(f.alpha, 'LinearSVC.fromJSON: alpha');
      svm.classWeight_ = [f.classWeight[0], f.classWeight[1]];
      svm.dualObjective_ = f.dualObjective;
      svm.solverIntercept_ = f.solverIntercept ?? f.intercept;
    }
    return svm;
  }
}

function sameLabels(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `X w + b` for a row-major Float32 matrix, accumulated in Float64.
 *
 * @example
 * ```ts
 * linearScores({ data: new Float32Array([1, 2]), rows: 1, cols: 2 }, new Float64Array([1, 1]), 0.5); // [3.5]
 * ```
 */
export function linearScores(X: Matrix, w: ArrayLike<number>, b: number): Float64Array {
  return scoreRowsPlain(X.data, X.cols, X.rows, null, w, b);
}
