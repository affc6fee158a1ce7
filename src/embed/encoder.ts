import type { Matrix } from '../util/matrix';
import type { ImageDataset } from '../data/image-dataset';

/** Options every encoder's `embedImages` understands. */
export interface EmbedOptions {
  batchSize?: number;
}

/**
 * Turns images (and, for a joint encoder, texts) into rows of a {@link Matrix}.
 *
 * `name` must change whenever the weights change: it keys the embedding cache.
 *
 * @example
 * ```ts
 * const enc: fd.Encoder = fd.modelEncoder(model);
 * const z = await enc.embedImages(split); // z.rows === split.labels.length
 * ```
 */
export interface Encoder {
  name: string;
  dim: number;
  /**
   * Optional: what keys this encoder's embeddings in the on-disk cache, e.g. a hash of the weights
   * plus the layer. Must change whenever the output would. Defaults to `name`.
   */
  cacheKey?: string;
  embedImages(split: ImageDataset, opts?: EmbedOptions): Promise<Matrix>;
}

/**
 * An encoder whose images and texts share one space (CLIP-like), so captions can be scored through
 * an image-space SVM.
 *
 * @example
 * ```ts
 * const enc = await fd.jointEncoder();
 * const t = await enc.embedTexts(['a photo of a red digit']);
 * ```
 */
export interface JointEncoder extends Encoder {
  embedTexts(texts: string[]): Promise<Matrix>;
  /**
   * Optional: the words of `text` the encoder cannot read (a closed-vocabulary encoder ignores them).
   * Caption helpers report them next to each caption.
   */
  unknownWords?(text: string): string[];
}

/**
 * True when `e` can embed texts as well as images.
 *
 * @example
 * ```ts
 * if (!isJointEncoder(encoder)) throw new Error('captioning needs a joint image-text encoder');
 * ```
 */
export function isJointEncoder(e: Encoder): e is JointEncoder {
  return typeof (e as JointEncoder).embedTexts === 'function';
}
