import { checkSameLength, maskBit, Mask } from './inputs';

/** How well a set of flagged samples matches a target set (e.g. a minority group, or errors). */
export interface FlagPrecisionRecall {
  /** Fraction of flagged samples that are targets (`NaN` when nothing is flagged). */
  precision: number;
  /** Fraction of targets that are flagged (`NaN` when there are no targets). */
  recall: number;
  /** Harmonic mean of precision and recall (`NaN` when either is `NaN`, 0 when both are 0). */
  f1: number;
  n: number;
  nFlagged: number;
  nTarget: number;
  /** Samples both flagged and target. */
  nFlaggedTarget: number;
}

/**
 * Precision and recall of `flagged` (e.g. SVM score < 0) against `target` (e.g. membership of the
 * minority group). Undefined ratios are `NaN` rather than 0, so an empty flag set never looks like
 * a measured failure.
 *
 * @example
 * ```ts
 * fd.flagPrecisionRecall(new Uint8Array([1, 1, 0, 0]), new Uint8Array([1, 0, 1, 0]));
 * // { precision: 0.5, recall: 0.5, f1: 0.5, n: 4, nFlagged: 2, nTarget: 2, nFlaggedTarget: 1 }
 * ```
 */
export function flagPrecisionRecall(flagged: Mask, target: Mask): FlagPrecisionRecall {
  const n = checkSameLength(flagged, target, 'flagPrecisionRecall', 'flagged', 'target');
  let nFlagged = 0;
  let nTarget = 0;
  let nBoth = 0;
  for (let i = 0; i < n; i++) {
    const f = maskBit(flagged, i, 'flagPrecisionRecall', 'flagged');
    const t = maskBit(target, i, 'flagPrecisionRecall', 'target');
    nFlagged += f;
    nTarget += t;
    nBoth += f & t;
  }
  const precision = nFlagged === 0 ? NaN : nBoth / nFlagged;
  const recall = nTarget === 0 ? NaN : nBoth / nTarget;
  const f1 = Number.isNaN(precision) || Number.isNaN(recall) ? NaN : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, n, nFlagged, nTarget, nFlaggedTarget: nBoth };
}
