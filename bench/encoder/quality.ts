/**
 * Quality of the shipped joint encoder on benchmark-range images (never its training images):
 * zero-shot classification and attribute retrieval (precision of the top-K images for a caption).
 * The peer in every row is chance (the base rate of the class or attribute), measured on the same
 * images.
 */
import type { ImageDataset } from '../../src/data/image-dataset';
import { loadFashionMnist } from '../../src/data/load-fashion-mnist';
import { loadMnist } from '../../src/data/load-mnist';
import { coloredMnist } from '../../src/data/colored-mnist';
import { takeRanges } from '../../src/data/subset';
import { RESERVED } from '../../src/data/reserved';
import type { Matrix } from '../../src/util/matrix';
import { Random } from '../../src/util/random';
import { measurePixels, renderRgb } from '../../src/embed/attributes';
import { COLOURS, DIGIT_WORDS, FASHION_CLASSES } from '../../src/embed/caption-templates';
import { TINTS } from '../../src/embed/training-pool';
import type { LoadedJointEncoder } from '../../src/embed/joint-encoder';
import { zeroShotClassify } from '../../src/embed/zero-shot';
import { CAPTION_TEMPLATE, fillCaption } from '../../src/directions/captions';

export interface ZeroShotRow {
  dataset: string;
  prompts: string;
  n: number;
  accuracy: number;
  chance: number;
  perClass: Record<string, number>;
}

export interface RetrievalRow {
  set: string;
  caption: string;
  k: number;
  precision: number;
  /** Precision of the top R images, R = the number of images with the attribute (R-precision). */
  rPrecision: number;
  baseRate: number;
}

/** Fraction of the top-k rows by cosine similarity to `text` for which `positive[i]` holds. */
export function precisionAtK(latents: Matrix, text: Matrix, positive: ArrayLike<boolean | number>, k: number): number {
  const d = latents.cols;
  const sim = new Float64Array(latents.rows);
  for (let i = 0; i < latents.rows; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += latents.data[i * d + j] * text.data[j];
    sim[i] = s;
  }
  const top = Array.from({ length: latents.rows }, (_, i) => i).sort((a, b) => sim[b] - sim[a] || a - b).slice(0, k);
  return top.filter((i) => positive[i]).length / top.length;
}

function row(set: string, caption: string, latents: Matrix, text: Matrix, positive: ArrayLike<boolean | number>, k: number): RetrievalRow {
  const r = Math.round(baseRate(positive) * positive.length);
  return { set, caption, k, precision: precisionAtK(latents, text, positive, k), rPrecision: precisionAtK(latents, text, positive, Math.max(1, r)), baseRate: baseRate(positive) };
}

function baseRate(positive: ArrayLike<boolean | number>): number {
  let s = 0;
  for (let i = 0; i < positive.length; i++) s += positive[i] ? 1 : 0;
  return s / positive.length;
}

/** Re-renders grayscale images as RGB with per-image specs (tint, scale, shift, rotation). */
function rerender(ds: ImageDataset, specFor: (i: number) => Parameters<typeof renderRgb>[5], name: string): ImageDataset {
  const n = ds.labels.length;
  const px = ds.height * ds.width;
  const f = new Float32Array(n * px * 3);
  for (let i = 0; i < n; i++) renderRgb(ds.images, i * px, ds.height, f, i * px * 3, specFor(i));
  const images = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) images[i] = Math.round(f[i] * 255);
  return { ...ds, images, channels: 3, name };
}

const plain = { tint: [1, 1, 1] as [number, number, number], scale: 1, dx: 0, dy: 0, rot180: false };

export async function encoderQuality(enc: LoadedJointEncoder, k = 50): Promise<{ zeroShot: ZeroShotRow[]; retrieval: RetrievalRow[] }> {
  const zeroShot: ZeroShotRow[] = [];
  const retrieval: RetrievalRow[] = [];
  const per = (acc: number[], names: readonly string[]) => Object.fromEntries(names.map((c, i) => [c, acc[i]]));

  // Zero-shot: Fashion-MNIST test split (ids 60000..69999).
  const fashion = loadFashionMnist();
  const fTest = takeRanges(fashion, RESERVED.fashionMnist.analysis[1], 'fashion-mnist:test');
  const zf = await enc.embedImages(fTest);
  for (const template of ['a photo of a {}', '{}']) {
    const r = await zeroShotClassify(enc, fTest, { latents: zf, template });
    zeroShot.push({ dataset: 'Fashion-MNIST test (60000..69999)', prompts: template, n: fTest.labels.length, accuracy: r.accuracy, chance: 0.1, perClass: per(r.perClass, FASHION_CLASSES) });
  }
  // Zero-shot: MNIST analysis digits (0..7999, the package has no separate test set).
  const mnist = loadMnist({ part: 'analysis' });
  const zm = await enc.embedImages(mnist);
  for (const [prompts, label] of [
    [DIGIT_WORDS.map((w) => `a photo of the digit ${w}`), 'a photo of the digit {word}'],
    [mnist.classNames.map((c) => `a photo of a ${c}`), 'a photo of a {numeral}'],
  ] as const) {
    const r = await zeroShotClassify(enc, mnist, { latents: zm, prompts: [...prompts] });
    zeroShot.push({ dataset: 'MNIST analysis digits (0..7999)', prompts: label, n: mnist.labels.length, accuracy: r.accuracy, chance: 0.1, perClass: per(r.perClass, DIGIT_WORDS) });
  }
  // Zero-shot on Colored MNIST test images: digit identity (red/green tint) and the benchmark's classes.
  const cm = coloredMnist({ trainCorr: 0.95, seed: 0 });
  const zc = await enc.embedImages(cm.test);
  const digitOf = Int32Array.from(cm.test.ids as number[], (id) => mnist.labels[id]);
  const asDigits: ImageDataset = { ...cm.test, labels: digitOf, classNames: mnist.classNames };
  const rd = await zeroShotClassify(enc, asDigits, { latents: zc, prompts: DIGIT_WORDS.map((w) => `a photo of the digit ${w}`) });
  zeroShot.push({ dataset: 'Colored MNIST test, digit identity', prompts: 'a photo of the digit {word}', n: digitOf.length, accuracy: rd.accuracy, chance: 0.1, perClass: per(rd.perClass, DIGIT_WORDS) });
  const rc = await zeroShotClassify(enc, cm.test, { latents: zc });
  zeroShot.push({ dataset: 'Colored MNIST test, classes digit 0-4 / 5-9', prompts: 'a photo of a {}', n: digitOf.length, accuracy: rc.accuracy, chance: 0.5, perClass: per(rc.perClass, cm.test.classNames) });

  // Retrieval: colour on the Colored MNIST test split (red vs green, ~50% each).
  const isRed = Array.from({ length: cm.test.labels.length }, (_, i) => (cm.test.groups![i] === 'agrees') === (cm.test.labels[i] === 0));
  for (const [caption, pos] of [
    ['a photo of a red digit', isRed],
    ['a photo of a green digit', isRed.map((r) => !r)],
  ] as const) {
    retrieval.push(row('Colored MNIST test', caption, zc, await enc.embedTexts([caption]), pos, k));
  }
  // Retrieval: eight tints on MNIST analysis digits, each digit drawn in one random tint.
  const rng = new Random(7);
  const tintOf = Int32Array.from({ length: mnist.labels.length }, () => rng.int(COLOURS.length));
  const tinted = rerender(mnist, (i) => ({ ...plain, tint: TINTS[tintOf[i]] }), 'mnist:tinted');
  const zt = await enc.embedImages(tinted);
  for (let c = 0; c < COLOURS.length; c++) {
    const word = c === 0 ? 'white' : COLOURS[c];
    const caption = fillCaption(CAPTION_TEMPLATE, { adj: word, noun: 'digit' });
    const pos = Array.from(tintOf, (t) => t === c);
    retrieval.push(row('MNIST analysis, 8 random tints', caption, zt, await enc.embedTexts([caption]), pos, k));
  }
  // Retrieval: Fashion-MNIST classes on the test split.
  for (let c = 0; c < FASHION_CLASSES.length; c++) {
    const pos = Array.from(fTest.labels, (l) => l === c);
    const caption = fillCaption(CAPTION_TEMPLATE, { noun: FASHION_CLASSES[c] });
    retrieval.push(row('Fashion-MNIST test', caption, zf, await enc.embedTexts([caption]), pos, k));
  }
  // Retrieval: measured stroke thickness on MNIST analysis digits (thresholds stored with the weights).
  const th = (enc.manifest.training as { pool?: { thresholds?: { digitThickness?: [number, number] } } } | undefined)?.pool?.thresholds?.digitThickness;
  if (th) {
    const t = Array.from({ length: mnist.labels.length }, (_, i) => measurePixels(mnist.images, i * 784, 28, 28).thickness);
    retrieval.push(row('MNIST analysis, measured thickness', 'a photo of a thick digit', zm, await enc.embedTexts(['a photo of a thick digit']), t.map((v) => v >= th[1]), k));
    retrieval.push(row('MNIST analysis, measured thickness', 'a photo of a thin digit', zm, await enc.embedTexts(['a photo of a thin digit']), t.map((v) => v <= th[0]), k));
  }
  // Retrieval: constructed size and placement (half the digits shrunk and moved left or right).
  const r2 = new Random(11);
  const place = Int32Array.from({ length: mnist.labels.length }, () => r2.int(4)); // 0,1 full; 2 small left; 3 small right
  const placed = rerender(mnist, (i) => (place[i] < 2 ? plain : { ...plain, scale: 0.6, dx: place[i] === 2 ? -6 : 6 }), 'mnist:placed');
  const zp = await enc.embedImages(placed);
  for (const [caption, pos] of [
    ['a photo of a small digit', Array.from(place, (p) => p >= 2)],
    ['a photo of a digit on the left', Array.from(place, (p) => p === 2)],
    ['a photo of a digit on the right', Array.from(place, (p) => p === 3)],
  ] as const) {
    retrieval.push(row('MNIST analysis, half shrunk and shifted', caption, zp, await enc.embedTexts([caption]), pos, k));
  }
  // Retrieval: orientation (half the Fashion test items turned upside down).
  const r3 = new Random(13);
  const flip = Array.from({ length: fTest.labels.length }, () => r3.next() < 0.5);
  const flipped = rerender(fTest, (i) => ({ ...plain, rot180: flip[i] }), 'fashion:flipped');
  const zu = await enc.embedImages(flipped);
  retrieval.push(row('Fashion-MNIST test, half upside down', 'a photo of an upside down item', zu, await enc.embedTexts(['a photo of an upside down item']), flip, k));
  return { zeroShot, retrieval };
}
