import { checkSameLength, maskBit, Mask } from './inputs';

/** A ground-truth group key (e.g. 'agrees' / 'disagrees', or an original class name). */
export type GroupKey = string | number;

/** Accuracy of one group. */
export interface GroupAccuracy {
  group: GroupKey;
  /** Samples in the group. */
  n: number;
  /** Correctly classified samples in the group. */
  nCorrect: number;
  /** nCorrect / n. */
  accuracy: number;
}

function compareKeys(a: GroupKey, b: GroupKey): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Accuracy per ground-truth group. `correct[i]` says whether sample `i` was classified correctly
 * and `groups[i]` is its group. Samples whose group is `null` or `undefined` (unknown) are skipped;
 * combine class and attribute into one key (e.g. `` `${label}/${group}` ``) for the paper's
 * (class, attribute) groups. Rows come out sorted by group key (numbers first, then strings).
 *
 * @example
 * ```ts
 * fd.groupAccuracy(new Uint8Array([1, 0, 1, 1]), ['a', 'a', 'b', 'b']);
 * // [{ group: 'a', n: 2, nCorrect: 1, accuracy: 0.5 }, { group: 'b', n: 2, nCorrect: 2, accuracy: 1 }]
 * ```
 */
export function groupAccuracy(correct: Mask, groups: ArrayLike<GroupKey | null | undefined>): GroupAccuracy[] {
  const n = checkSameLength(correct, groups, 'groupAccuracy', 'correct', 'groups');
  const total = new Map<GroupKey, number>();
  const right = new Map<GroupKey, number>();
  for (let i = 0; i < n; i++) {
    const g = groups[i];
    if (g === null || g === undefined) continue;
    if (typeof g !== 'string' && typeof g !== 'number') {
      throw new TypeError(`groupAccuracy: groups[${i}] is ${String(g)}; expected a string or number`);
    }
    total.set(g, (total.get(g) ?? 0) + 1);
    right.set(g, (right.get(g) ?? 0) + maskBit(correct, i, 'groupAccuracy', 'correct'));
  }
  return [...total.keys()].sort(compareKeys).map((group) => {
    const count = total.get(group)!;
    const nCorrect = right.get(group)!;
    return { group, n: count, nCorrect, accuracy: nCorrect / count };
  });
}

/** Options for {@link worstGroupAccuracy}. */
export interface WorstGroupOptions {
  /** Ignore groups with fewer samples than this (default 1: every group counts). */
  minSize?: number;
}

/**
 * The lowest per-group accuracy (see {@link groupAccuracy}), optionally ignoring groups smaller
 * than `minSize`. Returns `NaN` when no group qualifies. Use {@link groupAccuracy} to see which
 * group it is.
 *
 * @example
 * ```ts
 * fd.worstGroupAccuracy(new Uint8Array([1, 0, 1, 1]), ['a', 'a', 'b', 'b']); // 0.5
 * ```
 */
export function worstGroupAccuracy(correct: Mask, groups: ArrayLike<GroupKey | null | undefined>, opts: WorstGroupOptions = {}): number {
  const minSize = opts.minSize ?? 1;
  if (!(minSize >= 1)) throw new RangeError(`worstGroupAccuracy: minSize must be >= 1, got ${minSize}`);
  let worst = NaN;
  for (const g of groupAccuracy(correct, groups)) {
    if (g.n >= minSize && !(g.accuracy >= worst)) worst = g.accuracy;
  }
  return worst;
}
