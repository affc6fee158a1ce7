/**
 * Glue between a split, its embeddings and the model's predictions on it, and the inputs of
 * {@link FailureDirections.fit} / {@link FailureDirections.scores}: labels, ids, groups and the split
 * name come from the split, predicted class and confidence from `predict` (a table) or
 * `predictArrays` (typed arrays), all checked to be row-aligned.
 */
import type { ImageDataset } from '../data/image-dataset';
import type { Matrix } from '../matrix';
import type { Predictions } from '../model/predict';
import type { ScoresInput } from './failure-directions';

/** The part of an Arquero table read here (a `predict` table has `id`, `pred`, `confidence`). */
export interface PredictionTableLike {
  numRows(): number;
  columnNames(): string[];
  array(name: string): ArrayLike<unknown>;
}

/** Predicted class (and optionally true-class confidence) per row, e.g. from `predictArrays`. */
export interface PredictionArraysLike {
  pred: ArrayLike<number>;
  confidence?: ArrayLike<number>;
  /** Class probabilities (n x classes), as `predictArrays` gives them; carried into the input. */
  probs?: Matrix;
}

/**
 * Model outputs on a split: a table from `predict`, the typed arrays from `predictArrays`
 * ({@link Predictions}), or any `{ pred, confidence? }` arrays.
 */
export type PredictionsLike = PredictionTableLike | PredictionArraysLike;

/** {@link ScoresInput} with everything a split provides filled in. */
export interface SplitInput extends ScoresInput {
  latents: Matrix;
  labels: Int32Array;
  ids: Array<string | number>;
  split: string;
  /** The model's class probabilities (n x classes) when the predictions carry them (label-free baselines). */
  probs?: Matrix;
}

/** {@link SplitInput} with the model's predictions: what `fit` needs, and `scores` in full. */
export interface SplitInputWithPredictions extends SplitInput {
  preds: Int32Array;
  /** Probability of the true class (NaN where the predictions carry no confidence). */
  confidences: Float64Array;
}

/**
 * Row-aligned inputs for {@link FailureDirections} from one split: its `latents` (one row per image,
 * in split order), `labels`, `ids`, `groups` (when the split has them) and name, plus the model's
 * predicted class and true-class confidence when `predictions` are given. Checks that the latents
 * and predictions have one row per image and, for a table with an `id` column, that its ids are the
 * split's ids in the same order; errors name the split, the row and the offending value.
 *
 * @example
 * ```ts
 * const predVal = await predict(model, val);
 * const v = splitInput(val, zVal, predVal);
 * const dirs = new FailureDirections().setPreprocess(zTrain).fit(v.latents, v.labels, v.preds, { classNames: val.classNames });
 * const scores = dirs.scores(splitInput(test, zTest, await predict(model, test)));
 * ```
 */
export function splitInput(split: ImageDataset, latents: Matrix, predictions: PredictionsLike): SplitInputWithPredictions;
export function splitInput(split: ImageDataset, latents: Matrix, predictions?: PredictionsLike): SplitInput;
export function splitInput(split: ImageDataset, latents: Matrix, predictions?: PredictionsLike): SplitInput | SplitInputWithPredictions {
  const caller = 'splitInput';
  if (split == null || typeof split !== 'object' || split.labels == null) throw new TypeError(`${caller}: expected an ImageDataset as the first argument, got ${split}`);
  const name = split.name ?? 'split';
  const n = split.labels.length;
  if (latents == null || typeof latents.rows !== 'number') throw new TypeError(`${caller}: expected the latents of split '${name}' (a Matrix) as the second argument, got ${latents}`);
  if (latents.rows !== n) throw new RangeError(`${caller}: split '${name}' has ${n} images but the latents have ${latents.rows} rows (embed this split, in split order)`);
  if (split.ids.length !== n) throw new RangeError(`${caller}: split '${name}' has ${n} labels but ${split.ids.length} ids`);
  const base: SplitInput = {
    latents,
    labels: Int32Array.from(split.labels),
    ids: Array.from(split.ids),
    split: name,
    ...(split.groups ? { groups: Array.from(split.groups) } : {}),
  };
  if (predictions == null) return base;

  let pred: ArrayLike<unknown>;
  let confidence: ArrayLike<unknown> | undefined;
  let probs: Matrix | undefined;
  if (isTable(predictions)) {
    const cols = predictions.columnNames();
    if (predictions.numRows() !== n) throw new RangeError(`${caller}: split '${name}' has ${n} images but the predictions table has ${predictions.numRows()} rows`);
    if (!cols.includes('pred')) throw new Error(`${caller}: the predictions table for split '${name}' has no 'pred' column (columns: ${cols.join(', ')})`);
    if (cols.includes('id')) {
      const ids = predictions.array('id');
      for (let i = 0; i < n; i++) {
        if (String(ids[i]) !== String(split.ids[i])) {
          throw new Error(`${caller}: row ${i} of the predictions table has id ${JSON.stringify(ids[i])} but split '${name}' has ${JSON.stringify(split.ids[i])} there (predictions must be in split order)`);
        }
      }
    }
    pred = predictions.array('pred');
    confidence = cols.includes('confidence') ? predictions.array('confidence') : undefined;
  } else {
    if (predictions.pred == null) throw new TypeError(`${caller}: predictions for split '${name}' must be a predict() table or predictArrays() output, got ${Object.keys(predictions)}`);
    pred = predictions.pred;
    confidence = predictions.confidence;
    if (pred.length !== n) throw new RangeError(`${caller}: split '${name}' has ${n} images but the predictions have ${pred.length} entries`);
    if (confidence && confidence.length !== n) throw new RangeError(`${caller}: split '${name}' has ${n} images but the confidences have ${confidence.length} entries`);
    if (predictions.probs != null) {
      probs = predictions.probs;
      if (probs.rows !== n) throw new RangeError(`${caller}: split '${name}' has ${n} images but the class probabilities have ${probs.rows} rows`);
      if (probs.cols !== split.classNames.length) throw new RangeError(`${caller}: split '${name}' has ${split.classNames.length} classes but the class probabilities have ${probs.cols} columns`);
    }
  }
  const preds = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = pred[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new RangeError(`${caller}: predicted class at row ${i} of split '${name}' is ${JSON.stringify(v)}, not a class id`);
    preds[i] = v;
  }
  const confidences = new Float64Array(n).fill(NaN);
  if (confidence) {
    for (let i = 0; i < n; i++) {
      const v = confidence[i];
      if (v === null || v === undefined) continue;
      if (typeof v !== 'number') throw new TypeError(`${caller}: confidence at row ${i} of split '${name}' is ${JSON.stringify(v)}, not a number`);
      confidences[i] = v;
    }
  }
  return { ...base, preds, confidences, ...(probs ? { probs } : {}) };
}

function isTable(x: PredictionsLike): x is PredictionTableLike {
  return typeof (x as PredictionTableLike).numRows === 'function' && typeof (x as PredictionTableLike).array === 'function';
}
