/**
 * Class weights for a binary problem with labels 0 and 1.
 *
 * - `null`: both weights 1.
 * - `'balanced'`: weight_k = n / (2 n_k), as scikit-learn's `compute_class_weight('balanced')`.
 * - a map `{0: w0, 1: w1}` (object or `Map`); a missing class gets weight 1.
 */
export type ClassWeight = 'balanced' | Record<number, number> | Map<number, number> | null;

/**
 * Resolves a {@link ClassWeight} against labels `y` (0/1) to `[weight0, weight1]`.
 *
 * @example
 * ```ts
 * fd.resolveClassWeight('balanced', new Uint8Array([0, 1, 1, 1])); // [2, 0.666...]
 * ```
 */
export function resolveClassWeight(cw: ClassWeight | undefined, y: ArrayLike<number>, caller = 'classWeight'): [number, number] {
  if (cw == null) return [1, 1];
  if (cw === 'balanced') {
    let n1 = 0;
    for (let i = 0; i < y.length; i++) n1 += y[i] === 1 ? 1 : 0;
    const n0 = y.length - n1;
    if (n0 === 0 || n1 === 0) throw new RangeError(`${caller}: 'balanced' class weights need both labels 0 and 1 (got ${n0} zeros, ${n1} ones)`);
    return [y.length / (2 * n0), y.length / (2 * n1)];
  }
  const get = (k: number): number => {
    const v = cw instanceof Map ? cw.get(k) : (cw as Record<number, number>)[k];
    if (v === undefined) return 1;
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
      throw new RangeError(`${caller}: weight for class ${k} must be a positive finite number, got ${v}`);
    }
    return v;
  };
  if (typeof cw !== 'object') throw new TypeError(`${caller}: expected 'balanced', null or a map {0: w0, 1: w1}, got ${String(cw)}`);
  const keys = cw instanceof Map ? [...cw.keys()] : Object.keys(cw).map(Number);
  for (const k of keys) {
    if (k !== 0 && k !== 1) throw new RangeError(`${caller}: class ${k} is not a label; labels are 0 and 1`);
  }
  return [get(0), get(1)];
}
