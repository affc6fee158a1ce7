/**
 * A dense row-major matrix of 32-bit floats: row `i`, column `j` lives at `data[i * cols + j]`.
 *
 * Every module shares this shape (embeddings, SVM inputs, projections). Plain objects are accepted
 * everywhere; nothing requires a class instance.
 *
 * @example
 * ```ts
 * const m: fd.Matrix = { data: new Float32Array([1, 2, 3, 4, 5, 6]), rows: 2, cols: 3 };
 * m.data[1 * m.cols + 2]; // 6
 * ```
 */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/**
 * Checks that `m` is a well-formed {@link Matrix} and returns it; throws naming `what` otherwise.
 *
 * @example
 * ```ts
 * assertMatrix({ data: new Float32Array(4), rows: 2, cols: 2 }, 'latents');
 * ```
 */
export function assertMatrix(m: Matrix, what = 'matrix'): Matrix {
  if (m == null || typeof m !== 'object') throw new TypeError(`${what}: expected a Matrix {data, rows, cols}, got ${m}`);
  if (!(m.data instanceof Float32Array)) {
    const got = Array.isArray(m) ? 'an array of arrays' : m.data == null ? `an object without data (keys: ${Object.keys(m).join(', ') || 'none'})` : `data of type ${(m.data as object).constructor?.name ?? typeof m.data}`;
    throw new TypeError(`${what}: expected a Matrix {data: Float32Array (row-major), rows, cols}, got ${got}`);
  }
  if (!Number.isInteger(m.rows) || m.rows < 0 || !Number.isInteger(m.cols) || m.cols < 0) {
    throw new RangeError(`${what}: rows and cols must be non-negative integers (got ${m.rows} x ${m.cols})`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new RangeError(`${what}: data has ${m.data.length} values but rows x cols = ${m.rows} x ${m.cols} = ${m.rows * m.cols}`);
  }
  return m;
}

/**
 * Throws naming the first row and column holding NaN or ±Infinity.
 *
 * @example
 * ```ts
 * assertFinite({ data: new Float32Array([0, NaN]), rows: 1, cols: 2 }, 'latents'); // throws: row 0, column 1
 * ```
 */
export function assertFinite(m: Matrix, what = 'matrix'): void {
  const { data, cols } = m;
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    if (v - v !== 0) {
      const row = Math.floor(k / cols);
      throw new RangeError(`${what}: non-finite value ${v} at row ${row}, column ${k - row * cols}`);
    }
  }
}

/**
 * Copies the given rows of `m` into a new matrix, in the order given.
 *
 * @example
 * ```ts
 * const top = takeRows(zTest, [3, 0]); // rows 3 and 0, in that order
 * ```
 */
export function takeRows(m: Matrix, rows: ArrayLike<number>): Matrix {
  const { cols } = m;
  const out = new Float32Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!(r >= 0 && r < m.rows)) throw new RangeError(`takeRows: row ${r} outside 0..${m.rows - 1}`);
    out.set(m.data.subarray(r * cols, r * cols + cols), i * cols);
  }
  return { data: out, rows: rows.length, cols };
}
