/**
 * The paper's experiment end to end (Jain et al., ICLR 2023: finding hard subpopulations, captioning
 * them, and the data-selection and upweighting interventions), in both of the spaces the paper
 * discusses, against the peers a user would otherwise pick, on any benchmark whose splits carry
 * ground-truth `groups`:
 *
 * 0. the minority of each class: the groups the benchmark's protocol names as its planted minority
 *    (`protocol.minorityGroups`), else the groups least represented in `train`;
 * 1. train the base model on `train`; predict `train`, `val`, the pool (`unlabeled`) and `test`
 *    (class probabilities kept for the label-free baselines);
 * 2. embed every split in each space: `'joint'` (the shipped joint image-text encoder, the paper's
 *    CLIP stand-in) and `'penultimate'` (the base model's penultimate layer);
 * 3. per space: fit `FailureDirections` on `val` (whitening from `train`) and a per-class Domino
 *    slicer on `val` ({@link PerClassDomino}); score test, pool and train;
 * 4. rank the test split for the minority groups and for the base model's errors: the SVM and Domino
 *    (per space), the model's true-class confidence, maximum softmax probability and prediction
 *    entropy, and random (the same in both spaces): AUROC, AP, precision@K per class;
 * 5. caption check (joint space): does each class's top negative caption name the planted subgroup;
 * 6. intervene, retraining FROM SCRATCH with the base model's seed and epochs: `train` + the K
 *    lowest-ranked pool images per class, for each ranking (the SVM's and Domino's in each space);
 *    `train` reweighted by each upweighting scheme from each space's SVM; overall, minority and
 *    worst-group test accuracy for each. Identical selections are trained once.
 *
 * Everything is seeded by `seed`, so a run repeats exactly.
 */
import type { ColumnTable } from 'arquero';
import type { ImageDataset, DatasetSplits } from '../data/image-dataset';
import { concatDatasets, subset } from '../data/subset';
import type { Matrix } from '../util/matrix';
import { progress } from '../util/progress';
import { ensureBackend, trainClassifier, predictArrays, type Arch } from '../model';
import type { Predictions } from '../model/predict';
import { embed, modelEncoder, jointEncoder, type Encoder, type JointEncoder } from '../embed';
import { flagPrecisionRecall, groupAccuracy } from '../metrics';
import { evaluateRanking } from '../directions/evaluate-ranking';
import { FailureDirections, type FailureDirectionsOptions } from '../directions/failure-directions';
import { splitInput } from '../directions/split-input';
import { minorityGroups, minorityMask, type MinorityGroups } from '../directions/minority-groups';
import { selectFromPool } from '../directions/select-from-pool';
import { upweight, type UpweightScheme } from '../directions/upweight';
import type { BaselineMethod } from '../directions/baselines';
import type { DominoSlicerOptions } from '../directions/domino-slicer';
import { PerClassDomino, type DominoInput } from './domino-baseline';
import { captionSpecFor, checkCaptions, type CaptionOutcome, type CaptionSpec } from './caption-check';

/** An embedding space the experiment works in. */
export type Space = 'joint' | 'penultimate';
/** Every space, in report order. */
export const SPACES: readonly Space[] = ['joint', 'penultimate'];
/** A ranking that depends on the space (fitted on its embeddings). */
export type SpaceMethod = 'svm' | 'domino' | 'dominoTop';
/** Every ranking the experiment compares. */
export type ExperimentMethod = SpaceMethod | BaselineMethod;
/** Rankings in report order. */
export const EXPERIMENT_METHODS: readonly ExperimentMethod[] = ['svm', 'domino', 'dominoTop', 'confidence', 'maxSoftmax', 'entropy', 'random'];
const SPACE_METHODS: readonly string[] = ['svm', 'domino', 'dominoTop'];

/** Options of {@link interventionExperiment}. */
export interface InterventionExperimentOptions {
  /** A label for the setting, copied into the result (e.g. `'coloredMnist trainCorr=0.95'`). */
  name?: string;
  /** Seeds the base model, the SVMs' cross-validation, Domino, the random baseline and every retrained model. Default 0. */
  seed?: number;
  /** Classifier architecture, as `trainClassifier` takes it (default: its default). */
  arch?: Arch;
  /** Training epochs of the base model and of every retrained model. Default 5. */
  epochs?: number;
  /** Spaces to work in. Default both, `['joint', 'penultimate']`. */
  spaces?: Space[];
  /** The joint encoder (default: the shipped one, `jointEncoder()`). */
  jointEncoder?: JointEncoder;
  /**
   * K: pool examples added per class; a list runs every selection at each K (a budget curve).
   * Numbers below 1 are fractions of the pool's smallest class (0.25 = a quarter of it). Default 0.25.
   */
  perClass?: number | number[];
  /**
   * Rankings to select pool examples by. Default `['svm', 'domino', 'confidence', 'maxSoftmax',
   * 'entropy', 'random']` (`'domino'` = the slice matched to the minority on val).
   */
  selection?: ExperimentMethod[];
  /** Upweighting schemes (from each space's SVM). Default `['balanced', 'overweight', 'soft']`. */
  upweighting?: UpweightScheme[];
  /** `factor` of the `'overweight'` scheme. Default 5. */
  factor?: number;
  /** `temperature` of the `'soft'` scheme. Default 0.5. */
  temperature?: number;
  /** K values (per class) for precision@K on the test split. Default `[10, 50, 100]`. */
  ks?: number[];
  /** Options passed to the `FailureDirections` constructor (C grid, folds, ...). */
  svm?: FailureDirectionsOptions;
  /** Options of each per-class `DominoSlicer` (default: Domino's defaults, seeded with `seed`). */
  domino?: DominoSlicerOptions;
  /** The caption check (joint space); default from the splits' protocol, `false` to skip. */
  captions?: CaptionSpec | false;
  /** Cache embeddings on disk (keyed by content). Default true. */
  cache?: boolean;
}

/** Test accuracy of one model, overall and by ground-truth group. */
export interface AccuracySummary {
  accuracy: number;
  /** Accuracy on test examples in their class's minority group(s). */
  minorityAccuracy: number;
  /** Accuracy on the other test examples. */
  majorityAccuracy: number;
  /** Lowest accuracy over (class, group) cells of the test split. */
  worstGroupAccuracy: number;
  /** The worst cell, as `className/group`. */
  worstGroup: string;
}

/** Ranking quality on the test split, averaged over classes (macro), for one target, method and space. */
export interface RankingSummary {
  /** What the ranking should put first: minority-group examples, or the base model's errors. */
  target: 'minority' | 'errors';
  method: ExperimentMethod;
  /** The space of the SVM / Domino rankings; null for the baselines, which use no embedding. */
  space: Space | null;
  auroc: number;
  ap: number;
  /** precision@K per class (the target's share among each class's K lowest-ranked), keyed by K. */
  precisionAtK: Record<string, number>;
  /** Classes that entered the average (those with both positives and negatives). */
  classes: number;
}

/** The SVM's hard flags (score < 0) on the test split against a target, in one space. */
export interface FlagSummary {
  target: 'minority' | 'errors';
  space: Space;
  precision: number;
  recall: number;
  /** Fraction of test examples flagged. */
  flagged: number;
}

/** Outcome of retraining with pool examples added. */
export interface SelectionOutcome extends AccuracySummary {
  by: ExperimentMethod;
  /** The ranking's space (SVM, Domino); null for the baselines. */
  space: Space | null;
  /** The budget as requested (a count, or a fraction of the pool's smallest class). */
  budget?: number;
  /** K, examples requested per class (the budget resolved on this pool). */
  perClass: number;
  /** Pool examples added in total. */
  added: number;
  /** Fraction of the added examples that are in a minority group (ground truth, for evaluation only). */
  minorityFraction: number;
  /** Fraction of the added examples the base model got wrong. */
  errorFraction: number;
}

/** Outcome of retraining with per-example weights. */
export interface UpweightOutcome extends AccuracySummary {
  scheme: UpweightScheme;
  /** Whose SVM scored the train split. */
  space: Space;
  /** Fraction of training examples flagged (train score < 0). */
  flagged: number;
  /** Share of the total training weight on minority examples (the base model's is the minority's count share). */
  minorityWeightShare: number;
}

/** A class's caption check, with the space (always `'joint'`). */
export interface CaptionSummary extends CaptionOutcome {
  space: Space;
}

/** Everything {@link interventionExperiment} measured; plain JSON. */
export interface InterventionResult {
  name: string;
  seed: number;
  /** The options as resolved (`perClass` in examples per class, one entry per budget). */
  options: { arch?: Arch; epochs: number; spaces: Space[]; budgets?: number[]; perClass: number[]; factor: number; ks: number[] };
  sizes: { train: number; val: number; pool: number; test: number };
  /**
   * Minority groups per class name, their share of train / pool / test (pooled), and per class of
   * test (the share of each class's test images that are in its minority).
   */
  minority: { groups: Record<string, string[]>; trainShare: number; poolShare: number; testShare: number; testShareByClass?: Record<string, number> };
  /** The base model (trained on `train` only). */
  base: AccuracySummary;
  /** Base model accuracy on each class's minority in test. */
  baseMinorityByClass?: Record<string, number>;
  /** Validation accuracy of the base model and the number of val errors the SVMs learned from. */
  val: { accuracy: number; errors: number };
  ranking: RankingSummary[];
  flags: FlagSummary[];
  captions: CaptionSummary[];
  selection: SelectionOutcome[];
  upweighting: UpweightOutcome[];
  /** Per space and class: the Domino slice matched to the minority and to the errors on val (0 = Domino's top slice). */
  domino: Array<{ space: Space; className: string; minoritySlice: number; errorSlice: number; converged: boolean }>;
  /** Wall-clock seconds per stage. */
  seconds: Record<string, number>;
}

/** What one space produced, for a notebook to look at. */
export interface SpaceDetails {
  /** The fitted failure directions. */
  directions: FailureDirections;
  /** The per-class Domino slicers. */
  domino: PerClassDomino;
  /** Scores tables of test, pool and train, with an `isMinority` column. */
  testScores: ColumnTable;
  poolScores: ColumnTable;
  trainScores: ColumnTable;
  /** `evaluateRanking` tables of the test split, for each target, every method. */
  rankingTables: { minority: ColumnTable; errors: ColumnTable };
  /** Domino's ranking scores (lowest = hardest) of test and pool, slice matched to the minority. */
  dominoScores: { test: Float64Array; pool: Float64Array };
}

/** The result plus the live objects a notebook wants to look at. */
export interface InterventionDetails {
  result: InterventionResult;
  spaces: Partial<Record<Space, SpaceDetails>>;
  /** The base model's predictions on each split (class probabilities included). */
  predictions: Record<'train' | 'val' | 'pool' | 'test', Predictions>;
}

function cellKey(split: ImageDataset, i: number): string {
  return `${split.classNames[split.labels[i]]}/${split.groups![i]}`;
}

/**
 * Overall, minority, majority and worst-(class, group) accuracy of `correct` on `split`.
 *
 * @example
 * ```ts
 * const { correct } = await fd.predictArrays(model, test);
 * const acc = accuracySummary(test, correct, minorityMask(test, minorityGroups(train, [test])));
 * ```
 */
export function accuracySummary(split: ImageDataset, correct: ArrayLike<number>, isMinority: ArrayLike<number>): AccuracySummary {
  const n = split.labels.length;
  const cells = Array.from({ length: n }, (_, i) => cellKey(split, i));
  const ok = Array.from(correct, (v) => (v ? 1 : 0));
  let hit = 0;
  let minN = 0;
  let minHit = 0;
  for (let i = 0; i < n; i++) {
    hit += ok[i];
    if (isMinority[i]) {
      minN++;
      minHit += ok[i];
    }
  }
  let worst = { group: '', accuracy: NaN };
  for (const g of groupAccuracy(Uint8Array.from(ok), cells)) {
    if (!(g.accuracy >= worst.accuracy)) worst = { group: String(g.group), accuracy: g.accuracy };
  }
  return {
    accuracy: n ? hit / n : NaN,
    minorityAccuracy: minN ? minHit / minN : NaN,
    majorityAccuracy: n - minN ? (hit - minHit) / (n - minN) : NaN,
    worstGroupAccuracy: worst.accuracy,
    worstGroup: worst.group,
  };
}

/**
 * The minority groups of each class: those the benchmark's protocol names (`protocol.minorityGroups`,
 * index = class id, e.g. `spuriousAttribute`), else the groups least represented in train
 * (`minorityGroups`).
 */
function resolveMinority(splits: DatasetSplits, train: ImageDataset, others: ImageDataset[]): MinorityGroups {
  const named = (splits as { protocol?: { minorityGroups?: string[][] } }).protocol?.minorityGroups;
  const fromTrain = minorityGroups(train, others);
  if (!named) return fromTrain;
  const byClass = new Map<number, string[]>();
  for (const c of fromTrain.byClass.keys()) {
    const g = named[c];
    if (!Array.isArray(g)) throw new RangeError(`interventionExperiment: protocol.minorityGroups has no entry for class ${c}`);
    byClass.set(c, g.slice());
  }
  return { byClass, share: fromTrain.share };
}

/** K values in examples per class: fractions (< 1) of the pool's smallest class become counts. */
function resolvePerClass(spec: number | number[], pool: ImageDataset): number[] {
  const counts = new Map<number, number>();
  for (const l of pool.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const smallest = Math.min(...counts.values());
  const list = Array.isArray(spec) ? spec : [spec];
  if (list.length === 0) throw new RangeError('interventionExperiment: perClass is an empty list');
  return list.map((k) => {
    if (!(Number.isFinite(k) && k > 0)) throw new RangeError(`interventionExperiment: perClass must be positive (a count, or a fraction < 1 of the pool's smallest class), got ${k}`);
    if (k < 1) return Math.max(1, Math.round(k * smallest));
    if (!Number.isInteger(k)) throw new RangeError(`interventionExperiment: perClass ${k} is neither a fraction below 1 nor a whole number`);
    return k;
  });
}

type SplitKey = 'train' | 'val' | 'pool' | 'test';

/**
 * Runs the experiment on `splits` (which must have `unlabeled` as the pool and ground-truth `groups`
 * on every split). See the module comment for the stages.
 *
 * @example
 * ```ts
 * const splits = fd.spuriousAttribute({ seed: 0 });
 * const { result } = await interventionExperiment(splits, { seed: 0, epochs: 5, perClass: 0.25 });
 * result.ranking.filter((r) => r.target === 'minority');       // SVM vs Domino vs baselines, per space
 * result.selection.find((s) => s.by === 'svm' && s.space === 'joint')!.worstGroupAccuracy;
 * ```
 */
export async function interventionExperiment(splits: DatasetSplits, options: InterventionExperimentOptions = {}): Promise<InterventionDetails> {
  const { train, val, test } = splits;
  const pool = splits.unlabeled;
  if (!pool) throw new TypeError('interventionExperiment: splits.unlabeled (the pool to select from) is required');
  for (const [nm, s] of [['train', train], ['val', val], ['unlabeled', pool], ['test', test]] as const) {
    if (!s.groups) throw new TypeError(`interventionExperiment: split '${nm}' has no groups; ground-truth groups are needed to measure minority accuracy`);
  }
  const seed = options.seed ?? 0;
  const epochs = options.epochs ?? 5;
  const factor = options.factor ?? 5;
  const ks = options.ks ?? [10, 50, 100];
  const spaces = options.spaces ?? [...SPACES];
  for (const s of spaces) if (!SPACES.includes(s)) throw new RangeError(`interventionExperiment: unknown space '${s}' (use ${SPACES.join(', ')})`);
  const budgets = Array.isArray(options.perClass) ? options.perClass.slice() : [options.perClass ?? 0.25];
  const perClass = resolvePerClass(budgets, pool);
  const methods = options.selection ?? ['svm', 'domino', 'confidence', 'maxSoftmax', 'entropy', 'random'];
  for (const m of methods) if (!EXPERIMENT_METHODS.includes(m)) throw new RangeError(`interventionExperiment: unknown selection method '${m}' (use ${EXPERIMENT_METHODS.join(', ')})`);
  const schemes = options.upweighting ?? ['balanced', 'overweight', 'soft'];
  const cache = options.cache ?? true;
  const trainOpts = { arch: options.arch, epochs, seed };
  const captionSpec = options.captions === false ? null : options.captions ?? captionSpecFor(splits as { protocol?: unknown });
  const seconds: Record<string, number> = {};
  const timed = async <T>(stage: string, f: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const out = await f();
    seconds[stage] = (seconds[stage] ?? 0) + (performance.now() - t0) / 1000;
    return out;
  };
  const nSpaceFree = methods.filter((m) => !SPACE_METHODS.includes(m)).length;
  const nSpaceBound = methods.length - nSpaceFree;
  const steps = 3 + spaces.length + (nSpaceFree + nSpaceBound * spaces.length) * perClass.length + schemes.length * spaces.length;
  const bar = progress(`experiment ${options.name ?? ''}`.trim(), steps);

  await ensureBackend();
  const minority = resolveMinority(splits, train, [val, pool, test]);
  const mask: Record<SplitKey, Uint8Array> = {
    train: minorityMask(train, minority),
    val: minorityMask(val, minority),
    pool: minorityMask(pool, minority),
    test: minorityMask(test, minority),
  };
  const splitOf: Record<SplitKey, ImageDataset> = { train, val, pool, test };
  const keys: SplitKey[] = ['train', 'val', 'pool', 'test'];

  // 1. Base model, its predictions and its penultimate embeddings.
  const base = await timed('trainBase', () => trainClassifier(train, trainOpts));
  bar.tick(1, 'base model');
  const P = {} as Record<SplitKey, Predictions>;
  const Z = {} as Record<Space, Record<SplitKey, Matrix>>;
  const embedAll = async (encoder: Encoder) => {
    const out = {} as Record<SplitKey, Matrix>;
    for (const k of keys) out[k] = await embed(encoder, splitOf[k], { cache });
    return out;
  };
  try {
    await timed('predict', async () => {
      for (const k of keys) P[k] = await predictArrays(base, splitOf[k]);
    });
    if (spaces.includes('penultimate')) Z.penultimate = await timed('embed:penultimate', () => embedAll(modelEncoder(base)));
  } finally {
    disposeModel(base);
  }
  if (spaces.includes('joint')) {
    const enc = options.jointEncoder ?? (await jointEncoder());
    Z.joint = await timed('embed:joint', () => embedAll(enc));
  }
  bar.tick(1, 'embedded');

  const base_ = accuracySummary(test, P.test.correct, mask.test);
  const errorsOf = (k: SplitKey) => Uint8Array.from(P[k].correct, (c) => 1 - c);
  const ranking: RankingSummary[] = [];
  const flags: FlagSummary[] = [];
  const captions: CaptionSummary[] = [];
  const dominoInfo: InterventionResult['domino'] = [];
  const details: InterventionDetails['spaces'] = {};
  const baselines: BaselineMethod[] = ['confidence', 'maxSoftmax', 'entropy', 'random'];

  // 2. Per space: directions, Domino, rankings, flags, captions.
  for (const space of spaces) {
    const z = Z[space];
    const inputOf = (k: SplitKey) => splitInput(splitOf[k], z[k], P[k]);
    const fd = await timed(`fit:${space}`, () => new FailureDirections({ seed, ...(options.svm ?? {}) }).setPreprocess(z.train).fit(inputOf('val')));
    const scoresOf = (k: SplitKey, name: string) => fd.scores({ ...inputOf(k), split: name }).assign({ isMinority: Array.from(mask[k], (v) => v === 1) });
    const testScores = scoresOf('test', 'test');
    const poolScores = scoresOf('pool', 'unlabeled');
    const trainScores = scoresOf('train', 'train');
    const input = (k: SplitKey): DominoInput => ({ latents: z[k], labels: splitOf[k].labels, probs: P[k].probs });
    const domino = await timed(`domino:${space}`, () => new PerClassDomino({ seed, ...(options.domino ?? {}) }).fit(input('val')));
    const minoritySlice = domino.matchSlices(input('val'), mask.val);
    const errorSlice = domino.matchSlices(input('val'), errorsOf('val'));
    for (const [c, s] of domino.slicers_) {
      dominoInfo.push({ space, className: val.classNames[c] ?? String(c), minoritySlice: minoritySlice.get(c) ?? 0, errorSlice: errorSlice.get(c) ?? 0, converged: s.converged_ });
    }
    const dominoTop = domino.scores(input('test'), 0);
    const dominoScores = { test: domino.scores(input('test'), minoritySlice), pool: domino.scores(input('pool'), minoritySlice) };

    const rankingTables = await timed('evaluate', () => ({
      minority: evaluateRanking(testScores, { target: 'isMinority', baselines, probs: P.test.probs, rankings: { domino: dominoScores.test, dominoTop }, ks, seed }),
      errors: evaluateRanking(testScores, { baselines, probs: P.test.probs, rankings: { domino: domino.scores(input('test'), errorSlice), dominoTop }, ks, seed }),
    }));
    const first = space === spaces[0];
    for (const target of ['minority', 'errors'] as const) {
      const rows = rankingTables[target].objects() as Array<Record<string, number | string | null>>;
      for (const method of EXPERIMENT_METHODS) {
        const spaceBound = SPACE_METHODS.includes(method);
        if (!spaceBound && !first) continue; // the baselines use no embedding: report them once
        const all = rows.find((r) => r.method === method && r.className === 'all' && r.class == null);
        if (!all) continue;
        const perClassRows = rows.filter((r) => r.method === method && r.class != null && Number.isFinite(r.auroc as number));
        const p: Record<string, number> = {};
        for (const k of ks) p[String(k)] = all[`precision@${k}`] as number;
        ranking.push({ target, method, space: spaceBound ? space : null, auroc: all.auroc as number, ap: all.ap as number, precisionAtK: p, classes: perClassRows.length });
      }
      flags.push({ ...flagSummary(testScores, target), space });
    }
    if (space === 'joint' && captionSpec) {
      const enc = options.jointEncoder ?? (await jointEncoder());
      const out = await timed('captions', () => checkCaptions(fd, enc, captionSpec));
      for (const o of out) captions.push({ ...o, space });
    }
    details[space] = { directions: fd, domino, testScores, poolScores, trainScores, rankingTables, dominoScores };
    bar.tick(1, `${space} space`);
  }

  // 3. Pool selection, retrained from scratch; identical selections train once.
  const retrained = new Map<string, Uint8Array>();
  const retrain = async (stage: string, trainSet: ImageDataset, key: string, extra: Partial<Parameters<typeof trainClassifier>[1]> = {}) => {
    const hit = retrained.get(key);
    if (hit) return hit;
    const correct = await timed(stage, () => retrainAndScore(trainSet, { ...trainOpts, ...extra }, test));
    retrained.set(key, correct);
    return correct;
  };
  const selection: SelectionOutcome[] = [];
  const poolBase = { ...pool, confidences: P.pool.confidence, probs: P.pool.probs };
  for (let b = 0; b < perClass.length; b++) {
    const K = perClass[b];
    const arms: Array<{ by: ExperimentMethod; space: Space | null }> = [];
    for (const by of methods) {
      if (SPACE_METHODS.includes(by)) for (const space of spaces) arms.push({ by, space });
      else arms.push({ by, space: null });
    }
    for (const { by, space } of arms) {
      let sel;
      if (space) {
        const d = details[space]!;
        const poolInput = {
          ...poolBase,
          scores: d.poolScores.array('score') as ArrayLike<number>,
          rankings: { domino: d.dominoScores.pool, dominoTop: d.domino.scores({ latents: Z[space].pool, labels: pool.labels, probs: P.pool.probs }, 0) },
        };
        sel = selectFromPool(null, poolInput, { perClass: K, by, seed });
      } else {
        sel = selectFromPool(null, poolBase, { perClass: K, by, seed });
      }
      const augmented = concatDatasets([train, subset(pool, sel.indices)], `train+${by}@${K}`);
      const correct = await retrain(`select:${by}`, augmented, `pool:${Array.from(sel.indices).join(',')}`);
      let minHits = 0;
      let errHits = 0;
      for (const i of sel.indices) {
        minHits += mask.pool[i];
        errHits += P.pool.correct[i] ? 0 : 1;
      }
      const m = sel.indices.length;
      selection.push({ by, space, budget: budgets[b], perClass: K, added: m, minorityFraction: m ? minHits / m : NaN, errorFraction: m ? errHits / m : NaN, ...accuracySummary(test, correct, mask.test) });
      bar.tick(1, `pool ${by}${space ? ` (${space})` : ''} K=${K}`);
    }
  }

  // 4. Upweighting from each space's SVM, retrained from scratch.
  const upweighting: UpweightOutcome[] = [];
  for (const space of spaces) {
    const d = details[space]!;
    const trainScore = d.trainScores.array('score') as ArrayLike<number>;
    let nFlagged = 0;
    for (let i = 0; i < trainScore.length; i++) if (trainScore[i] < 0) nFlagged++;
    for (const scheme of schemes) {
      const w = upweight(d.directions, d.trainScores, { scheme, factor, temperature: options.temperature });
      let wMin = 0;
      let wAll = 0;
      for (let i = 0; i < w.length; i++) {
        wAll += w[i];
        if (mask.train[i]) wMin += w[i];
      }
      const correct = await retrain(`upweight:${scheme}`, train, `weights:${Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64')}`, { sampleWeights: w });
      upweighting.push({ scheme, space, flagged: nFlagged / trainScore.length, minorityWeightShare: wMin / wAll, ...accuracySummary(test, correct, mask.test) });
      bar.tick(1, `upweight ${scheme} (${space})`);
    }
  }
  bar.done();

  const share = (m: Uint8Array) => (m.length ? m.reduce((a, b) => a + b, 0) / m.length : NaN);
  const groupsByName: Record<string, string[]> = {};
  for (const [c, gs] of minority.byClass) groupsByName[train.classNames[c] ?? String(c)] = gs;
  const testShareByClass: Record<string, number> = {};
  const baseMinorityByClass: Record<string, number> = {};
  for (const c of minority.byClass.keys()) {
    let n = 0;
    let k = 0;
    let hit = 0;
    for (let i = 0; i < test.labels.length; i++) {
      if (test.labels[i] !== c) continue;
      n++;
      if (mask.test[i]) {
        k++;
        hit += P.test.correct[i];
      }
    }
    const name = test.classNames[c] ?? String(c);
    testShareByClass[name] = n ? k / n : NaN;
    baseMinorityByClass[name] = k ? hit / k : NaN;
  }
  const valErrors = P.val.correct.length - P.val.correct.reduce((a, b) => a + b, 0);
  const result: InterventionResult = {
    name: options.name ?? '',
    seed,
    options: { arch: options.arch, epochs, spaces, budgets, perClass, factor, ks },
    sizes: { train: train.labels.length, val: val.labels.length, pool: pool.labels.length, test: test.labels.length },
    minority: { groups: groupsByName, trainShare: share(mask.train), poolShare: share(mask.pool), testShare: share(mask.test), testShareByClass },
    base: base_,
    baseMinorityByClass,
    val: { accuracy: 1 - valErrors / P.val.correct.length, errors: valErrors },
    ranking,
    flags,
    captions,
    selection,
    upweighting,
    domino: dominoInfo,
    seconds,
  };
  return { result, spaces: details, predictions: P };
}

/** Pooled over the whole split (not per class): the SVM's flags against minority membership or errors. */
function flagSummary(scores: ColumnTable, target: 'minority' | 'errors'): Omit<FlagSummary, 'space'> {
  const flagged = Uint8Array.from(scores.array('flagged') as ArrayLike<boolean>, (v) => (v ? 1 : 0));
  const pos = target === 'minority' ? Uint8Array.from(scores.array('isMinority') as ArrayLike<boolean>, (v) => (v ? 1 : 0)) : Uint8Array.from(scores.array('correct') as ArrayLike<boolean>, (c) => (c ? 0 : 1));
  const f = flagPrecisionRecall(flagged, pos);
  return { target, precision: f.precision, recall: f.recall, flagged: f.n ? f.nFlagged / f.n : NaN };
}

function disposeModel(model: unknown): void {
  const m = model as { dispose?: () => unknown };
  if (m && typeof m.dispose === 'function') m.dispose();
}

async function retrainAndScore(trainSet: ImageDataset, opts: Parameters<typeof trainClassifier>[1], test: ImageDataset): Promise<Uint8Array> {
  const model = await trainClassifier(trainSet, opts);
  try {
    return (await predictArrays(model, test)).correct;
  } finally {
    disposeModel(model);
  }
}
