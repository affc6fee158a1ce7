/**
 * Dual coordinate descent for L2-regularised linear SVMs with hinge (L1) or squared-hinge (L2) loss:
 * liblinear's `solve_l2r_l1l2_svc` (Hsieh, Chang, Lin, Keerthi, Sundararajan, "A Dual Coordinate
 * Descent Method for Large-scale Linear SVM", ICML 2008, Algorithm 3; Fan et al., "LIBLINEAR: A
 * Library for Large Linear Classification", JMLR 9, 2008).
 *
 * Primal:  min_w  0.5 w'w + sum_i C_i loss(y_i w'x_i),  loss(m) = max(0, 1 - m)  or  max(0, 1 - m)^2
 * Dual:    min_a  f(a) = 0.5 a'(Q + D)a - e'a   s.t.  0 <= a_i <= U_i,   Q_ij = y_i y_j x_i'x_j
 *          hinge: D_ii = 0, U_i = C_i;   squared hinge: D_ii = 1 / (2 C_i), U_i = +inf
 *          and w = sum_i a_i y_i x_i.
 * The intercept is liblinear's: every x_i is augmented with a constant feature `bias` (scikit-learn's
 * `intercept_scaling`), whose weight is regularised like the others; intercept = bias * w_bias.
 *
 * Each outer iteration visits the active set in a fresh random order (Fisher-Yates with the seeded
 * {@link Random}) and minimises f exactly along each coordinate, clipped to the box.
 * Shrinking: a coordinate at a = 0 with G > PGmax_old, or at a = U with G < PGmin_old, leaves the
 * active set (PGmax_old / PGmin_old are the previous pass's extreme projected gradients, reset to
 * +-inf when they have the wrong sign).
 * Stopping rule (liblinear >= 2.40): stop when PGmax - PGmin <= tol and |PGmax| <= tol and
 * |PGmin| <= tol over the active set; if some coordinates were shrunk, restore the full set, reset
 * the shrinking thresholds and keep going, so the rule is re-checked on all coordinates. Stops
 * unconverged after `maxIter` outer iterations.
 *
 * Data are row-major Float32; the weight vector and all accumulators are Float64. The inner loops
 * allocate nothing; the two O(d) loops per coordinate (w'x_i and w += d x_i) run in a wasm SIMD
 * kernel when the runtime has one (`simd-kernel.ts`), else in plain JavaScript. Training rows can
 * be a view (`rowIndex`) into a larger matrix, so cross-validation folds need no copies.
 */
import { Random } from '../util/random';
import { simdKernel } from './simd-kernel';

/** A prepared training problem: data, +-1 labels, per-sample box C_i, and cached row norms. */
export interface DualCDProblem {
  /** Row-major data (at least the rows named by `rowIndex`). */
  x: Float32Array;
  /** Number of training rows l. */
  rows: number;
  cols: number;
  /**
   * Physical row of `x` for each training row (a view, so folds need no copies); null means rows
   * 0 .. rows-1. Every per-row array below is indexed by training row.
   */
  rowIndex: Int32Array | null;
  /** Value of the augmented constant feature (intercept scaling); 0 for no intercept. */
  bias: number;
  /** Labels as +1 / -1. */
  y: Int8Array;
  /** Per-sample cost C_i (C times the class weight). */
  cost: Float64Array;
  /** Squared L2 norm of each row (without the bias feature), in Float64. */
  sqNorm: Float64Array;
}

/** Outcome of one solve. */
export interface DualCDResult {
  /** Outer iterations run. */
  iter: number;
  /** True when the stopping rule was met before `maxIter`. */
  converged: boolean;
  /** Largest and smallest projected gradient of the last pass. */
  pgMax: number;
  pgMin: number;
}

/**
 * Squared L2 norm of each row of a row-major Float32 matrix, accumulated in Float64.
 *
 * @example
 * ```ts
 * rowSqNorms(new Float32Array([3, 4, 1, 0]), 2, 2); // Float64Array [25, 1]
 * ```
 */
export function rowSqNorms(x: Float32Array, rows: number, cols: number, rowIndex: Int32Array | null = null): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const off = (rowIndex ? rowIndex[i] : i) * cols;
    let s0 = 0, s1 = 0;
    let j = 0;
    for (; j + 1 < cols; j += 2) {
      const a = x[off + j], b = x[off + j + 1];
      s0 += a * a;
      s1 += b * b;
    }
    if (j < cols) s0 += x[off + j] * x[off + j];
    out[i] = s0 + s1;
  }
  return out;
}

/**
 * Recomputes `w = sum_i alpha_i y_i [x_i, bias]` from scratch (w has `cols + 1` entries, the last
 * being the bias weight).
 *
 * @example
 * ```ts
 * const x = Float32Array.of(1, 2, -1, -2); // 2 rows x 2 cols
 * const p: DualCDProblem = { x, rows: 2, cols: 2, rowIndex: null, bias: 1, y: Int8Array.of(1, -1), cost: Float64Array.of(1, 1), sqNorm: rowSqNorms(x, 2, 2) };
 * const alpha = new Float64Array(p.rows), w = new Float64Array(p.cols + 1);
 * alpha.fill(0.5);
 * weightsFromAlpha(p, alpha, w); // w = [1, 2, 0]
 * ```
 */
export function weightsFromAlpha(p: DualCDProblem, alpha: Float64Array, w: Float64Array): void {
  const { x, rows, cols, bias, y, rowIndex } = p;
  w.fill(0);
  let wb = 0;
  for (let i = 0; i < rows; i++) {
    const a = alpha[i];
    if (a === 0) continue;
    const d = a * y[i];
    const off = (rowIndex ? rowIndex[i] : i) * cols;
    for (let j = 0; j < cols; j++) w[j] += d * x[off + j];
    wb += d * bias;
  }
  w[cols] = wb;
}

/**
 * Runs liblinear's dual coordinate descent from the given `alpha` (which must be feasible:
 * 0 <= alpha_i <= U_i) and matching `w` (see {@link weightsFromAlpha}); both are updated in place.
 * `offset` (default 0) is a fixed intercept added to every score (used by {@link solveDualCDFreeBias}):
 * the margins become y_i (w'x_i + offset).
 *
 * @example
 * ```ts
 * const x = Float32Array.of(1, 2, -1, -2); // 2 rows x 2 cols
 * const p: DualCDProblem = { x, rows: 2, cols: 2, rowIndex: null, bias: 1, y: Int8Array.of(1, -1), cost: Float64Array.of(1, 1), sqNorm: rowSqNorms(x, 2, 2) };
 * const alpha = new Float64Array(p.rows), w = new Float64Array(p.cols + 1);
 * const r = solveDualCD(p, alpha, w, { l1Loss: true, tol: 1e-4, maxIter: 1000, rng: new fd.Random(0) });
 * ```
 */
export function solveDualCD(
  p: DualCDProblem,
  alpha: Float64Array,
  w: Float64Array,
  opts: { l1Loss: boolean; tol: number; maxIter: number; rng: Random; offset?: number },
): DualCDResult {
  const { x, rows: l, cols, bias, y, cost, sqNorm, rowIndex } = p;
  const { l1Loss, tol, maxIter, rng } = opts;
  const offset = opts.offset ?? 0;
  const bias2 = bias * bias;
  const diag = new Float64Array(l);
  const upper = new Float64Array(l);
  const QD = new Float64Array(l);
  const index = new Int32Array(l);
  for (let i = 0; i < l; i++) {
    diag[i] = l1Loss ? 0 : 0.5 / cost[i];
    upper[i] = l1Loss ? cost[i] : Infinity;
    QD[i] = diag[i] + sqNorm[i] + bias2;
    index[i] = i;
  }
  const tail = cols & ~3;
  let wb = w[cols];
  // The two O(cols) loops run in the wasm SIMD kernel when available (weights copied in and out).
  let kernel = simdKernel();
  if (kernel && !kernel.load(x, cols + 1)) kernel = null;
  let xBase = 0;
  let rowBytes = 0;
  if (kernel) {
    kernel.weights().set(w);
    xBase = kernel.xOff;
    rowBytes = cols * 4;
  }
  let activeSize = l;
  let iter = 0;
  let pgMaxOld = Infinity;
  let pgMinOld = -Infinity;
  let pgMaxNew = -Infinity;
  let pgMinNew = Infinity;
  let converged = false;

  while (iter < maxIter) {
    pgMaxNew = -Infinity;
    pgMinNew = Infinity;
    for (let k = 0; k < activeSize; k++) {
      const j = k + rng.int(activeSize - k);
      const t = index[k];
      index[k] = index[j];
      index[j] = t;
    }
    for (let s = 0; s < activeSize; s++) {
      const i = index[s];
      const yi = y[i];
      const phys = rowIndex === null ? i : rowIndex[i];
      const off = phys * cols;
      let dot: number;
      if (kernel) dot = kernel.dot(xBase + phys * rowBytes, 0, cols);
      else {
        let g0 = 0, g1 = 0, g2 = 0, g3 = 0;
        let j = 0;
        for (; j < tail; j += 4) {
          g0 += w[j] * x[off + j];
          g1 += w[j + 1] * x[off + j + 1];
          g2 += w[j + 2] * x[off + j + 2];
          g3 += w[j + 3] * x[off + j + 3];
        }
        for (; j < cols; j++) g0 += w[j] * x[off + j];
        dot = g0 + g1 + g2 + g3;
      }
      const ai = alpha[i];
      const C = upper[i];
      const G = (dot + wb * bias + offset) * yi - 1 + ai * diag[i];

      let PG = 0;
      if (ai === 0) {
        if (G > pgMaxOld) {
          activeSize--;
          index[s] = index[activeSize];
          index[activeSize] = i;
          s--;
          continue;
        } else if (G < 0) PG = G;
      } else if (ai === C) {
        if (G < pgMinOld) {
          activeSize--;
          index[s] = index[activeSize];
          index[activeSize] = i;
          s--;
          continue;
        } else if (G > 0) PG = G;
      } else PG = G;

      if (PG > pgMaxNew) pgMaxNew = PG;
      if (PG < pgMinNew) pgMinNew = PG;

      if (PG > 1e-12 || PG < -1e-12) {
        let an = ai - G / QD[i];
        if (an < 0) an = 0;
        else if (an > C) an = C;
        alpha[i] = an;
        const d = (an - ai) * yi;
        if (kernel) kernel.axpy(d, xBase + phys * rowBytes, 0, cols);
        else {
          let j = 0;
          for (; j < tail; j += 4) {
            w[j] += d * x[off + j];
            w[j + 1] += d * x[off + j + 1];
            w[j + 2] += d * x[off + j + 2];
            w[j + 3] += d * x[off + j + 3];
          }
          for (; j < cols; j++) w[j] += d * x[off + j];
        }
        wb += d * bias;
      }
    }

    iter++;
    if (pgMaxNew - pgMinNew <= tol && Math.abs(pgMaxNew) <= tol && Math.abs(pgMinNew) <= tol) {
      if (activeSize === l) {
        converged = true;
        break;
      }
      // Unshrink: re-check the rule on every coordinate before stopping.
      activeSize = l;
      pgMaxOld = Infinity;
      pgMinOld = -Infinity;
      continue;
    }
    pgMaxOld = pgMaxNew;
    pgMinOld = pgMinNew;
    if (pgMaxOld <= 0) pgMaxOld = Infinity;
    if (pgMinOld >= 0) pgMinOld = -Infinity;
  }
  if (kernel) w.set(kernel.weights().subarray(0, cols));
  w[cols] = wb;
  return { iter, converged, pgMax: pgMaxNew, pgMin: pgMinNew };
}

/**
 * Dual objective f(alpha) = 0.5 ||w||^2 + sum_i (0.5 D_ii alpha_i^2 - alpha_i) at the given pair
 * (w includes the bias weight). At the optimum the primal objective equals -f.
 *
 * @example
 * ```ts
 * const x = Float32Array.of(1, 2, -1, -2); // 2 rows x 2 cols
 * const p: DualCDProblem = { x, rows: 2, cols: 2, rowIndex: null, bias: 1, y: Int8Array.of(1, -1), cost: Float64Array.of(1, 1), sqNorm: rowSqNorms(x, 2, 2) };
 * const alpha = new Float64Array(p.rows), w = new Float64Array(p.cols + 1);
 * solveDualCD(p, alpha, w, { l1Loss: true, tol: 1e-6, maxIter: 1000, rng: new fd.Random(0) });
 * const f = dualObjective(p, alpha, w, true); // = minus the primal objective at the optimum
 * ```
 */
export function dualObjective(p: DualCDProblem, alpha: Float64Array, w: Float64Array, l1Loss: boolean): number {
  let v = 0;
  for (let j = 0; j < w.length; j++) v += w[j] * w[j];
  v *= 0.5;
  for (let i = 0; i < p.rows; i++) {
    const a = alpha[i];
    const d = l1Loss ? 0 : 0.5 / p.cost[i];
    v += a * (0.5 * a * d - 1);
  }
  return v;
}

/** Outcome of {@link solveDualCDFreeBias}. */
export interface FreeBiasResult extends DualCDResult {
  /** The unregularised intercept (libsvm's -rho rule at the final alpha). */
  intercept: number;
  /** Inner dual CD solves (proximal steps) run. */
  solves: number;
  /** sum_i y_i alpha_i at the end (0 at the exact optimum). */
  equality: number;
  /** The last proximal iterate b_k (equals `intercept` up to `tol` unless every alpha is at a bound); start the next warm solve here. */
  offset: number;
}

/**
 * Linear SVM with an **unregularised** intercept b, as libsvm's `SVC(kernel='linear')` (the paper's
 * SVM): primal min_{w,b} P(w, b) = 0.5 w'w + sum_i C_i loss(y_i (w'x_i + b)); its dual adds the
 * constraint sum_i y_i alpha_i = 0 to the one in this file's header.
 *
 * Method: proximal point on the intercept. With phi(b) = min_w P(w, b) (convex), each step solves
 * b_{k+1} = argmin_b phi(b) + (b - b_k)^2 / (2 rho), which is exactly liblinear's problem with an
 * augmented constant feature of value sqrt(rho) (`p.bias`) whose margins carry the fixed offset
 * b_k: the new intercept is b_k + rho * sum_i y_i alpha_i. Every step is the dual CD above,
 * warm-started (the box does not depend on b, so alpha stays feasible). The steps contract like
 * 1 / (1 + rho * kappa), kappa = -dg/db >= the number of free support vectors roughly, so a few
 * steps suffice; they stop when the intercept moves by at most `tol`, or after `maxIter` passes in
 * total. The returned intercept follows libsvm's `calculate_rho` at the final alpha: the mean of
 * y_i - w'x_i over free alphas; when every alpha is at a bound (small C, every row violates the
 * margin) the intercept is not identified and we take the lower end of the optimal interval, where
 * libsvm most often lands (see `libsvmIntercept`).
 *
 * `p.bias` must be > 0 (sqrt(rho)); `w` has `cols + 1` entries (the last is the augmented weight,
 * sqrt(rho) * sum_i y_i alpha_i, and goes to 0 at the solution).
 *
 * @example
 * ```ts
 * const x = Float32Array.of(1, 2, -1, -2); // 2 rows x 2 cols
 * const p: DualCDProblem = { x, rows: 2, cols: 2, rowIndex: null, bias: 1, y: Int8Array.of(1, -1), cost: Float64Array.of(1, 1), sqNorm: rowSqNorms(x, 2, 2) };
 * const alpha = new Float64Array(p.rows), w = new Float64Array(p.cols + 1);
 * const r = solveDualCDFreeBias(p, alpha, w, { l1Loss: true, tol: 1e-4, maxIter: 1000, rng: new fd.Random(0) }, 0);
 * r.intercept;
 * ```
 */
export function solveDualCDFreeBias(
  p: DualCDProblem,
  alpha: Float64Array,
  w: Float64Array,
  opts: { l1Loss: boolean; tol: number; maxIter: number; rng: Random },
  b0 = 0,
): FreeBiasResult {
  if (!(p.bias > 0)) throw new RangeError('solveDualCDFreeBias: the problem needs an augmented feature (bias > 0)');
  const { cols, bias } = p;
  let iterLeft = opts.maxIter;
  let totalIter = 0;
  let solves = 0;
  let lambda = b0;
  let last: DualCDResult;
  let moved: number;
  for (;;) {
    last = solveDualCD(p, alpha, w, { l1Loss: opts.l1Loss, tol: opts.tol, maxIter: Math.max(1, iterLeft), rng: opts.rng, offset: lambda });
    solves++;
    totalIter += last.iter;
    iterLeft -= last.iter;
    moved = bias * w[cols];
    lambda += moved;
    if (Math.abs(moved) <= opts.tol || iterLeft <= 0) break;
  }
  const converged = last.converged && Math.abs(moved) <= opts.tol;
  return {
    iter: totalIter,
    converged,
    pgMax: last.pgMax,
    pgMin: last.pgMin,
    intercept: libsvmIntercept(p, alpha, w, opts.l1Loss),
    solves,
    equality: w[cols] / bias,
    offset: lambda,
  };
}

/**
 * libsvm's `calculate_rho` for C-SVC, returned as the intercept b = -rho: the mean of y_i - w'x_i
 * over free alphas, or the midpoint of the interval allowed by the KKT conditions when none is free.
 * For squared hinge (no upper bound) the free set is every alpha > 0.
 */
function libsvmIntercept(p: DualCDProblem, alpha: Float64Array, w: Float64Array, l1Loss: boolean): number {
  const { x, rows, cols, y, cost, rowIndex } = p;
  const s = scoreRows(x, cols, rows, rowIndex, w, 0);
  let ub = Infinity, lb = -Infinity, sumFree = 0, nFree = 0;
  for (let i = 0; i < rows; i++) {
    const yi = y[i];
    // libsvm: G_i = y_i s_i - 1 (+ D_ii alpha_i for squared hinge), yG = y_i G_i.
    const G = yi * s[i] - 1 + (l1Loss ? 0 : (0.5 / cost[i]) * alpha[i]);
    const yG = yi * G;
    const a = alpha[i];
    if (l1Loss && a >= cost[i]) {
      if (yi === -1) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else if (a <= 0) {
      if (yi === 1) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else {
      nFree++;
      sumFree += yG;
    }
  }
  if (nFree > 0) return -sumFree / nFree;
  // Every alpha at a bound: any rho in [lb, ub] is optimal. libsvm's SMO then stops (eps-optimal)
  // at a point its rounding and stopping rule decide; on our fixtures it most often lands on the
  // end rho = ub (b = -ub, the lower end of b), sometimes on the other end or the midpoint. We take
  // b = -ub deterministically: for small C it predicts label 0 for every row, as libsvm usually
  // does, which scores 0.5 balanced accuracy.
  if (Number.isFinite(ub)) return -ub;
  return Number.isFinite(lb) ? -lb : 0;
}

/**
 * `x_r . w[0..cols) + b` for the rows `rowIndex` (or 0 .. rows-1) of a row-major Float32 matrix,
 * through the SIMD kernel when available (the matrix is made resident), else in JavaScript;
 * accumulated in Float64.
 *
 * @example
 * ```ts
 * scoreRows(X.data, X.cols, 2, Int32Array.of(5, 9), svm.coef_!, svm.intercept_!); // scores of rows 5 and 9
 * ```
 */
export function scoreRows(x: Float32Array, cols: number, rows: number, rowIndex: Int32Array | null, w: ArrayLike<number>, b: number): Float64Array {
  const out = new Float64Array(rows);
  const kernel = simdKernel();
  if (kernel && kernel.load(x, cols + 1)) {
    const kw = kernel.weights();
    for (let j = 0; j < cols; j++) kw[j] = w[j];
    const base = kernel.xOff;
    const rowBytes = cols * 4;
    for (let i = 0; i < rows; i++) out[i] = kernel.dot(base + (rowIndex ? rowIndex[i] : i) * rowBytes, 0, cols) + b;
    return out;
  }
  return scoreRowsPlain(x, cols, rows, rowIndex, w, b);
}

/**
 * {@link scoreRows} in plain JavaScript (four Float64 partial sums): for one-off scoring that should not
 * make a matrix resident in the SIMD kernel's memory.
 *
 * @example
 * ```ts
 * scoreRowsPlain(X.data, X.cols, X.rows, null, svm.coef_!, svm.intercept_!);
 * ```
 */
export function scoreRowsPlain(x: Float32Array, cols: number, rows: number, rowIndex: Int32Array | null, w: ArrayLike<number>, b: number): Float64Array {
  const out = new Float64Array(rows);
  const tail = cols & ~3;
  for (let i = 0; i < rows; i++) {
    const off = (rowIndex ? rowIndex[i] : i) * cols;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let j = 0;
    for (; j < tail; j += 4) {
      s0 += w[j] * x[off + j];
      s1 += w[j + 1] * x[off + j + 1];
      s2 += w[j + 2] * x[off + j + 2];
      s3 += w[j + 3] * x[off + j + 3];
    }
    for (; j < cols; j++) s0 += w[j] * x[off + j];
    out[i] = s0 + s1 + s2 + s3 + b;
  }
  return out;
}
