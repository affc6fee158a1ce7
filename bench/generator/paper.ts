/**
 * The paper's generation checks (Jain et al., ICLR 2023, Sec. 6) on this package's benchmarks, per
 * seed: train the base model, fit failure directions in the joint encoder's space (the generator's
 * conditioning space, as the paper fits them in CLIP's), then
 *
 * 1. caption level: the base model's accuracy on images generated from each class's top negative
 *    caption, its reference caption and its top positive caption (the paper: 0.369 / 0.685 / 0.676);
 * 2. direction level: accuracy on images generated along the direction, alpha 0..0.5, flip / no flip;
 * 3. augmentation: retrain from scratch on train + N generated failure-side images per class (top
 *    negative caption; and the direction, flipped, at alpha 0.3), vs + N reference-caption images, vs
 *    + N real pool images picked by `selectFromPool` (lowest SVM score), vs nothing; test accuracy
 *    overall, on the minority groups and on the worst (class, group) cell.
 */
import type { ImageDataset, DatasetSplits } from '../../src/data/image-dataset';
import { coloredMnist } from '../../src/data/colored-mnist';
import { hiddenSubclass } from '../../src/data/hidden-subclass';
import { concatDatasets, subset } from '../../src/data/subset';
import { captionCandidates, rankCaptions, type CaptionCandidate } from '../../src/directions/captions';
import { FailureDirections } from '../../src/directions/failure-directions';
import { splitInput } from '../../src/directions/split-input';
import { accuracySummary, type AccuracySummary } from '../../src/experiments/intervention-experiment';
import { minorityGroups, minorityMask } from '../../src/directions/minority-groups';
import { selectFromPool } from '../../src/directions/select-from-pool';
import { embed } from '../../src/embed/embed';
import { DIGIT_WORDS } from '../../src/embed/caption-templates';
import type { LoadedJointEncoder } from '../../src/embed/joint-encoder';
import { generateAlongDirection, generateFromCaptions } from '../../src/generate/from-directions';
import type { LoadedImageGenerator } from '../../src/generate/image-generator';
import { predictArrays } from '../../src/model/predict';
import { trainClassifier } from '../../src/model/train-classifier';

/** The paper's caption-level accuracies (CIFAR-10, Stable Diffusion; Sec. 6). */
export const PAPER_CAPTION_ACCURACY = { negative: 0.369, reference: 0.685, positive: 0.676 };

export type Benchmark = 'coloredMnist' | 'hiddenSubclass';

export interface PaperSettings {
  /** Images per caption kind per class, and per (flip, alpha) cell per class. */
  nCaption: number;
  nDirection: number;
  /** N: images added per class in the augmentation arms, one retraining per budget. */
  nAugment: number[];
  alphas: number[];
  /** Direction-level augmentation strength. */
  augmentAlpha: number;
  guidance: number;
  steps: number;
  /** Benchmark sizes (defaults when omitted). */
  sizes?: Partial<Record<Benchmark, Record<string, number>>>;
  epochs: Record<Benchmark, number>;
}

export interface ClassCheck {
  classId: number;
  className: string;
  status: string;
  negativeCaption: string | null;
  positiveCaption: string | null;
  /** Base-model accuracy on the generated images of each kind. */
  caption: { negative: number; reference: number; positive: number } | null;
  /** Base-model accuracy per (flip, alpha). */
  direction: { flip: boolean; alpha: number; accuracy: number }[];
}

export interface AugmentArm extends AccuracySummary {
  arm: 'nothing' | 'reference caption' | 'negative caption' | 'direction (flip)' | 'pool (selectFromPool)';
  /** Images per class requested (0 for 'nothing'). */
  perClass: number;
  added: number;
}

export interface PaperTrial {
  benchmark: Benchmark;
  seed: number;
  classes: ClassCheck[];
  augmentation: AugmentArm[];
  seconds: number;
}

const COLOUR_ADJECTIVES = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'white'];
const OTHER_DIGIT_ADJECTIVES = ['thin', 'thick', 'small', 'large', 'dark', 'bright'];
const DIGIT_PREPOSITIONS = [null, 'on the left', 'on the right', 'slanted to the left', 'slanted to the right'];

function candidatesFor(benchmark: Benchmark, splits: DatasetSplits & { protocol?: unknown }, c: number): CaptionCandidate[] {
  if (benchmark === 'coloredMnist') {
    const digitsOf = [DIGIT_WORDS.slice(0, 5), DIGIT_WORDS.slice(5)];
    return captionCandidates({ nouns: ['digit', 'number', ...digitsOf[c]], adjectives: [null, ...COLOUR_ADJECTIVES, ...OTHER_DIGIT_ADJECTIVES], prepositions: DIGIT_PREPOSITIONS });
  }
  const supers = (splits.protocol as { superclasses: { classes: string[] }[] }).superclasses;
  return captionCandidates({ nouns: supers[c].classes });
}

function accuracyOn(pred: Int32Array, rows: number[], label: number): number {
  if (rows.length === 0) return NaN;
  let h = 0;
  for (const r of rows) h += pred[r] === label ? 1 : 0;
  return h / rows.length;
}

/**
 * One seed of the paper's checks on one benchmark.
 *
 * @example
 * ```ts
 * const trial = await paperTrial('coloredMnist', 0, gen, enc, settings);
 * ```
 */
export async function paperTrial(benchmark: Benchmark, seed: number, gen: LoadedImageGenerator, enc: LoadedJointEncoder, s: PaperSettings, log: (m: string) => void = () => {}): Promise<PaperTrial> {
  const t0 = Date.now();
  const sizes = s.sizes?.[benchmark];
  const splits = benchmark === 'coloredMnist' ? coloredMnist({ trainCorr: 0.95, seed, ...(sizes ? { sizes } : {}) }) : hiddenSubclass({ seed, ...(sizes ? { sizes } : {}) });
  const { train, val, test } = splits;
  const pool = splits.unlabeled!;
  const epochs = s.epochs[benchmark];
  const channels = train.channels as 1 | 3;
  const base = await trainClassifier(train, { arch: 'small-cnn', epochs, seed });
  const [zTrain, zVal, zPool] = [await embed(enc, train), await embed(enc, val), await embed(enc, pool)];
  const dirs = new FailureDirections({ seed }).setPreprocess(zTrain).fit(splitInput(val, zVal, await predictArrays(base, val)));
  const status = (dirs.classSummary_.objects() as { status: string }[]).map((r) => r.status);
  const gopts = { seed, guidance: s.guidance, steps: s.steps, channels };
  const classes: ClassCheck[] = [];
  const negatives: ImageDataset[] = [];
  const references: ImageDataset[] = [];
  const flipped: ImageDataset[] = [];
  for (let c = 0; c < val.classNames.length; c++) {
    const check: ClassCheck = { classId: c, className: val.classNames[c], status: status[c], negativeCaption: null, positiveCaption: null, caption: null, direction: [] };
    classes.push(check);
    if (status[c] !== 'ok') continue;
    const ranked = await rankCaptions(dirs, enc, c, candidatesFor(benchmark, splits, c));
    const cap = await generateFromCaptions(gen, dirs, c, { ...gopts, captions: ranked, n: s.nCaption });
    const kinds = cap.table.array('kind') as string[];
    const pred = (await predictArrays(base, cap.images)).pred;
    const rowsOf = (k: string) => kinds.flatMap((x, i) => (x === k ? [i] : []));
    const captions = cap.table.array('caption') as string[];
    check.negativeCaption = captions[rowsOf('negative')[0]];
    check.positiveCaption = captions[rowsOf('positive')[0]];
    check.caption = { negative: accuracyOn(pred, rowsOf('negative'), c), reference: accuracyOn(pred, rowsOf('reference'), c), positive: accuracyOn(pred, rowsOf('positive'), c) };
    const along = await generateAlongDirection(gen, dirs, c, { ...gopts, alphas: s.alphas, n: s.nDirection });
    const dpred = (await predictArrays(base, along.images)).pred;
    const alpha = along.table.array('alpha') as Float64Array;
    const flip = along.table.array('flip') as boolean[];
    for (const f of [true, false]) for (const a of s.alphas) {
      const rows = Array.from(alpha.keys()).filter((i) => alpha[i] === a && flip[i] === f);
      check.direction.push({ flip: f, alpha: a, accuracy: accuracyOn(dpred, rows, c) });
    }
    log(`${benchmark} seed ${seed} class ${check.className}: "${check.negativeCaption}" ${(100 * check.caption.negative).toFixed(0)}% / reference ${(100 * check.caption.reference).toFixed(0)}% / "${check.positiveCaption}" ${(100 * check.caption.positive).toFixed(0)}%`);
    // Augmentation sets (other noise than the evaluation images).
    // The largest budget; smaller ones take each class's first images (a larger n extends a smaller one).
    const aug = { ...gopts, seed: seed + 1000, n: Math.max(...s.nAugment) };
    negatives.push((await generateFromCaptions(gen, dirs, c, { ...aug, captions: ranked, kinds: ['negative'] })).images);
    references.push((await generateFromCaptions(gen, dirs, c, { ...aug, captions: ranked, kinds: ['reference'] })).images);
    flipped.push((await generateAlongDirection(gen, dirs, c, { ...aug, alphas: [s.augmentAlpha], flip: true })).images);
  }
  base.dispose();

  const minority = minorityGroups(train, [val, pool, test]);
  const testMinority = minorityMask(test, minority);
  const retrain = async (arm: AugmentArm['arm'], perClass: number, extra: ImageDataset[]): Promise<AugmentArm> => {
    // Generated images carry their kind as group; the training split's groups are not used by training.
    const parts = [train, ...extra.map((e) => ({ ...e, groups: Array.from(e.labels, () => 'generated') }))];
    const trainSet = extra.length ? concatDatasets(parts, `train+${arm}`) : train;
    const model = await trainClassifier(trainSet, { arch: 'small-cnn', epochs, seed });
    const correct = (await predictArrays(model, test)).correct;
    model.dispose();
    return { arm, perClass, added: trainSet.labels.length - train.labels.length, ...accuracySummary(test, correct, testMinority) };
  };
  /** The first `k` images of each part (one part per class, generated in one call). */
  const firstOf = (parts: ImageDataset[], k: number) => parts.map((p) => subset(p, Array.from({ length: Math.min(k, p.labels.length) }, (_, i) => i)));
  const augmentation: AugmentArm[] = [await retrain('nothing', 0, [])];
  for (const k of s.nAugment) {
    const sel = selectFromPool(dirs, { labels: pool.labels, latents: zPool }, { perClass: k, by: 'svm', seed });
    augmentation.push(
      await retrain('reference caption', k, firstOf(references, k)),
      await retrain('negative caption', k, firstOf(negatives, k)),
      await retrain('direction (flip)', k, firstOf(flipped, k)),
      await retrain('pool (selectFromPool)', k, [subset(pool, sel.indices)]),
    );
  }
  log(`${benchmark} seed ${seed} augmentation worst-group: ${augmentation.map((a) => `${a.arm}${a.perClass ? ` N=${a.perClass}` : ''} ${(100 * a.worstGroupAccuracy).toFixed(1)}%`).join(', ')}`);
  return { benchmark, seed, classes, augmentation, seconds: (Date.now() - t0) / 1000 };
}
