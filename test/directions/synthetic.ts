/**
 * Synthetic classifier embeddings with planted failure subgroups: each class is a Gaussian blob with
 * a decaying spectrum; a subgroup of each class is shifted along its own hidden direction and the
 * "model" errs there far more often. Class `noErrorClass` is always classified correctly.
 */
import { Matrix } from '../../src/util/matrix';
import { Random } from '../../src/util/random';
import type { SplitInput } from '../../src/directions/split-input';

export interface Split {
  latents: Matrix;
  labels: Int32Array;
  preds: Int32Array;
  group: Uint8Array;
  confidences: Float64Array;
}

export function syntheticSplits(seed: number, opts: { nClasses?: number; d?: number; sizes?: { train: number; val: number; test: number }; noErrorClass?: number } = {}) {
  const rng = new Random(seed);
  const K = opts.nClasses ?? 4;
  const d = opts.d ?? 48;
  const sizes = opts.sizes ?? { train: 1200, val: 1200, test: 1200 };
  const noErr = opts.noErrorClass ?? K - 1;
  const scale = Float64Array.from({ length: d }, (_, j) => 1 / Math.sqrt(1 + j / 6));
  const unit = () => {
    const u = Float64Array.from({ length: d }, () => rng.normal());
    const n = Math.hypot(...u);
    return u.map((v) => v / n);
  };
  const means = Array.from({ length: K }, () => Float64Array.from({ length: d }, (_, j) => 3 * rng.normal() * scale[j] + 5));
  const shifts = Array.from({ length: K }, () => unit());
  const make = (n: number): Split => {
    const data = new Float32Array(n * d);
    const labels = new Int32Array(n), preds = new Int32Array(n), group = new Uint8Array(n);
    const confidences = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const c = rng.int(K);
      const g = rng.next() < 0.2 ? 1 : 0;
      labels[i] = c;
      group[i] = g;
      for (let j = 0; j < d; j++) data[i * d + j] = means[c][j] + rng.normal() * scale[j] * 2 + (g ? 1.4 * shifts[c][j] * 2 : 0);
      const pWrong = c === noErr ? 0 : g ? 0.7 : 0.05;
      const wrong = rng.next() < pWrong;
      preds[i] = wrong ? (c + 1 + rng.int(K - 1)) % K : c;
      confidences[i] = wrong ? 0.2 + 0.3 * rng.next() : 0.5 + 0.5 * rng.next();
    }
    return { latents: { data, rows: n, cols: d }, labels, preds, group, confidences };
  };
  return { train: make(sizes.train), val: make(sizes.val), test: make(sizes.test), d, K };
}

/** AUROC of `score` for positives `pos` (ties count one half). */
export function auroc(score: ArrayLike<number>, pos: ArrayLike<number>): number {
  const idx = Array.from({ length: score.length }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let rankSum = 0, nPos = 0;
  for (let s = 0; s < idx.length; ) {
    let e = s;
    while (e + 1 < idx.length && score[idx[e + 1]] === score[idx[s]]) e++;
    for (let k = s; k <= e; k++) if (pos[idx[k]]) { rankSum += (s + e) / 2 + 1; nPos++; }
    s = e + 1;
  }
  const nNeg = score.length - nPos;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** A synthetic split as the estimators' one input (class names default 'c0', 'c1', ...). */
export function inputOf(s: Split, split: string, classNames?: string[], extra: Partial<SplitInput> = {}): SplitInput & { preds: Int32Array; confidences: Float64Array } {
  const K = classNames?.length ?? Math.max(...Array.from(s.labels), ...Array.from(s.preds)) + 1;
  return {
    latents: s.latents,
    labels: s.labels,
    classNames: classNames ?? Array.from({ length: K }, (_, c) => `c${c}`),
    ids: Array.from({ length: s.latents.rows }, (_, i) => i),
    split,
    preds: s.preds,
    confidences: s.confidences,
    ...extra,
  };
}
