import { Random } from '../util/random';
import { checkPositiveInt } from './validate';

/** Options of {@link stratifiedKFold}. */
export interface StratifiedKFoldOptions {
  /**
   * Shuffle each label's fold assignment with `seed`. Default false: scikit-learn's
   * `StratifiedKFold(shuffle=False)` assignment exactly (the paper's `cross_val_score(cv=k)`), where
   * each label's rows go to folds 0, 1, ... in contiguous blocks in row order.
   */
  shuffle?: boolean;
  /** Seed used when `shuffle` is true. Default 0. */
  seed?: number;
}

/**
 * Assigns each row to one of `k` test folds so that every fold holds about the same share of each
 * label, with scikit-learn's allocation rule (labels in order of first appearance; the sorted label
 * vector is dealt round-robin to the folds). Returns the test-fold index of each row.
 * Throws when a label has fewer than `k` rows.
 *
 * @example
 * ```ts
 * stratifiedKFold([0, 0, 1, 1, 0, 1], 2); // Int32Array [0, 0, 0, 1, 1, 1]
 * ```
 */
export function stratifiedKFold(y: ArrayLike<number>, k: number, options: StratifiedKFoldOptions = {}): Int32Array {
  const caller = 'stratifiedKFold';
  checkPositiveInt(k, caller, 'folds', 2);
  const n = y.length;
  // Encode labels by order of first appearance, as scikit-learn does.
  const codeOf = new Map<number, number>();
  const code = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let c = codeOf.get(y[i]);
    if (c === undefined) {
      c = codeOf.size;
      codeOf.set(y[i], c);
    }
    code[i] = c;
  }
  const nLabels = codeOf.size;
  const counts = new Int32Array(nLabels);
  for (let i = 0; i < n; i++) counts[code[i]]++;
  for (const [label, c] of codeOf) {
    if (counts[c] < k) throw new RangeError(`${caller}: label ${label} has ${counts[c]} rows, fewer than ${k} folds`);
  }
  // allocation[f][c]: rows of label c in test fold f, from dealing the sorted codes round-robin.
  const allocation = Array.from({ length: k }, () => new Int32Array(nLabels));
  let pos = 0;
  for (let c = 0; c < nLabels; c++) {
    for (let t = 0; t < counts[c]; t++, pos++) allocation[pos % k][c]++;
  }
  const rng = options.shuffle ? new Random(options.seed ?? 0) : null;
  const folds = new Int32Array(n);
  for (let c = 0; c < nLabels; c++) {
    const perLabel = new Int32Array(counts[c]);
    let t = 0;
    for (let f = 0; f < k; f++) for (let r = 0; r < allocation[f][c]; r++) perLabel[t++] = f;
    if (rng) rng.shuffle(perLabel);
    t = 0;
    for (let i = 0; i < n; i++) if (code[i] === c) folds[i] = perLabel[t++];
  }
  return folds;
}
