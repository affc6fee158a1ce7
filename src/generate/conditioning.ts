/**
 * The generator's conditioning space (the joint encoder's 64-d embedding space) and the geometry
 * used to steer it with a failure direction:
 *
 * - {@link encoderSpaceDirection}: a class's failure direction mapped back from the SVM's
 *   preprocessed space (train whitening, then L2 normalisation) to the encoder's space. Whitening is
 *   z = (x - mean) / std, so a step dz in the whitened space is the step std * dz in the encoder's
 *   space; the row normalisation only rescales and is dropped. The result is L2-normalised.
 * - {@link slerp}: spherical interpolation between unit vectors (Shoemake 1985), the paper's way of
 *   moving the reference caption's embedding towards the direction with strength alpha.
 * - {@link checkConditioningSpace}: refuses a direction fitted on embeddings that are not this
 *   encoder's image embeddings (wrong dimension, not unit vectors, or outside the cone the encoder's
 *   image embeddings occupy).
 */
import type { ImageDataset } from '../data/image-dataset';
import type { LoadedJointEncoder } from '../embed/joint-encoder';
import type { TrainingPool } from '../embed/training-pool';
import { Random } from '../util/random';
import type { ConditioningSpace } from './generator-files';

/**
 * Renders pool images `indices` (fresh random draws from `rng`) as a Uint8 RGB {@link ImageDataset}
 * labelled by pool group (0..9 digits, 10..19 Fashion-MNIST classes).
 *
 * @example
 * ```ts
 * const { pool } = await encoderPool();
 * const ds = renderPoolImages(pool, [0, 1, 2], new fd.Random(0));
 * ```
 */
export function renderPoolImages(pool: TrainingPool, indices: ArrayLike<number>, rng: Random, name = 'pool renderings'): ImageDataset & { captions: string[] } {
  const batch = pool.render(indices, rng);
  const S = pool.source.size;
  const images = new Uint8Array(batch.images.length);
  for (let i = 0; i < images.length; i++) images[i] = Math.round(Math.min(1, Math.max(0, batch.images[i])) * 255);
  const labels = Int32Array.from(indices, (i) => pool.source.groups[i]);
  const classNames = Array.from({ length: 20 }, (_, g) => (g < 10 ? `digit ${g}` : `fashion ${g - 10}`));
  return { images, height: S, width: S, channels: 3, labels, classNames, ids: Array.from(indices), name, captions: batch.captions };
}

/**
 * Statistics of a joint encoder's image embeddings over 2048 renderings of the pool (seeded): their
 * mean, and the 1st percentile of the cosine between an embedding and that mean. Stored in the
 * generator's manifest for {@link checkConditioningSpace}.
 *
 * @example
 * ```ts
 * const { pool } = await encoderPool();
 * const space = await conditioningStats(pool, await fd.jointEncoder(), 0);
 * ```
 */
export async function conditioningStats(pool: TrainingPool, encoder: LoadedJointEncoder, seed: number): Promise<ConditioningSpace> {
  const rng = new Random(seed + 0xc0d);
  const order = pool.epochOrder(rng).subarray(0, Math.min(2048, pool.size));
  const z = await encoder.embedImages(renderPoolImages(pool, order, rng));
  const dim = encoder.dim;
  const mean = new Float64Array(dim);
  for (let i = 0; i < z.rows; i++) for (let j = 0; j < dim; j++) mean[j] += z.data[i * dim + j] / z.rows;
  const unit = normalise(Array.from(mean));
  const cos = Array.from({ length: z.rows }, (_, i) => {
    let s = 0;
    let nn = 0;
    for (let j = 0; j < dim; j++) {
      s += z.data[i * dim + j] * unit[j];
      nn += z.data[i * dim + j] ** 2;
    }
    return s / Math.sqrt(nn || 1);
  }).sort((a, b) => a - b);
  return { encoder: encoder.name, encoderSha256: encoder.manifest.weightsSha256, dim, imageMean: Array.from(mean), imageCosineP01: cos[Math.floor(0.01 * (cos.length - 1))] };
}

function normalise(v: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  return Float64Array.from(v, (x) => x * inv);
}

/** What {@link encoderSpaceDirection} and {@link checkConditioningSpace} read from a fitted `FailureDirections`. */
export interface DirectionSource {
  direction(classId: number): Float32Array;
  preprocessor_?: { whiten: boolean; mean_?: Float64Array; std_?: Float64Array; nFeatures_?: number };
  classNames_?: string[];
}

/**
 * Checks that `dirs` was fitted on image embeddings of the encoder that conditions the generator;
 * throws a clear error otherwise. Three tests: the dimension; the train statistics describe unit
 * vectors (sum of mean^2 + std^2 = E||x||^2 = 1 for the joint encoder's embeddings); and the train
 * mean lies inside the cone of that encoder's image embeddings (cosine with the generator's recorded
 * image mean at least the 1st-percentile cosine of its own training renderings, minus a margin).
 * When the fit did not whiten (no train statistics), only the dimension can be checked.
 *
 * @example
 * ```ts
 * const gen = await fd.imageGenerator();
 * checkConditioningSpace(dirs, gen.manifest.conditioning, 'myHelper'); // throws unless dirs were fitted on the joint encoder's embeddings
 * ```
 */
export function checkConditioningSpace(dirs: DirectionSource, space: ConditioningSpace, caller: string): void {
  const pre = dirs.preprocessor_;
  const d = pre?.nFeatures_ ?? pre?.mean_?.length;
  const where = `the failure directions were fitted on`;
  const fix = `fit FailureDirections on image embeddings from ${space.encoder} (await jointEncoder()) to steer this generator`;
  if (d !== undefined && d !== space.dim) throw new RangeError(`${caller}: ${where} ${d}-d embeddings, but the generator is conditioned on ${space.dim}-d embeddings of ${space.encoder}; ${fix}`);
  if (!pre?.mean_ || !pre.std_) return;
  let second = 0;
  for (let j = 0; j < pre.mean_.length; j++) second += pre.mean_[j] ** 2 + pre.std_[j] ** 2;
  if (!(Math.abs(second - 1) < 0.05)) {
    throw new RangeError(`${caller}: ${where} embeddings whose mean squared norm is ${second.toPrecision(3)}, not unit vectors like ${space.encoder}'s; ${fix}`);
  }
  const mu = normalise(pre.mean_);
  const ref = normalise(space.imageMean);
  let cos = 0;
  for (let j = 0; j < mu.length; j++) cos += mu[j] * ref[j];
  const floor = Math.min(0.5, space.imageCosineP01 - 0.2);
  if (!(cos >= floor)) {
    throw new RangeError(`${caller}: ${where} unit vectors whose mean has cosine ${cos.toFixed(2)} with ${space.encoder}'s image embeddings (expected >= ${floor.toFixed(2)}): another encoder's space; ${fix}`);
  }
}

/**
 * Class `classId`'s failure direction in the encoder's space: the SVM's unit normal in the
 * preprocessed space, multiplied feature-wise by the train std (undoing the whitening), then
 * L2-normalised. It points to the side the model gets right; its negative to the failure side.
 *
 * @example
 * ```ts
 * const u = encoderSpaceDirection(dirs, 0); // Float32Array(64), unit norm
 * ```
 */
export function encoderSpaceDirection(dirs: DirectionSource, classId: number): Float32Array {
  const w = dirs.direction(classId);
  const pre = dirs.preprocessor_;
  const std = pre?.whiten && pre.std_ ? pre.std_ : null;
  const v = Array.from(w, (x, j) => x * (std ? std[j] : 1));
  return Float32Array.from(normalise(v));
}

/**
 * Spherical interpolation from unit vector `a` towards unit vector `b` by fraction `t` in [0, 1]
 * (t = 0 gives a, t = 1 gives b), staying on the unit sphere. Falls back to normalised linear
 * interpolation when the vectors are (anti)parallel within float precision.
 *
 * @example
 * ```ts
 * slerp(Float32Array.from([1, 0]), Float32Array.from([0, 1]), 0.5); // [0.7071, 0.7071]
 * ```
 */
export function slerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Float32Array {
  if (a.length !== b.length) throw new RangeError(`slerp: vectors of length ${a.length} and ${b.length}`);
  if (!(t >= 0 && t <= 1)) throw new RangeError(`slerp: t must be in [0, 1], got ${t}`);
  const ua = normalise(a);
  const ub = normalise(b);
  let dot = 0;
  for (let j = 0; j < ua.length; j++) dot += ua[j] * ub[j];
  dot = Math.max(-1, Math.min(1, dot));
  const omega = Math.acos(dot);
  const so = Math.sin(omega);
  const out = new Float64Array(ua.length);
  if (so < 1e-6) {
    for (let j = 0; j < ua.length; j++) out[j] = (1 - t) * ua[j] + t * ub[j];
    return Float32Array.from(normalise(out));
  }
  const ka = Math.sin((1 - t) * omega) / so;
  const kb = Math.sin(t * omega) / so;
  for (let j = 0; j < ua.length; j++) out[j] = ka * ua[j] + kb * ub[j];
  return Float32Array.from(out);
}
