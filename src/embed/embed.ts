/**
 * Embedding a split with any {@link Encoder}, with an on-disk cache: the same encoder weights, layer
 * and images never get embedded twice.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageDataset } from '../data/image-dataset';
import { hashParts } from '../util/hash';
import { cacheDir } from '../util/paths';
import { assertDataset } from '../data/subset';
import { assertMatrix, Matrix } from '../util/matrix';
import type { Encoder } from './encoder';
import { loadNpy, saveNpy } from './npy';

/** Options of {@link embed}. */
export interface EmbedCallOptions {
  /** Images per forward pass (default 256). */
  batchSize?: number;
  /**
   * `true` (default): cache under `<cache dir>/embeddings`; a string: cache in that directory;
   * `false`: always recompute, never write.
   */
  cache?: boolean | string;
}

/**
 * Content hash of a split's pixels and image shape (not labels, ids or groups, which do not change
 * an embedding).
 *
 * @example
 * ```ts
 * datasetHash(test).slice(0, 12);
 * ```
 */
export function datasetHash(split: ImageDataset): string {
  return hashParts([`${split.labels.length}x${split.height}x${split.width}x${split.channels}`, split.images]);
}

/**
 * The cache file that holds (or would hold) the embeddings of `split` by `encoder`:
 * `<dir>/<sha256(encoder key + data hash)>.npy`, a plain `.npy` file NumPy can read.
 *
 * @example
 * ```ts
 * embeddingCachePath(fd.modelEncoder(model), test); // '.../data/cache/embeddings/3f9c....npy'
 * ```
 */
export function embeddingCachePath(encoder: Encoder, split: ImageDataset, dir: string = path.join(cacheDir(), 'embeddings')): string {
  const key = hashParts(['failure-directions embeddings v1', encoder.cacheKey ?? encoder.name, datasetHash(split)]);
  return path.join(dir, `${key.slice(0, 40)}.npy`);
}

/**
 * Embeds every image of `split` with `encoder` and returns a float32 {@link Matrix} (one row per
 * image, in split order). Results are cached on disk keyed by the encoder's `cacheKey` (for
 * `modelEncoder`: a hash of the model weights plus the layer) and a hash of the pixels, written
 * atomically; a later call with the same weights, layer and images loads the file instead.
 *
 * @example
 * ```ts
 * const enc = fd.modelEncoder(model);
 * const zTrain = await fd.embed(enc, train);
 * const zVal = await fd.embed(enc, val, { batchSize: 512 });
 * ```
 */
export async function embed(encoder: Encoder, split: ImageDataset, opts: EmbedCallOptions = {}): Promise<Matrix> {
  if (encoder == null || typeof encoder.embedImages !== 'function') throw new TypeError('embed: expected an Encoder (e.g. modelEncoder(model))');
  assertDataset(split, split.name ?? 'split', { unlabeled: true }); // embedding needs no labels
  const { batchSize = 256, cache = true } = opts;
  const file = cache === false ? undefined : embeddingCachePath(encoder, split, typeof cache === 'string' ? path.resolve(cache) : undefined);
  if (file && fs.existsSync(file)) {
    try {
      const m = loadNpy(file);
      if (m.rows === split.labels.length) return m;
      process.emitWarning(`embedding cache ${file} has ${m.rows} rows for ${split.labels.length} images; recomputing`);
    } catch (e) {
      process.emitWarning(`${(e as Error).message}; recomputing embeddings`);
    }
  }
  const z = assertMatrix(await encoder.embedImages(split, { batchSize }), `${encoder.name} embeddings`);
  if (z.rows !== split.labels.length) throw new Error(`encoder ${encoder.name} returned ${z.rows} rows for ${split.labels.length} images`);
  if (file) saveNpy(file, z);
  return z;
}
