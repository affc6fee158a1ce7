/**
 * Selecting images from an {@link ImageDataset}: by position, by corpus-index range, and checks of a
 * dataset's shape.
 */
import type { ImageDataset } from './image-dataset';

/** A half-open range `[start, end)` of corpus indices (the numeric ids of a shipped corpus). */
export interface IndexRange {
  start: number;
  end: number;
}

/**
 * Label of an image whose class is not known (an unlabeled pool), as in scikit-learn's
 * semi-supervised estimators (`LabelSpreading`, `SelfTrainingClassifier`).
 *
 * @example
 * ```ts
 * const { unlabeled } = await fd.fromManifest('data/manifest.csv');
 * const known = Array.from(unlabeled!.labels).filter((l) => l !== fd.UNLABELED).length;
 * ```
 */
export const UNLABELED = -1;

/** Options of {@link assertDataset}. */
export interface AssertDatasetOptions {
  /**
   * Accept images whose label is {@link UNLABELED} (-1), for uses that need no true class (embedding).
   * Default false: every label must be a class id.
   */
  unlabeled?: boolean;
}

/**
 * Checks that `ds` is a consistent {@link ImageDataset} (array lengths, label range) and returns it;
 * throws naming `what` and the offending field or row otherwise. An unlabeled image (label -1, e.g.
 * from a manifest row with an empty label in an unlabeled split) passes only with `{ unlabeled: true }`.
 *
 * @example
 * ```ts
 * assertDataset(split, 'train');
 * assertDataset(splits.unlabeled!, 'pool', { unlabeled: true }); // labels may be -1
 * ```
 */
export function assertDataset(ds: ImageDataset, what = ds?.name ?? 'dataset', opts: AssertDatasetOptions = {}): ImageDataset {
  if (ds == null || typeof ds !== 'object') throw new TypeError(`${what}: expected an ImageDataset, got ${ds}`);
  const { height, width, channels } = ds;
  for (const [k, v] of [['height', height], ['width', width], ['channels', channels]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${what}: ${k} must be a positive integer, got ${v}`);
  }
  if (!(ds.images instanceof Uint8Array)) throw new TypeError(`${what}: images must be a Uint8Array (HWC pixels)`);
  if (!(ds.labels instanceof Int32Array)) throw new TypeError(`${what}: labels must be an Int32Array`);
  const n = ds.labels.length;
  if (ds.images.length !== n * height * width * channels) {
    throw new RangeError(`${what}: images has ${ds.images.length} bytes, expected ${n} x ${height} x ${width} x ${channels}`);
  }
  if (!Array.isArray(ds.classNames)) throw new TypeError(`${what}: classNames must be an array`);
  const allUnlabeled = opts.unlabeled === true && ds.labels.every((l) => l === UNLABELED);
  if (ds.classNames.length === 0 && !allUnlabeled) throw new TypeError(`${what}: classNames must be a non-empty array`);
  if (ds.ids.length !== n) throw new RangeError(`${what}: ${ds.ids.length} ids for ${n} images`);
  if (ds.groups && ds.groups.length !== n) throw new RangeError(`${what}: ${ds.groups.length} groups for ${n} images`);
  const k = ds.classNames.length;
  for (let i = 0; i < n; i++) {
    const l = ds.labels[i];
    if (l === UNLABELED) {
      if (opts.unlabeled === true) continue;
      throw new RangeError(`${what}: row ${i} (id ${ds.ids[i]}) is unlabeled (label -1); this step needs a true class for every image`);
    }
    if (!(l >= 0 && l < k)) throw new RangeError(`${what}: row ${i} (id ${ds.ids[i]}) has label ${l}, outside 0..${k - 1}`);
  }
  return ds;
}

/**
 * A new dataset holding the images at `positions` (row numbers, in the order given), with their
 * labels, ids and groups. Pixels are copied, so the result owns its memory.
 *
 * @example
 * ```ts
 * const first100 = fd.subset(train, Array.from({ length: 100 }, (_, i) => i), 'train[:100]');
 * ```
 */
export function subset(ds: ImageDataset, positions: ArrayLike<number>, name: string | undefined = ds.name): ImageDataset {
  const n = ds.labels.length;
  const stride = ds.height * ds.width * ds.channels;
  const m = positions.length;
  const images = new Uint8Array(m * stride);
  const labels = new Int32Array(m);
  const ids: Array<string | number> = new Array(m);
  const groups = ds.groups ? new Array<string>(m) : undefined;
  for (let i = 0; i < m; i++) {
    const p = positions[i];
    if (!Number.isInteger(p) || p < 0 || p >= n) throw new RangeError(`subset: position ${p} outside 0..${n - 1}${ds.name ? ` of ${ds.name}` : ''}`);
    images.set(ds.images.subarray(p * stride, (p + 1) * stride), i * stride);
    labels[i] = ds.labels[p];
    ids[i] = ds.ids[p];
    if (groups) groups[i] = ds.groups![p];
  }
  const out: ImageDataset = { images, height: ds.height, width: ds.width, channels: ds.channels, labels, classNames: ds.classNames.slice(), ids };
  if (groups) out.groups = groups;
  if (name !== undefined) out.name = name;
  return out;
}

/**
 * Positions (row numbers) of the images whose numeric id lies in any of `ranges`, in dataset order.
 * With a shipped corpus (ids = corpus index) this selects reserved ranges, e.g. `RESERVED.mnist.analysis`.
 *
 * @example
 * ```ts
 * const mnist = await fd.loadMnist();
 * const rows = positionsInRanges(mnist, RESERVED.mnist.analysis);
 * ```
 */
export function positionsInRanges(ds: ImageDataset, ranges: IndexRange | readonly IndexRange[]): Int32Array {
  const rs = (Array.isArray(ranges) ? ranges : [ranges]) as readonly IndexRange[];
  for (const r of rs) {
    if (!(Number.isInteger(r.start) && Number.isInteger(r.end) && r.start <= r.end)) throw new RangeError(`bad index range [${r.start}, ${r.end})`);
  }
  const out: number[] = [];
  for (let i = 0; i < ds.ids.length; i++) {
    const id = ds.ids[i];
    if (typeof id !== 'number') throw new TypeError(`positionsInRanges: id ${JSON.stringify(id)} at row ${i} is not a corpus index`);
    for (const r of rs) {
      if (id >= r.start && id < r.end) {
        out.push(i);
        break;
      }
    }
  }
  return Int32Array.from(out);
}

/**
 * The images whose corpus index (numeric id) falls in `ranges`, as a new dataset.
 *
 * @example
 * ```ts
 * const corpus = fd.loadMnist();
 * const encoderImages = takeRanges(corpus, RESERVED.mnist.encoder); // ids 8000..9999
 * ```
 */
export function takeRanges(ds: ImageDataset, ranges: IndexRange | readonly IndexRange[], name: string | undefined = ds.name): ImageDataset {
  return subset(ds, positionsInRanges(ds, ranges), name);
}

/**
 * Concatenates datasets of one image shape and class list (ids, and groups when all have them).
 *
 * @example
 * ```ts
 * const all = fd.concatDatasets([train, val], 'train+val');
 * ```
 */
export function concatDatasets(parts: ImageDataset[], name?: string): ImageDataset {
  if (parts.length === 0) throw new RangeError('concatDatasets: nothing to concatenate');
  const a = parts[0];
  for (const p of parts) {
    if (p.height !== a.height || p.width !== a.width || p.channels !== a.channels) {
      throw new RangeError(`concatDatasets: ${p.name ?? 'a part'} is ${p.height}x${p.width}x${p.channels}, expected ${a.height}x${a.width}x${a.channels}`);
    }
    if (p.classNames.join('\u0000') !== a.classNames.join('\u0000')) throw new RangeError(`concatDatasets: ${p.name ?? 'a part'} has different classNames`);
  }
  const n = parts.reduce((s, p) => s + p.labels.length, 0);
  const images = new Uint8Array(parts.reduce((s, p) => s + p.images.length, 0));
  const labels = new Int32Array(n);
  const ids: Array<string | number> = [];
  const withGroups = parts.every((p) => p.groups);
  const groups: string[] = [];
  let off = 0;
  let row = 0;
  for (const p of parts) {
    images.set(p.images, off);
    off += p.images.length;
    labels.set(p.labels, row);
    row += p.labels.length;
    for (const id of p.ids) ids.push(id);
    if (withGroups) for (const g of p.groups!) groups.push(g);
  }
  const out: ImageDataset = { images, height: a.height, width: a.width, channels: a.channels, labels, classNames: a.classNames.slice(), ids };
  if (withGroups) out.groups = groups;
  if (name !== undefined) out.name = name;
  return out;
}
