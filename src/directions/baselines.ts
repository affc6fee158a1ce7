/**
 * Rankings that need no failure direction, the baselines every slice-discovery method must beat:
 * the model's probability of the true class (uses labels), its maximum softmax probability
 * (Hendrycks & Gimpel, "A Baseline for Detecting Misclassified and Out-of-Distribution Examples in
 * Neural Networks", ICLR 2017) and the entropy of its prediction (both label-free: what a pool without
 * labels allows), and seeded random scores. The rankings of {@link baselineScores} follow the
 * library's convention, the **lowest** value is the most suspicious; so does {@link maxSoftmax}.
 * {@link predictionEntropy} returns the entropy itself, where the **highest** value is the most
 * suspicious: negate it (or pass `{ positive: 'high' }` to the metrics) before ranking it with the SVM.
 */
import { assertMatrix, type Matrix } from '../util/matrix';
import { Random } from '../util/random';

/** A baseline ranking. */
export type BaselineMethod = 'confidence' | 'maxSoftmax' | 'entropy' | 'random';

/** The baselines, in the order tables list them. */
export const BASELINE_METHODS: readonly BaselineMethod[] = ['confidence', 'maxSoftmax', 'entropy', 'random'];

function checkProbs(probs: Matrix, caller: string): void {
  assertMatrix(probs, `${caller}: probs`);
  if (probs.cols < 2) throw new RangeError(`${caller}: probs must have one column per class (at least 2), got ${probs.cols}`);
}

/**
 * Maximum softmax probability per row (n values in [1/classes, 1]): low = the model is unsure.
 *
 * @example
 * ```ts
 * const { probs } = await fd.predictArrays(model, test);
 * fd.maxSoftmax(probs); // Float64Array, one value per test image
 * ```
 */
export function maxSoftmax(probs: Matrix): Float64Array {
  checkProbs(probs, 'maxSoftmax');
  const { data, rows, cols } = probs;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, data[i * cols + j]);
    out[i] = m;
  }
  return out;
}

/**
 * Entropy of each row's predicted distribution, in nats (0 = certain, log(classes) = uniform):
 * `-sum_j p_j log p_j` with `0 log 0 = 0`. **High** = the model is unsure, the opposite of the
 * library's ranking convention (lowest = most suspicious, as SVM scores and {@link maxSoftmax}):
 * negate it before passing it where a ranking is expected (`evaluateRanking`'s `rankings`,
 * `selectFromPool`'s `pool.rankings`, `precisionAtKPlot`), or use `by: 'entropy'`, which does.
 *
 * @example
 * ```ts
 * fd.predictionEntropy({ data: new Float32Array([0.5, 0.5, 1, 0]), rows: 2, cols: 2 }); // [0.693, 0]
 * const { probs } = await fd.predictArrays(model, test);
 * const entropyRanking = Array.from(fd.predictionEntropy(probs), (h) => -h); // lowest = most unsure
 * ```
 */
export function predictionEntropy(probs: Matrix): Float64Array {
  checkProbs(probs, 'predictionEntropy');
  const { data, rows, cols } = probs;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let h = 0;
    for (let j = 0; j < cols; j++) {
      const p = data[i * cols + j];
      if (p > 0) h -= p * Math.log(p);
    }
    out[i] = h;
  }
  return out;
}

/** What {@link baselineScores} may read. */
export interface BaselineInputs {
  /** Rows to score (needed for `'random'` when nothing else gives the count). */
  n?: number;
  /** Probability of the true class per row (`'confidence'`). */
  confidences?: ArrayLike<number>;
  /** Class probabilities per row (`'maxSoftmax'`, `'entropy'`). */
  probs?: Matrix;
  /** Seed of `'random'` (default 0): one draw per row in row order. */
  seed?: number;
}

/**
 * One baseline's scores, lowest = most suspicious: `'confidence'` = probability of the true class,
 * `'maxSoftmax'` = maximum class probability, `'entropy'` = minus the prediction entropy (so high
 * entropy ranks first), `'random'` = seeded uniform draws. Throws naming what the method needs.
 *
 * @example
 * ```ts
 * const { probs } = await fd.predictArrays(model, test);
 * const s = baselineScores('entropy', { probs }); // most uncertain first
 * ```
 */
export function baselineScores(method: BaselineMethod, inputs: BaselineInputs): Float64Array {
  const caller = 'baselineScores';
  const n = inputs.n ?? inputs.probs?.rows ?? inputs.confidences?.length;
  switch (method) {
    case 'confidence': {
      if (!inputs.confidences) throw new TypeError(`${caller}: 'confidence' needs confidences (the model's probability of each row's true class)`);
      return Float64Array.from(inputs.confidences as ArrayLike<number>);
    }
    case 'maxSoftmax':
    case 'entropy': {
      if (!inputs.probs) throw new TypeError(`${caller}: '${method}' needs probs (the model's class probabilities per row: fd.predictArrays(model, split).probs, or the probs of an input made from a predict() table)`);
      if (n !== undefined && inputs.probs.rows !== n) throw new RangeError(`${caller}: probs has ${inputs.probs.rows} rows for ${n} rows to score`);
      if (method === 'maxSoftmax') return maxSoftmax(inputs.probs);
      const h = predictionEntropy(inputs.probs);
      for (let i = 0; i < h.length; i++) h[i] = -h[i];
      return h;
    }
    case 'random': {
      if (n === undefined) throw new TypeError(`${caller}: 'random' needs n (the number of rows)`);
      const rng = new Random(inputs.seed ?? 0);
      const r = new Float64Array(n);
      for (let i = 0; i < n; i++) r[i] = rng.next();
      return r;
    }
    default:
      throw new RangeError(`${caller}: unknown baseline ${JSON.stringify(method)} (use ${BASELINE_METHODS.join(', ')})`);
  }
}
