/**
 * A scores table's columns as typed arrays, for code (figure builders, metrics) that takes arrays:
 * Arquero's `table.array(name)` is typed `any[] | TypedArray`, which TypeScript will not pass where
 * `ArrayLike<number>` is expected.
 */
import type { ScoresTable as DirectionsTable } from './scores-table';

/** The columns of a scores table (see `FailureDirections.scores`), typed, row-aligned. */
export interface ScoreColumns {
  /** Number of rows. */
  n: number;
  id: Array<string | number>;
  /** SVM decision value (NaN for a class without an SVM). */
  score: Float64Array;
  label: Int32Array;
  className: string[];
  pred: Int32Array;
  /** 1 where the model was right. */
  correct: Uint8Array;
  /** Model confidence in the true class (NaN where unknown). */
  confidence: Float64Array;
  /** 1 where `score < 0`. */
  flagged: Uint8Array;
  /** 0 = hardest of its class (NaN where unscored). */
  rankInClass: Float64Array;
  /** Ground-truth group per row, when the table has a `group` column. */
  group?: Array<string | number | null>;
  split?: Array<string | null>;
}

/**
 * The vocabulary columns of a scores table (`FailureDirections.scores`, possibly filtered or
 * reordered) as typed arrays, ready for `scoreHistogram`, `precisionAtK` and the metrics. Needs the
 * model's predictions in the table: a missing column, or a null `pred` / `correct` (scores made
 * without `preds`), is an error naming the column and row.
 *
 * @example
 * ```ts
 * const cols = scoreColumns(scores);
 * fd.auroc(cols.score, cols.correct.map((c) => 1 - c)); // how well the scores rank the errors
 * ```
 */
export function scoreColumns(table: DirectionsTable): ScoreColumns {
  const caller = 'scoreColumns';
  if (table == null || typeof (table as { numRows?: unknown }).numRows !== 'function') throw new TypeError(`${caller}: expected an Arquero scores table, got ${table}`);
  const names = table.columnNames();
  const n = table.numRows();
  const need = (name: string): ArrayLike<unknown> => {
    if (!names.includes(name)) throw new Error(`${caller}: the table has no '${name}' column (columns: ${names.join(', ')})`);
    return table.array(name) as ArrayLike<unknown>;
  };
  const numbers = (name: string, out: Float64Array | Int32Array, nullAs?: number): void => {
    const a = need(name);
    for (let i = 0; i < n; i++) {
      const v = a[i];
      if (v === null || v === undefined) {
        if (nullAs === undefined) throw new Error(`${caller}: column '${name}' is null at row ${i}${name === 'pred' ? ' (scores made without the model\'s predictions)' : ''}`);
        out[i] = nullAs;
      } else if (typeof v === 'number') out[i] = v;
      else throw new TypeError(`${caller}: column '${name}' holds ${JSON.stringify(v)} at row ${i}, not a number`);
    }
  };
  const flags = (name: string): Uint8Array => {
    const a = need(name);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = a[i];
      if (v === null || v === undefined) throw new Error(`${caller}: column '${name}' is null at row ${i}${name === 'correct' ? " (scores made without the model's predictions)" : ''}`);
      out[i] = v ? 1 : 0;
    }
    return out;
  };
  const score = new Float64Array(n);
  numbers('score', score, NaN);
  const label = new Int32Array(n);
  numbers('label', label);
  const pred = new Int32Array(n);
  numbers('pred', pred);
  const confidence = new Float64Array(n);
  numbers('confidence', confidence, NaN);
  const rankInClass = new Float64Array(n);
  numbers('rankInClass', rankInClass, NaN);
  const out: ScoreColumns = {
    n,
    id: Array.from(need('id') as ArrayLike<string | number>),
    score,
    label,
    className: Array.from(need('className'), (v) => String(v)),
    pred,
    correct: flags('correct'),
    confidence,
    flagged: flags('flagged'),
    rankInClass,
  };
  if (names.includes('group')) out.group = Array.from(table.array('group') as ArrayLike<string | number | null>);
  if (names.includes('split')) out.split = Array.from(table.array('split') as ArrayLike<string | null>);
  return out;
}
