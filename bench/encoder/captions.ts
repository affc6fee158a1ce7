/**
 * Acceptance of automatic captioning (issue 5, item 5), as in the paper: the SVMs are fit in the
 * joint encoder's space (image embeddings whitened with the train split, L2-normalised), then
 * candidate captions minus the reference caption are scored through each class's SVM.
 *
 * - Colored MNIST: each class's top negative caption must name the minority colour (class
 *   'digit 0-4' is red in train, so its minority is green; 'digit 5-9' -> red).
 * - Hidden subclass (Fashion-MNIST superclasses): each superclass's top negative caption must name
 *   its under-represented subclass (Shirt, Sandal, Dress by default).
 *
 * The peer is chance: the fraction of candidates that would count as a success, i.e. the success
 * rate of a random ranking.
 */
import { coloredMnist } from '../../src/data/colored-mnist';
import { hiddenSubclass } from '../../src/data/hidden-subclass';
import type { DatasetSplits } from '../../src/data/image-dataset';
import { FailureDirections } from '../../src/directions/failure-directions';
import { splitInput } from '../../src/directions/split-input';
import { captionCandidates, rankCaptions, retrieveByCaption, type CaptionCandidate } from '../../src/directions/captions';
import type { LoadedJointEncoder } from '../../src/embed/joint-encoder';
import { predictArrays } from '../../src/model/predict';
import { trainClassifier } from '../../src/model/train-classifier';
import { DIGIT_WORDS } from '../../src/embed/caption-templates';

export interface CaptionTrial {
  benchmark: 'coloredMnist' | 'hiddenSubclass' | 'hiddenSubclass (seasonal)';
  seed: number;
  classId: number;
  className: string;
  /** What the top caption must name. */
  target: string;
  success: boolean;
  /** Fraction of candidates naming the target (success rate of a random ranking). */
  chance: number;
  nCandidates: number;
  /** 0-based rank of the first caption naming the target. */
  firstTargetRank: number;
  top: { caption: string; score: number }[];
  reference: string;
  /** Validation errors / size of the class, the SVM's C and its CV balanced accuracy. */
  nErrors: number;
  n: number;
  cvBalancedAccuracy: number | null;
  /** The paper's check: model accuracy on the 50 test images nearest the top caption, vs the class overall. */
  retrieval: { k: number; accuracy: number; classAccuracy: number };
  /** Validation error rate of each ground-truth group within the class (is the target really the failure mode?). */
  groupErrorRates: Record<string, number>;
  /** Whether the top caption names the target when captions are grounded in validation images (rankCaptions groundOn). */
  groundedSuccess: boolean | null;
  groundedTop: string | null;
  /** Group with the highest validation error rate, and whether the top caption names it. */
  hardestGroup: string;
  namesHardest: boolean | null;
}

const COLOUR_ADJECTIVES = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'white'];
const OTHER_DIGIT_ADJECTIVES = ['thin', 'thick', 'small', 'large', 'dark', 'bright'];
const DIGIT_PREPOSITIONS = [null, 'on the left', 'on the right', 'slanted to the left', 'slanted to the right'];

async function analyse(
  benchmark: CaptionTrial['benchmark'],
  seed: number,
  splits: DatasetSplits,
  enc: LoadedJointEncoder,
  epochs: number,
  candidatesFor: (classId: number) => CaptionCandidate[],
  targetFor: (classId: number) => string,
  names: (c: CaptionCandidate, target: string) => boolean,
  /** The candidate-level name of a ground-truth group (null when a group has no caption name). */
  groupTarget: (classId: number, group: string) => string | null,
): Promise<CaptionTrial[]> {
  const { train, val, test } = splits;
  const model = await trainClassifier(train, { arch: 'small-cnn', epochs, seed });
  const predVal = (await predictArrays(model, val)).pred;
  const predTest = (await predictArrays(model, test)).pred;
  model.dispose();
  const fd = new FailureDirections({ seed });
  fd.setPreprocess(await enc.embedImages(train));
  const zVal = await enc.embedImages(val);
  fd.fit(splitInput(val, zVal, { pred: predVal }));
  const cv = fd.classSummary_.objects() as { n: number; nErrors: number; cvBalancedAccuracy: number | null; status: string }[];
  const zTest = await enc.embedImages(test);
  const out: CaptionTrial[] = [];
  for (let c = 0; c < val.classNames.length; c++) {
    const target = targetFor(c);
    const cands = candidatesFor(c);
    const hits = cands.filter((k) => names(k, target)).length;
    const errs = new Map<string, [number, number]>();
    for (let i = 0; i < val.labels.length; i++) {
      if (val.labels[i] !== c) continue;
      const g = val.groups?.[i] ?? 'all';
      const e = errs.get(g) ?? [0, 0];
      e[0] += predVal[i] !== c ? 1 : 0;
      e[1]++;
      errs.set(g, e);
    }
    const groupErrorRates = Object.fromEntries([...errs].sort().map(([g, [e, m]]) => [g, e / m]));
    const hardestGroup = Object.entries(groupErrorRates).sort((a, b) => b[1] - a[1])[0][0];
    const hardestTarget = groupTarget(c, hardestGroup);
    const base = { benchmark, seed, classId: c, className: val.classNames[c], target, chance: hits / cands.length, nCandidates: cands.length, nErrors: cv[c].nErrors, n: cv[c].n, cvBalancedAccuracy: cv[c].cvBalancedAccuracy, groupErrorRates, hardestGroup };
    if (cv[c].status !== 'ok') {
      out.push({ ...base, success: false, groundedSuccess: null, groundedTop: null, namesHardest: null, firstTargetRank: -1, top: [], reference: '', retrieval: { k: 0, accuracy: NaN, classAccuracy: NaN } });
      continue;
    }
    const table = await rankCaptions(fd, enc, c, cands);
    const rows = table.objects() as { caption: string; score: number; adjective: string | null; noun: string | null; preposition: string | null }[];
    const byCaption = new Map(cands.map((k) => [k.caption, k]));
    const first = rows.findIndex((r) => names(byCaption.get(r.caption)!, target));
    const grounded = (await rankCaptions(fd, enc, c, cands, { groundOn: { latents: zVal, labels: val.labels } })).objects() as { caption: string }[];
    // Retrieval check within the class's test images.
    const ret = await retrieveByCaption(enc, rows[0].caption, test, 50, { latents: zTest, predictions: predTest, classId: c });
    out.push({
      ...base,
      success: first === 0,
      groundedSuccess: names(byCaption.get(grounded[0].caption)!, target),
      groundedTop: grounded[0].caption,
      namesHardest: hardestTarget === null ? null : names(byCaption.get(rows[0].caption)!, hardestTarget),
      firstTargetRank: first,
      top: rows.slice(0, 5).map((r) => ({ caption: r.caption, score: r.score })),
      reference: `a photo of a ${val.classNames[c]}`,
      retrieval: { k: ret.k, accuracy: ret.accuracy, classAccuracy: ret.splitAccuracy },
    });
  }
  return out;
}

/** Colored MNIST trials for one seed. */
export async function coloredMnistTrials(enc: LoadedJointEncoder, seed: number, trainCorr = 0.95): Promise<CaptionTrial[]> {
  const splits = coloredMnist({ trainCorr, seed });
  const [label0, label1] = [splits.protocol.tint.label0, splits.protocol.tint.label1];
  // Train tints agree with the label with probability trainCorr: class 0's minority is label 1's tint.
  const minority = [label1, label0];
  const digitsOf = [DIGIT_WORDS.slice(0, 5), DIGIT_WORDS.slice(5)];
  return analyse(
    'coloredMnist',
    seed,
    splits,
    enc,
    5,
    (c) => captionCandidates({ nouns: ['digit', 'number', ...digitsOf[c]], adjectives: [null, ...COLOUR_ADJECTIVES, ...OTHER_DIGIT_ADJECTIVES], prepositions: DIGIT_PREPOSITIONS }),
    (c) => minority[c],
    (k, target) => k.adjective === target,
    (c, g) => (g === 'disagrees' ? minority[c] : [label0, label1][c]),
  );
}

/**
 * A grouping in which every hidden subclass has a look-alike in another superclass (sandal ~
 * sneaker, coat ~ pullover, shirt ~ T-shirt), so under-representing it in train makes it the
 * class's failure mode. Under the default grouping (tops / footwear / other) the hidden Shirt and
 * Sandal are still classified correctly by their look-alike siblings, so they are not failure modes.
 */
export const SEASONAL_SUPERCLASSES = [
  { name: 'summer', classes: ['T-shirt/top', 'Dress', 'Sandal'], hidden: 'Sandal' },
  { name: 'winter', classes: ['Pullover', 'Coat', 'Ankle boot'], hidden: 'Coat' },
  { name: 'everyday', classes: ['Shirt', 'Trouser', 'Sneaker', 'Bag'], hidden: 'Shirt' },
];

/**
 * Hidden-subclass trials for one seed. Candidates are the superclass's member class names, as the
 * paper's CIFAR-100 superclass captions (no adjectives or prepositions).
 */
export async function hiddenSubclassTrials(enc: LoadedJointEncoder, seed: number, grouping: 'default' | 'seasonal' = 'default'): Promise<CaptionTrial[]> {
  const splits = hiddenSubclass({ seed, ...(grouping === 'seasonal' ? { superclasses: SEASONAL_SUPERCLASSES } : {}) });
  const supers = splits.protocol.superclasses;
  return analyse(
    grouping === 'seasonal' ? 'hiddenSubclass (seasonal)' : 'hiddenSubclass',
    seed,
    splits,
    enc,
    3,
    (c) => captionCandidates({ nouns: supers[c].classes }),
    (c) => supers[c].hidden,
    (k, target) => k.noun === target,
    (_c, g) => g,
  );
}
