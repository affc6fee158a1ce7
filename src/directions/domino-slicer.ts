/**
 * Domino's slice discovery, the peer of failure directions: an error-aware Gaussian mixture over
 * PCA-reduced embeddings (Eyuboglu, Varma, Saab, Delbrouck, Lee-Messer, Dunnmon, Zou, Ré, "Domino:
 * Discovering Systematic Errors with Cross-Modal Embeddings", ICLR 2022, Sec. 4 "Domino" and App. C).
 * Model, update rules, initialisation, slice choice and defaults follow the authors' public code,
 * github.com/HazyResearch/domino, `domino/_slice/mixture.py` (`DominoSlicer` / `DominoMixture`, the
 * v0.1 implementation the paper evaluated; read, not copied).
 *
 * Model (one latent slice S per example):
 *   S ~ Cat(w),  Z | S=s ~ N(mu_s, diag(sigma2_s)),  Y | S=s ~ Cat(p_s),  Yhat | S=s ~ Cat(phat_s)
 * Objective, maximised by EM (the paper's weighted log-likelihood, gamma = `yLogLikelihoodWeight`,
 * gammaHat = `yHatLogLikelihoodWeight`):
 *   l = sum_i log sum_s w_s N(z_i; mu_s, sigma2_s) (y_i . p_s + eps)^gamma (yhat_i . phat_s + eps)^gammaHat
 * with `y_i` the one-hot label and `yhat_i` the model's class probabilities, plugged straight into
 * the categorical pmf as Domino does ("soft" predictions); eps = float64 machine epsilon.
 * - E-step: r_is = softmax_s of the log of the summand above.
 * - M-step: n_s = sum_i r_is + 10 eps, w_s = n_s / n, mu_s = sum_i r_is z_i / n_s,
 *   sigma2_s = sum_i r_is (z_i - mu_s)^2 / n_s + regCovar (diagonal, computed centred in two passes
 *   rather than scikit-learn's E[z^2] - mu^2, which cancels badly), p_s = sum_i r_is y_i / n_s,
 *   phat_s = sum_i r_is yhat_i / n_s.
 * - Stopping rule (scikit-learn's `GaussianMixture`): stop when the mean per-example log-normaliser
 *   changes by less than `tol` between iterations, or after `maxIter` iterations (`converged_` false).
 * - Initial responsibilities, `init: 'confusion'` (Domino's default): each component is assigned a
 *   cell (y, yhat) of the confusion matrix round-robin, r_is proportional to y_i[a] yhat_i[b] for
 *   component s's cell (a, b), plus uniform noise of scale `confusionNoise`, rows renormalised.
 *   `'kmeans'` (hard k-means++ labels, ml-kmeans) and `'random'` (uniform, renormalised) as in
 *   scikit-learn.
 * - Slices: the `nSlices` components with the largest |max_j (phat_sj - p_sj)| (Domino's rule: the
 *   components whose predictions deviate most from their labels, i.e. the most error-dense).
 *
 * Embeddings are reduced with PCA (ml-pca, centred, not scaled) to `nPcaComponents` (Domino: 128,
 * capped here at the rank the data allows). We write the EM ourselves because no maintained
 * JavaScript package fits a mixture whose likelihood carries these weighted categorical terms;
 * the E-step is the hot loop (n x components x dims, Float64 accumulators, no allocation inside).
 * With both weights at 0 the model is scikit-learn's diagonal `GaussianMixture`, and from the same
 * start it walks the same EM path to 1e-9 (test/fixtures/domino, `bench/domino/make_fixture.py`).
 */
import { PCA } from 'ml-pca';
import { kmeans } from 'ml-kmeans';
import type { Matrix } from '../util/matrix';
import { Random } from '../util/random';
import { EncodedArray, decodeFloat64, decodeInt32, encodeArray } from '../svm/codec';
import { checkMatrix } from '../svm/validate';
import { NotFittedError } from '../util/errors';

/** Constructor options of {@link DominoSlicer} (defaults as in Domino's public code). */
export interface DominoSlicerOptions {
  /** Slices returned: the most error-dense mixture components. Default 5. */
  nSlices?: number;
  /** Mixture components fitted (Domino's `n_mixture_components`, k-bar in the paper). Default 25. */
  nMixtureComponents?: number;
  /** PCA dimensions before the mixture (`null`: no PCA). Capped at min(rows, cols). Default 128. */
  nPcaComponents?: number | null;
  /**
   * gamma: weight of the label term log P(Y = y_i | S) in the E-step. Default 10, the value Domino's
   * own `discover()` and its evaluation script (`examples/deka.py`) use (its constructor says 1).
   */
  yLogLikelihoodWeight?: number;
  /** gammaHat: weight of the prediction term log P(Yhat = yhat_i | S). Default 10 (as gamma). */
  yHatLogLikelihoodWeight?: number;
  /** EM iterations at most. Default 100. */
  maxIter?: number;
  /** Convergence threshold on the change of the mean log-likelihood. Default 1e-3 (scikit-learn). */
  tol?: number;
  /** Added to every variance, keeps components from collapsing. Default 1e-6 (scikit-learn). */
  regCovar?: number;
  /** Initial responsibilities. Default `'confusion'` (Domino v0.1). */
  init?: 'confusion' | 'kmeans' | 'random';
  /** Noise scale of the confusion initialisation. Default 1e-3. */
  confusionNoise?: number;
  /** Seeds the initialisation (noise, k-means++, random). Default 0. */
  seed?: number;
}

/** What the model sees of each example besides its embedding. */
export interface DominoTargets {
  /** True class per row (integer ids). */
  labels?: ArrayLike<number>;
  /**
   * The model's prediction per row: class probabilities (`Matrix`, n x classes, e.g. `predictArrays`'
   * `probs`) or predicted class ids (one-hot).
   */
  probs?: Matrix | ArrayLike<number>;
}

/** Options of {@link DominoSlicer.fit}. */
export interface DominoFitOptions {
  /**
   * Start EM from these responsibilities (n x nMixtureComponents, rows summing to 1) instead of the
   * `init` rule: to reproduce a reference run (scikit-learn's `GaussianMixture` started from the same
   * parameters gives the same fit when both likelihood weights are 0, see the tests).
   */
  responsibilities?: Matrix;
}

/** One discovered slice: its mixture component and what the component has learned. */
export interface DominoSlice {
  /** Slice index (column of {@link DominoSlicer.predictProba}), 0 = most error-dense. */
  slice: number;
  /** Mixture component behind it. */
  component: number;
  /** Mixture weight w_s (share of the fitted examples). */
  weight: number;
  /** Domino's ranking key |max_j (phat_sj - p_sj)|: how far predictions stray from labels. */
  errorScore: number;
  /** Most likely true class of the slice (argmax p_s) and its probability. */
  label: number;
  labelProb: number;
  /** Most likely predicted class of the slice (argmax phat_s) and its probability. */
  pred: number;
  predProb: number;
}

/** JSON form of a {@link DominoSlicer}: its parameters and, once fitted, the model. */
export interface DominoSlicerJSON {
  type: 'DominoSlicer';
  version: 1;
  params: Required<Omit<DominoSlicerOptions, 'nPcaComponents'>> & { nPcaComponents: number | null };
  /** null before `fit`. */
  model: {
    nFeatures: number;
    nClasses: number;
    /** Dimensions the mixture works in. */
    nDims: number;
    pcaMean: EncodedArray | null;
    /** nDims x nFeatures, row-major. */
    pcaComponents: EncodedArray | null;
    weights: EncodedArray;
    means: EncodedArray;
    variances: EncodedArray;
    yProbs: EncodedArray;
    yHatProbs: EncodedArray;
    sliceIndices: EncodedArray;
    converged: boolean;
    nIter: number;
    lowerBound: number;
  } | null;
}

const EPS = 2.220446049250313e-16;

function notFitted(what: string): never {
  throw new NotFittedError(`DominoSlicer.${what}: this DominoSlicer is not fitted yet; call fit(latents, { labels, probs }) first`);
}

/**
 * Domino's error-aware mixture slicer as a scikit-learn-style estimator: `fit` on a labelled split
 * (validation, as in both papers), then `predictProba` gives each example's probability of each of
 * the `nSlices` most error-dense slices. Deterministic for a given `seed`.
 *
 * Used as a baseline next to failure directions, per class: fit one slicer on the validation images
 * of a class, pick the slice that best matches what you are looking for, and rank that class's test
 * images by their probability of that slice (see `bench/science`).
 *
 * Errors: `fit` throws on a non-finite or empty matrix, on labels / predictions of the wrong length,
 * on a class id outside the probabilities' columns (naming the row), on fewer rows than components,
 * and (`init: 'confusion'`) when there are fewer components than confusion-matrix cells, as Domino does.
 *
 * @example
 * ```ts
 * // Per class, as Domino is compared with failure directions: the rows of one class of a Matrix.
 * const ofClass = (z: fd.Matrix, labels: ArrayLike<number>, c: number) => {
 *   const rows = Array.from(labels, (l, i) => (l === c ? i : -1)).filter((i) => i >= 0);
 *   const data = new Float32Array(rows.length * z.cols);
 *   rows.forEach((r, k) => data.set(z.data.subarray(r * z.cols, (r + 1) * z.cols), k * z.cols));
 *   return { rows, z: { data, rows: rows.length, cols: z.cols } };
 * };
 * const pVal = await fd.predictArrays(model, val);
 * const v = ofClass(zVal, val.labels, 1);
 * const slicer = new fd.DominoSlicer({ nSlices: 5, seed: 0 }).fit(v.z, {
 *   labels: v.rows.map((i) => val.labels[i]),
 *   probs: ofClass(pVal.probs, val.labels, 1).z,  // the same rows of the class probabilities
 * });
 * slicer.slices_;                                  // components behind the slices, most error-dense first
 * const t = ofClass(zTest, test.labels, 1);
 * const q = slicer.predictProba(t.z);              // class 1's test images x 5 slices (labels / probs optional)
 * ```
 */
export class DominoSlicer {
  readonly nSlices: number;
  readonly nMixtureComponents: number;
  readonly nPcaComponents: number | null;
  readonly yLogLikelihoodWeight: number;
  readonly yHatLogLikelihoodWeight: number;
  readonly maxIter: number;
  readonly tol: number;
  readonly regCovar: number;
  readonly init: 'confusion' | 'kmeans' | 'random';
  readonly confusionNoise: number;
  readonly seed: number;

  private fitted?: {
    nFeatures: number;
    nClasses: number;
    nDims: number;
    pcaMean: Float64Array | null;
    pcaComponents: Float64Array | null;
    weights: Float64Array;
    means: Float64Array;
    variances: Float64Array;
    yProbs: Float64Array;
    yHatProbs: Float64Array;
    sliceIndices: Int32Array;
    converged: boolean;
    nIter: number;
    lowerBound: number;
  };

  constructor(options: DominoSlicerOptions = {}) {
    const what = 'DominoSlicer';
    this.nSlices = options.nSlices ?? 5;
    this.nMixtureComponents = options.nMixtureComponents ?? 25;
    this.nPcaComponents = options.nPcaComponents === undefined ? 128 : options.nPcaComponents;
    this.yLogLikelihoodWeight = options.yLogLikelihoodWeight ?? 10;
    this.yHatLogLikelihoodWeight = options.yHatLogLikelihoodWeight ?? 10;
    this.maxIter = options.maxIter ?? 100;
    this.tol = options.tol ?? 1e-3;
    this.regCovar = options.regCovar ?? 1e-6;
    this.init = options.init ?? 'confusion';
    this.confusionNoise = options.confusionNoise ?? 1e-3;
    this.seed = options.seed ?? 0;
    const posInt = (name: string, v: number) => {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${what}: ${name} must be a positive integer, got ${v}`);
    };
    posInt('nSlices', this.nSlices);
    posInt('nMixtureComponents', this.nMixtureComponents);
    posInt('maxIter', this.maxIter);
    if (this.nPcaComponents !== null) posInt('nPcaComponents', this.nPcaComponents);
    if (this.nSlices > this.nMixtureComponents) throw new RangeError(`${what}: nSlices (${this.nSlices}) cannot exceed nMixtureComponents (${this.nMixtureComponents})`);
    for (const [name, v] of [['yLogLikelihoodWeight', this.yLogLikelihoodWeight], ['yHatLogLikelihoodWeight', this.yHatLogLikelihoodWeight], ['tol', this.tol], ['regCovar', this.regCovar], ['confusionNoise', this.confusionNoise]] as const) {
      if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${what}: ${name} must be a finite number >= 0, got ${v}`);
    }
    if (!['confusion', 'kmeans', 'random'].includes(this.init)) throw new RangeError(`${what}: init must be 'confusion', 'kmeans' or 'random', got ${JSON.stringify(this.init)}`);
    if (!Number.isFinite(this.seed)) throw new RangeError(`${what}: seed must be a finite number, got ${this.seed}`);
  }

  private get f() {
    return this.fitted ?? notFitted('learned attributes');
  }
  /** Mixture weights w_s (components). */
  get weights_(): Float64Array {
    return this.f.weights;
  }
  /** Component means in PCA space (components x nDims, row-major). */
  get means_(): Float64Array {
    return this.f.means;
  }
  /** Diagonal variances in PCA space (components x nDims, row-major). */
  get variances_(): Float64Array {
    return this.f.variances;
  }
  /** P(Y = j | S = s), components x classes row-major (Domino's `y_probs`). */
  get yProbs_(): Float64Array {
    return this.f.yProbs;
  }
  /** P(Yhat = j | S = s), components x classes row-major (Domino's `y_hat_probs`). */
  get yHatProbs_(): Float64Array {
    return this.f.yHatProbs;
  }
  /** Component index of each slice, most error-dense first (Domino's `slice_cluster_indices`). */
  get sliceIndices_(): Int32Array {
    return this.f.sliceIndices;
  }
  /** Number of classes (columns of the label / prediction distributions). */
  get nClasses_(): number {
    return this.f.nClasses;
  }
  /** Number of embedding features seen by `fit`. */
  get nFeatures_(): number {
    return this.f.nFeatures;
  }
  /** Dimensions the mixture works in (PCA components kept, or nFeatures without PCA). */
  get nDims_(): number {
    return this.f.nDims;
  }
  /** Whether EM met `tol` before `maxIter`. */
  get converged_(): boolean {
    return this.f.converged;
  }
  /** EM iterations run. */
  get nIter_(): number {
    return this.f.nIter;
  }
  /** Final mean per-example log-likelihood (with the weighted label and prediction terms). */
  get lowerBound_(): number {
    return this.f.lowerBound;
  }
  /** The slices, most error-dense first. */
  get slices_(): DominoSlice[] {
    const f = this.f;
    const K = f.nClasses;
    return Array.from(f.sliceIndices, (s, slice) => {
      let label = 0;
      let pred = 0;
      let best = -Infinity;
      for (let j = 0; j < K; j++) {
        const d = f.yHatProbs[s * K + j] - f.yProbs[s * K + j];
        if (d > best) best = d;
        if (f.yProbs[s * K + j] > f.yProbs[s * K + label]) label = j;
        if (f.yHatProbs[s * K + j] > f.yHatProbs[s * K + pred]) pred = j;
      }
      return { slice, component: s, weight: f.weights[s], errorScore: Math.abs(best), label, labelProb: f.yProbs[s * K + label], pred, predProb: f.yHatProbs[s * K + pred] };
    });
  }

  /**
   * Fits PCA and the mixture on `latents` (n x d) with the labels and the model's predictions.
   * Returns `this`.
   *
   * @example
   * ```ts
   * const slicer = new fd.DominoSlicer({ seed: 0 }).fit(zVal, { labels: val.labels, probs: (await fd.predictArrays(model, val)).probs });
   * ```
   */
  fit(latents: Matrix, targets: DominoTargets, options: DominoFitOptions = {}): this {
    const caller = 'DominoSlicer.fit';
    checkMatrix(latents, caller, 'latents');
    const n = latents.rows;
    if (targets == null || targets.labels == null || targets.probs == null) throw new TypeError(`${caller}: pass { labels, probs } (true classes and the model's predictions); Domino's mixture models both`);
    const nClasses = classCount(targets, n, caller);
    const k = this.nMixtureComponents;
    if (n < k) throw new RangeError(`${caller}: ${n} rows cannot fit ${k} mixture components (lower nMixtureComponents)`);
    const y = oneHot(targets.labels, n, nClasses, caller, 'labels');
    const yHat = predictionMatrix(targets.probs, n, nClasses, caller);

    // PCA (centred, unscaled), as scikit-learn's PCA in Domino.
    const d = latents.cols;
    let nDims = d;
    let pcaMean: Float64Array | null = null;
    let pcaComponents: Float64Array | null = null;
    if (this.nPcaComponents !== null) {
      nDims = Math.min(this.nPcaComponents, d, n);
      const rows: number[][] = new Array(n);
      for (let i = 0; i < n; i++) rows[i] = Array.from(latents.data.subarray(i * d, (i + 1) * d));
      const pca = new PCA(rows, { center: true, scale: false, method: n >= d ? 'covarianceMatrix' : 'SVD' });
      const json = pca.toJSON();
      pcaMean = Float64Array.from(json.means);
      pcaComponents = new Float64Array(nDims * d);
      for (let c = 0; c < nDims; c++) for (let j = 0; j < d; j++) pcaComponents[c * d + j] = json.U.get(j, c);
    }
    const X = project(latents, pcaMean, pcaComponents, nDims);

    const rng = new Random(this.seed);
    const resp = options.responsibilities ? givenResponsibilities(options.responsibilities, n, k, caller) : this.initialResponsibilities(X, n, nDims, y, yHat, nClasses, rng);
    const params = allocParams(k, nDims, nClasses);
    mStep(X, n, nDims, y, yHat, nClasses, resp, k, this.regCovar, params);
    let lowerBound = -Infinity;
    let converged = false;
    let nIter = 0;
    for (let it = 1; it <= this.maxIter; it++) {
      nIter = it;
      const prev = lowerBound;
      lowerBound = eStep(X, n, nDims, y, yHat, nClasses, params, k, this.yLogLikelihoodWeight, this.yHatLogLikelihoodWeight, resp);
      mStep(X, n, nDims, y, yHat, nClasses, resp, k, this.regCovar, params);
      if (Math.abs(lowerBound - prev) < this.tol) {
        converged = true;
        break;
      }
    }

    // Domino's slice choice: largest |max_j (phat_sj - p_sj)|; ties keep component order.
    const key = new Float64Array(k);
    for (let s = 0; s < k; s++) {
      let m = -Infinity;
      for (let j = 0; j < nClasses; j++) m = Math.max(m, params.yHatProbs[s * nClasses + j] - params.yProbs[s * nClasses + j]);
      key[s] = Math.abs(m);
    }
    const order = Array.from({ length: k }, (_, s) => s).sort((a, b) => key[b] - key[a] || a - b);
    this.fitted = {
      nFeatures: d,
      nClasses,
      nDims,
      pcaMean,
      pcaComponents,
      ...params,
      sliceIndices: Int32Array.from(order.slice(0, this.nSlices)),
      converged,
      nIter,
      lowerBound,
    };
    return this;
  }

  /**
   * Each row's probability of each slice (n x nSlices, row-major Float64): the columns of the mixture
   * posterior P(S = s | z, y, yhat) for the slice components, as Domino's `predict_proba` (rows need
   * not sum to 1: the other components hold the rest). `labels` / `probs` may be omitted: their
   * terms then drop out of the posterior (Domino's behaviour when `targets` / `pred_probs` is None).
   *
   * @example
   * ```ts
   * const slicer = new fd.DominoSlicer({ seed: 0 }).fit(zVal, { labels: val.labels, probs: (await fd.predictArrays(model, val)).probs });
   * const q = slicer.predictProba(zTest, { labels: test.labels, probs: (await fd.predictArrays(model, test)).probs });
   * q[0 * slicer.nSlices + 0]; // test image 0's probability of the most error-dense slice
   * ```
   */
  predictProba(latents: Matrix, targets: DominoTargets = {}): Float64Array {
    const post = this.componentProba(latents, targets, 'DominoSlicer.predictProba');
    const f = this.f;
    const k = this.nMixtureComponents;
    const m = f.sliceIndices.length;
    const n = latents.rows;
    const out = new Float64Array(n * m);
    for (let i = 0; i < n; i++) for (let a = 0; a < m; a++) out[i * m + a] = post[i * k + f.sliceIndices[a]];
    return out;
  }

  /**
   * The slice (0..nSlices-1) each row most likely belongs to, among the slices.
   *
   * @example
   * ```ts
   * const slicer = new fd.DominoSlicer({ seed: 0 }).fit(zVal, { labels: val.labels, probs: (await fd.predictArrays(model, val)).probs });
   * const slice = slicer.predict(zTest); // Int32Array; without labels / probs their terms drop out
   * ```
   */
  predict(latents: Matrix, targets: DominoTargets = {}): Int32Array {
    const q = this.predictProba(latents, targets);
    const m = this.nSlices;
    const n = latents.rows;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let a = 1; a < m; a++) if (q[i * m + a] > q[i * m + best]) best = a;
      out[i] = best;
    }
    return out;
  }

  /**
   * The full mixture posterior P(S = s | z, y, yhat), n x nMixtureComponents row-major.
   *
   * @example
   * ```ts
   * const slicer = new fd.DominoSlicer({ seed: 0 }).fit(zVal, { labels: val.labels, probs: (await fd.predictArrays(model, val)).probs });
   * const post = slicer.componentProba(zTest, { labels: test.labels }); // n x nMixtureComponents
   * ```
   */
  componentProba(latents: Matrix, targets: DominoTargets = {}, caller = 'DominoSlicer.componentProba'): Float64Array {
    const f = this.fitted ?? notFitted(caller.replace('DominoSlicer.', ''));
    checkMatrix(latents, caller, 'latents', true);
    if (latents.cols !== f.nFeatures) throw new RangeError(`${caller}: latents have ${latents.cols} columns but the slicer was fitted on ${f.nFeatures}`);
    const n = latents.rows;
    const y = targets.labels != null ? oneHot(targets.labels, n, f.nClasses, caller, 'labels') : null;
    if (targets.probs != null && !isMatrix(targets.probs) && targets.probs.length !== n) throw new RangeError(`${caller}: ${targets.probs.length} predictions for ${n} rows`);
    const yHat = targets.probs != null ? predictionMatrix(targets.probs, n, f.nClasses, caller) : null;
    const X = project(latents, f.pcaMean, f.pcaComponents, f.nDims);
    const resp = new Float64Array(n * this.nMixtureComponents);
    eStep(X, n, f.nDims, y, yHat, f.nClasses, f, this.nMixtureComponents, this.yLogLikelihoodWeight, this.yHatLogLikelihoodWeight, resp);
    return resp;
  }

  private initialResponsibilities(X: Float64Array, n: number, dims: number, y: Float64Array, yHat: Float64Array, K: number, rng: Random): Float64Array {
    const k = this.nMixtureComponents;
    const resp = new Float64Array(n * k);
    if (this.init === 'confusion') {
      const cells = K * K;
      if (k < cells) throw new RangeError(`DominoSlicer.fit: init 'confusion' needs nMixtureComponents >= classes^2 = ${cells} (got ${k}); raise nMixtureComponents or use init 'kmeans'`);
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let s = 0; s < k; s++) {
          const cell = s % cells; // round-robin over (label, prediction) cells, as Domino's tiling
          const v = y[i * K + Math.floor(cell / K)] * yHat[i * K + (cell % K)];
          resp[i * k + s] = v;
          sum += v;
        }
        let sum2 = 0;
        for (let s = 0; s < k; s++) {
          const v = (sum > 0 ? resp[i * k + s] / sum : 0) + rng.next() * this.confusionNoise;
          resp[i * k + s] = v;
          sum2 += v;
        }
        for (let s = 0; s < k; s++) resp[i * k + s] = sum2 > 0 ? resp[i * k + s] / sum2 : 1 / k;
      }
    } else if (this.init === 'random') {
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let s = 0; s < k; s++) sum += resp[i * k + s] = rng.next();
        for (let s = 0; s < k; s++) resp[i * k + s] /= sum;
      }
    } else {
      const rows: number[][] = new Array(n);
      for (let i = 0; i < n; i++) rows[i] = Array.from(X.subarray(i * dims, (i + 1) * dims));
      const { clusters } = kmeans(rows, k, { seed: rng.int(2 ** 31), initialization: 'kmeans++' });
      for (let i = 0; i < n; i++) resp[i * k + clusters[i]] = 1;
    }
    return resp;
  }

  /**
   * JSON form (parameters and, once fitted, the model with typed arrays base64-encoded); round-trips
   * exactly through {@link DominoSlicer.fromJSON}.
   *
   * @example
   * ```ts
   * const slicer = new fd.DominoSlicer({ seed: 0 }).fit(zVal, { labels: val.labels, probs: (await fd.predictArrays(model, val)).probs });
   * const again = fd.DominoSlicer.fromJSON(JSON.parse(JSON.stringify(slicer.toJSON())));
   * ```
   */
  toJSON(): DominoSlicerJSON {
    const f = this.fitted;
    return {
      type: 'DominoSlicer',
      version: 1,
      params: this.params(),
      model: f
        ? {
            nFeatures: f.nFeatures,
            nClasses: f.nClasses,
            nDims: f.nDims,
            pcaMean: f.pcaMean ? encodeArray(f.pcaMean) : null,
            pcaComponents: f.pcaComponents ? encodeArray(f.pcaComponents) : null,
            weights: encodeArray(f.weights),
            means: encodeArray(f.means),
            variances: encodeArray(f.variances),
            yProbs: encodeArray(f.yProbs),
            yHatProbs: encodeArray(f.yHatProbs),
            sliceIndices: encodeArray(f.sliceIndices),
            converged: f.converged,
            nIter: f.nIter,
            lowerBound: f.lowerBound,
          }
        : null,
    };
  }

  /**
   * Rebuilds a fitted slicer from {@link DominoSlicer.toJSON}; throws naming a malformed field.
   *
   * @example
   * ```ts
   * import * as fs from 'node:fs';
   * const slicer = fd.DominoSlicer.fromJSON(JSON.parse(fs.readFileSync('slicer.json', 'utf8')));
   * ```
   */
  static fromJSON(json: DominoSlicerJSON): DominoSlicer {
    const what = 'DominoSlicer.fromJSON';
    if (json == null || json.type !== 'DominoSlicer' || json.version !== 1) throw new TypeError(`${what}: expected { type: 'DominoSlicer', version: 1, ... }`);
    const s = new DominoSlicer(json.params);
    const m = json.model;
    if (m == null) return s;
    const k = s.nMixtureComponents;
    const f64 = (e: EncodedArray, name: string, len: number) => {
      const a = decodeFloat64(e, `${what}: model.${name}`);
      if (a.length !== len) throw new RangeError(`${what}: model.${name} has ${a.length} values, expected ${len}`);
      return a;
    };
    const { nFeatures: d, nClasses: K, nDims } = m;
    for (const [name, v] of [['nFeatures', d], ['nClasses', K], ['nDims', nDims]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${what}: model.${name} must be a positive integer, got ${v}`);
    }
    const sliceIndices = decodeInt32(m.sliceIndices, `${what}: model.sliceIndices`);
    if (sliceIndices.length !== s.nSlices || sliceIndices.some((v) => v < 0 || v >= k)) throw new RangeError(`${what}: model.sliceIndices must hold ${s.nSlices} component indices below ${k}`);
    s.fitted = {
      nFeatures: d,
      nClasses: K,
      nDims,
      pcaMean: m.pcaMean ? f64(m.pcaMean, 'pcaMean', d) : null,
      pcaComponents: m.pcaComponents ? f64(m.pcaComponents, 'pcaComponents', nDims * d) : null,
      weights: f64(m.weights, 'weights', k),
      means: f64(m.means, 'means', k * nDims),
      variances: f64(m.variances, 'variances', k * nDims),
      yProbs: f64(m.yProbs, 'yProbs', k * K),
      yHatProbs: f64(m.yHatProbs, 'yHatProbs', k * K),
      sliceIndices,
      converged: !!m.converged,
      nIter: m.nIter,
      lowerBound: m.lowerBound,
    };
    return s;
  }

  private params(): DominoSlicerJSON['params'] {
    return {
      nSlices: this.nSlices,
      nMixtureComponents: this.nMixtureComponents,
      nPcaComponents: this.nPcaComponents,
      yLogLikelihoodWeight: this.yLogLikelihoodWeight,
      yHatLogLikelihoodWeight: this.yHatLogLikelihoodWeight,
      maxIter: this.maxIter,
      tol: this.tol,
      regCovar: this.regCovar,
      init: this.init,
      confusionNoise: this.confusionNoise,
      seed: this.seed,
    };
  }
}

interface MixtureParams {
  weights: Float64Array;
  means: Float64Array;
  variances: Float64Array;
  yProbs: Float64Array;
  yHatProbs: Float64Array;
}

function allocParams(k: number, dims: number, K: number): MixtureParams {
  return {
    weights: new Float64Array(k),
    means: new Float64Array(k * dims),
    variances: new Float64Array(k * dims),
    yProbs: new Float64Array(k * K),
    yHatProbs: new Float64Array(k * K),
  };
}

function givenResponsibilities(r: Matrix, n: number, k: number, caller: string): Float64Array {
  checkMatrix(r, caller, 'options.responsibilities');
  if (r.rows !== n || r.cols !== k) throw new RangeError(`${caller}: options.responsibilities must be ${n} x ${k} (rows x components), got ${r.rows} x ${r.cols}`);
  const out = Float64Array.from(r.data);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let s = 0; s < k; s++) sum += out[i * k + s];
    if (!(Math.abs(sum - 1) < 1e-4) || out.subarray(i * k, (i + 1) * k).some((v) => v < 0)) throw new RangeError(`${caller}: options.responsibilities row ${i} is not a probability vector (sums to ${sum})`);
  }
  return out;
}

function isMatrix(x: unknown): x is Matrix {
  return x != null && typeof x === 'object' && (x as Matrix).data instanceof Float32Array && typeof (x as Matrix).rows === 'number';
}

function classCount(t: DominoTargets, n: number, caller: string): number {
  if (t.labels!.length !== n) throw new RangeError(`${caller}: ${t.labels!.length} labels for ${n} rows`);
  if (isMatrix(t.probs)) return t.probs.cols;
  const p = t.probs as ArrayLike<number>;
  if (p.length !== n) throw new RangeError(`${caller}: ${p.length} predictions for ${n} rows`);
  let m = -1;
  for (let i = 0; i < n; i++) m = Math.max(m, t.labels![i], p[i]);
  return Math.max(2, m + 1);
}

function oneHot(labels: ArrayLike<number>, n: number, K: number, caller: string, what: string): Float64Array {
  if (labels.length !== n) throw new RangeError(`${caller}: ${labels.length} ${what} for ${n} rows`);
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= K) throw new RangeError(`${caller}: ${what} row ${i} is ${c}, not a class id in 0..${K - 1}`);
    out[i * K + c] = 1;
  }
  return out;
}

function predictionMatrix(probs: Matrix | ArrayLike<number>, n: number, K: number, caller: string): Float64Array {
  if (!isMatrix(probs)) return oneHot(probs, n, K, caller, 'predicted classes');
  if (probs.rows !== n) throw new RangeError(`${caller}: probs has ${probs.rows} rows for ${n} latents`);
  if (probs.cols !== K) throw new RangeError(`${caller}: probs has ${probs.cols} columns but the slicer models ${K} classes`);
  const out = new Float64Array(n * K);
  for (let i = 0; i < n * K; i++) {
    const v = probs.data[i];
    if (!(v >= 0 && v <= 1 + 1e-6)) throw new RangeError(`${caller}: probs row ${Math.floor(i / K)}, column ${i % K} is ${v}, not a probability`);
    out[i] = v;
  }
  return out;
}

/** Rows of `m` centred and projected on the PCA components (or copied to Float64 without PCA). */
function project(m: Matrix, mean: Float64Array | null, comps: Float64Array | null, dims: number): Float64Array {
  const { data, rows, cols } = m;
  const out = new Float64Array(rows * dims);
  if (!mean || !comps) {
    for (let i = 0; i < rows * cols; i++) out[i] = data[i];
    return out;
  }
  const centred = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) centred[j] = data[i * cols + j] - mean[j];
    for (let c = 0; c < dims; c++) {
      let acc = 0;
      const off = c * cols;
      for (let j = 0; j < cols; j++) acc += centred[j] * comps[off + j];
      out[i * dims + c] = acc;
    }
  }
  return out;
}

/**
 * Responsibilities into `resp` (n x k); returns the mean log-normaliser (the objective per example).
 * `y` / `yHat` null drop their terms.
 */
function eStep(X: Float64Array, n: number, dims: number, y: Float64Array | null, yHat: Float64Array | null, K: number, p: MixtureParams, k: number, gamma: number, gammaHat: number, resp: Float64Array): number {
  const logW = new Float64Array(k);
  const constant = new Float64Array(k);
  const prec = new Float64Array(k * dims);
  for (let s = 0; s < k; s++) {
    logW[s] = Math.log(p.weights[s]);
    let logDet = 0;
    for (let j = 0; j < dims; j++) {
      const v = p.variances[s * dims + j];
      prec[s * dims + j] = 1 / v;
      logDet += Math.log(v);
    }
    constant[s] = -0.5 * (dims * Math.log(2 * Math.PI) + logDet);
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const xo = i * dims;
    let max = -Infinity;
    for (let s = 0; s < k; s++) {
      const mo = s * dims;
      let q = 0;
      for (let j = 0; j < dims; j++) {
        const dlt = X[xo + j] - p.means[mo + j];
        q += dlt * dlt * prec[mo + j];
      }
      let lp = logW[s] + constant[s] - 0.5 * q;
      if (y) {
        let a = 0;
        for (let c = 0; c < K; c++) a += y[i * K + c] * p.yProbs[s * K + c];
        lp += gamma * Math.log(a + EPS);
      }
      if (yHat) {
        let a = 0;
        for (let c = 0; c < K; c++) a += yHat[i * K + c] * p.yHatProbs[s * K + c];
        lp += gammaHat * Math.log(a + EPS);
      }
      resp[i * k + s] = lp;
      if (lp > max) max = lp;
    }
    let sum = 0;
    for (let s = 0; s < k; s++) sum += Math.exp(resp[i * k + s] - max);
    const norm = max + Math.log(sum);
    total += norm;
    for (let s = 0; s < k; s++) resp[i * k + s] = Math.exp(resp[i * k + s] - norm);
  }
  return total / n;
}

/** M-step from responsibilities `resp` into `p`. */
function mStep(X: Float64Array, n: number, dims: number, y: Float64Array, yHat: Float64Array, K: number, resp: Float64Array, k: number, regCovar: number, p: MixtureParams): void {
  const nk = new Float64Array(k);
  p.means.fill(0);
  p.variances.fill(0);
  p.yProbs.fill(0);
  p.yHatProbs.fill(0);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < k; s++) {
      const r = resp[i * k + s];
      if (r === 0) continue;
      nk[s] += r;
      const mo = s * dims;
      for (let j = 0; j < dims; j++) p.means[mo + j] += r * X[i * dims + j];
      for (let c = 0; c < K; c++) {
        p.yProbs[s * K + c] += r * y[i * K + c];
        p.yHatProbs[s * K + c] += r * yHat[i * K + c];
      }
    }
  }
  for (let s = 0; s < k; s++) {
    nk[s] += 10 * EPS;
    for (let j = 0; j < dims; j++) p.means[s * dims + j] /= nk[s];
    for (let c = 0; c < K; c++) {
      p.yProbs[s * K + c] /= nk[s];
      p.yHatProbs[s * K + c] /= nk[s];
    }
  }
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < k; s++) {
      const r = resp[i * k + s];
      if (r === 0) continue;
      const mo = s * dims;
      for (let j = 0; j < dims; j++) {
        const dlt = X[i * dims + j] - p.means[mo + j];
        p.variances[mo + j] += r * dlt * dlt;
      }
    }
  }
  for (let s = 0; s < k; s++) {
    p.weights[s] = nk[s] / n;
    for (let j = 0; j < dims; j++) p.variances[s * dims + j] = p.variances[s * dims + j] / nk[s] + regCovar;
  }
}
