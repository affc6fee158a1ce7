/**
 * Input checks shared by the SVM estimators. Every message starts with the caller's name and names
 * the offending thing (row, column, index, parameter).
 */
import { Matrix, assertFinite, assertMatrix } from '../util/matrix';

/** Labels as accepted everywhere: any array-like of numbers. */
export type Labels = ArrayLike<number>;

/**
 * Checks a feature matrix: well formed, non-empty, finite.
 *
 * @example
 * ```ts
 * checkMatrix({ data: new Float32Array([1, NaN]), rows: 1, cols: 2 }, 'LinearSVC.fit', 'X'); // throws: row 0, column 1
 * ```
 */
export function checkMatrix(X: Matrix, caller: string, what = 'X', allowEmpty = false): Matrix {
  assertMatrix(X, `${caller}: ${what}`);
  if (!allowEmpty && X.rows === 0) throw new RangeError(`${caller}: ${what} is empty (0 rows)`);
  if (X.rows > 0 && X.cols === 0) throw new RangeError(`${caller}: ${what} has 0 columns`);
  assertFinite(X, `${caller}: ${what}`);
  return X;
}

/**
 * Checks that `y` holds exactly `n` labels in {0, 1} and returns them as a Uint8Array.
 *
 * @example
 * ```ts
 * checkBinaryLabels([0, 1, 1], 3, 'LinearSVC.fit'); // Uint8Array [0, 1, 1]
 * ```
 */
export function checkBinaryLabels(y: Labels, n: number, caller: string, what = 'y'): Uint8Array {
  if (y == null || typeof (y as ArrayLike<number>).length !== 'number') {
    throw new TypeError(`${caller}: ${what} must be an array of 0/1 labels, got ${y}`);
  }
  if (y.length !== n) throw new RangeError(`${caller}: ${what} has ${y.length} labels but X has ${n} rows`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (v !== 0 && v !== 1) throw new RangeError(`${caller}: ${what}[${i}] = ${v}; labels must be 0 or 1`);
    out[i] = v;
  }
  return out;
}

/**
 * Checks an SVM cost: a positive finite number.
 *
 * @example
 * ```ts
 * checkC(0, 'LinearSVC'); // throws: C must be a positive finite number, got 0
 * ```
 */
export function checkC(C: number, caller: string, what = 'C'): number {
  if (typeof C !== 'number' || !(C > 0) || !Number.isFinite(C)) {
    throw new RangeError(`${caller}: ${what} must be a positive finite number, got ${C}`);
  }
  return C;
}

/**
 * Checks that `v` is a positive integer.
 *
 * @example
 * ```ts
 * checkPositiveInt(2, 'crossValidateC', 'folds');
 * ```
 */
export function checkPositiveInt(v: number, caller: string, what: string, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${caller}: ${what} must be an integer >= ${min}, got ${v}`);
  return v;
}
