/**
 * Contrastive training of the joint image-text network (CLIP-style).
 *
 * Objective: symmetric InfoNCE over a batch of B (image, caption) pairs with a learned logit scale
 * s (Radford et al. 2021): logits = s * Z_img Z_txt^T. Because generated captions are often true of
 * several images in a batch ("a photo of a sneaker"), the targets are not the identity: row i's
 * target distribution is uniform over the captions true of image i, column j's over the images
 * caption j is true of (multi-positive InfoNCE, as in SupCon / UniCL). Loss = mean of the two
 * cross-entropies, plus optionally (`alignWeight`) a prototype-alignment term pulling each caption
 * towards the mean embedding of the images it is true of. Optimiser: AdamW (Loshchilov & Hutter 2019) with linear warm-up then cosine
 * decay; decoupled weight decay on kernels and word vectors only. Fixed epoch budget, no early stop.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../util/random';
import { progress } from '../util/progress';
import { captionHolds, captionVocabulary } from './caption-templates';
import { bagOfWords, dense, DEFAULT_CONFIG, initialWeights, JointEncoderNetwork, type JointEncoderConfig } from './joint-encoder-model';
import { tokenize, Vocabulary } from './tokenizer';
import type { TrainingPool } from './training-pool';

/** Training hyper-parameters. */
export interface TrainJointEncoderOptions {
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  /**
   * Weight of the prototype-alignment term: 1 - cos(text_j, mean of the (gradient-stopped) image
   * embeddings caption j is true of). It makes caption embeddings point at the centroid of the
   * images they describe, so differences of captions follow differences of image groups, which is
   * what scoring captions through an image-space SVM relies on. 0 = plain InfoNCE.
   */
  alignWeight: number;
  /** Linear warm-up length in steps. */
  warmupSteps: number;
  config: JointEncoderConfig;
  /** Called after each epoch (e.g. to log a held-out zero-shot accuracy). */
  onEpoch?: (info: EpochInfo, network: JointEncoderNetwork) => void | Promise<void>;
}

export interface EpochInfo {
  epoch: number;
  steps: number;
  loss: number;
  logitScale: number;
  seconds: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainJointEncoderOptions = {
  seed: 0,
  epochs: 12,
  batchSize: 128,
  learningRate: 2e-3,
  weightDecay: 1e-4,
  alignWeight: 1,
  warmupSteps: 200,
  config: DEFAULT_CONFIG,
};

/** Result of {@link trainJointEncoder}. */
export interface TrainedJointEncoder {
  network: JointEncoderNetwork;
  history: EpochInfo[];
}

/**
 * Multi-positive target matrix: `T[i * B + j] = 1` when caption `j` is true of image `i`.
 */
export function captionTargets(batch: { facts: Int8Array[]; mentions: { slot: number; value: number }[][] }): Float32Array {
  const B = batch.facts.length;
  const T = new Float32Array(B * B);
  for (let i = 0; i < B; i++) for (let j = 0; j < B; j++) if (i === j || captionHolds(batch.mentions[j], batch.facts[i])) T[i * B + j] = 1;
  return T;
}

/** Identity whose gradient is zero (tfjs has no stopGradient op). */
const stopGradient = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  void save;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D) => tf.Tensor2D;

/** Mean over rows of -sum_j P_ij log softmax(logits)_ij with P = targets / row sums. */
function softCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    // The shift cancels in the gradient; it only keeps exp() in range.
    const max = tf.max(logits, 1, true);
    const shifted = tf.sub(logits, max);
    const logZ = tf.log(tf.sum(tf.exp(shifted), 1, true));
    const logp = tf.sub(shifted, logZ);
    const p = tf.div(targets, tf.sum(targets, 1, true));
    return tf.neg(tf.mean(tf.sum(tf.mul(p, logp), 1))) as tf.Scalar;
  });
}

/**
 * Trains a fresh joint encoder on `pool` (deterministic for a seed on a given backend).
 *
 * @example
 * ```ts
 * const { pool } = await encoderPool();
 * const { network, history } = await trainJointEncoder(pool, { seed: 0, epochs: 12 });
 * ```
 */
export async function trainJointEncoder(pool: TrainingPool, options: Partial<TrainJointEncoderOptions> = {}): Promise<TrainedJointEncoder> {
  const o = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  if (!(o.epochs >= 1) || !(o.batchSize >= 2)) throw new RangeError(`trainJointEncoder: need epochs >= 1 and batchSize >= 2 (got ${o.epochs}, ${o.batchSize})`);
  const size = pool.source.size;
  if (size !== o.config.imageSize) throw new RangeError(`trainJointEncoder: pool images are ${size}px but config.imageSize is ${o.config.imageSize}`);
  const rng = new Random(o.seed);
  const vocabulary = new Vocabulary(captionVocabulary(tokenize));
  const network = new JointEncoderNetwork(o.config, vocabulary, initialWeights(o.config, vocabulary.size, rng));
  const vars = [...network.vars.entries()];
  const trainable = vars.map(([, v]) => v);
  const decayed = new Set(vars.filter(([n]) => n.endsWith('kernel') || n === 'text/embedding').map(([n]) => n));
  const m = vars.map(([, v]) => tf.variable(tf.zerosLike(v), false));
  const v2 = vars.map(([, v]) => tf.variable(tf.zerosLike(v), false));
  const beta1 = 0.9;
  const beta2 = 0.98;
  const eps = 1e-6;

  const stepsPerEpoch = Math.floor(pool.epochOrder(new Random(0)).length / o.batchSize);
  const totalSteps = stepsPerEpoch * o.epochs;
  const lrAt = (step: number) =>
    step < o.warmupSteps ? (o.learningRate * (step + 1)) / o.warmupSteps : 0.5 * o.learningRate * (1 + Math.cos((Math.PI * (step - o.warmupSteps)) / Math.max(1, totalSteps - o.warmupSteps)));

  const history: EpochInfo[] = [];
  const bar = progress('train joint encoder', totalSteps);
  let step = 0;
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const t0 = Date.now();
      const order = pool.epochOrder(rng);
      let lossSum = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        const batch = pool.render(order.subarray(s * o.batchSize, (s + 1) * o.batchSize), rng);
        const B = batch.captions.length;
        const { counts } = bagOfWords(vocabulary, batch.captions);
        const T = captionTargets(batch);
        const lr = lrAt(step);
        const t1 = 1 - Math.pow(beta1, step + 1);
        const t2 = 1 - Math.pow(beta2, step + 1);
        const loss = tf.tidy(() => {
          const x = tf.tensor4d(batch.images, [B, size, size, 3]);
          const bow = tf.tensor2d(counts, [B, vocabulary.size]);
          const targets = tf.tensor2d(T, [B, B]);
          const { value, grads } = tf.variableGrads(() => {
            const zi = network.imageTower(x);
            const zt = network.textTower(bow);
            const logits = tf.mul(dense(zi, tf.transpose(zt)), network.logitScale()) as tf.Tensor2D;
            const li = softCrossEntropy(logits, targets);
            const lt = softCrossEntropy(tf.transpose(logits) as tf.Tensor2D, tf.transpose(targets) as tf.Tensor2D);
            const contrastive = tf.mul(tf.add(li, lt), 0.5) as tf.Scalar;
            if (!(o.alignWeight > 0)) return contrastive;
            // Column j of the targets, normalised, averages the images caption j is true of.
            const colMean = tf.div(targets, tf.sum(targets, 0, true));
            const protos = dense(tf.transpose(colMean) as tf.Tensor2D, stopGradient(zi));
            const protoUnit = tf.div(protos, tf.sqrt(tf.add(tf.sum(tf.square(protos), 1, true), 1e-12)));
            const align = tf.mean(tf.sub(1, tf.sum(tf.mul(zt, protoUnit), 1)));
            return tf.add(contrastive, tf.mul(align, o.alignWeight)) as tf.Scalar;
          }, trainable);
          vars.forEach(([name, w], k) => {
            const g = grads[w.name];
            m[k].assign(tf.add(tf.mul(m[k], beta1), tf.mul(g, 1 - beta1)));
            v2[k].assign(tf.add(tf.mul(v2[k], beta2), tf.mul(tf.square(g), 1 - beta2)));
            let update = tf.div(tf.div(m[k], t1), tf.add(tf.sqrt(tf.div(v2[k], t2)), eps));
            if (decayed.has(name)) update = tf.add(update, tf.mul(w, o.weightDecay));
            w.assign(tf.sub(w, tf.mul(update, lr)));
          });
          return value;
        });
        lossSum += (await loss.data())[0];
        loss.dispose();
        step++;
        bar.tick(1, `epoch ${epoch + 1}/${o.epochs} loss ${(lossSum / (s + 1)).toFixed(3)}`);
      }
      const scale = network.logitScale();
      const info: EpochInfo = {
        epoch: epoch + 1,
        steps: step,
        loss: lossSum / stepsPerEpoch,
        logitScale: scale.dataSync()[0],
        seconds: (Date.now() - t0) / 1000,
      };
      scale.dispose();
      history.push(info);
      if (o.onEpoch) await o.onEpoch(info, network);
    }
  } catch (e) {
    network.dispose();
    throw e;
  } finally {
    for (const t of [...m, ...v2]) t.dispose();
  }
  bar.done();
  return { network, history };
}
