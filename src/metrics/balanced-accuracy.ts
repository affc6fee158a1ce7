import { checkSameLength } from './inputs';

/** A class label: an integer class id, a boolean (binary tasks) or a string. */
export type Label = number | boolean | string;

function labelKey(v: unknown, i: number, caller: string, name: string): number | string {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && !Number.isNaN(v)) return v;
  if (typeof v === 'string') return v;
  throw new TypeError(`${caller}: ${name}[${i}] is ${String(v)}; expected a number, boolean or string label`);
}

/**
 * Balanced accuracy: the mean over the classes present in `yTrue` of the recall of each class
 * (the fraction of that class's samples predicted as that class). Same definition as
 * scikit-learn's `balanced_accuracy_score` (without `adjusted`): predicted classes absent from
 * `yTrue` lower the recall of the true classes but are not averaged in. Booleans count as 0/1.
 * Returns `NaN` for empty input.
 *
 * @example
 * ```ts
 * // class 0: 2 of 3 right, class 1: 1 of 1 right -> (2/3 + 1) / 2
 * fd.balancedAccuracy(new Uint8Array([0, 0, 0, 1]), new Uint8Array([0, 0, 1, 1])); // 0.8333
 * ```
 */
export function balancedAccuracy(yTrue: ArrayLike<Label>, yPred: ArrayLike<Label>): number {
  const n = checkSameLength(yTrue, yPred, 'balancedAccuracy', 'yTrue', 'yPred');
  const total = new Map<number | string, number>();
  const hit = new Map<number | string, number>();
  for (let i = 0; i < n; i++) {
    const t = labelKey(yTrue[i], i, 'balancedAccuracy', 'yTrue');
    const p = labelKey(yPred[i], i, 'balancedAccuracy', 'yPred');
    total.set(t, (total.get(t) ?? 0) + 1);
    if (t === p) hit.set(t, (hit.get(t) ?? 0) + 1);
  }
  if (total.size === 0) return NaN;
  let sum = 0;
  for (const [k, count] of total) sum += (hit.get(k) ?? 0) / count;
  return sum / total.size;
}
