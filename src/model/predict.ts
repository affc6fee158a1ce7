/**
 * Running a classifier over a split: raw arrays for numeric code, an Arquero table for notebooks.
 */
import * as tf from '@tensorflow/tfjs';
import * as aq from 'arquero';
import type { ImageDataset } from '../data/image-dataset';
import { assertDataset } from '../data/subset';
import { attachClassNames } from '../data/table-vocabulary';
import type { Matrix } from '../util/matrix';
import { progress } from '../util/progress';
import { ensureBackend } from './backend';
import { AnyModel, batchTensor, InputOverrides, inputSpecOf, ModelInputSpec } from './model-input';
import { exportOnnx, OnnxUnsupportedError } from './onnx/export';
import { cachedSession, defaultThreads, onnxRuntime } from './onnx/runtime';
import { modelWeightsHash } from './model-weights-hash';
import { isOnnxClassifier, type OnnxClassifier } from './onnx-image-model';

/** Options of {@link predict} and {@link predictArrays}. */
export interface PredictOptions extends InputOverrides {
  /** Images per forward pass (default 256). */
  batchSize?: number;
  /**
   * Whether the model outputs logits (apply softmax) or probabilities. Default `'auto'`: softmax is
   * applied unless every output row is non-negative and sums to 1.
   */
  outputs?: 'auto' | 'logits' | 'probabilities';
  /**
   * Inference engine: `'auto'` (default) runs LayersModels on ONNX Runtime when `onnxruntime-node`
   * is installed and every layer exports (see `exportOnnx`), else on tfjs; `'tfjs'` forces tfjs.
   * Both compute the same probabilities to float rounding (~1e-7).
   */
  runtime?: 'auto' | 'tfjs';
  /** Threads for ONNX Runtime (default `FD_THREADS` or all cores). */
  threads?: number;
}

/** Per-image predictions as typed arrays. */
export interface Predictions {
  /** Class probabilities, one row per image. */
  probs: Matrix;
  /** Predicted class (argmax). */
  pred: Int32Array;
  /** Probability of the true class. */
  confidence: Float32Array;
  /** 1 where `pred === label`. */
  correct: Uint8Array;
  labels: Int32Array;
}

/**
 * Runs `model` on every image of `split` in batches (with progress) and returns probabilities,
 * predictions, true-class confidence and correctness as typed arrays.
 *
 * Works with models from {@link trainClassifier} and with any tfjs LayersModel/GraphModel taking
 * `[batch, height, width, channels]` images: images are resized and channel-converted to the model's
 * input, and pixels are scaled by 1/255 unless the model's metadata or `scale`/`offset` say otherwise.
 * An {@link OnnxClassifier} (from `onnxClassifier(file, preprocessing)`) runs on ONNX Runtime with
 * its own preprocessing; `batchSize` and `outputs` apply, the tfjs-only options do not.
 *
 * @example
 * ```ts
 * const { pred, confidence, correct } = await fd.predictArrays(model, test);
 * ```
 */
export async function predictArrays(model: AnyModel | OnnxClassifier, split: ImageDataset, opts: PredictOptions = {}): Promise<Predictions> {
  assertDataset(split, split.name ?? 'split');
  const { outputs = 'auto' } = opts;
  const n = split.labels.length;
  const K = split.classNames.length;
  let probs: Float32Array | undefined;
  let cols = 0;
  if (isOnnxClassifier(model)) {
    const y = await model.scores(split, opts.batchSize ? { batchSize: opts.batchSize } : {});
    if (y.cols < K) throw new Error(`the model ${model.file} outputs ${y.cols} values per image but ${split.name ?? 'the split'} has ${K} classes`);
    return finishPredictions(y.data, y.cols, split, outputs);
  }
  await ensureBackend();
  const { batchSize = 256 } = opts;
  const spec = inputSpecOf(model, split, opts);
  const p = progress(`predict ${split.name ?? ''}`.trim(), n);
  let lastYield = Date.now();
  const onnx = opts.runtime === 'tfjs' ? undefined : onnxSessionFor(model, split, spec, opts.threads);
  if (onnx) {
    const session = await onnx;
    const stride = split.height * split.width * split.channels;
    for (let s = 0; s < n; s += batchSize) {
      const e = Math.min(n, s + batchSize);
      const r = await session.run(split.images.subarray(s * stride, e * stride), e - s, split.height, split.width, split.channels);
      if (!probs) {
        cols = r.cols;
        if (cols < K) throw new Error(`the model outputs ${cols} values per image but ${split.name ?? 'the split'} has ${K} classes`);
        probs = new Float32Array(n * cols);
      }
      probs.set(r.data, s * cols);
      p.tick(e - s);
    }
  }
  for (let s = onnx ? n : 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const out = tf.tidy(() => {
      // LayersModel.predict would re-slice the batch into 32s (slow on wasm); apply it whole.
      const x = batchTensor(split, s, e, spec);
      let y = firstOutput(model instanceof tf.LayersModel ? (model.apply(x, { training: false }) as tf.Tensor | tf.Tensor[]) : model.predict(x));
      if (y.rank !== 2) y = tf.reshape(y, [e - s, -1]);
      return y.dataSync() as Float32Array;
    });
    const c = out.length / (e - s);
    if (!probs) {
      cols = c;
      if (cols < K) throw new Error(`the model outputs ${cols} values per image but ${split.name ?? 'the split'} has ${K} classes`);
      probs = new Float32Array(n * cols);
    }
    probs.set(out, s * cols);
    p.tick(e - s);
    if (Date.now() - lastYield > 100) {
      await new Promise((r) => setImmediate(r));
      lastYield = Date.now();
    }
  }
  p.done();
  return finishPredictions(probs ?? new Float32Array(0), cols, split, outputs);
}

/** Softmax (unless the scores already are probabilities), argmax, true-class confidence, correctness. */
function finishPredictions(probs: Float32Array, cols: number, split: ImageDataset, outputs: PredictOptions['outputs'] = 'auto'): Predictions {
  const n = split.labels.length;
  if (outputs === 'logits' || (outputs === 'auto' && !looksLikeProbabilities(probs, cols))) softmaxRows(probs, cols);
  const pred = new Int32Array(n);
  const confidence = new Float32Array(n);
  const correct = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * cols;
    let best = 0;
    for (let j = 1; j < cols; j++) if (probs[row + j] > probs[row + best]) best = j;
    pred[i] = best;
    confidence[i] = probs[row + split.labels[i]];
    correct[i] = best === split.labels[i] ? 1 : 0;
  }
  return { probs: { data: probs, rows: n, cols }, pred, confidence, correct, labels: new Int32Array(split.labels) };
}

/**
 * One row per image of `split`: `id, split, label, className, pred, predName, correct, confidence`
 * (probability of the true class), plus `group` when the split has ground-truth groups.
 *
 * @example
 * ```ts
 * const t = await fd.predict(model, test);
 * import { op } from 'arquero';
 * t.groupby('group').rollup({ acc: (d: { correct: boolean }) => op.mean(d.correct) }).print();
 * ```
 */
export async function predict(model: AnyModel | OnnxClassifier, split: ImageDataset, opts: PredictOptions = {}): Promise<aq.ColumnTable> {
  const r = await predictArrays(model, split, opts);
  const names = split.classNames;
  const n = split.labels.length;
  const columns: Record<string, unknown[] | ArrayLike<unknown>> = {
    id: split.ids.slice(),
    split: new Array(n).fill(split.name ?? ''),
    label: r.labels,
    className: Array.from(r.labels, (l) => names[l]),
    pred: r.pred,
    predName: Array.from(r.pred, (l) => names[l] ?? String(l)),
    correct: Array.from(r.correct, (c) => c === 1),
    confidence: r.confidence,
  };
  if (split.groups) columns.group = split.groups.slice();
  const table = attachClassNames(aq.table(columns as Record<string, unknown[]>), names);
  if (r.probs.rows === n) tableProbs.set(table, r.probs);
  return table;
}

/** The class probabilities behind each `predict()` table (a matrix does not fit in a column). */
const tableProbs = new WeakMap<object, Matrix>();

/**
 * @internal The class probabilities (n x classes) of a table returned by {@link predict}, in its row
 * order; undefined for any other table (a derived table, a CSV read back): then use `predictArrays`.
 */
export function predictionProbs(table: object): Matrix | undefined {
  return table ? tableProbs.get(table) : undefined;
}

function firstOutput(y: tf.Tensor | tf.Tensor[] | tf.NamedTensorMap): tf.Tensor {
  if (y instanceof tf.Tensor) return y;
  if (Array.isArray(y)) return y[0];
  const keys = Object.keys(y);
  if (!keys.length) throw new Error('the model returned no outputs');
  return y[keys[0]];
}

function looksLikeProbabilities(p: Float32Array, cols: number): boolean {
  for (let r = 0; r < p.length; r += cols) {
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const v = p[r + j];
      if (v < 0) return false;
      s += v;
    }
    if (Math.abs(s - 1) > 1e-3) return false;
  }
  return true;
}

function softmaxRows(p: Float32Array, cols: number): void {
  for (let r = 0; r < p.length; r += cols) {
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) mx = Math.max(mx, p[r + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += p[r + j] = Math.exp(p[r + j] - mx);
    for (let j = 0; j < cols; j++) p[r + j] /= s;
  }
}


/** An ONNX Runtime session for the whole model, when it can run there; else undefined (use tfjs). */
function onnxSessionFor(model: AnyModel, split: ImageDataset, spec: ModelInputSpec, threads?: number): ReturnType<typeof cachedSession> | undefined {
  if (!(model instanceof tf.LayersModel) || !onnxRuntime() || model.outputs.length !== 1) return undefined;
  if (split.height !== spec.height || split.width !== spec.width || split.channels !== spec.channels) return undefined;
  const out = (model.outputs[0] as unknown as { sourceLayer: tf.layers.Layer }).sourceLayer.name;
  let bytes: Uint8Array;
  try {
    bytes = exportOnnx(model, { layer: out, scale: spec.scale, offset: spec.offset });
  } catch (e) {
    if (e instanceof OnnxUnsupportedError) return undefined;
    throw e;
  }
  const t = threads ?? defaultThreads();
  return cachedSession(model, `predict|${out}|${spec.scale}|${spec.offset}|${t}`, modelWeightsHash(model), () => bytes, t);
}
