/**
 * Data selection from an unlabeled (or not-yet-used) pool, as in Jain et al. (ICLR 2023), section
 * "data selection": per class (using the pool's labels), take the K examples the fitted failure
 * directions score lowest, and add them to training. Baselines rank the same pool by the base model's
 * confidence, or draw K at random per class.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { assertMatrix, type Matrix } from '../util/matrix';
import { Random } from '../util/random';
import { baselineScores } from './baselines';

/**
 * Anything that scores examples of known class along its failure direction (negative = failure side),
 * e.g. a fitted `FailureDirections`.
 */
export interface ClassScorer {
  decisionFunction(input: { latents: Matrix; labels: ArrayLike<number> }): ArrayLike<number>;
}

/**
 * The pool to select from. Spread an `ImageDataset` into it and add what the method needs:
 * `latents` (or precomputed `scores`) for `'svm'`, `confidences` for `'confidence'`.
 */
export interface SelectionPool {
  /** Class per example; selection is per class of these labels. */
  labels: ArrayLike<number>;
  /** Embeddings of the pool (same encoder as the fit's training latents). Needed for `'svm'` unless `scores` is given. */
  latents?: Matrix;
  /** Precomputed decision values (e.g. the `score` column of a scores table); skips `fit.decisionFunction`. */
  scores?: ArrayLike<number>;
  /**
   * The base model's confidence per example, as in its predictions table (`predict` gives the
   * probability of the example's labelled class). Needed for `'confidence'`.
   */
  confidences?: ArrayLike<number>;
  /** The base model's class probabilities per example (n x classes). Needed for `'maxSoftmax'` and `'entropy'`. */
  probs?: Matrix;
  /**
   * Further rankings by name, one value per example, lowest = hardest (e.g. `{ domino: ... }`, minus
   * each image's probability of a Domino slice); select by one with `by: '<name>'`.
   */
  rankings?: Record<string, ArrayLike<number>>;
  ids?: ArrayLike<string | number>;
  /** Ground-truth subgroup per example, copied into the selection table (never used to select). */
  groups?: ArrayLike<string>;
  classNames?: readonly string[];
}

/**
 * How to rank the pool within each class: the SVM score, the base model's true-class confidence,
 * its maximum softmax probability or prediction entropy (label-free), or at random.
 */
export type SelectionMethod = 'svm' | 'confidence' | 'maxSoftmax' | 'entropy' | 'random';

/** Options of {@link selectFromPool}. */
export interface SelectFromPoolOptions {
  /** K: examples taken per class (all of a class when it has fewer; see `shortfall`). */
  perClass: number;
  /**
   * Ranking: lowest SVM score, lowest confidence, lowest maximum softmax probability, highest
   * prediction entropy, uniform at random, or the name of one of `pool.rankings`. Default `'svm'`.
   */
  by?: SelectionMethod | (string & {});
  /** Seed for `'random'` (default 0). */
  seed?: number;
  /** Restrict to these classes (default: every class present in the pool). */
  classes?: readonly number[];
}

/** What {@link selectFromPool} returns. */
export interface PoolSelection {
  /** Positions in the pool, grouped by class (ascending), hardest first within a class. */
  indices: Int32Array;
  /**
   * One row per selected example: `index` (position in the pool), `id`, `label`, `className`,
   * `rankInClass` (0 = first taken), `by`, and `score` / `confidence` / `group` when known.
   */
  table: ColumnTable;
  by: SelectionMethod | string;
  perClass: number;
  /** Classes that had fewer than `perClass` examples, with how many were available (all taken). */
  shortfall: Array<{ label: number; available: number }>;
  /**
   * `by: 'svm'` only: classes whose pool scores are all NaN (no SVM was fitted for them, e.g. too few
   * validation errors); their K examples were drawn at random with `seed` instead.
   */
  unscored: number[];
}

const METHODS: readonly SelectionMethod[] = ['svm', 'confidence', 'maxSoftmax', 'entropy', 'random'];

function checkValues(values: ArrayLike<number>, n: number, what: string, allowNaN: boolean): void {
  if (values.length !== n) throw new RangeError(`selectFromPool: ${what} has ${values.length} values for ${n} pool examples`);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number' || (v - v !== 0 && !(allowNaN && Number.isNaN(v)))) throw new RangeError(`selectFromPool: ${what} is not finite at pool row ${i} (${v})`);
  }
}

/** Pool positions per class label, in pool order. */
function positionsByClass(labels: ArrayLike<number>): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0) throw new RangeError(`selectFromPool: pool row ${i} has label ${l}, expected a non-negative integer`);
    let a = out.get(l);
    if (!a) out.set(l, (a = []));
    a.push(i);
  }
  return out;
}

/**
 * Selects, per class of the pool's labels, the `perClass` examples ranked hardest: lowest SVM decision
 * value (`by: 'svm'`), lowest base-model confidence (`'confidence'`), lowest maximum softmax
 * probability (`'maxSoftmax'`) or highest prediction entropy (`'entropy'`, both from `pool.probs`),
 * lowest value of a named ranking in `pool.rankings` (e.g. `'domino'`), or a seeded uniform draw
 * (`'random'`). Ties keep pool order, so the result is deterministic.
 *
 * `fit` may be `null` when `by` is not `'svm'`, or when `pool.scores` is given. A class whose scores
 * are all NaN (no SVM fitted) is filled at random and listed in `unscored`.
 *
 * @example
 * ```ts
 * const unlabeled = splits.unlabeled!;
 * const pool = { ...unlabeled, latents: await fd.embed(encoder, unlabeled) };
 * const sel = fd.selectFromPool(dirs, pool, { perClass: 50, by: 'svm' });
 * const augmented = fd.concatDatasets([splits.train, fd.subset(unlabeled, sel.indices)]);
 * // label-free: the base model's class probabilities on the pool, most uncertain first
 * const { probs } = await fd.predictArrays(model, unlabeled);
 * const byEntropy = fd.selectFromPool(null, { ...unlabeled, probs }, { perClass: 50, by: 'entropy' });
 * ```
 */
export function selectFromPool(fit: ClassScorer | null, pool: SelectionPool, options: SelectFromPoolOptions): PoolSelection {
  const by = options.by ?? 'svm';
  const custom = !(METHODS as readonly string[]).includes(by);
  if (custom && !(pool?.rankings && Object.prototype.hasOwnProperty.call(pool.rankings, by))) {
    throw new RangeError(`selectFromPool: by must be one of ${METHODS.join(', ')} or a name in pool.rankings${pool?.rankings ? ` (${Object.keys(pool.rankings).join(', ')})` : ''}, got ${JSON.stringify(by)}`);
  }
  const K = options.perClass;
  if (!Number.isInteger(K) || K < 0) throw new RangeError(`selectFromPool: perClass must be a non-negative integer, got ${K}`);
  if (pool == null || pool.labels == null) throw new TypeError('selectFromPool: pool.labels is required');
  const n = pool.labels.length;

  let scores: ArrayLike<number> | undefined = pool.scores;
  if (scores === undefined && pool.latents && fit) {
    assertMatrix(pool.latents, 'selectFromPool: pool.latents');
    if (pool.latents.rows !== n) throw new RangeError(`selectFromPool: pool.latents has ${pool.latents.rows} rows for ${n} labels`);
    scores = fit.decisionFunction({ latents: pool.latents, labels: pool.labels });
  }
  if (by === 'svm' && scores === undefined) {
    throw new TypeError(`selectFromPool: by 'svm' needs a fitted scorer and pool.latents, or pool.scores`);
  }
  // NaN scores are allowed: FailureDirections gives NaN for a class it fitted no SVM for.
  if (scores !== undefined) checkValues(scores, n, 'scores', true);
  const conf = pool.confidences;
  if (by === 'confidence' && conf === undefined) throw new TypeError(`selectFromPool: by 'confidence' needs pool.confidences (the base model's confidence per example)`);
  if (conf !== undefined) checkValues(conf, n, 'confidences', false);
  let other: ArrayLike<number> | undefined;
  if (by === 'maxSoftmax' || by === 'entropy') {
    if (!pool.probs) throw new TypeError(`selectFromPool: by '${by}' needs pool.probs (the base model's class probabilities, e.g. predictArrays(...).probs)`);
    assertMatrix(pool.probs, 'selectFromPool: pool.probs');
    if (pool.probs.rows !== n) throw new RangeError(`selectFromPool: pool.probs has ${pool.probs.rows} rows for ${n} pool examples`);
    other = baselineScores(by as 'maxSoftmax' | 'entropy', { probs: pool.probs });
  } else if (custom) {
    other = pool.rankings![by];
    checkValues(other, n, `rankings.${by}`, true);
  }
  for (const [what, col] of [['ids', pool.ids], ['groups', pool.groups]] as const) {
    if (col !== undefined && col.length !== n) throw new RangeError(`selectFromPool: pool.${what} has ${col.length} entries for ${n} examples`);
  }

  const byClass = positionsByClass(pool.labels);
  const classes = options.classes ? Array.from(options.classes) : Array.from(byClass.keys());
  classes.sort((a, b) => a - b);
  const rng = new Random(options.seed ?? 0);
  const picked: number[] = [];
  const rank: number[] = [];
  const shortfall: Array<{ label: number; available: number }> = [];
  const unscored: number[] = [];
  for (const c of classes) {
    const members = byClass.get(c) ?? [];
    if (members.length < K) shortfall.push({ label: c, available: members.length });
    let order: number[];
    const noSvm = by === 'svm' && members.length > 0 && members.every((i) => Number.isNaN(scores![i]));
    if (noSvm) unscored.push(c);
    if (by === 'random' || noSvm) {
      // A class without an SVM still gets its K examples (drawn at random) so budgets stay equal.
      order = rng.shuffle(members.slice());
    } else {
      const key = by === 'svm' ? scores! : by === 'confidence' ? conf! : other!;
      // NaN ranks last; Array.prototype.sort is stable, so ties keep pool order.
      const v = (i: number) => (Number.isNaN(key[i]) ? Infinity : key[i]);
      order = members.slice().sort((a, b) => v(a) - v(b));
    }
    const take = Math.min(K, order.length);
    for (let r = 0; r < take; r++) {
      picked.push(order[r]);
      rank.push(r);
    }
  }

  const indices = Int32Array.from(picked);
  const labels = Int32Array.from(picked, (i) => pool.labels[i]);
  const cols: Record<string, ArrayLike<unknown>> = {
    index: indices,
    id: picked.map((i) => (pool.ids ? pool.ids[i] : i)),
    label: labels,
    className: Array.from(labels, (l) => pool.classNames?.[l] ?? String(l)),
    rankInClass: Int32Array.from(rank),
    by: picked.map(() => by),
  };
  if (scores) cols.score = Float64Array.from(picked, (i) => scores![i]);
  if (conf) cols.confidence = Float64Array.from(picked, (i) => conf[i]);
  if (pool.groups) cols.group = picked.map((i) => pool.groups![i]);
  return { indices, table: aq.table(cols), by, perClass: K, shortfall, unscored };
}
