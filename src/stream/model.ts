/**
 * What streaming needs from fitted failure directions: the preprocessing statistics and the per-class
 * SVM weights, flattened for the scoring kernel, the class names, and a content hash that identifies
 * the model in result folders (so folders scored by different models are never merged silently).
 */
import * as crypto from 'node:crypto';
import type { FailureDirections } from '../directions/failure-directions';
import type { Preprocessor } from '../directions/preprocess';
import type { LinearSVC } from '../svm/linear-svc';
import type { ScoreParams } from './score-kernel';

/** The pieces of a fitted model that scoring uses (what a `FailureDirections` holds after `fit`). */
export interface DirectionsModel {
  preprocessor: Preprocessor;
  /** Per-class SVM, null for a class without a direction. */
  svms: ReadonlyArray<LinearSVC | null>;
  classNames: readonly string[];
}

/** A model ready for the kernel. */
export interface StreamModel {
  params: ScoreParams;
  classNames: string[];
  /** sha256 of the preprocessing statistics, weights, intercepts and class names. */
  hash: string;
  /** Classes that score NaN (no SVM, or a status other than 'ok'). */
  undirected: number[];
}

/** Per-class statuses when the estimator exposes them (`classSummary_` after issue 10, `cv_` before). */
function statuses(dirs: FailureDirections): string[] | null {
  for (const name of ['classSummary_', 'cv_']) {
    try {
      const t = (dirs as unknown as Record<string, { array?(c: string): ArrayLike<unknown> } | undefined>)[name];
      if (t && typeof t.array === 'function') return Array.from(t.array('status'), String);
    } catch {
      /* not fitted or not this version */
    }
  }
  return null;
}

/**
 * Flattens a fitted `FailureDirections` (or its pieces) for streaming. Throws when it is not fitted,
 * or the preprocessing has no statistics.
 *
 * @example
 * ```ts
 * const m = streamModel(dirs);
 * m.classNames; m.hash;
 * ```
 */
export function streamModel(model: FailureDirections | DirectionsModel): StreamModel {
  let pre: Preprocessor;
  let svms: ReadonlyArray<LinearSVC | null>;
  let classNames: readonly string[];
  let status: string[] | null = null;
  if (model != null && 'svms' in model && 'preprocessor' in model) {
    ({ preprocessor: pre, svms, classNames } = model as DirectionsModel);
  } else {
    const dirs = model as FailureDirections;
    if (dirs == null || typeof dirs !== 'object') throw new TypeError(`expected a fitted FailureDirections, got ${dirs}`);
    let s: ReadonlyArray<LinearSVC | null> | undefined;
    let c: readonly string[] | undefined;
    try {
      s = dirs.svms_;
      c = dirs.classNames_;
    } catch {
      s = undefined;
    }
    if (!s || !c) throw new Error('the FailureDirections is not fitted yet: fit it on a validation sample first, then stream the rest');
    svms = s;
    classNames = c;
    pre = dirs.preprocessor_;
    status = statuses(dirs);
  }
  if (!pre || !pre.ready) throw new Error('the preprocessing has no whitening statistics: call setPreprocess(trainLatents) (or fit) first');
  const nClasses = classNames.length;
  if (svms.length !== nClasses) throw new RangeError(`${svms.length} SVMs for ${nClasses} class names`);
  const first = svms.find((s) => s != null);
  const cols = pre.nFeatures_ ?? first?.nFeatures_;
  if (cols === undefined) throw new Error('cannot tell the embedding width: no whitening statistics and no fitted SVM');
  const mean = new Float64Array(cols);
  const invStd = new Float64Array(cols).fill(1);
  if (pre.whiten) {
    mean.set(pre.mean_!);
    for (let j = 0; j < cols; j++) invStd[j] = 1 / pre.std_![j];
  }
  const coef = new Float64Array(nClasses * cols);
  const intercept = new Float64Array(nClasses);
  const hasSvm = new Uint8Array(nClasses);
  const undirected: number[] = [];
  svms.forEach((svm, c) => {
    const ok = svm != null && svm.coef_ !== undefined && (status === null || status[c] === 'ok');
    if (!ok) {
      undirected.push(c);
      return;
    }
    if (svm!.coef_!.length !== cols) throw new RangeError(`class ${c}'s SVM has ${svm!.coef_!.length} weights but the preprocessing has ${cols} features`);
    coef.set(svm!.coef_!, c * cols);
    intercept[c] = svm!.intercept_!;
    hasSvm[c] = 1;
  });
  const h = crypto.createHash('sha256');
  h.update(JSON.stringify({ classNames, whiten: pre.whiten, normalize: pre.normalize, hasSvm: Array.from(hasSvm) }));
  for (const a of [mean, invStd, coef, intercept]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return {
    params: { cols, mean, invStd, normalize: pre.normalize, coef, intercept, hasSvm, nClasses },
    classNames: [...classNames],
    hash: h.digest('hex'),
    undirected,
  };
}
