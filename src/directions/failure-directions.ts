/**
 * Per-class failure directions (Jain, Lawrence, Moitra, Madry, "Distilling Model Failures as
 * Directions in Latent Space", ICLR 2023): for each true class, a linear SVM on preprocessed
 * validation embeddings separating "the model got it right" (1) from "wrong" (0). Its unit normal is
 * the class's failure direction; its decision value ranks samples from hardest (most negative) to
 * easiest.
 */
import * as aq from 'arquero';
import { Matrix, takeRows } from '../util/matrix';
import { progress } from '../util/progress';
import { EncodedArray, decodeFloat32, decodeInt32, decodeUint8, encodeArray } from '../svm/codec';
import { crossValidateC, fitCPath, logGrid } from '../svm/cross-validate';
import { LinearSVC, LinearSVCJSON, LinearSVCParams, SVMLoss } from '../svm/linear-svc';
import { checkC, checkMatrix, checkPositiveInt } from '../svm/validate';
import { Preprocessor, PreprocessorJSON } from './preprocess';

/** An Arquero table, as returned by `aq.table`. */
export type DirectionsTable = ReturnType<typeof aq.table>;

/** Options of {@link FailureDirections}. */
export interface FailureDirectionsOptions {
  /** C grid searched by cross-validation. Default 7 values log-spaced 1e-6 ... 1 (the paper). */
  Cs?: number[];
  /** Stratified CV folds. Default 2 (the paper). */
  folds?: number;
  /** Balanced class weights n / (2 n_k) for correct / wrong. Default true (the paper). */
  balanced?: boolean;
  /** Whiten with train mean / std (see {@link FailureDirections.setPreprocess}). Default true. */
  whiten?: boolean;
  /** L2-normalise rows after whitening. Default true. */
  normalize?: boolean;
  /** Seed of the solver's coordinate order and of the fold shuffle. Default 0. */
  randomState?: number;
  /** Alias of `randomState`. */
  seed?: number;
  /** SVM loss. Default `'hinge'` (the paper's SVC). */
  loss?: SVMLoss;
  /** Solver tolerance. Default 1e-3 (scikit-learn `SVC`'s default, the paper's setting). */
  tol?: number;
  /** Solver iteration cap per fit. Default 1000. */
  maxIter?: number;
  /**
   * Regularise the intercept (liblinear) instead of leaving it free (libsvm `SVC`, the paper).
   * Default false, so the C chosen by cross-validation follows the paper's procedure.
   */
  regularizeIntercept?: boolean;
  /**
   * Shuffle the stratified folds (seeded). Default true: validation rows stored in a meaningful
   * order (by sub-folder, by source) then cannot land in one fold. `false` reproduces the paper's
   * `cross_val_score(cv=2)` folds exactly.
   */
  shuffle?: boolean;
}

/** Resolved options, as stored and serialised. */
export interface ResolvedFailureDirectionsOptions {
  Cs: number[];
  folds: number;
  balanced: boolean;
  whiten: boolean;
  normalize: boolean;
  randomState: number;
  loss: SVMLoss;
  tol: number;
  maxIter: number;
  regularizeIntercept: boolean;
  shuffle: boolean;
}

/** One class's cross-validation curve (for C-sweep plots). */
export interface ClassCVDetails {
  classId: number;
  className: string;
  /** The grid, ascending. */
  Cs: number[];
  /** Mean balanced accuracy over folds per C (NaN for a class without an SVM). */
  meanBalancedAccuracy: number[];
  /** C chosen by CV (ties to the smaller C); null without an SVM. */
  chosenC: number | null;
  /** `'ok'` or why the class has no SVM. */
  status: string;
  /** Whether every fold's solver converged, per C. */
  converged: boolean[];
}

/** Input of {@link FailureDirections.scores}. */
export interface ScoresInput {
  latents: Matrix;
  /** True class per row. */
  labels: ArrayLike<number>;
  /** Predicted class per row (optional: `pred` and `correct` are then null). */
  preds?: ArrayLike<number>;
  /** Model confidence per row (e.g. softmax of the true class); NaN when absent. */
  confidences?: ArrayLike<number>;
  /** Row ids; default the row index. */
  ids?: ArrayLike<string | number>;
  /** Ground-truth subgroup per row; adds a `group` column. */
  groups?: ArrayLike<string | number | null>;
  /** Split name for every row (or one per row); default null. */
  split?: string | ArrayLike<string>;
}

/** Options of {@link FailureDirections.fit}. */
export interface FailureDirectionsFitOptions {
  /** Class names, index = class id; default `'0'`, `'1'`, ... */
  classNames?: string[];
}

/** JSON form of a {@link FailureDirections}. */
export interface FailureDirectionsJSON {
  type: 'FailureDirections';
  version: 1;
  options: ResolvedFailureDirectionsOptions;
  preprocessor: PreprocessorJSON;
  /** Where the whitening statistics came from. */
  preprocessSource: 'train' | 'fit latents' | null;
  fitted: null | {
    classNames: string[];
    classes: Array<{
      n: number;
      nErrors: number;
      status: string;
      C: number | null;
      cvBalancedAccuracy: number | null;
      cvDetails: Omit<ClassCVDetails, 'classId' | 'className' | 'meanBalancedAccuracy'> & { meanBalancedAccuracy: (number | null)[] };
      svm: LinearSVCJSON | null;
    }>;
    /** The preprocessed validation data kept for `refit` / `fitPath` (absent when saved without data). */
    data: null | { latents: EncodedArray; rows: number; cols: number; labels: EncodedArray; correct: EncodedArray };
  };
}

interface ClassState {
  n: number;
  nErrors: number;
  status: string;
  C: number | null;
  cvBalancedAccuracy: number | null;
  details: ClassCVDetails;
}

/**
 * The paper's SVMFitter: per-class linear SVMs on preprocessed validation embeddings that predict
 * whether the model classified each sample correctly.
 *
 * Classes that cannot get an SVM are not an error: a class with no samples, no errors, no correct
 * predictions, or fewer samples of either kind than CV folds gets a `status` saying why (see
 * `cv_`), no SVM (`svms_[c] === null`), and its samples score NaN (`flagged` false, `rankInClass`
 * NaN) in `decisionFunction` and `scores`.
 *
 * By default the SVM is the paper's: hinge loss, balanced class weights, an unregularised intercept
 * (libsvm `SVC(kernel='linear')` semantics, solved by our dual coordinate descent), C from the grid
 * 1e-6 ... 1 by 2-fold stratified CV on balanced accuracy, ties to the smaller C. When C is so small
 * that every sample violates the margin, the intercept is not identified; like libsvm we then put
 * it at an end of the optimal interval, so such a model flags every sample and scores 0.5 balanced
 * accuracy in CV (the paper's curves show the same 0.5 plateau). The ranking within a class
 * (`score`, `rankInClass`) is still the direction's. Set `regularizeIntercept: true` for
 * liblinear's formulation instead.
 *
 * @example
 * ```ts
 * const fd = new FailureDirections({ randomState: 0 });
 * fd.setPreprocess(latents.train);
 * fd.fit(latents.val, val.labels, preds.val, { classNames: val.classNames });
 * fd.cv_.print();                         // class, className, n, nErrors, C, cvBalancedAccuracy, status
 * const t = fd.scores({ latents: latents.test, labels: test.labels, preds: preds.test, split: 'test' });
 * t.filter((d) => d.flagged).orderby('score').print(); // hardest first
 * fd.refit(3, 0.01);                      // interactive: new C for class 3, warm-started
 * ```
 */
export class FailureDirections {
  readonly options: ResolvedFailureDirectionsOptions;
  /** The preprocessing (whitening statistics once `setPreprocess` or `fit` ran). */
  preprocessor_: Preprocessor;
  /** Where the whitening statistics came from: the train split, or the fit latents as a fallback. */
  preprocessSource_: 'train' | 'fit latents' | null = null;
  /** Class names, index = class id. */
  classNames_?: string[];
  /** Per-class SVM, null for a class without one. */
  svms_?: (LinearSVC | null)[];
  /** Per-class CV curves. */
  cvDetails_?: ClassCVDetails[];

  private classes: ClassState[] | null = null;
  private valLatents: Matrix | null = null;
  private valLabels: Int32Array | null = null;
  private valCorrect: Uint8Array | null = null;
  private classData = new Map<number, { X: Matrix; y: Uint8Array }>();

  constructor(options: FailureDirectionsOptions = {}) {
    const caller = 'FailureDirections';
    const Cs = [...(options.Cs ?? logGrid())];
    if (Cs.length === 0) throw new RangeError(`${caller}: Cs is empty`);
    Cs.forEach((c, i) => checkC(c, caller, `Cs[${i}]`));
    Cs.sort((a, b) => a - b);
    const folds = checkPositiveInt(options.folds ?? 2, caller, 'folds', 2);
    const randomState = options.randomState ?? options.seed ?? 0;
    if (!Number.isFinite(randomState)) throw new RangeError(`${caller}: randomState must be a finite number, got ${randomState}`);
    this.options = {
      Cs,
      folds,
      balanced: options.balanced ?? true,
      whiten: options.whiten ?? true,
      normalize: options.normalize ?? true,
      randomState,
      loss: options.loss ?? 'hinge',
      tol: options.tol ?? 1e-3,
      maxIter: options.maxIter ?? 1000,
      regularizeIntercept: options.regularizeIntercept ?? false,
      shuffle: options.shuffle ?? true,
    };
    // Fail early on bad solver parameters.
    new LinearSVC(this.svmParams(1)).setParams({});
    if (this.options.loss !== 'hinge' && this.options.loss !== 'squared_hinge') throw new RangeError(`${caller}: loss must be 'hinge' or 'squared_hinge', got '${this.options.loss}'`);
    if (!(this.options.tol > 0)) throw new RangeError(`${caller}: tol must be positive, got ${this.options.tol}`);
    checkPositiveInt(this.options.maxIter, caller, 'maxIter');
    this.preprocessor_ = new Preprocessor({ whiten: this.options.whiten, normalize: this.options.normalize });
  }

  private svmParams(C: number): LinearSVCParams {
    const o = this.options;
    return {
      C,
      loss: o.loss,
      classWeight: o.balanced ? 'balanced' : null,
      tol: o.tol,
      maxIter: o.maxIter,
      fitIntercept: true,
      interceptScaling: 1,
      regularizeIntercept: o.regularizeIntercept,
      randomState: o.randomState,
    };
  }

  /**
   * Sets the whitening statistics (per-feature mean and std) from the **train** split's latents.
   * If `fit` runs without it while `whiten` is on, the statistics come from the fit (validation)
   * latents instead and `preprocessSource_` says so.
   *
   * @example
   * ```ts
   * fd.setPreprocess(latents.train);
   * ```
   */
  setPreprocess(trainLatents: Matrix): this {
    this.preprocessor_.fit(trainLatents);
    this.preprocessSource_ = 'train';
    return this;
  }

  /**
   * The preprocessing applied before every SVM: whitening (train statistics) then row L2
   * normalisation, as configured. Returns a new Float32 matrix.
   *
   * @example
   * ```ts
   * const z = fd.preprocess(latents.test);
   * ```
   */
  preprocess(latents: Matrix): Matrix {
    if (!this.preprocessor_.ready) throw new Error('FailureDirections.preprocess: no whitening statistics yet; call setPreprocess(trainLatents) or fit(...) first');
    return this.preprocessor_.transform(latents);
  }

  /**
   * Fits one SVM per true class on "prediction correct" (1) vs "wrong" (0), choosing each class's C
   * by stratified k-fold CV on balanced accuracy (ties to the smaller C), then refitting on all of
   * the class's samples. Keeps the preprocessed data for {@link refit} and {@link fitPath}.
   *
   * @example
   * ```ts
   * fd.fit(latents.val, val.labels, preds.val, { classNames: val.classNames });
   * ```
   */
  fit(latents: Matrix, labels: ArrayLike<number>, preds: ArrayLike<number>, options: FailureDirectionsFitOptions = {}): this {
    const caller = 'FailureDirections.fit';
    checkMatrix(latents, caller, 'latents');
    const n = latents.rows;
    const lab = checkClassIds(labels, n, caller, 'labels');
    const prd = checkClassIds(preds, n, caller, 'preds');
    let maxLabel = 0;
    for (let i = 0; i < n; i++) maxLabel = Math.max(maxLabel, lab[i]);
    const classNames = options.classNames ? [...options.classNames].map(String) : Array.from({ length: maxLabel + 1 }, (_, c) => String(c));
    if (classNames.length <= maxLabel) {
      throw new RangeError(`${caller}: labels contain class ${maxLabel} but classNames has only ${classNames.length} names`);
    }
    if (this.options.whiten && this.preprocessSource_ !== 'train') {
      this.preprocessor_.fit(latents);
      this.preprocessSource_ = 'fit latents';
    }
    const z = this.preprocessor_.transform(latents);
    const correct = new Uint8Array(n);
    for (let i = 0; i < n; i++) correct[i] = lab[i] === prd[i] ? 1 : 0;

    this.valLatents = z;
    this.valLabels = lab;
    this.valCorrect = correct;
    this.classData.clear();
    this.classNames_ = classNames;
    const nClasses = classNames.length;
    const svms: (LinearSVC | null)[] = new Array(nClasses).fill(null);
    const classes: ClassState[] = [];
    const { Cs, folds } = this.options;
    const bar = progress('failure directions', nClasses);
    for (let c = 0; c < nClasses; c++) {
      const { X, y } = this.dataOf(c);
      let nErr = 0;
      for (let i = 0; i < y.length; i++) nErr += 1 - y[i];
      const nOk = y.length - nErr;
      const status =
        y.length === 0
          ? 'no samples'
          : nErr === 0
            ? 'no errors'
            : nOk === 0
              ? 'no correct predictions'
              : nErr < folds
                ? `too few errors (${nErr} < ${folds} folds)`
                : nOk < folds
                  ? `too few correct (${nOk} < ${folds} folds)`
                  : 'ok';
      const details: ClassCVDetails = {
        classId: c,
        className: classNames[c],
        Cs: [...Cs],
        meanBalancedAccuracy: Cs.map(() => NaN),
        chosenC: null,
        status,
        converged: Cs.map(() => false),
      };
      const state: ClassState = { n: y.length, nErrors: nErr, status, C: null, cvBalancedAccuracy: null, details };
      if (status === 'ok') {
        const { C: _C, ...svmOpts } = this.svmParams(1);
        const cv = crossValidateC(X, y, { ...svmOpts, Cs, folds, shuffle: this.options.shuffle });
        details.meanBalancedAccuracy = cv.meanScores;
        details.chosenC = cv.bestC;
        details.converged = cv.converged;
        state.C = cv.bestC;
        state.cvBalancedAccuracy = cv.bestScore;
        svms[c] = new LinearSVC(this.svmParams(cv.bestC)).fit(X, y);
      }
      classes.push(state);
      bar.tick(1, classNames[c]);
    }
    bar.done();
    this.classes = classes;
    this.svms_ = svms;
    this.cvDetails_ = classes.map((s) => s.details);
    return this;
  }

  /** The class's preprocessed validation rows and correct/wrong labels (cached). */
  private dataOf(c: number): { X: Matrix; y: Uint8Array } {
    let d = this.classData.get(c);
    if (!d) {
      if (!this.valLatents || !this.valLabels || !this.valCorrect) {
        throw new Error('FailureDirections: the validation data is not available (this model was saved without data); refit and fitPath need it');
      }
      const rows: number[] = [];
      for (let i = 0; i < this.valLabels.length; i++) if (this.valLabels[i] === c) rows.push(i);
      d = { X: takeRows(this.valLatents, rows), y: Uint8Array.from(rows, (i) => this.valCorrect![i]) };
      this.classData.set(c, d);
    }
    return d;
  }

  private assertFitted(caller: string): void {
    if (!this.classes || !this.svms_) throw new Error(`${caller}: this FailureDirections is not fitted yet; call fit(latents, labels, preds) first`);
  }

  private checkClass(classId: number, caller: string): LinearSVC {
    this.assertFitted(caller);
    if (!Number.isInteger(classId) || classId < 0 || classId >= this.svms_!.length) {
      throw new RangeError(`${caller}: class ${classId} is not one of the fitted classes 0..${this.svms_!.length - 1}`);
    }
    const svm = this.svms_![classId];
    if (!svm) throw new Error(`${caller}: class ${classId} ('${this.classNames_![classId]}') has no SVM: ${this.classes![classId].status}`);
    return svm;
  }

  /**
   * Per-class summary as an Arquero table: `class, className, n, nErrors, C, cvBalancedAccuracy,
   * status` (C and cvBalancedAccuracy are null for a class without an SVM; C is the current one,
   * after any {@link refit}).
   */
  get cv_(): DirectionsTable {
    this.assertFitted('FailureDirections.cv_');
    const cls = this.classes!;
    return aq.table({
      class: cls.map((_, c) => c),
      className: [...this.classNames_!],
      n: cls.map((s) => s.n),
      nErrors: cls.map((s) => s.nErrors),
      C: cls.map((s) => s.C),
      cvBalancedAccuracy: cls.map((s) => s.cvBalancedAccuracy),
      status: cls.map((s) => s.status),
    });
  }

  /**
   * Each row's decision value under its own class's SVM (preprocessing applied); NaN for rows
   * whose class has no SVM. Negative = on the failure side.
   *
   * @example
   * ```ts
   * const s = fd.decisionFunction(latents.test, test.labels);
   * ```
   */
  decisionFunction(latents: Matrix, labels: ArrayLike<number>): Float64Array {
    const caller = 'FailureDirections.decisionFunction';
    this.assertFitted(caller);
    checkMatrix(latents, caller, 'latents', true);
    const lab = checkClassIds(labels, latents.rows, caller, 'labels');
    const nClasses = this.svms_!.length;
    for (let i = 0; i < lab.length; i++) {
      if (lab[i] >= nClasses) throw new RangeError(`${caller}: labels[${i}] = ${lab[i]} is not one of the fitted classes 0..${nClasses - 1}`);
    }
    const z = this.preprocess(latents);
    const { data, cols } = z;
    const out = new Float64Array(z.rows);
    for (let i = 0; i < z.rows; i++) {
      const svm = this.svms_![lab[i]];
      if (!svm) {
        out[i] = NaN;
        continue;
      }
      const w = svm.coef_!;
      const off = i * cols;
      let s = 0;
      for (let j = 0; j < cols; j++) s += w[j] * data[off + j];
      out[i] = s + svm.intercept_!;
    }
    return out;
  }

  /**
   * One row per sample: `id, split, label, className, pred, correct, confidence, score, flagged,
   * rankInClass` (+ `group` when groups are given). `score` is the decision value, `flagged` is
   * `score < 0`, `rankInClass` is 0 for the hardest (lowest-score) sample of each class. Rows of a
   * class without an SVM have score NaN, flagged false, rankInClass NaN.
   *
   * @example
   * ```ts
   * fd.scores({ latents: z.test, labels: test.labels, preds, confidences, ids: test.ids, groups: test.groups, split: 'test' })
   *   .orderby('score').print();
   * ```
   */
  scores(input: ScoresInput): DirectionsTable {
    const caller = 'FailureDirections.scores';
    this.assertFitted(caller);
    if (input == null || typeof input !== 'object') throw new TypeError(`${caller}: expected {latents, labels, preds?, ...}`);
    const { latents, labels } = input;
    checkMatrix(latents, caller, 'latents', true);
    const n = latents.rows;
    const score = this.decisionFunction(latents, labels);
    const lab = Int32Array.from(labels);
    const checkLen = (a: ArrayLike<unknown> | undefined, what: string) => {
      if (a != null && a.length !== n) throw new RangeError(`${caller}: ${what} has ${a.length} entries but latents have ${n} rows`);
    };
    checkLen(input.preds, 'preds');
    checkLen(input.confidences, 'confidences');
    checkLen(input.ids, 'ids');
    checkLen(input.groups, 'groups');
    if (input.split != null && typeof input.split !== 'string') checkLen(input.split, 'split');
    const preds = input.preds ? checkClassIds(input.preds, n, caller, 'preds') : null;

    const rank = new Float64Array(n).fill(NaN);
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(score[i])) continue;
      let list = byClass.get(lab[i]);
      if (!list) byClass.set(lab[i], (list = []));
      list.push(i);
    }
    for (const list of byClass.values()) {
      list.sort((a, b) => score[a] - score[b] || a - b);
      list.forEach((i, r) => (rank[i] = r));
    }
    const names = this.classNames_!;
    const cols: Record<string, ArrayLike<unknown>> = {
      id: input.ids ? Array.from(input.ids) : Array.from({ length: n }, (_, i) => i),
      split: typeof input.split === 'string' || input.split == null ? new Array(n).fill(input.split ?? null) : Array.from(input.split),
      label: Array.from(lab),
      className: Array.from(lab, (c) => names[c]),
      pred: preds ? Array.from(preds) : new Array(n).fill(null),
      correct: preds ? Array.from(lab, (c, i) => c === preds[i]) : new Array(n).fill(null),
      confidence: input.confidences ? Float64Array.from(input.confidences) : new Float64Array(n).fill(NaN),
      score,
      flagged: Array.from(score, (s) => s < 0),
      rankInClass: rank,
    };
    if (input.groups) cols.group = Array.from(input.groups);
    return aq.table(cols as any);
  }

  /**
   * The class's failure direction: the SVM's unit normal in preprocessed space (Float32). Moving a
   * sample along it raises its score (towards "correct"); the hardest samples lie furthest along
   * its negative.
   *
   * @example
   * ```ts
   * const u = fd.direction(3);
   * ```
   */
  direction(classId: number): Float32Array {
    const svm = this.checkClass(classId, 'FailureDirections.direction');
    const w = svm.coef_!;
    let s = 0;
    for (let j = 0; j < w.length; j++) s += w[j] * w[j];
    const norm = Math.sqrt(s);
    const out = new Float32Array(w.length);
    if (norm > 0) for (let j = 0; j < w.length; j++) out[j] = w[j] / norm;
    return out;
  }

  /**
   * Refits one class's SVM at a new C on its kept validation data, warm-started from the current
   * solution (fast enough for a slider). `cv_` then shows the new C and its CV score when C is on
   * the grid (else null).
   *
   * @example
   * ```ts
   * fd.refit(3, 0.01).scores({ ... });
   * ```
   */
  refit(classId: number, C: number): this {
    const caller = 'FailureDirections.refit';
    const svm = this.checkClass(classId, caller);
    checkC(C, caller);
    const { X, y } = this.dataOf(classId);
    // The kept data were validated by fit: skip re-checking them on every slider move.
    svm.setParams({ C }).fitRows(X, null, y, true, caller);
    const state = this.classes![classId];
    state.C = C;
    const k = state.details.Cs.indexOf(C);
    state.cvBalancedAccuracy = k >= 0 ? state.details.meanBalancedAccuracy[k] : null;
    return this;
  }

  /**
   * One fitted {@link LinearSVC} per C (default: the CV grid) on the class's full validation data,
   * warm-started along the path; in the order of `Cs`. For sliders showing how the ranking moves
   * with C. Does not change the fitted model.
   *
   * @example
   * ```ts
   * const path = fd.fitPath(3);
   * const rankings = path.map((m) => m.decisionFunction(fd.preprocess(latents.test)));
   * ```
   */
  fitPath(classId: number, Cs?: number[]): LinearSVC[] {
    const caller = 'FailureDirections.fitPath';
    this.checkClass(classId, caller);
    const grid = Cs ?? this.options.Cs;
    const { X, y } = this.dataOf(classId);
    const { C: _C, ...params } = this.svmParams(1);
    return fitCPath(X, y, grid, params);
  }

  /**
   * Exact JSON form: options, preprocessing, per-class state and SVMs, and (by default) the
   * preprocessed validation data that `refit` / `fitPath` need. Pass `{ data: false }` for a
   * smaller file that still scores and ranks but cannot refit.
   *
   * @example
   * ```ts
   * fs.writeFileSync('fd.json', JSON.stringify(fd));
   * const fd2 = FailureDirections.fromJSON(JSON.parse(fs.readFileSync('fd.json', 'utf8')));
   * ```
   */
  toJSON(options?: { data?: boolean } | string): FailureDirectionsJSON {
    const withData = typeof options === 'object' && options !== null ? options.data !== false : true;
    const base = {
      type: 'FailureDirections' as const,
      version: 1 as const,
      options: { ...this.options, Cs: [...this.options.Cs] },
      preprocessor: this.preprocessor_.toJSON(),
      preprocessSource: this.preprocessSource_,
    };
    if (!this.classes) return { ...base, fitted: null };
    const data =
      withData && this.valLatents && this.valLabels && this.valCorrect
        ? {
            latents: encodeArray(this.valLatents.data),
            rows: this.valLatents.rows,
            cols: this.valLatents.cols,
            labels: encodeArray(this.valLabels),
            correct: encodeArray(this.valCorrect),
          }
        : null;
    return {
      ...base,
      fitted: {
        classNames: [...this.classNames_!],
        classes: this.classes.map((s, c) => ({
          n: s.n,
          nErrors: s.nErrors,
          status: s.status,
          C: s.C,
          cvBalancedAccuracy: s.cvBalancedAccuracy,
          cvDetails: {
            Cs: [...s.details.Cs],
            meanBalancedAccuracy: s.details.meanBalancedAccuracy.map((v) => (Number.isNaN(v) ? null : v)),
            chosenC: s.details.chosenC,
            status: s.details.status,
            converged: [...s.details.converged],
          },
          svm: this.svms_![c] ? this.svms_![c]!.toJSON() : null,
        })),
        data,
      },
    };
  }

  /**
   * Rebuilds a model from {@link FailureDirections.toJSON}'s output (or its JSON string).
   *
   * @example
   * ```ts
   * const fd2 = FailureDirections.fromJSON(text);
   * ```
   */
  static fromJSON(json: FailureDirectionsJSON | string): FailureDirections {
    const j: FailureDirectionsJSON = typeof json === 'string' ? JSON.parse(json) : json;
    const caller = 'FailureDirections.fromJSON';
    if (j == null || j.type !== 'FailureDirections') throw new TypeError(`${caller}: not a FailureDirections (type ${j && (j as any).type})`);
    if (j.version !== 1) throw new RangeError(`${caller}: unsupported version ${j.version}`);
    const fd = new FailureDirections(j.options);
    fd.preprocessor_ = Preprocessor.fromJSON(j.preprocessor);
    fd.preprocessSource_ = j.preprocessSource;
    const f = j.fitted;
    if (!f) return fd;
    fd.classNames_ = [...f.classNames];
    fd.classes = f.classes.map((s, c) => ({
      n: s.n,
      nErrors: s.nErrors,
      status: s.status,
      C: s.C,
      cvBalancedAccuracy: s.cvBalancedAccuracy,
      details: {
        classId: c,
        className: f.classNames[c],
        Cs: [...s.cvDetails.Cs],
        meanBalancedAccuracy: s.cvDetails.meanBalancedAccuracy.map((v) => (v === null ? NaN : v)),
        chosenC: s.cvDetails.chosenC,
        status: s.cvDetails.status,
        converged: [...s.cvDetails.converged],
      },
    }));
    fd.svms_ = f.classes.map((s) => (s.svm ? LinearSVC.fromJSON(s.svm) : null));
    fd.cvDetails_ = fd.classes.map((s) => s.details);
    if (f.data) {
      fd.valLatents = { data: decodeFloat32(f.data.latents, `${caller}: data.latents`), rows: f.data.rows, cols: f.data.cols };
      fd.valLabels = decodeInt32(f.data.labels, `${caller}: data.labels`);
      fd.valCorrect = decodeUint8(f.data.correct, `${caller}: data.correct`);
    }
    return fd;
  }
}

/** Checks class ids: `n` non-negative integers; returns them as an Int32Array. */
function checkClassIds(a: ArrayLike<number>, n: number, caller: string, what: string): Int32Array {
  if (a == null || typeof (a as ArrayLike<number>).length !== 'number') throw new TypeError(`${caller}: ${what} must be an array of class ids, got ${a}`);
  if (a.length !== n) throw new RangeError(`${caller}: ${what} has ${a.length} entries but latents have ${n} rows`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${caller}: ${what}[${i}] = ${v} is not a class id (a non-negative integer)`);
    out[i] = v;
  }
  return out;
}
