/**
 * Per-class failure directions (Jain, Lawrence, Moitra, Madry, "Distilling Model Failures as
 * Directions in Latent Space", ICLR 2023, section 3): for each true class, a linear SVM on
 * preprocessed validation embeddings separating "the model got it right" (1) from "wrong" (0). Its
 * unit normal is the class's failure direction; its decision value ranks samples from hardest (most
 * negative) to easiest.
 *
 * This file is the estimator; its JSON form is in `failure-directions-json.ts`, the tables it returns
 * are built in `scores-table.ts`.
 */
import { crossValidateC, fitCPath, logGrid } from '../svm/cross-validate';
import { scoreRowsPlain } from '../svm/dual-cd';
import { LinearSVC, LinearSVCParams, SVMLoss } from '../svm/linear-svc';
import { relativeDecisionSpread, relativeWeightNorm } from '../svm/relative-weight-norm';
import { checkC, checkMatrix, checkPositiveInt } from '../svm/validate';
import { classIndex, sameVocabulary } from '../data/class-vocabulary';
import { NotFittedError } from '../util/errors';
import { Matrix, takeRows } from '../util/matrix';
import { progress } from '../util/progress';
import { ClassFit, decodeFailureDirections, encodeFailureDirections, FailureDirectionsJSON, FittedState } from './failure-directions-json';
import { Preprocessor } from './preprocess';
import { classSummaryTable, cvResultsTable, scoresTable, ScoresTable } from './scores-table';
import { describe, SplitInput } from './split-input';
import type { ClassRef } from './table-views';

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
  seed: number;
  loss: SVMLoss;
  tol: number;
  maxIter: number;
  regularizeIntercept: boolean;
  shuffle: boolean;
}

/**
 * The no-signal threshold: a class whose SVM weight is below this fraction of the size of its dual
 * terms (`relativeWeightNorm`), or whose decision values over its own samples spread less than this
 * fraction of |w| max |x| (`relativeDecisionSpread`), learned nothing (status `no signal`); see
 * {@link FailureDirections}.
 */
export const NO_SIGNAL_RELATIVE_NORM = 1e-6;

/** Rows to score: embeddings and each row's true class (a {@link SplitInput} is one). */
export interface LabeledLatents {
  latents: Matrix;
  labels: ArrayLike<number>;
}

/**
 * The paper's SVMFitter: per-class linear SVMs on preprocessed validation embeddings that predict
 * whether the model classified each sample correctly. Follows scikit-learn's estimator shape: the
 * constructor stores options, {@link fit} takes one {@link SplitInput} and returns `this`, learned
 * fields end in `_` and throw {@link NotFittedError} before `fit`.
 *
 * Classes that cannot get an SVM are not an error: a class with no samples, no errors, no correct
 * predictions, or fewer samples of either kind than CV folds gets a `status` saying why (see
 * `classSummary_`), no SVM (`svms_[c] === null`), and its samples score NaN (`flagged` false,
 * `rankInClass` NaN) in `decisionFunction` and `scores`; `direction(c)` throws naming the status.
 *
 * A class whose SVM learned nothing gets status `no signal (...)` the same way (its C and CV score
 * stay in `classSummary_` / `cvResults_`): on the final fit, either the weight vector is
 * numerically zero relative to the data, |w| < 1e-6 * sum_i alpha_i |x_i| (in the dual
 * w = sum_i alpha_i y_i x_i: what is left after the correct and wrong samples cancel), or it does not
 * separate the class's samples, max_i w.x_i - min_i w.x_i < 1e-6 * |w| max_i |x_i|. The threshold
 * is the resolution of float32 embeddings; real directions measure orders of magnitude above it.
 * Chance-level cross-validation is deliberately not part of the rule: with only a few errors, 2-fold
 * CV can sit at 0.5 for a class whose direction still ranks held-out failures well, so CV is reported
 * in `cvBalancedAccuracy` for the user to judge.
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
 * const dirs = new fd.FailureDirections({ seed: 0 });
 * dirs.setPreprocess(trainInput).fit(valInput);  // whiten with train statistics, one SVM per class
 * dirs.classSummary_;                            // class, className, n, nErrors, C, cvBalancedAccuracy, status
 * const scores = dirs.scores(testInput);         // id, ..., score, flagged, rankInClass
 * fd.hardest(scores, { classId: 0, k: 10 });     // the 10 hardest test images of class 0
 * dirs.refit(0, 0.01);                           // interactive: new C for class 0, warm-started
 * ```
 */
export class FailureDirections {
  readonly options: ResolvedFailureDirectionsOptions;
  private pre: Preprocessor;
  private preSource: 'train' | 'fit latents' | null = null;
  private state: FittedState | null = null;
  private classData = new Map<number, { X: Matrix; y: Uint8Array }>();

  constructor(options: FailureDirectionsOptions = {}) {
    const caller = 'FailureDirections';
    if ((options as { randomState?: unknown }).randomState !== undefined) {
      throw new TypeError(`${caller}: the option is called 'seed' (randomState was renamed)`);
    }
    const Cs = [...(options.Cs ?? logGrid())];
    if (Cs.length === 0) throw new RangeError(`${caller}: Cs is empty`);
    Cs.forEach((c, i) => checkC(c, caller, `Cs[${i}]`));
    Cs.sort((a, b) => a - b);
    const folds = checkPositiveInt(options.folds ?? 2, caller, 'folds', 2);
    const seed = options.seed ?? 0;
    if (!Number.isFinite(seed)) throw new RangeError(`${caller}: seed must be a finite number, got ${seed}`);
    this.options = {
      Cs,
      folds,
      balanced: options.balanced ?? true,
      whiten: options.whiten ?? true,
      normalize: options.normalize ?? true,
      seed,
      loss: options.loss ?? 'hinge',
      tol: options.tol ?? 1e-3,
      maxIter: options.maxIter ?? 1000,
      regularizeIntercept: options.regularizeIntercept ?? false,
      shuffle: options.shuffle ?? true,
    };
    if (this.options.loss !== 'hinge' && this.options.loss !== 'squared_hinge') throw new RangeError(`${caller}: loss must be 'hinge' or 'squared_hinge', got '${this.options.loss}'`);
    if (!(this.options.tol > 0)) throw new RangeError(`${caller}: tol must be positive, got ${this.options.tol}`);
    checkPositiveInt(this.options.maxIter, caller, 'maxIter');
    // Fail early on bad solver parameters.
    new LinearSVC(this.svmParams(1)).setParams({});
    this.pre = new Preprocessor({ whiten: this.options.whiten, normalize: this.options.normalize });
  }

  /** @internal The LinearSVC parameters of one class's SVM at `C`. */
  svmParams(C: number): LinearSVCParams {
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
      seed: o.seed,
    };
  }

  /**
   * Sets the whitening statistics (per-feature mean and std) from the **train** split's latents
   * (a Matrix, or a {@link SplitInput} of the train split). If `fit` runs without it while `whiten`
   * is on, the statistics come from the fit (validation) latents instead and `preprocessSource_`
   * says so.
   *
   * @example
   * ```ts
   * dirs.setPreprocess(await fd.embed(encoder, train));
   * ```
   */
  setPreprocess(train: Matrix | { latents: Matrix }): this {
    const latents = isMatrix(train) ? train : train?.latents;
    if (!isMatrix(latents)) throw new TypeError(`FailureDirections.setPreprocess: expected the train split's latents (a Matrix or a SplitInput), got ${train}`);
    this.pre.fit(latents);
    this.preSource = 'train';
    return this;
  }

  /**
   * The preprocessing applied before every SVM: whitening (train statistics) then row L2
   * normalisation, as configured. Returns a new Float32 matrix.
   *
   * @example
   * ```ts
   * const z = dirs.preprocess(testInput.latents);
   * ```
   */
  preprocess(latents: Matrix): Matrix {
    if (!this.pre.ready) throw new NotFittedError('FailureDirections.preprocess: no whitening statistics yet; call setPreprocess(trainLatents) or fit(input) first');
    return this.pre.transform(latents);
  }

  /**
   * Fits one SVM per class of `input.classNames` on "prediction correct" (1) vs "wrong" (0),
   * choosing each class's C by stratified k-fold CV on balanced accuracy (ties to the smaller C),
   * then refitting on all of the class's samples. Keeps the preprocessed data for {@link refit} and
   * {@link fitPath}. `input` is the validation split with the model's predictions (see
   * `splitInput`); throws naming the row if a label or prediction is outside the vocabulary.
   *
   * @example
   * ```ts
   * dirs.fit(fd.splitInput(val, zVal, await fd.predict(model, val)));
   * ```
   */
  fit(input: SplitInput): this {
    const caller = 'FailureDirections.fit';
    const { latents, lab, classNames } = this.checkInput(input, caller);
    const n = latents.rows;
    if (!input.preds) throw new TypeError(`${caller}: the input of split '${input.split}' has no predictions (preds); build it with splitInput(split, latents, predictions)`);
    const prd = checkIdsIn(input.preds, n, classNames, caller, 'preds', input.split);
    if (this.options.whiten && this.preSource !== 'train') {
      this.pre.fit(latents);
      this.preSource = 'fit latents';
    }
    const z = this.pre.transform(latents);
    const correct = new Uint8Array(n);
    for (let i = 0; i < n; i++) correct[i] = lab[i] === prd[i] ? 1 : 0;

    this.classData.clear();
    const nClasses = classNames.length;
    const classes: ClassFit[] = [];
    const { Cs, folds } = this.options;
    this.state = { classNames: [...classNames], classes, data: { latents: z, labels: lab, correct } };
    const bar = progress('failure directions', nClasses);
    for (let c = 0; c < nClasses; c++) {
      const { X, y } = this.dataOf(c);
      let nErr = 0;
      for (let i = 0; i < y.length; i++) nErr += 1 - y[i];
      const nOk = y.length - nErr;
      let status =
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
      const fitC: ClassFit = {
        n: y.length,
        nErrors: nErr,
        status,
        C: null,
        cvBalancedAccuracy: null,
        cv: { Cs: [...Cs], meanBalancedAccuracy: Cs.map(() => NaN), chosenC: null, converged: Cs.map(() => false) },
        svm: null,
      };
      if (status === 'ok') {
        const { C: _C, ...svmOpts } = this.svmParams(1);
        const cv = crossValidateC(X, y, { ...svmOpts, Cs, folds, shuffle: this.options.shuffle });
        fitC.cv = { Cs: [...Cs], meanBalancedAccuracy: cv.meanScores, chosenC: cv.bestC, converged: cv.converged };
        fitC.C = cv.bestC;
        fitC.cvBalancedAccuracy = cv.bestScore;
        const svm = new LinearSVC(this.svmParams(cv.bestC)).fit(X, y);
        const rel = relativeWeightNorm(svm.coef_!, svm.alpha_!, X);
        const spread = rel < NO_SIGNAL_RELATIVE_NORM ? 0 : relativeDecisionSpread(svm.coef_!, X);
        const fmt = (v: number) => (v === 0 ? '0' : v.toExponential(1));
        if (rel < NO_SIGNAL_RELATIVE_NORM) status = `no signal (weight vector numerically zero: relative norm ${fmt(rel)})`;
        else if (spread < NO_SIGNAL_RELATIVE_NORM) status = `no signal (every sample scores the same: relative spread ${fmt(spread)})`;
        fitC.status = status;
        if (status === 'ok') fitC.svm = svm;
      }
      classes.push(fitC);
      bar.tick(1, classNames[c]);
    }
    bar.done();
    return this;
  }

  /**
   * SVM decision values (preprocessing applied; negative = failure side). With a
   * `{ latents, labels }` input (e.g. a {@link SplitInput}), each row is scored by its own class's
   * SVM (NaN where the class has no SVM); with a Matrix and a `classId`, every row is scored by that
   * class's SVM (e.g. caption embeddings, or pool images of unknown class).
   *
   * @example
   * ```ts
   * const s = dirs.decisionFunction(testInput);          // Float64Array, one per row
   * const t = dirs.decisionFunction(zTest, 0);           // every row under class 0's direction
   * ```
   */
  decisionFunction(input: LabeledLatents | Matrix, classId?: ClassRef): Float64Array {
    const caller = 'FailureDirections.decisionFunction';
    const st = this.fitted(caller);
    if (isMatrix(input)) {
      if (classId === undefined) throw new TypeError(`${caller}: scoring a bare Matrix needs a classId (or pass { latents, labels })`);
      const svm = this.checkClass(classId, caller);
      checkMatrix(input, caller, 'latents', true);
      return svm.decisionFunction(this.preprocess(input));
    }
    if (input == null || !isMatrix(input.latents)) throw new TypeError(`${caller}: expected { latents, labels } or a Matrix and a classId, got ${input}`);
    const latents = checkMatrix(input.latents, caller, 'latents', true);
    const lab = checkIdsIn(input.labels, latents.rows, st.classNames, caller, 'labels', (input as Partial<SplitInput>).split);
    const z = this.preprocess(latents);
    const out = new Float64Array(z.rows).fill(NaN);
    // Rows grouped by class, scored with the SVM's own row scorer (bit-identical to svm.decisionFunction).
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < z.rows; i++) {
      if (!st.classes[lab[i]].svm) continue;
      let list = byClass.get(lab[i]);
      if (!list) byClass.set(lab[i], (list = []));
      list.push(i);
    }
    for (const [c, list] of byClass) {
      const svm = st.classes[c].svm!;
      const rows = Int32Array.from(list);
      const s = scoreRowsPlain(z.data, z.cols, rows.length, rows, svm.coef_!, svm.intercept_!);
      for (let k = 0; k < rows.length; k++) out[rows[k]] = s[k];
    }
    return out;
  }

  /**
   * Scores a split: an Arquero table with one row per sample, in input order —
   * `id, split, label, className, pred, predName, correct, confidence, score, flagged, rankInClass`
   * (+ `group` when the input has groups). `score` is the decision value, `flagged` is `score < 0`,
   * `rankInClass` is 0 for the hardest (lowest-score) sample of its class. Rows of a class without
   * an SVM have score NaN, flagged false, rankInClass NaN; without predictions, `pred`, `predName`
   * and `correct` are null. The table remembers its input, so `projectionPlot(dirs, scores)` and
   * `imageStrip(split, fd.hardest(scores))` find the embeddings and images of its rows. Throws if
   * the input's class vocabulary differs from the fitted one, naming both.
   *
   * @example
   * ```ts
   * const scores = dirs.scores(testInput);
   * scores.orderby('score');                 // hardest first
   * ```
   */
  scores(input: SplitInput): ScoresTable {
    const caller = 'FailureDirections.scores';
    const st = this.fitted(caller);
    const { latents } = this.checkInput(input, caller, st.classNames);
    if (input.preds) checkIdsIn(input.preds, latents.rows, st.classNames, caller, 'preds', input.split);
    return scoresTable(input, this.decisionFunction(input), st.classNames);
  }

  /**
   * The class's failure direction: the SVM's unit normal in preprocessed space (Float32, length d).
   * Moving a sample along it raises its score (towards "correct"); the hardest samples lie furthest
   * along its negative.
   *
   * @example
   * ```ts
   * const u = dirs.direction(3);
   * ```
   */
  direction(classId: ClassRef): Float32Array {
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
   * solution (about 10 ms: fast enough for a slider). `classSummary_` then shows the new C and its
   * CV score when C is on the grid (else null).
   *
   * @example
   * ```ts
   * dirs.refit(3, 0.01).scores(testInput);
   * ```
   */
  refit(classId: ClassRef, C: number): this {
    const caller = 'FailureDirections.refit';
    const svm = this.checkClass(classId, caller);
    const c = this.classIndex(classId, caller);
    checkC(C, caller);
    const { X, y } = this.dataOf(c);
    // The kept data were validated by fit: skip re-checking them on every slider move.
    svm.setParams({ C }).fitRows(X, null, y, true, caller);
    const cls = this.state!.classes[c];
    cls.C = C;
    const k = cls.cv.Cs.indexOf(C);
    cls.cvBalancedAccuracy = k >= 0 ? cls.cv.meanBalancedAccuracy[k] : null;
    return this;
  }

  /**
   * One fitted {@link LinearSVC} per C (default: the CV grid) on the class's full validation data,
   * warm-started along the path, in the order of `Cs`. For sliders showing how the ranking moves
   * with C. Does not change the fitted model.
   *
   * @example
   * ```ts
   * const path = dirs.fitPath(3);
   * const perC = path.map((svm) => svm.decisionFunction(dirs.preprocess(testInput.latents)));
   * ```
   */
  fitPath(classId: ClassRef, Cs?: number[]): LinearSVC[] {
    const caller = 'FailureDirections.fitPath';
    this.checkClass(classId, caller);
    const grid = Cs ?? this.options.Cs;
    const { X, y } = this.dataOf(this.classIndex(classId, caller));
    const { C: _C, ...params } = this.svmParams(1);
    return fitCPath(X, y, grid, params);
  }

  /** Class names of the fit, index = class id. */
  get classNames_(): string[] {
    return [...this.fitted('FailureDirections.classNames_').classNames];
  }

  /** Per-class SVM (null for a class without one: see `classSummary_`'s status). */
  get svms_(): (LinearSVC | null)[] {
    return this.fitted('FailureDirections.svms_').classes.map((c) => c.svm);
  }

  /** The preprocessing (whitening statistics once `setPreprocess` or `fit` ran). */
  get preprocessor_(): Preprocessor {
    return this.pre;
  }

  /** Where the whitening statistics came from: the train split, or the fit latents as a fallback. */
  get preprocessSource_(): 'train' | 'fit latents' | null {
    return this.preSource;
  }

  /**
   * Per-class summary as an Arquero table: `class, className, n, nErrors, C, cvBalancedAccuracy,
   * status` (C and cvBalancedAccuracy are null for a class without an SVM; C is the current one,
   * after any {@link refit}).
   *
   * @example
   * ```ts
   * dirs.classSummary_.filter((d) => d.status !== 'ok');
   * ```
   */
  get classSummary_(): ScoresTable {
    const st = this.fitted('FailureDirections.classSummary_');
    return classSummaryTable(st);
  }

  /**
   * The cross-validation results, one row per class and C of the grid (scikit-learn's
   * `cv_results_`, long form): `class, className, C, balancedAccuracy` (mean over folds, NaN for a
   * class without an SVM), `converged` (every fold's solver converged), `chosen` (C picked by CV).
   * What `cSweepPlot` draws.
   *
   * @example
   * ```ts
   * fd.cSweepPlot(dirs.cvResults_);
   * ```
   */
  get cvResults_(): ScoresTable {
    return cvResultsTable(this.fitted('FailureDirections.cvResults_'));
  }

  /**
   * Exact JSON form: options, preprocessing, per-class state and SVMs, and (by default) the
   * preprocessed validation data that `refit` / `fitPath` need. Pass `{ data: false }` for a
   * smaller file that still scores and ranks but cannot refit.
   *
   * @example
   * ```ts
 * import * as fs from 'node:fs';
   * fs.writeFileSync('dirs.json', JSON.stringify(dirs));
   * const again = fd.FailureDirections.fromJSON(fs.readFileSync('dirs.json', 'utf8'));
   * ```
   */
  toJSON(options?: { data?: boolean } | string): FailureDirectionsJSON {
    const withData = typeof options === 'object' && options !== null ? options.data !== false : true;
    return encodeFailureDirections(this.options, this.pre, this.preSource, this.state, withData);
  }

  /**
   * Rebuilds a model from {@link FailureDirections.toJSON}'s output (or its JSON string).
   *
   * @example
   * ```ts
   * const again = fd.FailureDirections.fromJSON(JSON.stringify(dirs));
   * ```
   */
  static fromJSON(json: FailureDirectionsJSON | string): FailureDirections {
    const d = decodeFailureDirections(json);
    const dirs = new FailureDirections(d.options);
    dirs.pre = d.preprocessor;
    dirs.preSource = d.preprocessSource;
    dirs.state = d.state;
    return dirs;
  }

  /** The class's preprocessed validation rows and correct/wrong labels (cached). */
  private dataOf(c: number): { X: Matrix; y: Uint8Array } {
    let d = this.classData.get(c);
    if (!d) {
      const data = this.state?.data;
      if (!data) throw new Error('FailureDirections: the validation data is not available (this model was saved with { data: false }); refit and fitPath need it');
      const rows: number[] = [];
      for (let i = 0; i < data.labels.length; i++) if (data.labels[i] === c) rows.push(i);
      d = { X: takeRows(data.latents, rows), y: Uint8Array.from(rows, (i) => data.correct[i]) };
      this.classData.set(c, d);
    }
    return d;
  }

  private fitted(caller: string): FittedState {
    if (!this.state) throw new NotFittedError(`${caller}: this FailureDirections is not fitted yet; call fit(valInput) first`);
    return this.state;
  }

  /** A class id from an id or a class name; throws naming the fitted classes. */
  private classIndex(ref: ClassRef, caller: string): number {
    const st = this.fitted(caller);
    if (typeof ref === 'string') {
      const c = st.classNames.indexOf(ref);
      if (c < 0) throw new RangeError(`${caller}: no class named '${ref}' (${describe(st.classNames)})`);
      return c;
    }
    if (!Number.isInteger(ref) || ref < 0 || ref >= st.classes.length) {
      throw new RangeError(`${caller}: class ${ref} is not one of the fitted classes 0..${st.classes.length - 1} (${describe(st.classNames)})`);
    }
    return ref;
  }

  private checkClass(ref: ClassRef, caller: string): LinearSVC {
    const st = this.fitted(caller);
    const classId = this.classIndex(ref, caller);
    const svm = st.classes[classId].svm;
    if (!svm) {
      const status = st.classes[classId].status;
      const why = status.startsWith('no signal')
        ? '; its SVM learned nothing: the correct and wrong validation samples of this class cannot be told apart in the embedding (identical or near-identical latents)'
        : '';
      throw new Error(`${caller}: class ${classId} ('${st.classNames[classId]}') has no direction: ${status}${why}`);
    }
    return svm;
  }

  /** Checks a SplitInput's latents, labels and (when given) that its vocabulary is the fitted one. */
  private checkInput(input: SplitInput, caller: string, fittedNames?: string[]): { latents: Matrix; lab: Int32Array; classNames: string[] } {
    if (input == null || typeof input !== 'object' || !isMatrix(input.latents)) {
      throw new TypeError(`${caller}: expected one input object { latents, labels, classNames, preds, ... } (build it with splitInput(split, latents, predictions)), got ${input}`);
    }
    const latents = checkMatrix(input.latents, caller, 'latents', fittedNames !== undefined);
    if (!Array.isArray(input.classNames)) throw new TypeError(`${caller}: the input of split '${input.split}' has no classNames (build it with splitInput)`);
    const classNames = input.classNames.map(String);
    classIndex(classNames, `${caller}: the classNames of split '${input.split}'`);
    // Compared by canonical name ('05' is '5'): the one label rule of every loader.
    if (fittedNames && !sameVocabulary(classNames, fittedNames)) {
      throw new Error(`${caller}: split '${input.split}' uses ${describe(classNames)} but the directions were fitted on ${describe(fittedNames)}; build its input with the same class vocabulary (e.g. readPredictionsCsv(file, { classNames: dirs.classNames_ }))`);
    }
    const lab = checkIdsIn(input.labels, latents.rows, classNames, caller, 'labels', input.split);
    return { latents, lab, classNames };
  }
}

function isMatrix(x: unknown): x is Matrix {
  return !!x && (x as Matrix).data instanceof Float32Array && typeof (x as Matrix).rows === 'number';
}

/** Checks class ids: `n` non-negative integers inside the vocabulary; returns them as an Int32Array. */
function checkIdsIn(a: ArrayLike<number>, n: number, classNames: readonly string[], caller: string, what: string, split?: string): Int32Array {
  if (a == null || typeof (a as ArrayLike<number>).length !== 'number') throw new TypeError(`${caller}: ${what} must be an array of class ids, got ${a}`);
  if (a.length !== n) throw new RangeError(`${caller}: ${what} has ${a.length} entries but latents have ${n} rows`);
  const where = split ? ` of split '${split}'` : '';
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${caller}: ${what}[${i}]${where} = ${v} is not a class id (a non-negative integer)`);
    if (v >= classNames.length) throw new RangeError(`${caller}: ${what}[${i}]${where} = ${v} is outside the vocabulary (${describe(classNames)})`);
    out[i] = v;
  }
  return out;
}
