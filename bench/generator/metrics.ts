/**
 * Image-set statistics for the generator bench: Frechet distance between two sets of features (the
 * FID formula of Heusel et al. 2017, here in the judge's penultimate space), nearest-neighbour
 * distances (the copying check), pixel-shuffled images (a realism floor).
 *
 * The matrix square root uses ml-matrix's symmetric eigendecomposition (a maintained library, as
 * the ground rules ask for work outside failure directions).
 */
import { EigenvalueDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import type { ImageDataset } from '../../src/data/image-dataset';
import type { Matrix } from '../../src/util/matrix';
import { Random } from '../../src/util/random';

function meanCov(m: Matrix): { mean: Float64Array; cov: MlMatrix } {
  const { rows: n, cols: d, data } = m;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j] / n;
  const cov = MlMatrix.zeros(d, d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = data[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = a; b < d; b++) cov.set(a, b, cov.get(a, b) + ra * row[b]);
    }
  }
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) {
    const v = cov.get(a, b) / (n - 1);
    cov.set(a, b, v);
    cov.set(b, a, v);
  }
  return { mean, cov };
}

/** Symmetric PSD square root via eigendecomposition (negative eigenvalues from rounding clipped to 0). */
function sqrtPsd(a: MlMatrix): MlMatrix {
  const e = new EigenvalueDecomposition(a, { assumeSymmetric: true });
  const V = e.eigenvectorMatrix;
  const s = e.realEigenvalues.map((x) => Math.sqrt(Math.max(0, x)));
  return V.mmul(MlMatrix.diag(s)).mmul(V.transpose());
}

/**
 * Frechet distance ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2) between Gaussians fitted
 * to two feature sets (rows = images).
 *
 * @example
 * ```ts
 * frechetDistance(featuresOfGenerated, featuresOfReal); // 0 for identical sets
 * ```
 */
export function frechetDistance(a: Matrix, b: Matrix): number {
  if (a.cols !== b.cols) throw new RangeError(`frechetDistance: ${a.cols} vs ${b.cols} features`);
  const A = meanCov(a);
  const B = meanCov(b);
  let d2 = 0;
  for (let j = 0; j < a.cols; j++) d2 += (A.mean[j] - B.mean[j]) ** 2;
  const s1h = sqrtPsd(A.cov);
  const inner = s1h.mmul(B.cov).mmul(s1h);
  const e = new EigenvalueDecomposition(inner.add(inner.transpose()).div(2), { assumeSymmetric: true });
  const trSqrt = e.realEigenvalues.reduce((s, x) => s + Math.sqrt(Math.max(0, x)), 0);
  return d2 + A.cov.trace() + B.cov.trace() - 2 * trSqrt;
}

/**
 * Each image with its pixels permuted at random (one permutation per image, channels kept together):
 * same colour histogram, no shape. A floor for realism.
 *
 * @example
 * ```ts
 * const noise = pixelShuffled(realImages, 0);
 * ```
 */
export function pixelShuffled(ds: ImageDataset, seed: number): ImageDataset {
  const rng = new Random(seed);
  const P = ds.height * ds.width;
  const C = ds.channels;
  const out = new Uint8Array(ds.images.length);
  const perm = Int32Array.from({ length: P }, (_, i) => i);
  for (let i = 0; i < ds.labels.length; i++) {
    rng.shuffle(perm);
    const o = i * P * C;
    for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) out[o + p * C + c] = ds.images[o + perm[p] * C + c];
  }
  return { ...ds, images: out, name: `${ds.name ?? 'images'} (pixel-shuffled)` };
}

/**
 * Gray intensity (largest channel, so the tint does not count) of each image as floats in [0, 1],
 * `n x (h*w)`.
 */
export function grayRows(ds: ImageDataset): Matrix {
  const P = ds.height * ds.width;
  const C = ds.channels;
  const n = ds.labels.length;
  const out = new Float32Array(n * P);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < P; p++) {
      let m = 0;
      for (let c = 0; c < C; c++) m = Math.max(m, ds.images[(i * P + p) * C + c]);
      out[i * P + p] = m / 255;
    }
  }
  return { data: out, rows: n, cols: P };
}

/**
 * Euclidean distance from each row of `queries` to its nearest row of `reference` (brute force).
 *
 * @example
 * ```ts
 * const d = nearestDistances(grayRows(generated), grayRows(trainingImages));
 * ```
 */
export function nearestDistances(queries: Matrix, reference: Matrix): Float64Array {
  if (queries.cols !== reference.cols) throw new RangeError(`nearestDistances: ${queries.cols} vs ${reference.cols} columns`);
  const d = queries.cols;
  const refNorm = new Float64Array(reference.rows);
  for (let r = 0; r < reference.rows; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += reference.data[r * d + j] ** 2;
    refNorm[r] = s;
  }
  const out = new Float64Array(queries.rows);
  for (let q = 0; q < queries.rows; q++) {
    const qo = q * d;
    let qn = 0;
    for (let j = 0; j < d; j++) qn += queries.data[qo + j] ** 2;
    let best = Infinity;
    for (let r = 0; r < reference.rows; r++) {
      const ro = r * d;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += queries.data[qo + j] * reference.data[ro + j];
      const dist = qn + refNorm[r] - 2 * dot;
      if (dist < best) best = dist;
    }
    out[q] = Math.sqrt(Math.max(0, best));
  }
  return out;
}

/** Median of an array. */
export function median(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
