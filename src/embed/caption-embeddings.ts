/**
 * Caption embeddings computed elsewhere (e.g. real CLIP features from Python), wrapped as a
 * text-only {@link JointEncoder} so `rankCaptions` and `retrieveByCaption` can caption failure
 * directions without any encoder in this process: `embedTexts` looks captions up.
 */
import type { ImageDataset } from '../data/image-dataset';
import { assertMatrix, type Matrix } from '../util/matrix';
import type { JointEncoder } from './encoder';
import { loadNpy } from './npy';

/** Options of {@link captionEmbeddings}. */
export interface CaptionEmbeddingsOptions {
  /** The captions, row `i` of `embeddings` embedding `captions[i]`. */
  captions: readonly string[];
  /** `captions.length x d` embeddings: a Matrix, or the path of a `.npy` (float32/64, 2-D). */
  embeddings: Matrix | string;
  /**
   * Reference captions' embeddings (the paper subtracts "a photo of a {class}"): one
   * `{ caption, embedding }` or several. They may also simply be rows of `captions`.
   */
  reference?: { caption: string; embedding: ArrayLike<number> } | Array<{ caption: string; embedding: ArrayLike<number> }>;
  /** Display name (default 'precomputed captions'). */
  name?: string;
}

/** Precomputed caption embeddings as a text-only {@link JointEncoder}. */
export interface CaptionEmbeddings extends JointEncoder {
  /** Every caption with an embedding, in row order (references last). */
  readonly captions: readonly string[];
  /** The embeddings, one row per caption. */
  readonly embeddings: Matrix;
}

/**
 * Wraps caption embeddings computed elsewhere so `rankCaptions` / `retrieveByCaption` use them like
 * an encoder's. The texts must have been embedded exactly as the images the failure directions were
 * fit on (same model, same normalisation). `embedTexts` throws naming any caption it has no row for;
 * `embedImages` throws (pass `latents` to `retrieveByCaption`).
 *
 * @example
 * ```ts
 * import * as fs from 'node:fs';
 * // text.npy: CLIP text features of captions.json, computed in Python
 * const text = fd.captionEmbeddings({ captions: JSON.parse(fs.readFileSync('captions.json', 'utf8')), embeddings: 'text.npy' });
 * const ranked = await fd.rankCaptions(dirs, text, 3, text.captions.slice(1), { reference: text.captions[0] });
 * ```
 */
export function captionEmbeddings(opts: CaptionEmbeddingsOptions): CaptionEmbeddings {
  const what = 'captionEmbeddings';
  if (opts == null || typeof opts !== 'object') throw new TypeError(`${what}: pass { captions, embeddings, reference? }`);
  const { captions } = opts;
  if (!Array.isArray(captions) || captions.some((c) => typeof c !== 'string')) throw new TypeError(`${what}: captions must be an array of strings`);
  const source = typeof opts.embeddings === 'string' ? opts.embeddings : 'embeddings';
  const m = typeof opts.embeddings === 'string' ? loadNpy(opts.embeddings) : assertMatrix(opts.embeddings, `${what}: embeddings`);
  if (m.rows !== captions.length) throw new RangeError(`${what}: ${source} has ${m.rows} rows but ${captions.length} captions were given`);
  const refs = opts.reference === undefined ? [] : Array.isArray(opts.reference) ? opts.reference : [opts.reference];
  const d = m.cols;
  const data = new Float32Array((m.rows + refs.length) * d);
  data.set(m.data.subarray(0, m.rows * d));
  const all = [...captions];
  refs.forEach((r, i) => {
    if (r == null || typeof r.caption !== 'string' || r.embedding == null) throw new TypeError(`${what}: reference ${i} must be { caption, embedding }`);
    if (r.embedding.length !== d) throw new RangeError(`${what}: the embedding of reference "${r.caption}" has ${r.embedding.length} values but ${source} has ${d} columns`);
    for (let j = 0; j < d; j++) {
      const v = Number(r.embedding[j]);
      if (!Number.isFinite(v)) throw new RangeError(`${what}: the embedding of reference "${r.caption}" has a non-finite value at ${j}`);
      data[(m.rows + i) * d + j] = v;
    }
    all.push(r.caption);
  });
  const row = new Map<string, number>();
  all.forEach((c, i) => {
    if (!row.has(c)) row.set(c, i);
  });
  const embeddings: Matrix = { data, rows: all.length, cols: d };
  const name = opts.name ?? 'precomputed captions';
  return {
    name,
    dim: d,
    captions: all,
    embeddings,
    async embedImages(split: ImageDataset): Promise<Matrix> {
      throw new Error(`${name}: precomputed caption embeddings cannot embed images (${split?.name ?? 'split'}); pass the split's image embeddings as { latents } (retrieveByCaption)`);
    },
    async embedTexts(texts: string[]): Promise<Matrix> {
      const missing = texts.filter((t) => !row.has(t));
      if (missing.length) {
        throw new Error(
          `${name}: no embedding for ${missing.length} caption(s): ${missing.slice(0, 5).map((t) => JSON.stringify(t)).join(', ')}${missing.length > 5 ? ', ...' : ''}. ` +
            `Embed them with the same model (or pass the reference caption's embedding as { reference: { caption, embedding } }); known captions start ${all.slice(0, 3).map((t) => JSON.stringify(t)).join(', ')}`,
        );
      }
      const out = new Float32Array(texts.length * d);
      texts.forEach((t, i) => out.set(data.subarray(row.get(t)! * d, (row.get(t)! + 1) * d), i * d));
      return { data: out, rows: texts.length, cols: d };
    },
  };
}
