/**
 * Naming failure directions with text (Jain et al. 2023, Sec. 4): because a joint image-text encoder
 * (CLIP, or this package's {@link jointEncoder}) puts captions and images in one space, a caption's
 * embedding - minus a reference caption's - can be pushed through the same preprocessing and the
 * same per-class SVM as the images. The most negative caption describes the failure mode; the most
 * positive the easy cases. {@link retrieveByCaption} checks a caption against the data: the model
 * should do worse on the images nearest to a caption that names a hard subpopulation.
 */
import * as aq from 'arquero';
import type { ImageDataset } from '../data/image-dataset';
import { isJointEncoder, type Encoder, type JointEncoder } from '../embed/encoder';
import type { Matrix } from '../util/matrix';
import type { FailureDirections } from './failure-directions';
import type { ClassRef } from './table-views';
import type { ScoresTable } from './scores-table';

/** One candidate caption and the slot values it was built from. */
export interface CaptionCandidate {
  caption: string;
  adjective: string | null;
  noun: string | null;
  preposition: string | null;
}

/** Options of {@link captionCandidates}. */
export interface CaptionCandidateOptions {
  /** Nouns (`null` = leave the slot empty). */
  nouns: readonly (string | null)[];
  /** Adjectives; default `[null]`. */
  adjectives?: readonly (string | null)[];
  /** Prepositional phrases ("on a black background"); default `[null]`. */
  prepositions?: readonly (string | null)[];
  /** Template with `{adj}`, `{noun}`, `{prep}`; default `'a photo of a {adj} {noun} {prep}'` (the paper's). */
  template?: string;
  /** `'auto'` (default) writes "an" before a vowel ("an orange digit"); `'keep'` leaves the template's article. */
  article?: 'auto' | 'keep';
}

/** The paper's caption template. */
export const CAPTION_TEMPLATE = 'a photo of a {adj} {noun} {prep}';

/** Fills a template, collapsing the spaces of empty slots and fixing "a" before vowels. */
export function fillCaption(template: string, slots: { adj?: string | null; noun?: string | null; prep?: string | null }, article: 'auto' | 'keep' = 'auto'): string {
  let s = template
    .replace('{adj}', slots.adj ?? '')
    .replace('{noun}', slots.noun ?? '')
    .replace('{prep}', slots.prep ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  // "an" before a vowel sound; "a one", "a unicorn", "a user", "a euro" keep "a".
  if (article === 'auto') s = s.replace(/\b([Aa]) (?=[aeiou])(?!one\b|uni|use|eu|ur)/gi, '$1n ');
  return s;
}

/**
 * Every "a photo of a {adj} {noun} {prep}" caption over the given slot values (`null` leaves a slot
 * empty), in noun-major order, without duplicates. The combination with all three slots empty is
 * skipped (it says nothing).
 *
 * @example
 * ```ts
 * fd.captionCandidates({ nouns: ['digit'], adjectives: [null, 'red', 'green'], prepositions: [null, 'on the left'] })
 *   .map((c) => c.caption);
 * // ['a photo of a digit', 'a photo of a digit on the left', 'a photo of a red digit', ...]
 * ```
 */
export function captionCandidates(options: CaptionCandidateOptions): CaptionCandidate[] {
  const what = 'captionCandidates';
  if (options == null || typeof options !== 'object') throw new TypeError(`${what}: pass {nouns, adjectives?, prepositions?}`);
  const template = options.template ?? CAPTION_TEMPLATE;
  for (const slot of ['{adj}', '{noun}', '{prep}']) {
    if (!template.includes(slot)) throw new RangeError(`${what}: template "${template}" lacks the slot ${slot}`);
  }
  const check = (name: string, xs: readonly (string | null)[] | undefined, fallback: (string | null)[]) => {
    if (xs === undefined) return fallback;
    if (!Array.isArray(xs) || xs.length === 0) throw new RangeError(`${what}: ${name} must be a non-empty array (use [null] for an empty slot)`);
    xs.forEach((x, i) => {
      if (x !== null && (typeof x !== 'string' || x.trim() === '')) throw new TypeError(`${what}: ${name}[${i}] must be a non-empty string or null, got ${JSON.stringify(x)}`);
    });
    return xs.map((x) => (x === null ? null : x.trim()));
  };
  const nouns = check('nouns', options.nouns, []);
  if (nouns.length === 0) throw new RangeError(`${what}: nouns is required`);
  const adjectives = check('adjectives', options.adjectives, [null]);
  const prepositions = check('prepositions', options.prepositions, [null]);
  const seen = new Set<string>();
  const out: CaptionCandidate[] = [];
  for (const noun of nouns) {
    for (const adjective of adjectives) {
      for (const preposition of prepositions) {
        if (noun === null && adjective === null && preposition === null) continue;
        const caption = fillCaption(template, { adj: adjective, noun, prep: preposition }, options.article ?? 'auto');
        if (seen.has(caption)) continue;
        seen.add(caption);
        out.push({ caption, adjective, noun, preposition });
      }
    }
  }
  return out;
}

/** Options of {@link rankCaptions}. */
export interface RankCaptionsOptions {
  /**
   * The reference caption whose embedding is subtracted from every candidate's; default
   * `"a photo of a {class name}"`.
   */
  reference?: string;
  /**
   * Ground captions in images (an extension, not the paper's default): each caption is represented
   * by the mean embedding of its `k` (default 50) nearest images of the class among `latents`
   * (cosine similarity in the joint space), and the reference by the mean of all of the class's
   * images; the differences then go through the same preprocessing and SVM. Use it when the text
   * and image embeddings of the encoder are only loosely aligned (whitening amplifies that
   * misalignment): the ranking then reflects where the images a caption retrieves fall along the
   * failure direction. `reference` is ignored. `latents` must be this encoder's image embeddings,
   * e.g. of the validation split, with their true labels.
   */
  groundOn?: { latents: Matrix; labels: ArrayLike<number>; k?: number };
}

function requireJoint(encoder: Encoder, caller: string): JointEncoder {
  if (encoder == null || typeof encoder !== 'object') throw new TypeError(`${caller}: expected an encoder, got ${encoder}`);
  if (!isJointEncoder(encoder)) {
    throw new TypeError(
      `${caller}: captioning needs a joint image-text encoder (one with embedTexts, e.g. await jointEncoder()), ` +
        `but '${encoder.name}' embeds images only. Its failure directions can still rank images; to name them, ` +
        `embed the splits with a joint encoder and fit FailureDirections on those embeddings, or pass caption embeddings ` +
        `computed elsewhere with captionEmbeddings({ captions, embeddings }).`,
    );
  }
  return encoder;
}

function toCandidates(candidates: readonly (CaptionCandidate | string)[], caller: string): CaptionCandidate[] {
  if (!Array.isArray(candidates) || candidates.length === 0) throw new RangeError(`${caller}: candidates must be a non-empty array of captions (see captionCandidates)`);
  return candidates.map((c, i) => {
    if (typeof c === 'string') {
      if (c.trim() === '') throw new RangeError(`${caller}: candidate ${i} is an empty string`);
      return { caption: c, adjective: null, noun: null, preposition: null };
    }
    if (c == null || typeof c.caption !== 'string') throw new TypeError(`${caller}: candidate ${i} must be a string or {caption, ...}`);
    return c;
  });
}

/**
 * Scores candidate captions through class `classId`'s failure direction, as in the paper: embed each
 * caption, subtract the reference caption's embedding ("a photo of a {class}"), apply the fit's image
 * preprocessing (train-split whitening, L2 normalisation) and take the class SVM's decision value.
 * Returns an Arquero table `caption, score, adjective, noun, preposition, unknownWords`, most negative
 * (the failure mode) first. `unknownWords` lists words the encoder could not read (null when none).
 *
 * The fit must have been made on image embeddings from this same encoder: captions only mean
 * something in the space the SVM was trained in. Caption embeddings computed elsewhere (e.g. CLIP in
 * Python, as a Matrix or `.npy` plus the caption strings and the reference's embedding) work the same
 * way through `captionEmbeddings({ captions, embeddings, reference })` in place of the encoder.
 *
 * @example
 * ```ts
 * const joint = await fd.jointEncoder();
 * const a = await fd.analyze({ model, encoder: joint, train, val, test });
 * const cands = fd.captionCandidates({ nouns: ['digit'], adjectives: [null, 'red', 'green', 'blue'] });
 * const captions = await fd.rankCaptions(a.dirs, joint, 0, cands, { reference: 'a photo of a digit' });
 * ```
 */
export async function rankCaptions(
  fit: FailureDirections,
  encoder: Encoder,
  classRef: ClassRef,
  candidates: readonly (CaptionCandidate | string)[],
  options: RankCaptionsOptions = {},
): Promise<ScoresTable> {
  const caller = 'rankCaptions';
  const enc = requireJoint(encoder, caller);
  if (fit == null || typeof fit.decisionFunction !== 'function' || typeof fit.direction !== 'function') {
    throw new TypeError(`${caller}: expected a fitted FailureDirections as the first argument`);
  }
  const cands = toCandidates(candidates, caller);
  // direction() throws naming the class and its status when the class has no SVM.
  const dir = fit.direction(classRef);
  const classId = typeof classRef === 'string' ? fit.classNames_.indexOf(classRef) : classRef;
  if (dir.length !== enc.dim) {
    throw new RangeError(`${caller}: the failure directions were fit on ${dir.length}-d embeddings but '${enc.name}' embeds into ${enc.dim} dimensions; fit on this encoder's image embeddings`);
  }
  const className = fit.classNames_[classId] ?? String(classId);
  const reference = options.reference ?? fillCaption(CAPTION_TEMPLATE, { noun: className });
  const texts = cands.map((c) => c.caption);
  const n = texts.length;
  let diff: Float32Array;
  const d = enc.dim;
  if (options.groundOn) {
    diff = await groundedDifferences(enc, texts, classId, options.groundOn, caller);
  } else {
    const emb = await enc.embedTexts([reference, ...texts]);
    diff = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const o = (i + 1) * d;
      for (let j = 0; j < d; j++) diff[i * d + j] = emb.data[o + j] - emb.data[j];
    }
  }
  const score = fit.decisionFunction({ data: diff, rows: n, cols: d }, classId);
  const unknownOf = (t: string): string | null => {
    const u = enc.unknownWords ? enc.unknownWords(t) : [];
    return u.length ? u.join(' ') : null;
  };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b] || a - b);
  return aq.table({
    caption: order.map((i) => texts[i]),
    score: Float64Array.from(order, (i) => score[i]),
    adjective: order.map((i) => cands[i].adjective),
    noun: order.map((i) => cands[i].noun),
    preposition: order.map((i) => cands[i].preposition),
    unknownWords: order.map((i) => unknownOf(texts[i])),
  });
}

/** Caption prototypes (mean of the k nearest class images) minus the class mean, row per caption. */
async function groundedDifferences(
  enc: JointEncoder,
  texts: string[],
  classId: number,
  ground: NonNullable<RankCaptionsOptions['groundOn']>,
  caller: string,
): Promise<Float32Array> {
  const { latents, labels } = ground;
  const d = enc.dim;
  if (latents == null || !(latents.data instanceof Float32Array)) throw new TypeError(`${caller}: groundOn.latents must be a Matrix of image embeddings`);
  if (latents.cols !== d) throw new RangeError(`${caller}: groundOn.latents have ${latents.cols} columns but '${enc.name}' embeds into ${d}`);
  if (labels == null || labels.length !== latents.rows) throw new RangeError(`${caller}: groundOn.labels has ${labels?.length} entries for ${latents.rows} latent rows`);
  const rows: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === classId) rows.push(i);
  if (rows.length === 0) throw new RangeError(`${caller}: groundOn has no images of class ${classId}`);
  const k = Math.min(ground.k ?? 50, rows.length);
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`${caller}: groundOn.k must be a positive integer, got ${ground.k}`);
  const unit = new Float32Array(rows.length * d);
  const mean = new Float64Array(d);
  rows.forEach((r, a) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += latents.data[r * d + j] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) {
      unit[a * d + j] = latents.data[r * d + j] * inv;
      mean[j] += latents.data[r * d + j] / rows.length;
    }
  });
  const t = await enc.embedTexts(texts);
  const out = new Float32Array(texts.length * d);
  const sim = new Float64Array(rows.length);
  const order = Array.from({ length: rows.length }, (_, a) => a);
  for (let c = 0; c < texts.length; c++) {
    for (let a = 0; a < rows.length; a++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += unit[a * d + j] * t.data[c * d + j];
      sim[a] = s;
    }
    order.sort((x, y) => sim[y] - sim[x] || x - y);
    for (let q = 0; q < k; q++) {
      const r = rows[order[q]];
      for (let j = 0; j < d; j++) out[c * d + j] += latents.data[r * d + j] / k;
    }
    for (let j = 0; j < d; j++) out[c * d + j] -= mean[j];
  }
  return out;
}

/** Options of {@link retrieveByCaption}. */
export interface RetrieveByCaptionOptions {
  /** `encoder.embedImages(split)`, if already computed (skips embedding). */
  latents?: Matrix;
  /**
   * The model's predictions on `split`: predicted class per image, or a table with a `pred` column
   * (e.g. from `predict(model, split)`), row-aligned with the split. Without them accuracy is NaN.
   */
  predictions?: ArrayLike<number> | { array(name: string): ArrayLike<unknown>; numRows(): number };
  /**
   * Only rank images whose label is this class (the paper retrieves within the class whose failure
   * direction the caption came from); `splitAccuracy` is then the model's accuracy on that class.
   */
  classId?: ClassRef;
}

/** Result of {@link retrieveByCaption}. */
export interface CaptionRetrieval {
  caption: string;
  k: number;
  /** The k nearest images: `rank, index, id, label, className, similarity, pred, predName, correct` (+ `group`). */
  table: ScoresTable;
  /** The model's accuracy on the k images (NaN without predictions). */
  accuracy: number;
  /** The model's accuracy on the whole split (or on `classId`'s images), for comparison (NaN without predictions). */
  splitAccuracy: number;
}

function predictionsOf(p: RetrieveByCaptionOptions['predictions'], n: number, caller: string): Int32Array | null {
  if (p == null) return null;
  let arr: ArrayLike<unknown>;
  if (typeof (p as { array?: unknown }).array === 'function') {
    const t = p as { array(name: string): ArrayLike<unknown>; numRows(): number };
    if (t.numRows() !== n) throw new RangeError(`${caller}: the predictions table has ${t.numRows()} rows but the split has ${n} images`);
    try {
      arr = t.array('pred');
    } catch {
      throw new RangeError(`${caller}: the predictions table has no 'pred' column`);
    }
  } else {
    arr = p as ArrayLike<number>;
    if (arr.length !== n) throw new RangeError(`${caller}: ${arr.length} predictions for ${n} images`);
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = Number(arr[i]);
    if (!Number.isInteger(v)) throw new RangeError(`${caller}: prediction ${i} is ${String(arr[i])}, not a class index`);
    out[i] = v;
  }
  return out;
}

/**
 * The `k` images of `split` nearest to `caption` in the joint space (cosine similarity), with the
 * model's accuracy on them next to its accuracy on the whole split: the paper's check that a caption
 * names a hard subpopulation. With precomputed caption embeddings (`captionEmbeddings(...)` as the
 * encoder) pass the split's image embeddings as `latents`.
 *
 * @example
 * ```ts
 * const r = await fd.retrieveByCaption(joint, 'a photo of a green digit', test, 50, { predictions: a.predictions.test, classId: 0 });
 * r.accuracy;      // accuracy on the 50 greenest-looking digits of class 0
 * r.splitAccuracy; // vs the class overall
 * fd.imageStrip(test, r.table);
 * ```
 */
export async function retrieveByCaption(
  encoder: Encoder,
  caption: string,
  split: ImageDataset,
  k: number,
  options: RetrieveByCaptionOptions = {},
): Promise<CaptionRetrieval> {
  const caller = 'retrieveByCaption';
  const enc = requireJoint(encoder, caller);
  if (typeof caption !== 'string' || caption.trim() === '') throw new TypeError(`${caller}: caption must be a non-empty string`);
  if (split == null || typeof split !== 'object' || split.labels == null) throw new TypeError(`${caller}: expected an ImageDataset as the split`);
  const n = split.labels.length;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${caller}: k must be a positive integer, got ${k}`);
  const preds = predictionsOf(options.predictions, n, caller);
  const latents = options.latents ?? (await enc.embedImages(split));
  if (latents.rows !== n) throw new RangeError(`${caller}: latents have ${latents.rows} rows but the split has ${n} images`);
  if (latents.cols !== enc.dim) throw new RangeError(`${caller}: latents have ${latents.cols} columns but '${enc.name}' embeds into ${enc.dim}`);
  const ref = options.classId;
  const classId = typeof ref === 'string' ? split.classNames.indexOf(ref) : ref;
  if (typeof ref === 'string' && classId! < 0) throw new RangeError(`${caller}: no class named '${ref}' in the split (classes: ${split.classNames.join(', ')})`);
  if (classId !== undefined && !(Number.isInteger(classId) && classId >= 0 && classId < split.classNames.length)) {
    throw new RangeError(`${caller}: classId ${classId} is not a class of the split (0..${split.classNames.length - 1})`);
  }
  const pool: number[] = [];
  for (let i = 0; i < n; i++) if (classId === undefined || split.labels[i] === classId) pool.push(i);
  if (pool.length === 0) throw new RangeError(`${caller}: the split has no images of class ${classId} ('${split.classNames[classId!]}')`);
  const t = await enc.embedTexts([caption]);
  const d = latents.cols;
  let tn = 0;
  for (let j = 0; j < d; j++) tn += t.data[j] * t.data[j];
  tn = Math.sqrt(tn) || 1;
  const kk = Math.min(k, pool.length);
  const sim = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let nn = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) {
      s += latents.data[o + j] * t.data[j];
      nn += latents.data[o + j] * latents.data[o + j];
    }
    sim[i] = nn > 0 ? s / (Math.sqrt(nn) * tn) : 0;
  }
  const top = pool.sort((a, b) => sim[b] - sim[a] || a - b).slice(0, kk);
  let hits = 0;
  let all = 0;
  if (preds) {
    for (const i of top) if (preds[i] === split.labels[i]) hits++;
    for (let i = 0; i < n; i++) if ((classId === undefined || split.labels[i] === classId) && preds[i] === split.labels[i]) all++;
  }
  const cols: Record<string, unknown[] | Float64Array> = {
    rank: top.map((_, r) => r),
    index: top,
    id: top.map((i) => split.ids[i]),
    label: top.map((i) => split.labels[i]),
    className: top.map((i) => split.classNames[split.labels[i]] ?? null),
    similarity: Float64Array.from(top, (i) => sim[i]),
    pred: top.map((i) => (preds ? preds[i] : null)),
    predName: top.map((i) => (preds ? (split.classNames[preds[i]] ?? null) : null)),
    correct: top.map((i) => (preds ? preds[i] === split.labels[i] : null)),
  };
  if (split.groups) cols.group = top.map((i) => split.groups![i]);
  return {
    caption,
    k: kk,
    table: aq.table(cols as never),
    accuracy: preds ? hits / kk : NaN,
    splitAccuracy: preds ? all / pool.length : NaN,
  };
}
