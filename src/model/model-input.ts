/**
 * How images become model input: the size, channels and pixel scaling a model expects, and the
 * conversion of a slice of an {@link ImageDataset} into a float tensor.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/image-dataset';

/**
 * Key under which this package stores its metadata in a LayersModel's `userDefinedMetadata`.
 *
 * @example
 * ```ts
 * (model.getUserDefinedMetadata() as any)[fd.METADATA_KEY].classNames;
 * ```
 */
export const METADATA_KEY = 'failureDirections';

/** What a model expects as input: `x = pixel * scale + offset`, shape `[n, height, width, channels]`. */
export interface ModelInputSpec {
  height: number;
  width: number;
  channels: number;
  scale: number;
  offset: number;
}

/** Metadata this package writes into the models it trains (and reads back after loading). */
export interface ClassifierMetadata {
  input: ModelInputSpec;
  classNames: string[];
  arch?: string;
  seed?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  trainSize?: number;
  history?: Array<{ epoch: number; loss: number; trainAccuracy: number; valAccuracy?: number; seconds: number }>;
  trainSeconds?: number;
}

/** Any tfjs model this package can run: a LayersModel or a converted GraphModel. */
export type AnyModel = tf.LayersModel | tf.GraphModel;

/** Options to override what a model expects (for models without this package's metadata). */
export interface InputOverrides {
  /** Multiply pixels (0..255) by this (default: the model's metadata, else 1/255). */
  scale?: number;
  /** Then add this (default: the model's metadata, else 0). */
  offset?: number;
}

/**
 * This package's metadata stored on a model, or `undefined` for a foreign model.
 *
 * @example
 * ```ts
 * fd.classifierMetadata(model)?.classNames; // ['digit 0-4', 'digit 5-9']
 * ```
 */
export function classifierMetadata(model: AnyModel): ClassifierMetadata | undefined {
  const lm = model as tf.LayersModel;
  if (typeof lm.getUserDefinedMetadata !== 'function') {
    const gm = model as tf.GraphModel & { metadata?: Record<string, unknown> };
    const md = gm.metadata?.[METADATA_KEY];
    return md ? (md as ClassifierMetadata) : undefined;
  }
  const md = lm.getUserDefinedMetadata() as Record<string, unknown> | undefined;
  return md?.[METADATA_KEY] as ClassifierMetadata | undefined;
}

/**
 * The input a model expects, from this package's metadata when present, else from the model's input
 * shape with pixels scaled to [0, 1]. Unknown (null) dimensions are taken from `split`.
 *
 * @example
 * ```ts
 * fd.inputSpecOf(model, split); // { height: 28, width: 28, channels: 3, scale: 1/255, offset: 0 }
 * ```
 */
export function inputSpecOf(model: AnyModel, split?: ImageDataset, overrides: InputOverrides = {}): ModelInputSpec {
  const md = classifierMetadata(model);
  let spec: ModelInputSpec;
  if (md?.input) spec = { ...md.input };
  else {
    const inputs = (model as tf.LayersModel).inputs ?? (model as tf.GraphModel).inputs;
    const shape = inputs?.[0]?.shape as Array<number | null> | undefined;
    if (!shape || shape.length !== 4) {
      throw new Error(`model input has shape [${shape?.join(', ')}]; expected an image input [batch, height, width, channels]`);
    }
    const pick = (v: number | null | undefined, fallback: number | undefined, what: string): number => {
      if (v != null && v > 0) return v;
      if (fallback != null) return fallback;
      throw new Error(`the model's input ${what} is unknown; pass a split to infer it`);
    };
    spec = {
      height: pick(shape[1], split?.height, 'height'),
      width: pick(shape[2], split?.width, 'width'),
      channels: pick(shape[3], split?.channels, 'channels'),
      scale: 1 / 255,
      offset: 0,
    };
  }
  if (overrides.scale !== undefined) spec.scale = overrides.scale;
  if (overrides.offset !== undefined) spec.offset = overrides.offset;
  return spec;
}

/**
 * Images `start..end-1` of `split` as a float tensor shaped for `spec`: scaled, resized (bilinear)
 * when the size differs, grey replicated to RGB or RGB averaged to grey when channels differ.
 * The caller owns (disposes) the result.
 *
 * @example
 * ```ts
 * const x = fd.batchTensor(test, 0, 64, fd.inputSpecOf(model, test)); // [64, h, w, c] floats
 * x.dispose();
 * ```
 */
export function batchTensor(split: ImageDataset, start: number, end: number, spec: ModelInputSpec): tf.Tensor4D {
  const { height: H, width: W, channels: C } = split;
  const n = end - start;
  const stride = H * W * C;
  const src = split.images.subarray(start * stride, end * stride);
  // The typed-array constructor converts natively and the scaling runs in the backend: ~10x faster
  // than a JS loop over the pixels.
  const buf = new Float32Array(src);
  const { scale, offset } = spec;
  return tf.tidy(() => {
    let x: tf.Tensor4D = tf.tensor4d(buf, [n, H, W, C]);
    if (scale !== 1) x = tf.mul(x, tf.scalar(scale));
    if (offset !== 0) x = tf.add(x, tf.scalar(offset));
    if (C !== spec.channels) {
      if (C === 1) x = tf.tile(x, [1, 1, 1, spec.channels]);
      else if (spec.channels === 1) x = tf.mean(x, 3, true) as tf.Tensor4D;
      else throw new Error(`${split.name ?? 'split'} has ${C} channels but the model expects ${spec.channels}`);
    }
    if (H !== spec.height || W !== spec.width) x = tf.image.resizeBilinear(x, [spec.height, spec.width]);
    return x;
  });
}
