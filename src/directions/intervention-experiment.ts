/**
 * The paper's intervention experiment end to end (Jain et al., ICLR 2023, data selection and
 * upweighting), on any benchmark whose splits carry ground-truth `groups`:
 *
 * 1. train the base model on `train`; predict `val`, `test`, the pool and `train`;
 * 2. embed every split with the base model's penultimate layer;
 * 3. fit `FailureDirections` on `val` (preprocessing from `train`), score every split;
 * 4. evaluate the test ranking (SVM vs confidence vs random) for finding the minority groups and
 *    the base model's errors: AUROC, AP, precision@K, flag precision/recall;
 * 5. intervene, retraining FROM SCRATCH with the base model's seed and budget: `train` + the K
 *    lowest-ranked pool examples per class (each selection method), and `train` reweighted (each
 *    scheme); report overall, minority and worst-group test accuracy for each.
 *
 * Everything is seeded by `seed`, so a run repeats exactly.
 */
import type { ColumnTable } from 'arquero';
import type { ImageDataset, DatasetSplits } from '../data/image-dataset';
import { concatDatasets, subset } from '../data/subset';
import type { Matrix } from '../util/matrix';
import { progress } from '../util/progress';
import { ensureBackend, trainClassifier, predictArrays, type Arch } from '../model';
import { embed, modelEncoder } from '../embed';
import { flagPrecisionRecall, groupAccuracy } from '../metrics';
import { evaluateRanking } from './evaluate-ranking';
import { splitInput } from './split-input';
import { FailureDirections, type FailureDirectionsOptions } from './failure-directions';
import { minorityGroups, minorityMask } from './minority-groups';
import { selectFromPool, type SelectionMethod } from './select-from-pool';
import { upweight, type UpweightScheme } from './upweight';

/** Options of {@link interventionExperiment}. */
export interface InterventionExperimentOptions {
  /** A label for the setting, copied into the result (e.g. `'coloredMnist trainCorr=0.95'`). */
  name?: string;
  /** Seeds the base model, the SVM's cross-validation, the random baseline and every retrained model. Default 0. */
  seed?: number;
  /** Classifier architecture, as `trainClassifier` takes it (default: its default). */
  arch?: Arch;
  /** Training epochs of the base model and of every retrained model. Default 5. */
  epochs?: number;
  /**
   * K: pool examples added per class; a list runs every selection method at each K (a budget curve).
   * Numbers below 1 are fractions of the pool's smallest class (0.25 = a quarter of it).
   * Default 0.25.
   */
  perClass?: number | number[];
  /** Selection methods to compare. Default `['svm', 'confidence', 'random']`. */
  selection?: SelectionMethod[];
  /** Upweighting schemes to compare. Default `['balanced', 'overweight', 'soft']`. */
  upweighting?: UpweightScheme[];
  /** `factor` of the `'overweight'` scheme. Default 5. */
  factor?: number;
  /** `temperature` of the `'soft'` scheme. Default 0.5. */
  temperature?: number;
  /** K values (per class) for precision@K on the test split. Default `[10, 25, 50]`. */
  ks?: number[];
  /** Options passed to the `FailureDirections` constructor (C grid, folds, ...). */
  svm?: FailureDirectionsOptions;
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

/** Ranking quality on the test split, averaged over classes (macro), for one target and method. */
export interface RankingSummary {
  /** What the ranking should put first: minority-group examples, or the base model's errors. */
  target: 'minority' | 'errors';
  method: 'svm' | 'confidence' | 'random';
  auroc: number;
  ap: number;
  /** precision@K per class, keyed by K. */
  precisionAtK: Record<string, number>;
  /** Classes that entered the average (those with both positives and negatives). */
  classes: number;
}

/** The SVM's hard flags (score < 0) on the test split against a target. */
export interface FlagSummary {
  target: 'minority' | 'errors';
  precision: number;
  recall: number;
  /** Fraction of test examples flagged. */
  flagged: number;
}

/** Outcome of retraining with pool examples added. */
export interface SelectionOutcome extends AccuracySummary {
  by: SelectionMethod;
  /**
   * The budget as requested (`perClass` option entry: a count, or a fraction of the pool's smallest
   * class). Stable across seeds, unlike `perClass`, which a fraction resolves per split.
   */
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
  /** Fraction of training examples flagged (train score < 0). */
  flagged: number;
  /** Share of the total training weight on minority examples (the base model's is the minority's count share). */
  minorityWeightShare: number;
}

/** Everything {@link interventionExperiment} measured; plain JSON. */
export interface InterventionResult {
  name: string;
  seed: number;
  /** The options as resolved (`perClass` in examples per class, one entry per budget). */
  options: { arch?: Arch; epochs: number; budgets?: number[]; perClass: number[]; factor: number; ks: number[] };
  sizes: { train: number; val: number; pool: number; test: number };
  /** Minority groups per class name, and their share of train / pool / test. */
  minority: { groups: Record<string, string[]>; trainShare: number; poolShare: number; testShare: number };
  /** The base model (trained on `train` only). */
  base: AccuracySummary;
  /** Validation accuracy of the base model and the number of val errors the SVMs learned from. */
  val: { accuracy: number; errors: number };
  ranking: RankingSummary[];
  flags: FlagSummary[];
  selection: SelectionOutcome[];
  upweighting: UpweightOutcome[];
  /** Wall-clock seconds per stage. */
  seconds: Record<string, number>;
}

/** The result plus the live objects a notebook wants to look at. */
export interface InterventionDetails {
  result: InterventionResult;
  /** The fitted failure directions (on the base model's embedding). */
  directions: FailureDirections;
  /** Scores tables of the test split and the pool, with an `isMinority` column added. */
  testScores: ColumnTable;
  poolScores: ColumnTable;
  /** Scores table of the train split (what {@link upweight} reads), with `isMinority`. */
  trainScores: ColumnTable;
  /** The per-class ranking evaluation tables (`evaluateRanking`'s output) for each target. */
  rankingTables: { minority: ColumnTable; errors: ColumnTable };
}

interface Predictions {
  preds: Int32Array;
  confidences: Float32Array;
  correct: Uint8Array;
}

async function predictions(model: Parameters<typeof predictArrays>[0], split: ImageDataset): Promise<Predictions> {
  const p = await predictArrays(model, split);
  return { preds: p.pred, confidences: p.confidence, correct: p.correct };
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

/**
 * Runs the full intervention experiment on `splits` (which must have `unlabeled` as the pool and
 * ground-truth `groups` on train, pool and test). See the module comment for the stages.
 *
 * @example
 * ```ts
 * const splits = fd.coloredMnist({ trainCorr: 0.95, seed: 0 });
 * const { result } = await interventionExperiment(splits, { seed: 0, epochs: 5, perClass: 50 });
 * result.base.worstGroupAccuracy;                  // before
 * result.selection.find((s) => s.by === 'svm');    // after adding the SVM's picks
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
  const ks = options.ks ?? [10, 25, 50];
  const budgets = Array.isArray(options.perClass) ? options.perClass.slice() : [options.perClass ?? 0.25];
  const perClass = resolvePerClass(budgets, pool);
  const methods = options.selection ?? ['svm', 'confidence', 'random'];
  const schemes = options.upweighting ?? ['balanced', 'overweight', 'soft'];
  const cache = options.cache ?? true;
  const trainOpts = { arch: options.arch, epochs, seed };
  const seconds: Record<string, number> = {};
  const timed = async <T>(stage: string, f: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const out = await f();
    seconds[stage] = (seconds[stage] ?? 0) + (performance.now() - t0) / 1000;
    return out;
  };
  const steps = 4 + methods.length * perClass.length + schemes.length;
  const bar = progress(`interventions ${options.name ?? ''}`.trim(), steps);

  await ensureBackend();
  const minority = minorityGroups(train, [val, pool, test]);
  const testMinority = minorityMask(test, minority);
  const poolMinority = minorityMask(pool, minority);
  const trainMinority = minorityMask(train, minority);

  // 1. Base model.
  const base = await timed('trainBase', () => trainClassifier(train, trainOpts));
  bar.tick(1, 'base model');
  let basePred: Record<'train' | 'val' | 'pool' | 'test', Predictions>;
  let latents: Record<'train' | 'val' | 'pool' | 'test', Matrix>;
  try {
    basePred = await timed('predict', async () => ({
      train: await predictions(base, train),
      val: await predictions(base, val),
      pool: await predictions(base, pool),
      test: await predictions(base, test),
    }));
    // 2. Embeddings from the base model's penultimate layer.
    const encoder = modelEncoder(base);
    latents = await timed('embed', async () => ({
      train: await embed(encoder, train, { cache }),
      val: await embed(encoder, val, { cache }),
      pool: await embed(encoder, pool, { cache }),
      test: await embed(encoder, test, { cache }),
    }));
  } finally {
    disposeModel(base);
  }
  bar.tick(1, 'embedded');

  // 3. Failure directions on val.
  const fd = await timed('fitDirections', () => {
    const d = new FailureDirections({ seed, ...(options.svm ?? {}) });
    d.setPreprocess(latents.train);
    return d.fit(splitInput(val, latents.val, { pred: basePred.val.preds, confidence: basePred.val.confidences }));
  });
  const scoresOf = (split: ImageDataset, z: Matrix, p: Predictions, name: string) =>
    fd.scores({ ...splitInput(split, z, { pred: p.preds, confidence: p.confidences }), split: name });
  const testScores = scoresOf(test, latents.test, basePred.test, 'test').assign({ isMinority: Array.from(testMinority, (v) => v === 1) });
  const poolScores = scoresOf(pool, latents.pool, basePred.pool, 'unlabeled').assign({ isMinority: Array.from(poolMinority, (v) => v === 1) });
  const trainScores = scoresOf(train, latents.train, basePred.train, 'train').assign({ isMinority: Array.from(trainMinority, (v) => v === 1) });
  bar.tick(1, 'directions');

  // 4. Ranking evaluation on test.
  const rankingTables = await timed('evaluate', () => ({
    minority: evaluateRanking(testScores, { target: 'isMinority', baselines: ['confidence', 'random'], ks, seed }),
    errors: evaluateRanking(testScores, { baselines: ['confidence', 'random'], ks, seed }),
  }));
  const ranking: RankingSummary[] = [];
  const flags: FlagSummary[] = [];
  for (const target of ['minority', 'errors'] as const) {
    const rows = rankingTables[target].objects() as Array<Record<string, number | string | null>>;
    for (const method of ['svm', 'confidence', 'random'] as const) {
      // The 'all' row is evaluateRanking's unweighted mean over classes.
      const all = rows.find((r) => r.method === method && r.className === 'all' && r.class == null)!;
      const perClass = rows.filter((r) => r.method === method && r.class != null && Number.isFinite(r.auroc));
      const p: Record<string, number> = {};
      for (const k of ks) p[String(k)] = all[`precision@${k}`] as number;
      ranking.push({ target, method, auroc: all.auroc as number, ap: all.ap as number, precisionAtK: p, classes: perClass.length });
    }
    flags.push(flagSummary(testScores, target));
  }
  bar.tick(1, 'ranking');

  const base_ = accuracySummary(test, basePred.test.correct, testMinority);

  // 5a. Pool selection, retrained from scratch.
  const selection: SelectionOutcome[] = [];
  const poolForSelection = { ...pool, scores: poolScores.array('score') as ArrayLike<number>, confidences: basePred.pool.confidences };
  for (let b = 0; b < perClass.length; b++) for (const by of methods) {
    const K = perClass[b];
    const sel = selectFromPool(fd, poolForSelection, { perClass: K, by, seed });
    const augmented = concatDatasets([train, subset(pool, sel.indices)], `train+${by}@${K}`);
    const correct = await timed(`select:${by}`, () => retrainAndScore(augmented, trainOpts, test));
    let minHits = 0;
    let errHits = 0;
    for (const i of sel.indices) {
      minHits += poolMinority[i];
      errHits += basePred.pool.correct[i] ? 0 : 1;
    }
    const m = sel.indices.length;
    selection.push({ by, budget: budgets[b], perClass: K, added: m, minorityFraction: m ? minHits / m : NaN, errorFraction: m ? errHits / m : NaN, ...accuracySummary(test, correct, testMinority) });
    bar.tick(1, `pool ${by} K=${K}`);
  }

  // 5b. Upweighting, retrained from scratch.
  const upweighting: UpweightOutcome[] = [];
  const trainScore = trainScores.array('score') as ArrayLike<number>;
  let nFlagged = 0;
  for (let i = 0; i < trainScore.length; i++) if (trainScore[i] < 0) nFlagged++;
  for (const scheme of schemes) {
    const w = upweight(fd, trainScores, { scheme, factor, temperature: options.temperature });
    let wMin = 0;
    let wAll = 0;
    for (let i = 0; i < w.length; i++) {
      wAll += w[i];
      if (trainMinority[i]) wMin += w[i];
    }
    const correct = await timed(`upweight:${scheme}`, () => retrainAndScore(train, { ...trainOpts, sampleWeights: w }, test));
    upweighting.push({ scheme, flagged: nFlagged / trainScore.length, minorityWeightShare: wMin / wAll, ...accuracySummary(test, correct, testMinority) });
    bar.tick(1, `upweight ${scheme}`);
  }
  bar.done();

  const share = (mask: Uint8Array) => (mask.length ? mask.reduce((a, b) => a + b, 0) / mask.length : NaN);
  const groupsByName: Record<string, string[]> = {};
  for (const [c, gs] of minority.byClass) groupsByName[train.classNames[c] ?? String(c)] = gs;
  const valErrors = basePred.val.correct.length - basePred.val.correct.reduce((a, b) => a + b, 0);
  const result: InterventionResult = {
    name: options.name ?? '',
    seed,
    options: { arch: options.arch, epochs, budgets, perClass, factor, ks },
    sizes: { train: train.labels.length, val: val.labels.length, pool: pool.labels.length, test: test.labels.length },
    minority: { groups: groupsByName, trainShare: share(trainMinority), poolShare: share(poolMinority), testShare: share(testMinority) },
    base: base_,
    val: { accuracy: 1 - valErrors / basePred.val.correct.length, errors: valErrors },
    ranking,
    flags,
    selection,
    upweighting,
    seconds,
  };
  return { result, directions: fd, testScores, poolScores, trainScores, rankingTables };
}

/** Pooled over the whole split (not per class): the SVM's flags against minority membership or errors. */
function flagSummary(scores: ColumnTable, target: 'minority' | 'errors'): FlagSummary {
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
    return (await predictions(model, test)).correct;
  } finally {
    disposeModel(model);
  }
}
