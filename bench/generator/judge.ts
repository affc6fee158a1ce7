/**
 * The generator bench's independent judge: a small CNN trained here on real images of the analysis
 * ranges (MNIST 0..5999, Fashion-MNIST 0..29999), never on the generator's training images and not
 * the joint encoder that conditions the generator. Images are drawn with the same renderer as the
 * generator's training pool (random tints, shrinking / placement, rotation), so the judge reads
 * digit and clothing identity across tints. 20 classes: digits 0..9, then the 10 Fashion-MNIST classes.
 *
 * Held-out real images (MNIST 6000..7999, Fashion-MNIST test 60000..63999, also rendered) are the
 * reference set for realism (Frechet distance) and for the copying check.
 *
 * Also here: the tint of an RGB image measured from its pixels (for the prompt-fidelity check).
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../src/data/image-dataset';
import { loadFashionMnist } from '../../src/data/load-fashion-mnist';
import { loadMnist } from '../../src/data/load-mnist';
import { concatDatasets } from '../../src/data/subset';
import { COLOURS, DIGIT_WORDS, FASHION_CLASSES } from '../../src/embed/caption-templates';
import { TINTS, TrainingPool } from '../../src/embed/training-pool';
import { renderPoolImages } from '../../src/generate/conditioning';
import { embed, modelEncoder } from '../../src/embed';
import type { Matrix } from '../../src/util/matrix';
import { predictArrays } from '../../src/model/predict';
import { trainClassifier } from '../../src/model/train-classifier';
import { Random } from '../../src/util/random';

/** Judge classes: digit words, then Fashion-MNIST names. */
export const JUDGE_CLASSES = [...DIGIT_WORDS.map((w) => `digit ${w}`), ...FASHION_CLASSES];

/** A pool over real analysis-range images (groups 0..19 as the generator's pool). */
async function analysisPool(digitRange: [number, number], fashionRange: [number, number]): Promise<TrainingPool> {
  const mn = loadMnist({ part: 'analysis' });
  const fm = loadFashionMnist();
  const px = 28 * 28;
  const rows: { ds: ImageDataset; i: number; g: number }[] = [];
  for (let i = 0; i < mn.labels.length; i++) {
    const id = mn.ids[i] as number;
    if (id >= digitRange[0] && id < digitRange[1]) rows.push({ ds: mn, i, g: mn.labels[i] });
  }
  for (let i = 0; i < fm.labels.length; i++) {
    const id = fm.ids[i] as number;
    if (id >= fashionRange[0] && id < fashionRange[1]) rows.push({ ds: fm, i, g: 10 + fm.labels[i] });
  }
  const images = new Uint8Array(rows.length * px);
  const groups = new Int32Array(rows.length);
  rows.forEach((r, k) => {
    images.set(r.ds.images.subarray(r.i * px, (r.i + 1) * px), k * px);
    groups[k] = r.g;
  });
  return new TrainingPool({ images, size: 28, groups });
}

/** Renders every image of `pool` `repeats(group)` times with fresh random draws, as a 20-class dataset. */
function renderAll(pool: TrainingPool, repeats: (g: number) => number, rng: Random, name: string): ImageDataset & { captions: string[] } {
  const idx: number[] = [];
  for (let i = 0; i < pool.size; i++) for (let r = 0; r < repeats(pool.source.groups[i]); r++) idx.push(i);
  const order = rng.shuffle(Int32Array.from(idx));
  const parts: (ImageDataset & { captions: string[] })[] = [];
  for (let s = 0; s < order.length; s += 4096) parts.push(renderPoolImages(pool, order.subarray(s, s + 4096), rng, name));
  const all = concatDatasets(parts, name);
  return { ...all, classNames: JUDGE_CLASSES.slice(), captions: parts.flatMap((p) => p.captions) };
}

/** The trained judge and the held-out real images. */
export interface Judge {
  model: tf.LayersModel;
  /** Held-out real renderings (20-class labels) with one pool caption each. */
  heldOut: ImageDataset & { captions: string[] };
  /** The judge's accuracy on `heldOut` (the ceiling for prompt fidelity). */
  heldOutAccuracy: { digits: number; fashion: number };
  /** Predicted judge class per image. */
  classify(ds: ImageDataset): Promise<Int32Array>;
  /** Penultimate-layer features (128-d) per image. */
  features(ds: ImageDataset): Promise<Matrix>;
  seconds: number;
}

/**
 * Trains the judge (seeded; about a minute of CPU).
 *
 * @example
 * ```ts
 * const judge = await trainJudge(0);
 * const pred = await judge.classify(generated);
 * ```
 */
export async function trainJudge(seed = 0, epochs = 4): Promise<Judge> {
  const t0 = Date.now();
  const rng = new Random(seed + 0x1d6e);
  const trainPool = await analysisPool([0, 6000], [0, 30000]);
  const heldPool = await analysisPool([6000, 8000], [60000, 64000]);
  const train = renderAll(trainPool, (g) => (g < 10 ? 3 : 1), rng, 'judge-train');
  const heldOut = renderAll(heldPool, () => 1, rng, 'judge-held-out');
  const model = await trainClassifier(train, { arch: 'small-cnn', epochs, seed });
  // Only the predicted class is read: the labels passed along are placeholders.
  const classify = async (ds: ImageDataset) => (await predictArrays(model, { ...ds, classNames: JUDGE_CLASSES, labels: new Int32Array(ds.labels.length) })).pred;
  const enc = modelEncoder(model);
  const features = (ds: ImageDataset) => embed(enc, { ...ds, classNames: JUDGE_CLASSES, labels: new Int32Array(ds.labels.length) }, { cache: false });
  const pred = await classify(heldOut);
  let dHit = 0, dN = 0, fHit = 0, fN = 0;
  for (let i = 0; i < pred.length; i++) {
    const y = heldOut.labels[i];
    if (y < 10) {
      dN++;
      dHit += pred[i] === y ? 1 : 0;
    } else {
      fN++;
      fHit += pred[i] === y ? 1 : 0;
    }
  }
  return { model, heldOut, heldOutAccuracy: { digits: dHit / dN, fashion: fHit / fN }, classify, features, seconds: (Date.now() - t0) / 1000 };
}

/** Chromaticities of the tints, each scaled so its largest channel is 1 (index = `COLOURS`). */
const TINT_CHROMA = TINTS.map((t) => {
  const m = Math.max(...t);
  return t.map((v) => v / m);
});

/**
 * The tint of each RGB image, measured from its pixels: the intensity-weighted mean colour of the
 * object's pixels (largest channel >= 1/4 of the image's brightest), scaled so its largest channel is
 * 1, nearest (Euclidean) of the training tints. Returns indices into `COLOURS` (0 = plain/white).
 *
 * @example
 * ```ts
 * COLOURS[measureTints(images)[0]]; // 'red'
 * ```
 */
export function measureTints(ds: ImageDataset): Int32Array {
  if (ds.channels !== 3) throw new RangeError(`measureTints: expected RGB images, got ${ds.channels} channels`);
  const P = ds.height * ds.width;
  const n = ds.labels.length;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * P * 3;
    let peak = 0;
    for (let p = 0; p < P; p++) peak = Math.max(peak, ds.images[o + 3 * p], ds.images[o + 3 * p + 1], ds.images[o + 3 * p + 2]);
    const sum = [0, 0, 0];
    for (let p = 0; p < P; p++) {
      const r = ds.images[o + 3 * p], g = ds.images[o + 3 * p + 1], b = ds.images[o + 3 * p + 2];
      const m = Math.max(r, g, b);
      if (m < peak / 4 || m === 0) continue;
      sum[0] += r;
      sum[1] += g;
      sum[2] += b;
    }
    const mx = Math.max(...sum);
    if (mx === 0) {
      out[i] = 0;
      continue;
    }
    const chroma = sum.map((v) => v / mx);
    let best = 0;
    let bestD = Infinity;
    TINT_CHROMA.forEach((t, k) => {
      const d = (t[0] - chroma[0]) ** 2 + (t[1] - chroma[1]) ** 2 + (t[2] - chroma[2]) ** 2;
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    });
    out[i] = best;
  }
  return out;
}

export { COLOURS };
