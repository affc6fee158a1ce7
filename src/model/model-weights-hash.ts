import * as crypto from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { AnyModel } from './model-input';

/**
 * SHA-256 of a model's weights (names, shapes, values), in a stable order: what keys embedding
 * caches and compiled inference sessions, so retrained weights never reuse stale results.
 *
 * @example
 * ```ts
 * fd.modelWeightsHash(model).slice(0, 12);
 * ```
 */
export function modelWeightsHash(model: AnyModel): string {
  const h = crypto.createHash('sha256');
  const add = (name: string, t: tf.Tensor) => {
    h.update(`${name}|${t.dtype}|${t.shape.join('x')}|`);
    const v = t.dataSync();
    h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  };
  const lm = model as tf.LayersModel;
  if (typeof lm.getWeights === 'function' && Array.isArray(lm.weights)) {
    lm.weights.forEach((w) => add(w.originalName ?? w.name, w.read()));
  } else {
    const weights = (model as tf.GraphModel).weights;
    for (const k of Object.keys(weights).sort()) weights[k].forEach((t, i) => add(`${k}:${i}`, t));
  }
  return h.digest('hex');
}
