/**
 * The joint encoder's training pool from the shipped corpora: only the reserved encoder ranges
 * (`RESERVED.mnist.encoder`, `RESERVED.fashionMnist.encoder`), never an image a benchmark uses.
 */
import type { ImageDataset } from '../data/image-dataset';
import { loadFashionMnist } from '../data/load-fashion-mnist';
import { loadMnist } from '../data/load-mnist';
import type { CorpusLoadOptions } from '../data/corpus-cache';
import { subset } from '../data/subset';
import { Random } from '../util/random';
import { TrainingPool, type PoolOptions } from './training-pool';

/** Options of {@link encoderPool}. */
export interface EncoderPoolOptions extends CorpusLoadOptions {
  /** Hold out about one in `holdoutEvery` images of each corpus (seeded draw) as a monitor split (default 20; 0 = none). */
  holdoutEvery?: number;
  pool?: Partial<PoolOptions>;
}

/** The pool plus the held-out monitor images (grayscale, original labels). */
export interface EncoderPool {
  pool: TrainingPool;
  /** Held-out MNIST digits of the encoder range (labels 0..9). */
  monitorDigits: ImageDataset;
  /** Held-out Fashion-MNIST items of the encoder range (Fashion-MNIST labels). */
  monitorFashion: ImageDataset;
  counts: { digits: number; fashion: number; monitorDigits: number; monitorFashion: number };
}

/**
 * Builds the encoder's training pool: MNIST digits 8000..9999 (groups 0..9) and Fashion-MNIST
 * images 40000..59999 (groups 10..19), minus about one in `holdoutEvery` of each (a fixed random
 * draw) kept aside to monitor training.
 *
 * @example
 * ```ts
 * const { pool, monitorFashion } = await encoderPool();
 * pool.size; // ~20,900
 * ```
 */
export async function encoderPool(options: EncoderPoolOptions = {}): Promise<EncoderPool> {
  const load = options.cacheDir ? { cacheDir: options.cacheDir } : {};
  const digits = loadMnist({ ...load, part: 'encoder' });
  const fashion = loadFashionMnist({ ...load, part: 'encoder' });
  const every = options.holdoutEvery ?? 20;
  // The corpora are interleaved by class, so a periodic pick would hold out one class only: draw
  // the monitor images at random (fixed seed, independent of the training seed).
  const split = (ds: ImageDataset, salt: number) => {
    const rng = new Random(0x6d6f6e + salt);
    const train: number[] = [];
    const held: number[] = [];
    for (let i = 0; i < ds.labels.length; i++) (every > 0 && rng.next() < 1 / every ? held : train).push(i);
    return { train, held };
  };
  const d = split(digits, 1);
  const f = split(fashion, 2);
  const px = 28 * 28;
  for (const ds of [digits, fashion]) {
    if (ds.height !== 28 || ds.width !== 28 || ds.channels !== 1) throw new Error(`encoderPool: ${ds.name} images are ${ds.height}x${ds.width}x${ds.channels}, expected 28x28x1`);
  }
  const n = d.train.length + f.train.length;
  const images = new Uint8Array(n * px);
  const groups = new Int32Array(n);
  let k = 0;
  for (const [ds, rows, offset] of [[digits, d.train, 0], [fashion, f.train, 10]] as const) {
    for (const i of rows) {
      images.set(ds.images.subarray(i * px, (i + 1) * px), k * px);
      groups[k++] = ds.labels[i] + offset;
    }
  }
  return {
    pool: new TrainingPool({ images, size: 28, groups }, options.pool),
    monitorDigits: subset(digits, d.held, 'encoder-monitor:mnist'),
    monitorFashion: subset(fashion, f.held, 'encoder-monitor:fashion-mnist'),
    counts: { digits: d.train.length, fashion: f.train.length, monitorDigits: d.held.length, monitorFashion: f.held.length },
  };
}
