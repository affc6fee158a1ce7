/**
 * The built-in classifier architectures. Every layer's initializer is seeded, so a seed fixes the
 * initial weights exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { subSeed } from '../data/split-plan';

/** Built-in architectures. */
export type Arch = 'small-cnn' | 'mlp';

/**
 * Name of the penultimate (feature) layer in the built-in architectures: the default embedding.
 *
 * @example
 * ```ts
 * fd.modelEncoder(model, { layer: FEATURE_LAYER });
 * ```
 */
export const FEATURE_LAYER = 'features';
/**
 * Name of the pre-softmax layer in the built-in architectures.
 *
 * @example
 * ```ts
 * fd.modelEncoder(model, { layer: LOGITS_LAYER }); // K-d logits as the embedding
 * ```
 */
export const LOGITS_LAYER = 'logits';

/**
 * Builds a classifier whose output is class probabilities (`softmax` layer `probs`), with a `logits`
 * layer before it and a `features` layer (the embedding) before that.
 *
 * - `small-cnn`: conv 16 5x5/2 + ReLU, conv 32 3x3/2 + ReLU, flatten, dense 128 + ReLU (`features`),
 *   dense K (`logits`), softmax. ~0.2M parameters on 28x28x3.
 * - `mlp`: flatten, dense 256 + ReLU, dense 128 + ReLU (`features`), dense K (`logits`), softmax.
 *
 * @example
 * ```ts
 * const model = buildClassifier('small-cnn', [28, 28, 3], 2, 0);
 * model.getLayer('features').outputShape; // [null, 128]
 * ```
 */
export function buildClassifier(arch: Arch, inputShape: [number, number, number], numClasses: number, seed: number): tf.LayersModel {
  const init = (name: string) => tf.initializers.glorotUniform({ seed: subSeed(seed, `init/${name}`) % 2147483647 });
  const input = tf.input({ shape: inputShape, name: 'image' });
  let h: tf.SymbolicTensor;
  if (arch === 'small-cnn') {
    h = tf.layers.conv2d({ name: 'conv1', filters: 16, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init('conv1') }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.conv2d({ name: 'conv2', filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init('conv2') }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.flatten({ name: 'flatten' }).apply(h) as tf.SymbolicTensor;
  } else if (arch === 'mlp') {
    h = tf.layers.flatten({ name: 'flatten' }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.dense({ name: 'hidden', units: 256, activation: 'relu', kernelInitializer: init('hidden') }).apply(h) as tf.SymbolicTensor;
  } else {
    throw new RangeError(`unknown arch ${JSON.stringify(arch)}: use 'small-cnn' or 'mlp'`);
  }
  h = tf.layers.dense({ name: FEATURE_LAYER, units: 128, activation: 'relu', kernelInitializer: init(FEATURE_LAYER) }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ name: LOGITS_LAYER, units: numClasses, kernelInitializer: init(LOGITS_LAYER) }).apply(h) as tf.SymbolicTensor;
  const probs = tf.layers.softmax({ name: 'probs' }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: probs, name: `fd-${arch}` });
}
