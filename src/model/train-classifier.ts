/**
 * Training a classifier on an {@link ImageDataset}, reproducibly.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/image-dataset';
import { assertDataset } from '../data/subset';
import { streamFor } from '../data/split-plan';
import { progress } from '../util/progress';
import { ensureBackend } from './backend';
import { Arch, buildClassifier, LOGITS_LAYER } from './architectures';
import { batchTensor, ClassifierMetadata, METADATA_KEY, ModelInputSpec } from './model-input';

/** Options of {@link trainClassifier}. */
export interface TrainClassifierOptions {
  /** Architecture (default `'small-cnn'`). */
  arch?: Arch;
  /** Passes over the training split (default 5). */
  epochs?: number;
  /** Seed for the initial weights and the batch order (default 0). */
  seed?: number;
  /** Images per step (default 128). */
  batchSize?: number;
  /** Adam learning rate (default 1e-3). */
  learningRate?: number;
  /**
   * Non-negative weight per training example (same order as `split`), e.g. to upweight flagged
   * examples. The loss of a batch is `sum_i w_i * CE_i / batchSize`, so weight 2 counts an example
   * twice and weight 0 drops it. Default: all 1.
   */
  sampleWeights?: ArrayLike<number>;
  /** A split to report accuracy on after every epoch (not used for training). */
  validation?: ImageDataset;
  /** Called after every epoch with that epoch's record. */
  onEpochEnd?: (record: EpochRecord) => void;
}

/** One epoch of training as recorded in the model's metadata. */
export interface EpochRecord {
  epoch: number;
  /** Mean (weighted) training loss over the epoch's batches. */
  loss: number;
  /** Accuracy on the epoch's batches, measured as they were trained. */
  trainAccuracy: number;
  valAccuracy?: number;
  seconds: number;
}

/**
 * Trains a classifier on `split` and returns it as a tfjs `LayersModel` whose output is class
 * probabilities. Deterministic: the same split, options and seed give bit-identical weights (every
 * initializer and the batch shuffle derive from `seed`; the wasm backend is single-threaded).
 *
 * Pixels are scaled to [0, 1]. The model carries its class names, input spec and training history in
 * its metadata (kept by {@link saveModel}), which {@link predict} and `modelEncoder` read.
 * Optimiser: Adam; loss: softmax cross-entropy, optionally weighted per example.
 *
 * @example
 * ```ts
 * const { train, test } = fd.coloredMnist({ trainCorr: 0.95, seed: 0 });
 * const model = await fd.trainClassifier(train, { arch: 'small-cnn', epochs: 5, seed: 0 });
 * const table = await fd.predict(model, test);
 * ```
 */
export async function trainClassifier(split: ImageDataset, opts: TrainClassifierOptions = {}): Promise<tf.LayersModel> {
  const { arch = 'small-cnn', epochs = 5, seed = 0, batchSize = 128, learningRate = 1e-3 } = opts;
  assertDataset(split, split.name ?? 'training split');
  const n = split.labels.length;
  const what = 'trainClassifier';
  if (n === 0) throw new RangeError(`${what}: the training split is empty`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`${what}: epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`${what}: batchSize must be a positive integer, got ${batchSize}`);
  if (!(learningRate > 0)) throw new RangeError(`${what}: learningRate must be positive, got ${learningRate}`);
  if (!Number.isFinite(seed)) throw new RangeError(`${what}: seed must be a finite number, got ${seed}`);
  let weights: Float32Array | undefined;
  if (opts.sampleWeights !== undefined) {
    const w = opts.sampleWeights;
    if (w.length !== n) throw new RangeError(`${what}: sampleWeights has ${w.length} entries for ${n} training images`);
    weights = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = w[i];
      if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${what}: sampleWeights[${i}] (id ${split.ids[i]}) is ${v}; weights must be finite and >= 0`);
      weights[i] = v;
    }
  }
  await ensureBackend();

  const K = split.classNames.length;
  const input: ModelInputSpec = { height: split.height, width: split.width, channels: split.channels, scale: 1 / 255, offset: 0 };
  const model = buildClassifier(arch, [split.height, split.width, split.channels], K, seed);
  const logitsModel = tf.model({ inputs: model.inputs, outputs: model.getLayer(LOGITS_LAYER).output as tf.SymbolicTensor });
  const optimizer = tf.train.adam(learningRate);
  const shuffle = streamFor(seed, 'train/shuffle');
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const perm = new Int32Array(batchSize);
  const batchesPerEpoch = Math.ceil(n / batchSize);
  const p = progress(`train ${arch}`, epochs * batchesPerEpoch);
  const history: EpochRecord[] = [];
  const t0 = Date.now();
  let lastYield = Date.now();
  // A scratch dataset view holding one gathered batch, so batchTensor can read it contiguously.
  const stride = split.height * split.width * split.channels;
  const batchImages = new Uint8Array(batchSize * stride);
  const batchLabels = new Int32Array(batchSize);
  const batchWeights = new Float32Array(batchSize);
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const te = Date.now();
      shuffle.shuffle(order);
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < batchesPerEpoch; b++) {
        const start = b * batchSize;
        const m = Math.min(batchSize, n - start);
        for (let i = 0; i < m; i++) {
          const r = order[start + i];
          perm[i] = r;
          batchImages.set(split.images.subarray(r * stride, (r + 1) * stride), i * stride);
          batchLabels[i] = split.labels[r];
          batchWeights[i] = weights ? weights[r] : 1;
        }
        const view: ImageDataset = { ...split, images: batchImages.subarray(0, m * stride), labels: batchLabels.subarray(0, m), ids: [] };
        const [lossValue, nCorrect] = tf.tidy(() => {
          const x = batchTensor(view, 0, m, input);
          const y = tf.oneHot(tf.tensor1d(batchLabels.subarray(0, m), 'int32'), K);
          const w = tf.tensor1d(batchWeights.subarray(0, m));
          let hits: tf.Tensor | undefined;
          const loss = optimizer.minimize(() => {
            const logits = logitsModel.apply(x, { training: true }) as tf.Tensor;
            // Kept past minimize's internal tidy; disposed by the enclosing tidy.
            hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(y, 1)), 'int32')));
            const ce = tf.losses.softmaxCrossEntropy(y, logits, undefined, undefined, tf.Reduction.NONE);
            return tf.div(tf.sum(tf.mul(ce, w)), m) as tf.Scalar;
          }, true) as tf.Scalar;
          const out: [number, number] = [loss.dataSync()[0], hits!.dataSync()[0]];
          hits!.dispose();
          return out;
        });
        if (!Number.isFinite(lossValue)) throw new Error(`${what}: the loss became ${lossValue} in epoch ${epoch + 1}, batch ${b + 1}; lower learningRate`);
        lossSum += lossValue * m;
        correct += nCorrect;
        p.tick(1, `epoch ${epoch + 1}/${epochs} loss ${(lossSum / (start + m)).toFixed(4)}`);
        if (Date.now() - lastYield > 100) {
          // Let a notebook redraw its progress line.
          await new Promise((r) => setImmediate(r));
          lastYield = Date.now();
        }
      }
      const record: EpochRecord = { epoch: epoch + 1, loss: lossSum / n, trainAccuracy: correct / n, seconds: (Date.now() - te) / 1000 };
      if (opts.validation) record.valAccuracy = await accuracyOf(model, opts.validation, input);
      history.push(record);
      opts.onEpochEnd?.(record);
    }
  } finally {
    optimizer.dispose();
  }
  const last = history[history.length - 1];
  p.done(`loss ${last.loss.toFixed(4)}, train acc ${(100 * last.trainAccuracy).toFixed(1)}%`);
  const metadata: ClassifierMetadata = {
    input,
    classNames: split.classNames.slice(),
    arch,
    seed,
    epochs,
    batchSize,
    learningRate,
    trainSize: n,
    history,
    trainSeconds: (Date.now() - t0) / 1000,
  };
  model.setUserDefinedMetadata({ [METADATA_KEY]: metadata } as unknown as Record<string, never>);
  return model;
}

async function accuracyOf(model: tf.LayersModel, split: ImageDataset, spec: ModelInputSpec): Promise<number> {
  let correct = 0;
  const n = split.labels.length;
  for (let s = 0; s < n; s += 256) {
    const e = Math.min(n, s + 256);
    const pred = tf.tidy(() => tf.argMax(model.apply(batchTensor(split, s, e, spec), { training: false }) as tf.Tensor, 1).dataSync() as Int32Array);
    for (let i = 0; i < pred.length; i++) if (pred[i] === split.labels[s + i]) correct++;
  }
  return n ? correct / n : NaN;
}
