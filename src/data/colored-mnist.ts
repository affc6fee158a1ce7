import type { DatasetSplits, ImageDataset } from './image-dataset';
import { loadMnist } from './load-mnist';
import type { CorpusLoadOptions } from './corpus-cache';
import { checkProb, resolveSizes, SplitName, SplitSizes, streamFor } from './split-plan';

/** Options of {@link coloredMnist}. */
export interface ColoredMnistOptions extends CorpusLoadOptions {
  /** Probability that a train image's tint agrees with its (noisy) label, e.g. 0.9, 0.95, 0.99. */
  trainCorr: number;
  /** Probability that a train label is flipped (default 0.25). Val, unlabeled and test labels are clean. */
  noise?: number;
  /** Probability that the tint agrees with the label in val, unlabeled and test (default 0.5: independent). */
  valCorr?: number;
  /** Seed for the split assignment, label noise and tints (default 0). */
  seed?: number;
  /** Images per split (defaults: train 3000, val 1500, unlabeled 1500, test 2000; at most 8000 in total). */
  sizes?: Partial<SplitSizes>;
}

/** The splits plus the protocol that produced them. */
export interface ColoredMnistSplits extends DatasetSplits {
  unlabeled: ImageDataset;
  protocol: Required<Omit<ColoredMnistOptions, 'cacheDir' | 'sizes'>> & { sizes: SplitSizes; tint: { agrees: string; label0: string; label1: string } };
}

const DEFAULT_SIZES: SplitSizes = { train: 3000, val: 1500, unlabeled: 1500, test: 2000 };
/**
 * Class names of {@link coloredMnist}'s binary label.
 *
 * @example
 * ```ts
 * COLORED_MNIST_CLASSES[split.labels[0]]; // 'digit 0-4'
 * ```
 */
export const COLORED_MNIST_CLASSES = ['digit 0-4', 'digit 5-9'];

/**
 * The MNIST analysis range, and each split's rows drawn from it without overlap in the order of the
 * seeded stream `${stream}/assign` (train, val, unlabeled, test). Throws naming `what` when the sizes
 * add up to more images than the range holds.
 *
 * @example
 * ```ts
 * const { corpus, rows } = mnistSplitRows({ train: 100, val: 50, unlabeled: 50, test: 100 }, 0, 'colored-mnist', 'coloredMnist');
 * ```
 */
export function mnistSplitRows(sizes: SplitSizes, seed: number, stream: string, what: string, cacheDir?: string): { corpus: ImageDataset; rows: Record<SplitName, Int32Array> } {
  const corpus = loadMnist({ part: 'analysis', ...(cacheDir ? { cacheDir } : {}) });
  const total = sizes.train + sizes.val + sizes.unlabeled + sizes.test;
  const n = corpus.labels.length;
  if (total > n) throw new RangeError(`${what}: sizes add up to ${total} images but the MNIST analysis range holds ${n}`);
  const order = streamFor(seed, `${stream}/assign`).shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const rows = {} as Record<SplitName, Int32Array>;
  let at = 0;
  for (const name of ['train', 'val', 'unlabeled', 'test'] as const) {
    rows[name] = order.subarray(at, at + sizes[name]);
    at += sizes[name];
  }
  return { corpus, rows };
}

/**
 * Colored MNIST (Arjovsky et al. 2019, "Invariant Risk Minimization"; the spurious-correlation
 * benchmark of Jain et al. 2023), built from the real MNIST digits of the analysis range
 * (`RESERVED.mnist.analysis`, never the encoder's images).
 *
 * Protocol, per image (all draws from `seed`):
 * 1. Label: 0 if the digit is 0-4, 1 if it is 5-9 (`classNames` `['digit 0-4', 'digit 5-9']`).
 * 2. Train only: the label is flipped with probability `noise` (default 0.25), so no predictor of
 *    the digit shape exceeds ~75% train accuracy.
 * 3. Tint: the digit is drawn red (`R = pixel, G = B = 0`) when the tint "says" label 0 and green
 *    (`G = pixel`) when it says label 1. The tint agrees with the split's label with probability
 *    `trainCorr` in train and `valCorr` (default 0.5, i.e. independent) in val, unlabeled and test.
 * 4. `groups[i]` is `'agrees'` or `'disagrees'` (tint vs label): the minority group in train is
 *    `'disagrees'`, where a model that learned the colour shortcut fails.
 *
 * The 8000 analysis digits are shuffled once with the seed and dealt out to train / val / unlabeled /
 * test in that order (default 3000 / 1500 / 1500 / 2000). Images are 28x28x3 Uint8; `ids` are MNIST
 * corpus indices.
 *
 * @example
 * ```ts
 * const { train, val, unlabeled, test } = fd.coloredMnist({ trainCorr: 0.95, seed: 0 });
 * train.groups!.filter((g) => g === 'disagrees').length; // ~150 of 3000
 * ```
 */
export function coloredMnist(opts: ColoredMnistOptions): ColoredMnistSplits {
  const what = 'coloredMnist';
  if (opts == null || typeof opts !== 'object') throw new TypeError(`${what}: pass options, e.g. { trainCorr: 0.9, seed: 0 }`);
  const { trainCorr, noise = 0.25, valCorr = 0.5, seed = 0 } = opts;
  checkProb(what, 'trainCorr', trainCorr);
  checkProb(what, 'noise', noise);
  checkProb(what, 'valCorr', valCorr);
  if (!Number.isFinite(seed)) throw new RangeError(`${what}: seed must be a finite number, got ${seed}`);
  const sizes = resolveSizes(what, DEFAULT_SIZES, opts.sizes);
  const { corpus, rows } = mnistSplitRows(sizes, seed, 'colored-mnist', what, opts.cacheDir);
  const out: Partial<Record<SplitName, ImageDataset>> = {};
  for (const name of ['train', 'val', 'unlabeled', 'test'] as const) {
    out[name] = colorize(corpus, rows[name], name, name === 'train' ? noise : 0, name === 'train' ? trainCorr : valCorr, seed);
  }
  return {
    train: out.train!,
    val: out.val!,
    unlabeled: out.unlabeled!,
    test: out.test!,
    protocol: { trainCorr, noise, valCorr, seed, sizes, tint: { agrees: 'red for label 0, green for label 1', label0: 'red', label1: 'green' } },
  };
}

function colorize(corpus: ImageDataset, rows: Int32Array, name: SplitName, noise: number, corr: number, seed: number): ImageDataset {
  const rng = streamFor(seed, `colored-mnist/${name}`);
  const m = rows.length;
  const px = corpus.height * corpus.width;
  const images = new Uint8Array(m * px * 3);
  const labels = new Int32Array(m);
  const ids: number[] = new Array(m);
  const groups: string[] = new Array(m);
  for (let i = 0; i < m; i++) {
    const r = rows[i];
    let y = corpus.labels[r] < 5 ? 0 : 1;
    // Two draws per image in a fixed order, whatever the probabilities, so streams stay aligned.
    const flip = rng.next() < noise;
    const agree = rng.next() < corr;
    if (flip) y = 1 - y;
    const tint = agree ? y : 1 - y; // 0 = red, 1 = green
    const src = r * px;
    const dst = i * px * 3 + tint;
    for (let p = 0; p < px; p++) images[dst + 3 * p] = corpus.images[src + p];
    labels[i] = y;
    ids[i] = corpus.ids[r] as number;
    groups[i] = agree ? 'agrees' : 'disagrees';
  }
  return { images, height: corpus.height, width: corpus.width, channels: 3, labels, classNames: COLORED_MNIST_CLASSES.slice(), ids, groups, name };
}
