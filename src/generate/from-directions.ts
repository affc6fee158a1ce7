/**
 * Generating hard images from failure directions, both ways Jain et al. (ICLR 2023, Sec. 6) do it:
 *
 * - caption level ({@link generateFromCaptions}): images from a class's top negative caption (the
 *   failure mode named in words), its reference caption ("a photo of a {class}") and its top positive
 *   caption. A caption whose noun is not one of the class's own nouns is rewritten with each of them
 *   ("a photo of a green digit" for class "digit 0-4" -> "a photo of a green zero", ..., "... four"),
 *   and every image is labelled with the analysed class.
 * - direction level ({@link generateAlongDirection}): the reference caption's embedding moved along
 *   the class's failure direction (mapped back to the encoder's space, see `conditioning.ts`) by
 *   spherical interpolation with strength alpha, towards the failure side ("flip") or away from it.
 *
 * Both return the images as an {@link ImageDataset} (labels = the analysed class, classNames = the
 * analysis's) and a table with one row per image describing how it was made.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import type { ImageDataset } from '../data/image-dataset';
import { CAPTION_TEMPLATE, fillCaption, rankCaptions, type CaptionCandidate } from '../directions/captions';
import type { FailureDirections } from '../directions/failure-directions';
import { DIGIT_WORDS } from '../embed/caption-templates';
import { tokenize } from '../embed/tokenizer';
import { checkConditioningSpace, encoderSpaceDirection, slerp, type DirectionSource } from './conditioning';
import type { ConditioningSpace } from './generator-files';
import type { GenerateOptions, ImageGenerator } from './image-generator';

/**
 * Nouns of the class names the package's benchmarks use, for class names that are not themselves a
 * noun the encoder reads as one thing: Colored MNIST's digit ranges, digits written as numerals, and
 * the hidden-subclass superclasses (their member classes).
 */
export const DEFAULT_CLASS_NOUNS: Readonly<Record<string, readonly string[]>> = {
  'digit 0-4': DIGIT_WORDS.slice(0, 5),
  'digit 5-9': DIGIT_WORDS.slice(5),
  ...Object.fromEntries(DIGIT_WORDS.map((w, d) => [String(d), [w]])),
  tops: ['T-shirt/top', 'pullover', 'coat', 'shirt'],
  footwear: ['sandal', 'sneaker', 'ankle boot'],
  other: ['trouser', 'dress', 'bag'],
};

/** Nouns that name more than one class (superclass or generic level), replaced by a class's own nouns. */
const GENERIC_NOUNS = ['handwritten digit', 'piece of footwear', 'piece of clothing', 'clothing item', 'fashion item', 'fashion product', 'digit', 'number', 'numeral', 'object', 'thing', 'item', 'garment', 'clothes', 'apparel', 'footwear', 'shoe', 'top', 'bottom', 'legwear', 'accessory'];

/** Options shared by the caption-level and direction-level helpers. */
export interface SteeringOptions extends Pick<GenerateOptions, 'seed' | 'guidance' | 'steps' | 'channels'> {
  /** Images per caption kind (caption level) or per (flip, alpha) cell (direction level). Default 16. */
  n?: number;
  /**
   * The class's own nouns, by class name, where the name is not a noun the generator reads as one
   * thing (e.g. `{ 'digit 0-4': ['zero', 'one', 'two', 'three', 'four'] }`). Defaults cover the
   * package's benchmarks ({@link DEFAULT_CLASS_NOUNS}); other names must be words the encoder knows.
   */
  classNouns?: Record<string, readonly string[]>;
}

/** What both helpers return. */
export interface GeneratedImages {
  /** The images; `labels` = the analysed class, `classNames` = the analysis's, `groups` = the kind ('negative', 'flip alpha=0.3', ...). */
  images: ImageDataset;
  /**
   * One row per image, aligned with `images`: `id, label, className, kind, prompt, caption, alpha, flip`.
   * `prompt` is the caption actually generated from (after noun substitution; the reference caption
   * for direction-level images), `caption` the ranked caption it came from (null for direction level).
   */
  table: ColumnTable;
}

/** The {@link GeneratedImages} table: one row per image, the columns both helpers share, in one place. */
function generatedTable<R extends { kind: string; prompt: string }>(
  images: ImageDataset,
  classNames: string[],
  rows: R[],
  per: { caption: (r: R) => string | null; alpha: (r: R) => number | null; flip: (r: R) => boolean | null },
): ColumnTable {
  const alpha = rows.map(per.alpha);
  return aq.table({
    id: images.ids,
    label: Array.from(images.labels),
    className: Array.from(images.labels, (l) => classNames[l]),
    kind: rows.map((r) => r.kind),
    prompt: rows.map((r) => r.prompt),
    caption: rows.map(per.caption),
    // Numeric where every image has an alpha (direction level), nulls otherwise, as before.
    alpha: alpha.every((a) => a !== null) ? Float64Array.from(alpha as number[]) : alpha,
    flip: rows.map(per.flip),
  });
}

type Fitted = DirectionSource & Pick<FailureDirections, 'classNames_'>;

function classNameOf(dirs: Fitted, classId: number, caller: string): string {
  const names = dirs.classNames_;
  if (!Array.isArray(names)) throw new TypeError(`${caller}: expected fitted FailureDirections (classNames_ is missing; call fit first)`);
  if (!(Number.isInteger(classId) && classId >= 0 && classId < names.length)) throw new RangeError(`${caller}: classId ${classId} is not a class of the fit (0..${names.length - 1}: ${names.join(', ')})`);
  return names[classId];
}

/**
 * The nouns used for class `className` when generating: `classNouns[className]` if given, else
 * {@link DEFAULT_CLASS_NOUNS}, else the class name itself when the generator's encoder knows every
 * word of it. Throws naming the unknown words otherwise.
 *
 * @example
 * ```ts
 * const gen = await fd.imageGenerator();
 * nounsForClass(gen, 'digit 0-4'); // ['zero', 'one', 'two', 'three', 'four']
 * nounsForClass(gen, 'Sneaker');   // ['Sneaker']
 * ```
 */
export function nounsForClass(generator: ImageGenerator, className: string, classNouns?: Record<string, readonly string[]>, caller = 'nounsForClass'): string[] {
  const unknown = (t: string) => generator.encoder.unknownWords?.(t) ?? [];
  const given = classNouns?.[className];
  if (given !== undefined) {
    if (!Array.isArray(given) || given.length === 0) throw new RangeError(`${caller}: classNouns["${className}"] must be a non-empty array of nouns`);
    given.forEach((w, i) => {
      if (typeof w !== 'string' || w.trim() === '') throw new TypeError(`${caller}: classNouns["${className}"][${i}] must be a non-empty string`);
      const u = unknown(w);
      if (u.length) throw new RangeError(`${caller}: classNouns["${className}"][${i}] ("${w}") has words the generator's encoder does not know: ${u.join(', ')}`);
    });
    return given.slice();
  }
  const builtIn = DEFAULT_CLASS_NOUNS[className];
  if (builtIn) return builtIn.slice();
  const u = unknown(className);
  if (u.length === 0 && tokenize(className).length > 0) return [className];
  throw new RangeError(
    `${caller}: class "${className}" is not a noun the generator's encoder knows (unknown: ${u.join(', ') || className}); ` +
      `pass classNouns: { "${className}": [...] } with words it knows (e.g. the class's member classes)`,
  );
}

function hasNoun(text: string, noun: string): boolean {
  const t = ` ${tokenize(text).join(' ')} `;
  return t.includes(` ${tokenize(noun).join(' ')} `);
}

/**
 * The prompts for one ranked caption: the caption itself when it already names one of the class's
 * nouns, else one caption per class noun (the caption's adjective and preposition around it).
 */
function promptsFor(caption: CaptionCandidate, nouns: string[], className: string, caller: string): string[] {
  if (nouns.some((n) => hasNoun(caption.caption, n))) return [caption.caption];
  if (caption.noun !== null || caption.adjective !== null || caption.preposition !== null) {
    return nouns.map((noun) => fillCaption(CAPTION_TEMPLATE, { adj: caption.adjective, noun, prep: caption.preposition }));
  }
  // A plain string: replace the class name, else a generic noun, by each class noun.
  const text = caption.caption;
  const lower = text.toLowerCase();
  let at = lower.lastIndexOf(className.toLowerCase());
  let len = className.length;
  if (at < 0) {
    for (const g of GENERIC_NOUNS) {
      const m = new RegExp(`\\b${g}\\b`, 'i').exec(text);
      if (m) {
        at = m.index;
        len = g.length;
        break;
      }
    }
  }
  if (at < 0) throw new RangeError(`${caller}: caption "${text}" names neither class "${className}", one of its nouns (${nouns.join(', ')}), nor a generic noun to replace; pass it as a CaptionCandidate ({caption, adjective, noun, preposition})`);
  return nouns.map((noun) => fillCaption(`${text.slice(0, at)}{noun}${text.slice(at + len)}`, { noun }));
}

/** Splits `n` into `m` near-equal counts (the first ones get the remainder). */
function split(n: number, m: number): number[] {
  return Array.from({ length: m }, (_, i) => Math.floor(n / m) + (i < n % m ? 1 : 0));
}

/** One block of conditions generated together: `counts[i]` images of condition i, described as `group`. */
interface Cell {
  conditions: (string | Float32Array)[];
  counts: number[];
  /** The `kind` of these images (their `groups` entry). */
  group: string;
  /** Ids are `${idPrefix}:${seed}:${i}:${j}` (condition i of the cell, image j). */
  idPrefix: string;
}

/**
 * Generates every cell's images in one `generator.generate` call (one batch, one progress line) and
 * returns them cell by cell, condition by condition, in order. Image j of every condition starts from
 * the same noise, so this gives the images that one call per cell would.
 */
async function generateCells(generator: ImageGenerator, cells: Cell[], o: SteeringOptions, meta: { classId: number; classNames: string[] }, name: string): Promise<ImageDataset> {
  const conditions = cells.flatMap((c) => c.conditions);
  const counts = cells.flatMap((c) => c.counts);
  const maxN = Math.max(...counts);
  const ds = await generator.generate(conditions, {
    n: maxN,
    seed: o.seed,
    guidance: o.guidance,
    steps: o.steps,
    channels: o.channels,
    labels: meta.classId,
    classNames: meta.classNames,
    groups: cells.flatMap((c) => c.conditions.map(() => c.group)),
  });
  const seed = o.seed ?? 0;
  const P = ds.height * ds.width * ds.channels;
  const keep: number[] = [];
  const ids: string[] = [];
  let first = 0;
  for (const cell of cells) {
    cell.counts.forEach((count, i) => {
      for (let j = 0; j < count; j++) {
        keep.push((first + i) * maxN + j);
        ids.push(`${cell.idPrefix}:${seed}:${i}:${j}`);
      }
    });
    first += cell.conditions.length;
  }
  const images = new Uint8Array(keep.length * P);
  keep.forEach((r, k) => images.set(ds.images.subarray(r * P, (r + 1) * P), k * P));
  return { ...ds, name, images, labels: Int32Array.from(keep, (r) => ds.labels[r]), ids, groups: keep.map((r) => ds.groups![r]) };
}

function checkN(n: number, caller: string): number {
  if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`${caller}: n must be a positive integer, got ${JSON.stringify(n) ?? String(n)}`);
  return n;
}

/** Rows of a ranked-captions table (or a list) as candidates, most negative first. */
function rankedRows(captions: ColumnTable | readonly (CaptionCandidate | string)[], caller: string): CaptionCandidate[] {
  let rows: Array<Record<string, unknown> | string>;
  if (Array.isArray(captions)) rows = captions as Array<Record<string, unknown> | string>;
  else if (captions && typeof (captions as ColumnTable).objects === 'function') rows = (captions as ColumnTable).objects() as Array<Record<string, unknown>>;
  else throw new TypeError(`${caller}: captions must be rankCaptions' table or an array of captions, most negative first`);
  if (rows.length === 0) throw new RangeError(`${caller}: no captions`);
  return rows.map((r, i) => {
    if (typeof r === 'string') return { caption: r, adjective: null, noun: null, preposition: null };
    if (r == null || typeof r.caption !== 'string') throw new TypeError(`${caller}: caption row ${i} has no 'caption' string`);
    const s = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : null);
    return { caption: r.caption, adjective: s('adjective'), noun: s('noun'), preposition: s('preposition') };
  });
}

/** Options of {@link generateFromCaptions}. */
export interface GenerateFromCaptionsOptions extends SteeringOptions {
  /**
   * The class's captions ranked by `rankCaptions` (its table, most negative first), or candidates to
   * rank here with `rankCaptions(dirs, generator.encoder, classId, candidates)`. One is required.
   */
  captions?: ColumnTable | readonly (CaptionCandidate | string)[];
  candidates?: readonly (CaptionCandidate | string)[];
  /** Which captions to generate from (default all three). */
  kinds?: readonly ('negative' | 'reference' | 'positive')[];
}

/** The checks both helpers start with: a generator, a class with a direction, n, the conditioning space. */
function checkCall(generator: ImageGenerator, dirs: FailureDirections, classId: number, n: number | undefined, caller: string): { className: string; n: number } {
  if (generator == null || typeof generator.generate !== 'function') throw new TypeError(`${caller}: expected an ImageGenerator (await imageGenerator()) as the first argument`);
  const className = classNameOf(dirs, classId, caller);
  const checked = checkN(n ?? 16, caller);
  checkConditioningSpace(dirs, generator.conditioning as ConditioningSpace, caller);
  return { className, n: checked };
}

/**
 * Caption-level generation (the paper's Sec. 6 "caption level"): `n` images each from class
 * `classId`'s top negative caption, its reference caption "a photo of a {class}" and its top positive
 * caption, all labelled with that class. Class names that are not nouns the encoder reads (e.g.
 * "digit 0-4") are replaced by the class's own nouns, and captions naming a generic noun ("a photo of
 * a green digit") are rewritten with each of them ("a photo of a green three"); the `n` images of a
 * kind are split evenly over those prompts.
 *
 * @example
 * ```ts
 * const gen = await fd.imageGenerator();
 * const candidates = fd.captionCandidates({ nouns: ['digit'], adjectives: [null, 'red', 'green', 'blue'] });
 * const ranked = await fd.rankCaptions(dirs, gen.encoder, 0, candidates);
 * const { images, table } = await fd.generateFromCaptions(gen, dirs, 0, { captions: ranked, n: 32, seed: 0 });
 * table.groupby('kind').count().print();
 * ```
 */
export async function generateFromCaptions(generator: ImageGenerator, dirs: FailureDirections, classId: number, options: GenerateFromCaptionsOptions): Promise<GeneratedImages> {
  const caller = 'generateFromCaptions';
  const { className, n } = checkCall(generator, dirs, classId, options?.n, caller);
  const o = options ?? {};
  let ranked: CaptionCandidate[];
  if (o.captions !== undefined) ranked = rankedRows(o.captions, caller);
  else if (o.candidates !== undefined) ranked = rankedRows(await rankCaptions(dirs, generator.encoder, classId, o.candidates), caller);
  else throw new TypeError(`${caller}: pass captions (rankCaptions' table for class ${classId}) or candidates to rank`);
  const nouns = nounsForClass(generator, className, o.classNouns, caller);
  const kinds = o.kinds ?? ['negative', 'reference', 'positive'];
  const classNames = dirs.classNames_!.slice();
  const cells: Cell[] = [];
  const rows: { kind: string; prompt: string; caption: string | null }[] = [];
  for (const kind of kinds) {
    let prompts: string[];
    let caption: string | null;
    if (kind === 'reference') {
      prompts = nouns.map((noun) => fillCaption(CAPTION_TEMPLATE, { noun }));
      caption = fillCaption(CAPTION_TEMPLATE, { noun: className });
    } else if (kind === 'negative' || kind === 'positive') {
      const c = kind === 'negative' ? ranked[0] : ranked[ranked.length - 1];
      prompts = promptsFor(c, nouns, className, caller);
      caption = c.caption;
    } else throw new RangeError(`${caller}: unknown kind ${JSON.stringify(kind)} (use 'negative', 'reference', 'positive')`);
    const counts = split(n, prompts.length);
    const used = prompts.map((p, i) => [p, counts[i]] as const).filter(([, c]) => c > 0);
    cells.push({ conditions: used.map(([p]) => p), counts: used.map(([, c]) => c), group: kind, idPrefix: kind });
    for (const [p, c] of used) for (let j = 0; j < c; j++) rows.push({ kind, prompt: p, caption });
  }
  const images = await generateCells(generator, cells, o, { classId, classNames }, `generated (class ${className})`);
  return { images, table: generatedTable(images, classNames, rows, { caption: (r) => r.caption, alpha: () => null, flip: () => null }) };
}

/** Options of {@link generateAlongDirection}. */
export interface GenerateAlongDirectionOptions extends SteeringOptions {
  /** Interpolation strengths (fractions of the way to the direction, each in [0, 1]). Default 0, 0.1, ..., 0.5. */
  alphas?: readonly number[];
  /** Towards the failure side (true), away from it (false), or both (default). */
  flip?: boolean | 'both';
}

/**
 * Direction-level generation (the paper's Sec. 6): the reference caption's embedding ("a photo of a
 * {noun}" for each of the class's nouns) is moved by spherical interpolation with strength `alpha`
 * towards the class's failure direction in the encoder's space (`flip`: towards the failure side, the
 * negative of the SVM normal) or away from it, and `n` images are generated per (flip, alpha) cell,
 * labelled with the class. Image `j` of every cell starts from the same noise, so a row of a strip
 * shows one image changing with alpha.
 *
 * Throws when the directions were fitted in a space that is not the generator's conditioning space.
 *
 * @example
 * ```ts
 * const gen = await fd.imageGenerator();
 * const { images, table } = await fd.generateAlongDirection(gen, dirs, 0, { alphas: [0, 0.25, 0.5], n: 16 });
 * ```
 */
export async function generateAlongDirection(generator: ImageGenerator, dirs: FailureDirections, classId: number, options: GenerateAlongDirectionOptions = {}): Promise<GeneratedImages> {
  const caller = 'generateAlongDirection';
  const { className, n } = checkCall(generator, dirs, classId, options?.n, caller);
  const o = options ?? {};
  const alphas = o.alphas ?? [0, 0.1, 0.2, 0.3, 0.4, 0.5];
  if (!Array.isArray(alphas) || alphas.length === 0) throw new RangeError(`${caller}: alphas must be a non-empty array`);
  alphas.forEach((a, i) => {
    if (!(typeof a === 'number' && a >= 0 && a <= 1)) throw new RangeError(`${caller}: alphas[${i}] must be in [0, 1], got ${a}`);
  });
  const flips = o.flip === undefined || o.flip === 'both' ? [true, false] : [o.flip];
  const nouns = nounsForClass(generator, className, o.classNouns, caller);
  const prompts = nouns.map((noun) => fillCaption(CAPTION_TEMPLATE, { noun }));
  const refs = await generator.embedConditions(prompts);
  const D = refs.cols;
  const u = encoderSpaceDirection(dirs, classId);
  if (u.length !== D) throw new RangeError(`${caller}: the direction has ${u.length} dimensions but the generator's conditions have ${D}`);
  const counts = split(n, prompts.length);
  const classNames = dirs.classNames_!.slice();
  const cells: Cell[] = [];
  const rows: { kind: string; prompt: string; alpha: number; flip: boolean }[] = [];
  for (const flip of flips) {
    const target = Float32Array.from(u, (x) => (flip ? -x : x));
    for (const alpha of alphas) {
      const kind = `${flip ? 'flip' : 'no flip'} alpha=${alpha}`;
      const conds: Float32Array[] = [];
      const used: [string, number][] = [];
      prompts.forEach((p, m) => {
        if (counts[m] === 0) return;
        conds.push(slerp(refs.data.subarray(m * D, (m + 1) * D), target, alpha));
        used.push([p, counts[m]]);
      });
      cells.push({ conditions: conds, counts: used.map(([, c]) => c), group: kind, idPrefix: kind.replace(' alpha=', '@') });
      for (const [p, c] of used) for (let j = 0; j < c; j++) rows.push({ kind, prompt: p, alpha, flip });
    }
  }
  const images = await generateCells(generator, cells, o, { classId, classNames }, `generated along the direction (class ${className})`);
  return { images, table: generatedTable(images, classNames, rows, { caption: () => null, alpha: (r) => r.alpha, flip: (r) => r.flip }) };
}
