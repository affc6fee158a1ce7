/**
 * Quality of the shipped generator, judged by an independent classifier (see judge.ts):
 *
 * - prompt fidelity: share of images generated from "a photo of a {class}" that the judge assigns
 *   to that class, per Fashion-MNIST class and per digit (target >= 85%), next to the judge's
 *   accuracy on real held-out images (its ceiling); share of images from "a photo of a {colour}
 *   {noun}" whose tint measured from pixels is the prompted one (target >= 95%);
 * - realism: Frechet distance in the judge's penultimate space between held-out real images and
 *   (a) images generated from the held-out images' own captions, (b) the autoencoder's
 *   reconstructions of the held-out images (the ceiling: a perfect denoiser reaches it), (c) the
 *   held-out images with their pixels shuffled (a floor), (d) other real images (training renderings);
 * - no copying: distance from each generated image to its nearest training image (gray pixels),
 *   next to the same distance for real held-out images;
 * - speed: images per second for 1,000 images on the generator's engine, and on tfjs as the peer.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../src/data/image-dataset';
import { subset } from '../../src/data/subset';
import { encoderPool } from '../../src/embed/encoder-pool';
import { COLOURS, DIGIT_WORDS, FASHION_CLASSES } from '../../src/embed/caption-templates';
import { CAPTION_TEMPLATE, fillCaption } from '../../src/directions/captions';
import { defaultGeneratorDir, readImageGeneratorFiles } from '../../src/generate/generator-files';
import { renderPoolImages } from '../../src/generate/conditioning';
import { Random } from '../../src/util/random';
import { GeneratorNetwork } from '../../src/generate/generator-model';
import { imageGenerator, type LoadedImageGenerator } from '../../src/generate/image-generator';
import type { Judge } from './judge';
import { measureTints } from './judge';
import { frechetDistance, grayRows, median, nearestDistances, pixelShuffled } from './metrics';

export interface FidelityRow {
  domain: 'digits' | 'fashion';
  className: string;
  prompt: string;
  n: number;
  /** Share the judge assigns to the prompted class. */
  judged: number;
  /** The judge's accuracy on real held-out images of the class. */
  realAccuracy: number;
}

export interface TintRow {
  colour: string;
  prompts: number;
  n: number;
  /** Share whose measured tint is the prompted colour. */
  match: number;
  /** Share the judge assigns to the prompted noun's class (identity kept under the colour prompt). */
  judged: number;
}

export interface QualityResult {
  engine: string;
  settings: { guidance: number; steps: number };
  fidelity: FidelityRow[];
  fidelitySummary: { domain: string; judged: number; realAccuracy: number; target: number }[];
  tints: TintRow[];
  tintSummary: { match: number; target: number };
  realism: { set: string; n: number; frechet: number }[];
  copying: { set: string; n: number; medianNearest: number; p05Nearest: number }[];
  speed: { engine: string; images: number; seconds: number; imagesPerSecond: number }[];
  /** Prompt fidelity and tint match at other guidance scales (fewer images). */
  guidanceSweep: { guidance: number; digits: number; fashion: number; tint: number; frechet: number; n: number }[];
}

/** The prompt a class gets: "a photo of a {class}" with the digit word for digits. */
export function classPrompt(judgeClass: number): string {
  return fillCaption(CAPTION_TEMPLATE, { noun: judgeClass < 10 ? DIGIT_WORDS[judgeClass] : FASHION_CLASSES[judgeClass - 10] });
}

/** AE reconstructions of RGB images (tfjs, the shipped weights). */
async function reconstructions(dir: string, ds: ImageDataset): Promise<ImageDataset> {
  const { manifest, weights } = readImageGeneratorFiles(dir);
  const net = new GeneratorNetwork(manifest.config, weights);
  try {
    const n = ds.labels.length;
    const out = new Uint8Array(ds.images.length);
    for (let s = 0; s < n; s += 256) {
      const e = Math.min(n, s + 256);
      const y = tf.tidy(() => {
        const x = tf.tensor4d(Float32Array.from(ds.images.subarray(s * 2352, e * 2352), (v) => v / 255), [e - s, 28, 28, 3]);
        return net.decode(net.encode(x));
      });
      const d = y.dataSync() as Float32Array;
      y.dispose();
      for (let i = 0; i < d.length; i++) out[s * 2352 + i] = Math.round(d[i] * 255);
    }
    return { ...ds, images: out, name: 'reconstructions' };
  } finally {
    net.dispose();
  }
}

function accuracy(pred: ArrayLike<number>, want: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < pred.length; i++) h += pred[i] === want[i] ? 1 : 0;
  return pred.length ? h / pred.length : NaN;
}

/**
 * Runs every quality measurement.
 *
 * @example
 * ```ts
 * const q = await generatorQuality(gen, judge, { perClass: 50 });
 * ```
 */
export async function generatorQuality(gen: LoadedImageGenerator, judge: Judge, opts: { perClass: number; realismN: number; seed: number; dir?: string; guidance?: number; steps?: number; log?: (s: string) => void }): Promise<QualityResult> {
  const log = opts.log ?? (() => {});
  const settings = { guidance: opts.guidance ?? 4, steps: opts.steps ?? 25 };
  const common = { seed: opts.seed, guidance: settings.guidance, steps: settings.steps };

  // Prompt fidelity per class.
  const heldPred = await judge.classify(judge.heldOut);
  const fidelity: FidelityRow[] = [];
  const prompts = Array.from({ length: 20 }, (_, c) => classPrompt(c));
  const byClass = await gen.generate(prompts, { ...common, n: opts.perClass, labels: Int32Array.from({ length: 20 }, (_, c) => c) });
  const judged = await judge.classify(byClass);
  for (let c = 0; c < 20; c++) {
    const rows = Array.from({ length: opts.perClass }, (_, j) => c * opts.perClass + j);
    const real = Array.from(judge.heldOut.labels.keys()).filter((i) => judge.heldOut.labels[i] === c);
    fidelity.push({
      domain: c < 10 ? 'digits' : 'fashion',
      className: c < 10 ? DIGIT_WORDS[c] : FASHION_CLASSES[c - 10],
      prompt: prompts[c],
      n: rows.length,
      judged: accuracy(rows.map((r) => judged[r]), rows.map(() => c)),
      realAccuracy: accuracy(real.map((i) => heldPred[i]), real.map(() => c)),
    });
  }
  const fidelitySummary = (['digits', 'fashion'] as const).map((domain) => {
    const rs = fidelity.filter((r) => r.domain === domain);
    return { domain, judged: rs.reduce((s, r) => s + r.judged, 0) / rs.length, realAccuracy: rs.reduce((s, r) => s + r.realAccuracy, 0) / rs.length, target: 0.85 };
  });
  log(`fidelity: digits ${(100 * fidelitySummary[0].judged).toFixed(1)}%, fashion ${(100 * fidelitySummary[1].judged).toFixed(1)}%`);

  // Tint fidelity: every colour with every digit and four clothing nouns.
  const nouns: { word: string; cls: number }[] = [...DIGIT_WORDS.map((w, d) => ({ word: w, cls: d })), ...[1, 3, 7, 8].map((c) => ({ word: FASHION_CLASSES[c].toLowerCase(), cls: 10 + c }))];
  const colourWord = (k: number) => (COLOURS[k] === 'plain' ? 'white' : COLOURS[k]);
  const tintPrompts: { prompt: string; colour: number; cls: number }[] = [];
  for (let k = 0; k < COLOURS.length; k++) for (const nn of nouns) tintPrompts.push({ prompt: fillCaption(CAPTION_TEMPLATE, { adj: colourWord(k), noun: nn.word }), colour: k, cls: nn.cls });
  const perTint = Math.max(2, Math.round(opts.perClass / 5));
  const tintImgs = await gen.generate(tintPrompts.map((p) => p.prompt), { ...common, seed: opts.seed + 1, n: perTint });
  const measured = measureTints(tintImgs);
  const tintJudged = await judge.classify(tintImgs);
  const tints: TintRow[] = COLOURS.map((_, k) => {
    const rows: number[] = [];
    tintPrompts.forEach((p, i) => {
      if (p.colour === k) for (let j = 0; j < perTint; j++) rows.push(i * perTint + j);
    });
    return {
      colour: colourWord(k),
      prompts: tintPrompts.filter((p) => p.colour === k).length,
      n: rows.length,
      match: accuracy(rows.map((r) => measured[r]), rows.map(() => k)),
      judged: accuracy(rows.map((r) => tintJudged[r]), rows.map((r) => tintPrompts[Math.floor(r / perTint)].cls)),
    };
  });
  const tintSummary = { match: tints.reduce((s, r) => s + r.match * r.n, 0) / tints.reduce((s, r) => s + r.n, 0), target: 0.95 };
  log(`tints: ${(100 * tintSummary.match).toFixed(1)}% match`);

  // Realism: generate from the held-out images' captions.
  const m = Math.min(opts.realismN, judge.heldOut.labels.length);
  const held = subset(judge.heldOut, Array.from({ length: m }, (_, i) => i), 'held-out');
  const heldCaptions = judge.heldOut.captions.slice(0, m);
  const fromCaptions = await gen.generate(heldCaptions, { ...common, seed: opts.seed + 2, n: 1 });
  const recon = await reconstructions(opts.dir ?? defaultGeneratorDir(), held);
  const shuffled = pixelShuffled(held, opts.seed);
  const { pool } = await encoderPool();
  const trainRender = renderPoolImages(pool, pool.epochOrder(new Random(opts.seed + 3)).subarray(0, m), new Random(opts.seed + 4), 'training renderings');
  const fHeld = await judge.features(held);
  const realism: QualityResult['realism'] = [];
  for (const [set, ds] of [
    ['generated from the held-out captions', fromCaptions],
    ['autoencoder reconstructions (ceiling)', recon],
    ['other real images (generator training renderings)', trainRender],
    ['pixel-shuffled held-out images (floor)', shuffled],
  ] as const) {
    realism.push({ set, n: ds.labels.length, frechet: frechetDistance(await judge.features(ds), fHeld) });
  }
  log(`realism: ${realism.map((r) => `${r.set} ${r.frechet.toFixed(2)}`).join('; ')}`);

  // Copying: nearest training image (gray) of generated vs of real held-out images.
  const trainGray = { data: new Float32Array(pool.source.images.length), rows: pool.size, cols: 784 };
  for (let i = 0; i < trainGray.data.length; i++) trainGray.data[i] = pool.source.images[i] / 255;
  const copying: QualityResult['copying'] = [];
  const k = Math.min(500, m);
  for (const [set, ds] of [
    ['generated', subset(fromCaptions, Array.from({ length: k }, (_, i) => i))],
    ['real held-out', subset(held, Array.from({ length: k }, (_, i) => i))],
  ] as const) {
    const d = nearestDistances(grayRows(ds), trainGray);
    const s = Float64Array.from(d).sort();
    copying.push({ set, n: k, medianNearest: median(d), p05Nearest: s[Math.floor(0.05 * (s.length - 1))] });
  }
  log(`copying: ${copying.map((c) => `${c.set} median ${c.medianNearest.toFixed(2)}`).join('; ')}`);

  // Speed: 1,000 images of 20 prompts, on this engine and on tfjs (the peer; 200 images, extrapolated rate).
  const speed: QualityResult['speed'] = [];
  const timeIt = async (g: LoadedImageGenerator, per: number) => {
    const t0 = performance.now();
    await g.generate(prompts, { ...common, n: per, seed: opts.seed + 5 });
    const seconds = (performance.now() - t0) / 1000;
    speed.push({ engine: g.engine, images: prompts.length * per, seconds, imagesPerSecond: (prompts.length * per) / seconds });
  };
  await timeIt(gen, 50);
  if (gen.engine !== 'tfjs') {
    const peer = await imageGenerator({ ...(opts.dir ? { dir: opts.dir } : {}), engine: 'tfjs' });
    await timeIt(peer, 10);
    await peer.dispose();
  }
  log(`speed: ${speed.map((s) => `${s.engine} ${s.imagesPerSecond.toFixed(0)} images/s`).join('; ')}`);

  // Guidance sweep: fidelity, tint and realism at a few scales (20 images per class, 2 per tint
  // prompt, 1,000 of the held-out captions).
  const guidanceSweep: QualityResult['guidanceSweep'] = [];
  const sweepRows = Array.from({ length: Math.min(1000, m) }, (_, i) => i);
  const fSweepRef = await judge.features(subset(held, sweepRows));
  for (const w of [0, 1, 2, 3, 4, 6]) {
    const per = Math.max(4, Math.round(opts.perClass / 2.5));
    const ds = await gen.generate(prompts, { seed: opts.seed + 6, steps: settings.steps, guidance: w, n: per });
    const p = await judge.classify(ds);
    const acc = (lo: number, hi: number) => {
      let h = 0;
      let m = 0;
      for (let r = 0; r < p.length; r++) {
        const c = Math.floor(r / per);
        if (c < lo || c >= hi) continue;
        m++;
        h += p[r] === c ? 1 : 0;
      }
      return h / m;
    };
    const tds = await gen.generate(tintPrompts.map((t) => t.prompt), { seed: opts.seed + 7, steps: settings.steps, guidance: w, n: 2 });
    const tm = measureTints(tds);
    let th = 0;
    tm.forEach((k, r) => (th += k === tintPrompts[Math.floor(r / 2)].colour ? 1 : 0));
    const fromCaps = await gen.generate(sweepRows.map((i) => heldCaptions[i]), { seed: opts.seed + 8, steps: settings.steps, guidance: w, n: 1 });
    const frechet = frechetDistance(await judge.features(fromCaps), fSweepRef);
    guidanceSweep.push({ guidance: w, digits: acc(0, 10), fashion: acc(10, 20), tint: th / tm.length, frechet, n: ds.labels.length + tds.labels.length + fromCaps.labels.length });
    log(`guidance ${w}: digits ${(100 * acc(0, 10)).toFixed(1)}%, fashion ${(100 * acc(10, 20)).toFixed(1)}%, tint ${((100 * th) / tm.length).toFixed(1)}%, Frechet ${frechet.toFixed(1)}`);
  }
  return { engine: gen.engine, settings, fidelity, fidelitySummary, tints, tintSummary, realism, copying, speed, guidanceSweep };
}
