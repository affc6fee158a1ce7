/**
 * One class's samples of a split, seen through that class's failure direction: the rows, their
 * preprocessed embeddings, scores and outcomes, in the shape the projection plot and the C slider
 * take.
 */
import { takeRows } from '../util/matrix';
import type { Matrix } from '../util/matrix';
import type { FailureDirections } from './failure-directions';
import type { SplitInput } from './split-input';

/** What {@link classSamples} returns: row-aligned arrays over the class's samples, in split order. */
export interface ClassSamples {
  classId: number;
  className: string;
  /** Positions of the class's samples in the split. */
  rows: Int32Array;
  /** Their embeddings after the fit's preprocessing (train whitening, L2 normalisation). */
  latents: Matrix;
  /** The class's failure direction (unit normal of its SVM) in the same space. */
  direction: Float32Array;
  /** SVM decision values under the class's current SVM (negative = failure side). */
  scores: Float64Array;
  /** 1 where the model was right, 0 where wrong (all 1 without predictions: see `hasPredictions`). */
  correct: Uint8Array;
  hasPredictions: boolean;
  ids: Array<string | number>;
  /** True class name per sample. */
  labels: string[];
  /** Predicted class name per sample (absent without predictions). */
  preds?: string[];
  groups?: Array<string | number | null>;
}

/**
 * The samples of class `classId` in a split (as built by `splitInput`), placed in the fitted space
 * of `fit`: preprocessed embeddings, the class's direction, scores, correctness, ids, label and
 * prediction names and groups. Feeds `projectionPlot` directly, and `cSliderPlot` through
 * `fit.fitPath(classId)` scored on `latents`. Throws when the class has no SVM (naming its status) or
 * no samples in the split.
 *
 * @example
 * ```ts
 * const test0 = classSamples(dirs, 0, splitInput(test, zTest, predTest));
 * projectionPlot(test0, { colorBy: 'group' });
 * const scoresPerC = dirs.fitPath(0).map((svm) => svm.decisionFunction(test0.latents));
 * cSliderPlot({ Cs: dirs.options.Cs, scoresPerC, correct: test0.correct, ids: test0.ids, groups: test0.groups });
 * ```
 */
export function classSamples(fit: FailureDirections, classId: number, input: SplitInput): ClassSamples {
  const caller = 'classSamples';
  if (input == null || input.latents == null || input.labels == null) throw new TypeError(`${caller}: expected a split input {latents, labels, ...} (see splitInput), got ${input}`);
  const direction = fit.direction(classId); // throws for an unfitted model or a class without an SVM
  const names = fit.classNames_!;
  const { latents, labels } = input;
  const n = labels.length;
  if (latents.rows !== n) throw new RangeError(`${caller}: the input has ${n} labels but ${latents.rows} latent rows`);
  const rowList: number[] = [];
  for (let i = 0; i < n; i++) if (labels[i] === classId) rowList.push(i);
  const where = input.split ? ` of split '${typeof input.split === 'string' ? input.split : 'input'}'` : '';
  if (rowList.length === 0) throw new RangeError(`${caller}: class ${classId} ('${names[classId]}') has no samples${where}`);
  const rows = Int32Array.from(rowList);
  const z = fit.preprocess(takeRows(latents, rows));
  const svm = fit.svms_![classId]!;
  const scores = svm.decisionFunction(z);
  const preds = input.preds;
  const correct = new Uint8Array(rows.length);
  for (let k = 0; k < rows.length; k++) correct[k] = preds ? (preds[rows[k]] === classId ? 1 : 0) : 1;
  const nameOf = (c: number) => names[c] ?? String(c);
  const out: ClassSamples = {
    classId,
    className: nameOf(classId),
    rows,
    latents: z,
    direction,
    scores,
    correct,
    hasPredictions: !!preds,
    ids: Array.from(rows, (r) => (input.ids ? input.ids[r] : r)),
    labels: Array.from(rows, () => nameOf(classId)),
  };
  if (preds) out.preds = Array.from(rows, (r) => nameOf(preds[r]));
  if (input.groups) out.groups = Array.from(rows, (r) => input.groups![r]);
  return out;
}
