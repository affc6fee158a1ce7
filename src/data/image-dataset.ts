/**
 * One split of labelled images, the shape every loader returns and every model/encoder consumes.
 *
 * Pixels are `Uint8` in height x width x channels order, images back to back:
 * image `i`, row `y`, column `x`, channel `c` is `images[((i * height + y) * width + x) * channels + c]`.
 *
 * @example
 * ```ts
 * const split: fd.ImageDataset = {
 *   images: new Uint8Array(2 * 28 * 28), height: 28, width: 28, channels: 1,
 *   labels: new Int32Array([3, 7]), classNames: ['0','1','2','3','4','5','6','7','8','9'],
 *   ids: ['a', 'b'],
 * };
 * ```
 */
export interface ImageDataset {
  images: Uint8Array;
  height: number;
  width: number;
  channels: number;
  /** Class index per image, in `0..classNames.length-1`. */
  labels: Int32Array;
  classNames: string[];
  /** A stable identifier per image (file path, original index, ...). */
  ids: Array<string | number>;
  /** Optional ground-truth subgroup per image, e.g. `'agrees'` / `'disagrees'` or an original class name. */
  groups?: string[];
  /** Optional name of the split (`'train'`, `'val'`, ...), used in tables. */
  name?: string;
}

/**
 * A benchmark or loaded corpus: named splits of one image space.
 *
 * @example
 * ```ts
 * const { train, val, test } = await fd.coloredMnist({ trainCorr: 0.9, seed: 0 });
 * ```
 */
export interface DatasetSplits {
  train: ImageDataset;
  val: ImageDataset;
  unlabeled?: ImageDataset;
  test: ImageDataset;
}

/**
 * Number of images in a split.
 *
 * @example
 * ```ts
 * datasetSize(split); // split.labels.length
 * ```
 */
export function datasetSize(d: ImageDataset): number {
  return d.labels.length;
}
