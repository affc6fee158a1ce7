/**
 * One class's rows of a scores table, seen through that class's failure direction: their
 * preprocessed embeddings, the direction, current scores and outcomes, row-aligned with the table's
 * own columns. What the projection plot and the C slider draw.
 */
import { takeRows } from '../util/matrix';
import type { Matrix } from '../util/matrix';
import type { FailureDirections } from './failure-directions';
import { scoresSource, type ScoresTable } from './scores-table';
import { ClassRef, dataColumn, resolveClass } from './table-views';

/** What {@link classSamples} returns: arrays over the class's rows, in the table's order. */
export interface ClassSamples {
  classId: number;
  className: string;
  /** Positions of the rows in the scored input (and in the original scores table). */
  rows: Int32Array;
  /** Their embeddings after the fit's preprocessing (train whitening, L2 normalisation). */
  latents: Matrix;
  /** The class's failure direction (unit normal of its SVM) in the same space. */
  direction: Float32Array;
  /** Decision values under the class's current SVM (after any refit; negative = failure side). */
  scores: Float64Array;
  /** 1 where the model was right, 0 where wrong (all 1 without predictions: see `hasPredictions`). */
  correct: Uint8Array;
  hasPredictions: boolean;
  /** Values of any column of the table, for these rows. */
  column(name: string): unknown[];
}

/**
 * The rows of class `classId` in `table` (a scores table from `dirs.scores(input)`, or a filtered /
 * ordered view of one), placed in the fitted space of `dirs`. Throws when the table has no link to
 * its input (reified or joined tables), when the class has no direction (naming its status), or
 * when the table has no rows of the class.
 *
 * @example
 * ```ts
 * const s = classSamples(dirs, scores, 0);
 * s.latents.rows === s.scores.length; // true
 * ```
 */
export function classSamples(dirs: FailureDirections, table: ScoresTable, classId?: ClassRef, caller = 'classSamples'): ClassSamples {
  const src = scoresSource(table);
  if (!src) {
    throw new Error(`${caller}: this table is not (a view of) a scores table from dirs.scores(input): its rows cannot be traced back to their embeddings. Filter, order, slice or select the scores table instead of reifying, joining or concatenating it.`);
  }
  const label = dataColumn(table, 'label', caller) as (row: number) => number;
  let c: number;
  if (classId === undefined) {
    const present = [...new Set(Array.from(src.rows, (r) => label(r)))];
    if (present.length !== 1) throw new Error(`${caller}: the table holds ${present.length} classes; pass classId`);
    c = present[0];
  } else {
    c = resolveClass(table, classId, caller);
  }
  const direction = dirs.direction(c); // throws for an unfitted model or a class without a direction
  const names = dirs.classNames_;
  const keep = Array.from(src.rows).filter((r) => label(r) === c);
  if (keep.length === 0) throw new RangeError(`${caller}: the table has no rows of class ${c} ('${names[c]}')`);
  const rows = Int32Array.from(keep);
  const z = dirs.preprocess(takeRows(src.input.latents, rows));
  const scores = dirs.svms_[c]!.decisionFunction(z);
  const preds = src.input.preds;
  const correct = new Uint8Array(rows.length);
  for (let k = 0; k < rows.length; k++) correct[k] = preds ? (preds[rows[k]] === c ? 1 : 0) : 1;
  return {
    classId: c,
    className: names[c] ?? String(c),
    rows,
    latents: z,
    direction,
    scores,
    correct,
    hasPredictions: !!preds,
    column(name: string): unknown[] {
      const get = dataColumn(table, name, caller);
      return keep.map((r) => get(r));
    },
  };
}
