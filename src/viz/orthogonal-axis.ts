import { PCA } from 'ml-pca';
import { assertMatrix, Matrix } from '../util/matrix';
import { Random } from '../util/random';

/** Options for {@link orthogonalPrincipalAxis}. */
export interface OrthogonalAxisOptions {
  /**
   * `'exact'`: full eigendecomposition (ml-pca) of the smaller of the covariance (d x d) and Gram
   * (n x n) matrices. `'iterative'`: restarted Lanczos on the covariance without forming it
   * (ml-pca solves the small tridiagonal problems), from a seeded start. `'auto'` (default): exact
   * when min(n, d) <= 200, where the full decomposition is quick, iterative above.
   */
  method?: 'auto' | 'exact' | 'iterative';
  /** Relative residual `||S v - lambda v|| / lambda` at which the iteration stops (default 1e-9). */
  tol?: number;
  /** Cap on covariance-vector products of the iterative method (default 2000). */
  maxIter?: number;
}

/** The main principal axis of the data once the direction is projected out. */
export interface OrthogonalAxis {
  /** Unit vector (length d), orthogonal to the direction; sign fixed so its largest |entry| is positive. */
  axis: Float64Array;
  /** Coordinate of each row along `axis` after centring (length n). */
  coords: Float64Array;
  /** Fraction of the variance left after projecting out the direction that `axis` explains (NaN if none is left). */
  explainedVariance: number;
  /** Which method ran. */
  method: 'exact' | 'iterative';
}

/** Top eigenvector of symmetric PSD S (m x m) via ml-pca's full eigendecomposition. */
function topEigenExact(S: Float64Array, m: number): { vec: Float64Array; value: number } {
  const rows: number[][] = [];
  for (let a = 0; a < m; a++) rows.push(Array.from(S.subarray(a * m, a * m + m)));
  const pca = new PCA(rows, { isCovarianceMatrix: true });
  const U = pca.getEigenvectors();
  const vec = new Float64Array(m);
  for (let a = 0; a < m; a++) vec[a] = U.get(a, 0);
  return { vec, value: pca.getEigenvalues()[0] };
}

/**
 * Top eigenpair of the covariance S = Z^T Z / (n - 1), never formed, by restarted Lanczos with full
 * reorthogonalisation (Golub & Van Loan, "Matrix Computations", 4th ed., sec. 10.1): each cycle
 * builds a Krylov basis of up to `cycle` vectors from the current estimate, solves the small
 * tridiagonal problem with ml-pca, and restarts from the leading Ritz vector. Stops when the Ritz
 * residual ||S v - theta v|| = beta_k |y_k| falls to tol * theta. The start vector is seeded.
 */
function topEigenLanczos(Z: Float64Array, n: number, d: number, tol: number, maxIter: number): { vec: Float64Array; value: number } {
  const denom = Math.max(n - 1, 1);
  const zv = new Float64Array(n);
  const apply = (v: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      let acc = 0;
      const o = i * d;
      for (let j = 0; j < d; j++) acc += Z[o + j] * v[j];
      zv[i] = acc / denom;
    }
    out.fill(0);
    for (let i = 0; i < n; i++) {
      const w = zv[i];
      if (w === 0) continue;
      const o = i * d;
      for (let j = 0; j < d; j++) out[j] += w * Z[o + j];
    }
  };
  const rng = new Random(0);
  // Start inside the range of S (one product), so no null-space component (e.g. along the
  // projected-out direction) lingers in the Ritz vectors.
  const seedVec = new Float64Array(d);
  for (let j = 0; j < d; j++) seedVec[j] = rng.normal();
  let start = new Float64Array(d);
  apply(seedVec, start);
  const cycle = Math.min(d, 48);
  const Q = new Float64Array((cycle + 1) * d);
  const w = new Float64Array(d);
  let best = { vec: start, value: 0 };
  let matvecs = 0;
  while (matvecs < maxIter) {
    let norm = 0;
    for (let j = 0; j < d; j++) norm += start[j] * start[j];
    norm = Math.sqrt(norm);
    if (!(norm > 0)) break;
    for (let j = 0; j < d; j++) Q[j] = start[j] / norm;
    const alpha: number[] = [];
    const beta: number[] = [];
    let k = 0;
    for (; k < cycle; k++) {
      const qk = Q.subarray(k * d, k * d + d);
      apply(qk, w);
      matvecs++;
      let a = 0;
      for (let j = 0; j < d; j++) a += qk[j] * w[j];
      alpha.push(a);
      // Full reorthogonalisation, twice (Kahan's "twice is enough").
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i <= k; i++) {
          const qi = Q.subarray(i * d, i * d + d);
          let dot = 0;
          for (let j = 0; j < d; j++) dot += qi[j] * w[j];
          for (let j = 0; j < d; j++) w[j] -= dot * qi[j];
        }
      }
      let b = 0;
      for (let j = 0; j < d; j++) b += w[j] * w[j];
      b = Math.sqrt(b);
      beta.push(b);
      if (b <= 1e-14 * Math.abs(alpha[0]) || b === 0) {
        k++;
        break; // invariant subspace: the Ritz values are exact
      }
      if (k + 1 < cycle) for (let j = 0; j < d; j++) Q[(k + 1) * d + j] = w[j] / b;
    }
    const T: number[][] = [];
    for (let i = 0; i < k; i++) {
      const row = new Array<number>(k).fill(0);
      row[i] = alpha[i];
      if (i > 0) row[i - 1] = beta[i - 1];
      if (i + 1 < k) row[i + 1] = beta[i];
      T.push(row);
    }
    const pca = new PCA(T, { isCovarianceMatrix: true });
    const Y = pca.getEigenvectors();
    const theta = pca.getEigenvalues()[0];
    const vec = new Float64Array(d);
    for (let i = 0; i < k; i++) {
      const y = Y.get(i, 0);
      for (let j = 0; j < d; j++) vec[j] += y * Q[i * d + j];
    }
    best = { vec, value: theta };
    const residual = beta[k - 1] * Math.abs(Y.get(k - 1, 0));
    if (!(theta > 0) || residual <= tol * theta || k < cycle) break;
    start = vec;
  }
  return best;
}

/** min(n, d) up to which `'auto'` uses the full eigendecomposition. */
const AUTO_EXACT_LIMIT = 200;

/** Z^T Z / (n - 1) (d x d) or, with `gram`, Z Z^T / (n - 1) (n x n), full symmetric storage. */
function covarianceOrGram(Z: Float64Array, n: number, d: number, gram: boolean): Float64Array {
  const denom = Math.max(n - 1, 1);
  const m = gram ? n : d;
  const S = new Float64Array(m * m);
  if (gram) {
    for (let a = 0; a < n; a++) {
      for (let b = a; b < n; b++) {
        let acc = 0;
        for (let j = 0; j < d; j++) acc += Z[a * d + j] * Z[b * d + j];
        S[a * m + b] = S[b * m + a] = acc / denom;
      }
    }
    return S;
  }
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let a = 0; a < d; a++) {
      const za = Z[o + a];
      if (za === 0) continue;
      const row = a * d;
      for (let b = a; b < d; b++) S[row + b] += za * Z[o + b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = S[a * d + b] / denom;
      S[a * d + b] = v;
      S[b * d + a] = v;
    }
  }
  return S;
}

/**
 * The main principal component of `latents` (rows = samples) **orthogonal to** `direction`: the
 * direction is projected out of the centred rows, the first principal axis of what remains is
 * found (ml-pca), re-orthogonalised against the direction, and its sign fixed so that its
 * largest-magnitude entry is positive (deterministic across runs and machines). Works on the
 * covariance (d x d) when d <= n and on the Gram matrix (n x n) otherwise.
 *
 * This is the y axis of {@link projectionPlot}: together with the SVM score it shows the spread of
 * the class that the direction does not explain.
 *
 * @example
 * ```ts
 * const { axis, coords, explainedVariance } = orthogonalPrincipalAxis(dirs.preprocess(zTest), dirs.direction(0));
 * // dot(axis, direction) ~ 0; coords[i] is sample i's position along axis
 * ```
 */
export function orthogonalPrincipalAxis(latents: Matrix, direction: ArrayLike<number>, opts: OrthogonalAxisOptions = {}): OrthogonalAxis {
  assertMatrix(latents, 'orthogonalPrincipalAxis: latents');
  const { rows: n, cols: d, data } = latents;
  if (direction == null || direction.length !== d) {
    throw new RangeError(`orthogonalPrincipalAxis: direction has ${direction?.length} entries but latents have ${d} columns`);
  }
  const method = opts.method ?? 'auto';
  if (method !== 'auto' && method !== 'exact' && method !== 'iterative') throw new RangeError(`orthogonalPrincipalAxis: unknown method '${String(method)}'`);
  const tol = opts.tol ?? 1e-9;
  const maxIter = opts.maxIter ?? 2000;

  const u = new Float64Array(d);
  let un = 0;
  for (let j = 0; j < d; j++) {
    const v = direction[j];
    if (!Number.isFinite(v)) throw new RangeError(`orthogonalPrincipalAxis: direction[${j}] is ${v}`);
    u[j] = v;
    un += v * v;
  }
  un = Math.sqrt(un);
  if (!(un > 0)) throw new RangeError('orthogonalPrincipalAxis: direction is the zero vector');
  for (let j = 0; j < d; j++) u[j] /= un;

  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= Math.max(n, 1);

  // Z = centred rows with the direction projected out.
  const Z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let dot = 0;
    for (let j = 0; j < d; j++) {
      const v = data[o + j] - mean[j];
      if (!Number.isFinite(v)) throw new RangeError(`orthogonalPrincipalAxis: latents row ${i}, column ${j} is ${data[o + j]}`);
      Z[o + j] = v;
      dot += v * u[j];
    }
    for (let j = 0; j < d; j++) Z[o + j] -= dot * u[j];
  }

  const useGram = n < d;
  const m = useGram ? n : d;
  const chosen: 'exact' | 'iterative' = method === 'auto' ? (m <= AUTO_EXACT_LIMIT ? 'exact' : 'iterative') : method;
  const axis = new Float64Array(d);
  const coords = new Float64Array(n);
  let top: { vec: Float64Array; value: number };
  let trace = 0;
  for (let t = 0; t < Z.length; t++) trace += Z[t] * Z[t];
  trace /= Math.max(n - 1, 1);
  if (!(trace > 1e-300) || m === 0) return { axis, coords, explainedVariance: NaN, method: chosen };
  if (chosen === 'iterative') {
    top = topEigenLanczos(Z, n, d, tol, maxIter);
    axis.set(top.vec);
  } else {
    top = topEigenExact(covarianceOrGram(Z, n, d, useGram), m);
    if (useGram) {
      for (let i = 0; i < n; i++) {
        const w = top.vec[i];
        for (let j = 0; j < d; j++) axis[j] += w * Z[i * d + j];
      }
    } else {
      axis.set(top.vec);
    }
  }

  // Re-orthogonalise against the direction (rounding) and normalise.
  let dot = 0;
  for (let j = 0; j < d; j++) dot += axis[j] * u[j];
  let norm = 0;
  for (let j = 0; j < d; j++) {
    axis[j] -= dot * u[j];
    norm += axis[j] * axis[j];
  }
  norm = Math.sqrt(norm);
  if (!(norm > 0)) return { axis: new Float64Array(d), coords, explainedVariance: NaN, method: chosen };
  let big = 0;
  for (let j = 0; j < d; j++) if (Math.abs(axis[j]) > Math.abs(axis[big]) + 1e-12 * norm) big = j;
  const sign = axis[big] < 0 ? -1 : 1;
  for (let j = 0; j < d; j++) axis[j] = (sign * axis[j]) / norm;

  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let j = 0; j < d; j++) acc += Z[i * d + j] * axis[j];
    coords[i] = acc;
  }
  return { axis, coords, explainedVariance: Math.min(1, top.value / trace), method: chosen };
}
