/**
 * The joint image-text network: a small CNN image tower and a word-level text tower, both ending in
 * L2-normalised vectors of one shared dimension, plus the learned logit scale (inverse temperature)
 * of CLIP-style contrastive training.
 *
 * Image tower: three 3x3 stride-2 convolutions (28 -> 14 -> 7 -> 4) with ReLU, a ReLU dense layer and
 * a linear projection. Text tower: a gated bag of words (each word has an embedding and a learned
 * importance; the sentence vector is the importance-weighted mean) followed by a linear map plus a
 * one-hidden-layer MLP. Weights are plain tfjs variables so they serialise to one flat binary.
 *
 * Tensors never leave this module's callers in `src/embed/`: the public facade returns Matrix.
 */
import * as tf from '@tensorflow/tfjs';
import type { Random } from '../util/random';
import { Vocabulary } from './tokenizer';

/** Shape of the network. */
export interface JointEncoderConfig {
  /** Input side length; other sizes are resized (bilinear) to this. */
  imageSize: number;
  /** Output channels of the three stride-2 convolutions. */
  convChannels: [number, number, number];
  /** Width of the image tower's dense layer. */
  imageHidden: number;
  /** Word embedding width. */
  wordDim: number;
  /** Width of the text tower's hidden layer. */
  textHidden: number;
  /** Shared embedding dimension. */
  dim: number;
}

export const DEFAULT_CONFIG: JointEncoderConfig = {
  imageSize: 28,
  convChannels: [32, 64, 96],
  imageHidden: 256,
  wordDim: 64,
  textHidden: 128,
  dim: 64,
};

/** Name and shape of every weight, in serialisation order. */
export function weightShapes(config: JointEncoderConfig, vocabSize: number): [string, number[]][] {
  const [c1, c2, c3] = config.convChannels;
  const side = Math.ceil(Math.ceil(Math.ceil(config.imageSize / 2) / 2) / 2);
  return [
    ['image/conv1/kernel', [3, 3, 3, c1]],
    ['image/conv1/bias', [c1]],
    ['image/conv2/kernel', [3, 3, c1, c2]],
    ['image/conv2/bias', [c2]],
    ['image/conv3/kernel', [3, 3, c2, c3]],
    ['image/conv3/bias', [c3]],
    ['image/dense/kernel', [side * side * c3, config.imageHidden]],
    ['image/dense/bias', [config.imageHidden]],
    ['image/proj/kernel', [config.imageHidden, config.dim]],
    ['text/embedding', [vocabSize, config.wordDim]],
    ['text/gate', [vocabSize, 1]],
    ['text/linear/kernel', [config.wordDim, config.dim]],
    ['text/hidden/kernel', [config.wordDim, config.textHidden]],
    ['text/hidden/bias', [config.textHidden]],
    ['text/out/kernel', [config.textHidden, config.dim]],
    ['logit_scale', [1]],
  ];
}

/** Initial values: He-normal kernels, zero biases, N(0, 1/sqrt(d)) word vectors, CLIP's 1/0.07 scale. */
export function initialWeights(config: JointEncoderConfig, vocabSize: number, rng: Random): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of weightShapes(config, vocabSize)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    if (name === 'logit_scale') v[0] = Math.log(1 / 0.07);
    else if (name.endsWith('/bias') || name === 'text/gate') v.fill(0);
    else {
      const fanIn = name === 'text/embedding' ? config.wordDim : shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const gain = name.endsWith('proj/kernel') || name.startsWith('text/linear') || name.startsWith('text/out') ? 1 : 2;
      const std = Math.sqrt(gain / fanIn);
      for (let i = 0; i < n; i++) v[i] = rng.normal() * std;
    }
    out.set(name, v);
  }
  return out;
}

// tfjs variable names are global: number the networks so several can coexist.
let networkCount = 0;

/** Upper bound of the logit scale, as in CLIP (100). */
export const MAX_LOGIT_SCALE = Math.log(100);

/**
 * The network with its weights held as tfjs variables. Used by the encoder facade (inference) and
 * by the trainer (which differentiates through {@link imageTower} / {@link textTower}).
 */
export class JointEncoderNetwork {
  readonly config: JointEncoderConfig;
  readonly vocabulary: Vocabulary;
  readonly vars: Map<string, tf.Variable>;

  constructor(config: JointEncoderConfig, vocabulary: Vocabulary, weights: Map<string, Float32Array>) {
    this.config = config;
    this.vocabulary = vocabulary;
    this.vars = new Map();
    networkCount++;
    for (const [name, shape] of weightShapes(config, vocabulary.size)) {
      const v = weights.get(name);
      const n = shape.reduce((a, b) => a * b, 1);
      if (!v) throw new Error(`joint encoder: weight "${name}" is missing`);
      if (v.length !== n) throw new Error(`joint encoder: weight "${name}" has ${v.length} values, expected ${n} (shape ${shape.join('x')})`);
      this.vars.set(name, tf.variable(tf.tensor(v, shape, 'float32'), true, `joint-encoder-${networkCount}/${name}`));
    }
  }

  private w(name: string): tf.Variable {
    return this.vars.get(name)!;
  }

  /** Images [B, S, S, 3] in [0, 1] -> unit rows [B, dim]. */
  imageTower(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let h: tf.Tensor4D = x;
      for (const l of ['conv1', 'conv2', 'conv3']) {
        h = tf.relu(tf.add(tf.conv2d(h, this.w(`image/${l}/kernel`) as tf.Tensor4D, 2, 'same'), this.w(`image/${l}/bias`))) as tf.Tensor4D;
      }
      const flat = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D;
      const hid = tf.relu(tf.add(dense(flat, this.w('image/dense/kernel') as tf.Tensor2D), this.w('image/dense/bias'))) as tf.Tensor2D;
      return l2Normalize(dense(hid, this.w('image/proj/kernel') as tf.Tensor2D));
    });
  }

  /** Word counts [B, V] -> unit rows [B, dim]. Rows must have at least one known word. */
  textTower(counts: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const importance = tf.exp(this.w('text/gate')) as tf.Tensor2D; // [V, 1]
      const weighted = tf.mul(counts, tf.reshape(importance, [1, -1])) as tf.Tensor2D;
      const norm = dense(counts, importance); // [B, 1]
      const mean = tf.div(dense(weighted, this.w('text/embedding') as tf.Tensor2D), norm) as tf.Tensor2D;
      const lin = dense(mean, this.w('text/linear/kernel') as tf.Tensor2D);
      const hid = tf.relu(tf.add(dense(mean, this.w('text/hidden/kernel') as tf.Tensor2D), this.w('text/hidden/bias'))) as tf.Tensor2D;
      return l2Normalize(tf.add(lin, dense(hid, this.w('text/out/kernel') as tf.Tensor2D)) as tf.Tensor2D);
    });
  }

  /** exp(clamped log scale), a scalar tensor. */
  logitScale(): tf.Scalar {
    return tf.tidy(() => tf.exp(tf.minimum(tf.reshape(this.w('logit_scale'), []), MAX_LOGIT_SCALE)) as tf.Scalar);
  }

  /** Current weights as Float32Arrays, in serialisation order. */
  readWeights(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name] of weightShapes(this.config, this.vocabulary.size)) out.set(name, this.w(name).dataSync() as Float32Array);
    return out;
  }

  /** Releases every variable. */
  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/**
 * x @ w whose gradient uses explicit transposes: the wasm backend's matMul is several times slower
 * with its transpose flags set than on transposed copies.
 */
export const dense = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => [
      tf.matMul(dy, tf.transpose(saved[1] as tf.Tensor2D)),
      tf.matMul(tf.transpose(saved[0] as tf.Tensor2D), dy),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12))) as tf.Tensor2D);
}

/**
 * Word-count matrix [texts, V] (Float32, row-major) for the text tower, and the unknown words of
 * each text. Throws naming the text when none of its words is known.
 */
export function bagOfWords(vocabulary: Vocabulary, texts: readonly string[]): { counts: Float32Array; unknown: string[][] } {
  const V = vocabulary.size;
  const counts = new Float32Array(texts.length * V);
  const unknown: string[][] = [];
  texts.forEach((t, i) => {
    if (typeof t !== 'string') throw new TypeError(`embedTexts: text ${i} is not a string (${typeof t})`);
    const enc = vocabulary.encode(t);
    if (enc.ids.length === 0) {
      throw new RangeError(`embedTexts: text ${i} ("${t}") has no word the encoder knows; known words include e.g. ${vocabulary.words.slice(0, 8).join(', ')}, ...`);
    }
    for (const id of enc.ids) counts[i * V + id] += 1;
    unknown.push(enc.unknown);
  });
  return { counts, unknown };
}
