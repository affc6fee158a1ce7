/**
 * Upweighting the training examples that the failure directions flag, the second intervention of
 * Jain et al. (ICLR 2023): instead of adding data, retrain from scratch with per-example loss weights
 * that emphasise the training images on the failure side of their class's direction.
 */
import type { ColumnTable } from 'arquero';
import { assertMatrix, type Matrix } from '../util/matrix';
import type { ClassScorer } from './select-from-pool';

/** How flagged (score < threshold) training examples gain weight. */
export type UpweightScheme = 'balanced' | 'overweight' | 'soft';

/** Options of {@link upweight}. */
export interface UpweightOptions {
  /** Default `'balanced'`. */
  scheme?: UpweightScheme;
  /** `'overweight'` only: weight of a flagged example relative to an unflagged one (default 5, >= 1). */
  factor?: number;
  /**
   * `'soft'` only: width of the soft flag, in standard deviations of the class's scores (default 0.5,
   * > 0). Towards 0, `'soft'` becomes `'balanced'`; large values spread the weight evenly.
   */
  temperature?: number;
  /** Decision value below which an example counts as flagged (default 0, the SVM's boundary). */
  threshold?: number;
}

/**
 * Train-split scores: a scores table (columns `score` and `label`, as `FailureDirections.scores`
 * returns), plain arrays, or latents to score with `fit`.
 */
export type TrainScores =
  | ColumnTable
  | { scores: ArrayLike<number>; labels: ArrayLike<number> }
  | { latents: Matrix; labels: ArrayLike<number> };

function isTable(x: unknown): x is ColumnTable {
  return x != null && typeof (x as ColumnTable).columnNames === 'function' && typeof (x as ColumnTable).array === 'function';
}

function resolveScores(fit: ClassScorer | null, s: TrainScores): { scores: ArrayLike<number>; labels: ArrayLike<number> } {
  if (isTable(s)) {
    const names = s.columnNames();
    for (const c of ['score', 'label']) if (!names.includes(c)) throw new TypeError(`upweight: the train scores table has no '${c}' column (has ${names.join(', ')})`);
    return { scores: s.array('score') as ArrayLike<number>, labels: s.array('label') as ArrayLike<number> };
  }
  if (s == null || s.labels == null) throw new TypeError('upweight: trainScores needs labels');
  if ('scores' in s && s.scores != null) return { scores: s.scores, labels: s.labels };
  if ('latents' in s && s.latents != null) {
    if (!fit) throw new TypeError('upweight: scoring train latents needs a fitted scorer (fit is null)');
    assertMatrix(s.latents, 'upweight: train latents');
    if (s.latents.rows !== s.labels.length) throw new RangeError(`upweight: train latents have ${s.latents.rows} rows for ${s.labels.length} labels`);
    return { scores: fit.decisionFunction({ latents: s.latents, labels: s.labels }), labels: s.labels };
  }
  throw new TypeError('upweight: trainScores must be a scores table, {scores, labels} or {latents, labels}');
}

const SCHEMES: readonly UpweightScheme[] = ['balanced', 'overweight', 'soft'];

/**
 * Per-training-example loss weights (mean 1, to float32 precision) from the failure-direction scores
 * of the train split; pass them to `trainClassifier(train, { sampleWeights })`. An example is *flagged* when its
 * score is below `threshold` (0: the failure side of its class's SVM).
 *
 * - `'balanced'`: within each class, flagged and unflagged examples each get half of the class's
 *   total weight (`w = n_c / (2 n_flagged)` and `n_c / (2 n_unflagged)`), so class totals keep their
 *   share. A class with nothing flagged (or everything) keeps weight 1.
 * - `'overweight'`: flagged examples weigh `factor` times an unflagged one (JTT-style).
 * - `'soft'`: `'balanced'` with soft flags instead of a hard threshold. Each example is flagged with
 *   weight `p = sigmoid(-(score - threshold) / tau_c)`, `tau_c = temperature * sd_c` (`sd_c` the
 *   standard deviation of the class's scores, so the scheme does not depend on the SVM's scale).
 *   Within a class, the soft-flagged mass `F = sum p` and the rest `U = sum (1 - p)` each get half of
 *   the class's weight: `w = n_c / 2 * (p / F + (1 - p) / U)`. Examples near the boundary, where the
 *   SVM is unsure, get intermediate weights; far from it, the weights match `'balanced'`.
 *
 * A NaN score (a class without an SVM) counts as unflagged: weight 1 before rescaling.
 * All schemes then rescale to mean 1 over the whole split, so the effective learning rate is unchanged.
 *
 * `fit` is needed only when `trainScores` carries latents instead of scores.
 *
 * @example
 * ```ts
 * const trainScores = dirs.scores(trainInput);
 * const w = fd.upweight(dirs, trainScores, { scheme: 'balanced' });
 * const retrained = await fd.trainClassifier(train, { epochs: 5, seed: 0, sampleWeights: w });
 * ```
 */
export function upweight(fit: ClassScorer | null, trainScores: TrainScores, options: UpweightOptions = {}): Float32Array {
  const scheme = options.scheme ?? 'balanced';
  if (!SCHEMES.includes(scheme)) throw new RangeError(`upweight: scheme must be one of ${SCHEMES.join(', ')}, got ${JSON.stringify(scheme)}`);
  const factor = options.factor ?? 5;
  if (!(Number.isFinite(factor) && factor >= 1)) throw new RangeError(`upweight: factor must be a finite number >= 1, got ${factor}`);
  const temperature = options.temperature ?? 0.5;
  if (!(Number.isFinite(temperature) && temperature > 0)) throw new RangeError(`upweight: temperature must be a finite number > 0, got ${temperature}`);
  const threshold = options.threshold ?? 0;
  if (!Number.isFinite(threshold)) throw new RangeError(`upweight: threshold must be finite, got ${threshold}`);

  const { scores, labels } = resolveScores(fit, trainScores);
  const n = labels.length;
  if (scores.length !== n) throw new RangeError(`upweight: ${scores.length} scores for ${n} labels`);
  if (n === 0) return new Float32Array(0);
  let maxLabel = -1;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    // NaN = the class has no SVM (FailureDirections fitted none): such rows keep weight 1.
    if (typeof s !== 'number' || (s - s !== 0 && !Number.isNaN(s))) throw new RangeError(`upweight: score at train row ${i} is not finite (${s})`);
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0) throw new RangeError(`upweight: train row ${i} has label ${l}, expected a non-negative integer`);
    if (l > maxLabel) maxLabel = l;
  }

  const k = maxLabel + 1;
  const w = new Float64Array(n);
  if (scheme === 'balanced') {
    const count = new Float64Array(k);
    const flagged = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      count[labels[i]]++;
      if (scores[i] < threshold) flagged[labels[i]]++;
    }
    // NaN compares false, so an unscored class has nothing flagged and keeps weight 1.
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      const f = flagged[c];
      const u = count[c] - f;
      if (f === 0 || u === 0) w[i] = 1;
      else w[i] = scores[i] < threshold ? count[c] / (2 * f) : count[c] / (2 * u);
    }
  } else if (scheme === 'overweight') {
    for (let i = 0; i < n; i++) w[i] = scores[i] < threshold ? factor : 1;
  } else {
    const sum = new Float64Array(k);
    const sumSq = new Float64Array(k);
    const count = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(scores[i])) continue;
      const c = labels[i];
      count[c]++;
      sum[c] += scores[i];
      sumSq[c] += scores[i] * scores[i];
    }
    const tau = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      if (count[c] === 0) continue;
      const mean = sum[c] / count[c];
      const sd = Math.sqrt(Math.max(0, sumSq[c] / count[c] - mean * mean));
      // A class whose scores are all equal has no direction to follow: treat its scale as 1.
      tau[c] = temperature * (sd > 1e-12 ? sd : 1);
    }
    const p = new Float64Array(n);
    const soft = new Float64Array(k);
    const rest = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      const z = (scores[i] - threshold) / tau[c];
      p[i] = Number.isNaN(z) ? NaN : 1 / (1 + Math.exp(z));
      if (Number.isNaN(p[i])) continue;
      soft[c] += p[i];
      rest[c] += 1 - p[i];
    }
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      // Unscored class, or (numerically) nothing / everything softly flagged: keep weight 1.
      if (Number.isNaN(p[i]) || soft[c] < 1e-9 || rest[c] < 1e-9) w[i] = 1;
      else w[i] = (count[c] / 2) * (p[i] / soft[c] + (1 - p[i]) / rest[c]);
    }
  }

  let total = 0;
  for (let i = 0; i < n; i++) total += w[i];
  const scale = n / total;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = w[i] * scale;
  return out;
}
