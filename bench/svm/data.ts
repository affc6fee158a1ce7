/**
 * Synthetic embeddings with realistic structure for the SVM benchmark: a power-law spectrum,
 * a few sub-populations, a planted failure direction shared by a minority subgroup, label noise;
 * whitened with the train statistics and L2-normalised like the paper's preprocessing.
 */
import { Matrix } from '../../src/util/matrix';
import { Random } from '../../src/util/random';

export interface SyntheticClass {
  X: Matrix;
  /** 1 = model correct, 0 = wrong. */
  y: Uint8Array;
  /** 1 for the planted hard subgroup. */
  group: Uint8Array;
}

/**
 * One class's validation embeddings: `n` rows of dimension `d`.
 * Errors concentrate in a subgroup (`subgroupFrac`) that is shifted along a planted direction.
 */
export function syntheticClass(n: number, d: number, seed: number, opts: { subgroupFrac?: number; baseErr?: number; subgroupErr?: number } = {}): SyntheticClass {
  const rng = new Random(seed);
  const subgroupFrac = opts.subgroupFrac ?? 0.15;
  const baseErr = opts.baseErr ?? 0.08;
  const subgroupErr = opts.subgroupErr ?? 0.6;
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++) scale[j] = 1 / Math.sqrt(1 + j / 8); // power-law spectrum
  const u = new Float64Array(d);
  let nu = 0;
  for (let j = 0; j < d; j++) { u[j] = rng.normal(); nu += u[j] * u[j]; }
  nu = Math.sqrt(nu);
  for (let j = 0; j < d; j++) u[j] /= nu;
  const k = 4;
  const means: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    const m = new Float64Array(d);
    for (let j = 0; j < d; j++) m[j] = 0.6 * rng.normal() * scale[j];
    means.push(m);
  }
  const raw = new Float64Array(n * d);
  const y = new Uint8Array(n);
  const group = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const g = rng.next() < subgroupFrac ? 1 : 0;
    group[i] = g;
    const m = means[rng.int(k)];
    for (let j = 0; j < d; j++) raw[i * d + j] = m[j] + rng.normal() * scale[j] + (g ? 1.5 * u[j] : 0);
    const pWrong = g ? subgroupErr : baseErr;
    y[i] = rng.next() < pWrong ? 0 : 1;
  }
  // whiten (mean/std of this draw) and L2-normalise
  const mean = new Float64Array(d), sd = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += raw[i * d + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) { const t = raw[i * d + j] - mean[j]; sd[j] += t * t / (n - 1); }
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) { const t = (raw[i * d + j] - mean[j]) / Math.sqrt(sd[j]); raw[i * d + j] = t; s += t * t; }
    s = Math.sqrt(s);
    for (let j = 0; j < d; j++) data[i * d + j] = raw[i * d + j] / s;
  }
  return { X: { data, rows: n, cols: d }, y, group };
}
