/**
 * Zero-shot classification with a joint image-text encoder: each image gets the class whose prompt
 * ("a photo of a {class}") embedding is most similar (cosine), as in CLIP.
 */
import type { ImageDataset } from '../data/image-dataset';
import type { Matrix } from '../util/matrix';
import type { JointEncoder } from './encoder';

/** Result of zero-shot classification. */
export interface ZeroShotResult {
  /** Predicted class per image. */
  preds: Int32Array;
  /** Fraction of images whose prediction equals their label. */
  accuracy: number;
  /** Accuracy per class (NaN for a class with no images). */
  perClass: number[];
  /** The prompts used, index = class. */
  prompts: string[];
}

/**
 * Arg-max cosine similarity of each image row against each prompt row; both matrices are
 * L2-normalised here, so any encoder's output works.
 *
 * @example
 * ```ts
 * const enc = await fd.jointEncoder();
 * const preds = nearestPrompt(await enc.embedImages(test), await enc.embedTexts(['a red digit', 'a green digit']));
 * ```
 */
export function nearestPrompt(images: Matrix, prompts: Matrix): Int32Array {
  if (images.cols !== prompts.cols) throw new RangeError(`nearestPrompt: image embeddings have ${images.cols} columns but prompt embeddings ${prompts.cols}`);
  if (prompts.rows === 0) throw new RangeError('nearestPrompt: no prompts');
  const d = images.cols;
  const pn = normalizedRows(prompts);
  const out = new Int32Array(images.rows);
  for (let i = 0; i < images.rows; i++) {
    let best = -Infinity;
    let arg = 0;
    const off = i * d;
    for (let k = 0; k < prompts.rows; k++) {
      let s = 0;
      const po = k * d;
      for (let j = 0; j < d; j++) s += images.data[off + j] * pn[po + j];
      if (s > best) {
        best = s;
        arg = k;
      }
    }
    out[i] = arg;
  }
  return out;
}

/** Row-normalised copy (zero rows stay zero). */
export function normalizedRows(m: Matrix): Float32Array {
  const out = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    const off = i * m.cols;
    for (let j = 0; j < m.cols; j++) s += m.data[off + j] * m.data[off + j];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < m.cols; j++) out[off + j] = m.data[off + j] * inv;
  }
  return out;
}

/** Accuracy overall and per class of `preds` against `labels`. */
export function accuracyOf(preds: ArrayLike<number>, labels: ArrayLike<number>, nClasses: number): { accuracy: number; perClass: number[] } {
  const hit = new Float64Array(nClasses);
  const tot = new Float64Array(nClasses);
  let ok = 0;
  for (let i = 0; i < labels.length; i++) {
    tot[labels[i]]++;
    if (preds[i] === labels[i]) {
      ok++;
      hit[labels[i]]++;
    }
  }
  return { accuracy: labels.length ? ok / labels.length : NaN, perClass: Array.from(hit, (h, c) => (tot[c] ? h / tot[c] : NaN)) };
}

/** Options of {@link zeroShotClassify}. */
export interface ZeroShotOptions {
  /** One prompt per class; default `template` filled with each class name. */
  prompts?: string[];
  /** Prompt template with `{}` for the class name (default `'a photo of a {}'`). */
  template?: string;
  /** Precomputed image embeddings of `split` from this encoder (skips embedding). */
  latents?: Matrix;
}

/**
 * Classifies `split` without training: each image gets the class whose prompt is nearest in the joint
 * space. Reports accuracy against `split.labels`.
 *
 * @example
 * ```ts
 * const enc = await fd.jointEncoder();
 * const fashion = await fd.loadFashionMnist();
 * const fashionTest = fd.subset(fashion, positionsInRanges(fashion, { start: 60000, end: 70000 }), 'test');
 * const { accuracy } = await fd.zeroShotClassify(enc, fashionTest); // ~0.8+
 * ```
 */
export async function zeroShotClassify(encoder: JointEncoder, split: ImageDataset, options: ZeroShotOptions = {}): Promise<ZeroShotResult> {
  const template = options.template ?? 'a photo of a {}';
  if (!template.includes('{}') && !options.prompts) throw new RangeError(`zeroShotClassify: template "${template}" has no {} for the class name`);
  const prompts = options.prompts ?? split.classNames.map((c) => template.replace('{}', c));
  if (prompts.length !== split.classNames.length) {
    throw new RangeError(`zeroShotClassify: ${prompts.length} prompts for ${split.classNames.length} classes (${split.classNames.join(', ')})`);
  }
  const latents = options.latents ?? (await encoder.embedImages(split));
  if (latents.rows !== split.labels.length) throw new RangeError(`zeroShotClassify: latents have ${latents.rows} rows but the split has ${split.labels.length} images`);
  const preds = nearestPrompt(latents, await encoder.embedTexts(prompts));
  const { accuracy, perClass } = accuracyOf(preds, split.labels, prompts.length);
  return { preds, accuracy, perClass, prompts };
}
