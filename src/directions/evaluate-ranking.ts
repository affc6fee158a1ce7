import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { auroc, averagePrecision, flagPrecisionRecall, precisionAtKScore } from '../metrics';
import type { Mask } from '../metrics';
import { takeRows, type Matrix } from '../util/matrix';
import { BASELINE_METHODS, baselineScores, type BaselineMethod } from './baselines';
import { scoresSource, type ScoresTable } from './scores-table';

/**
 * A ranking method: the SVM score, the model's true-class confidence, its maximum softmax
 * probability, its prediction entropy, or seeded random scores.
 */
export type RankingMethod = 'svm' | BaselineMethod;

/** Options for {@link evaluateRanking}. */
export interface EvaluateRankingOptions {
  /**
   * Target = "row belongs to this ground-truth group": either a value compared with the table's
   * `group` column (e.g. `'disagrees'`), or a predicate `(group, row) => boolean` called with the
   * row's `group` value and row index. Without `group` or `target`, the target is the model's
   * errors (`correct == false`).
   */
  group?: string | number | ((group: unknown, row: number) => boolean);
  /**
   * Explicit target instead: the name of a boolean column, or a mask with one entry per row.
   * Cannot be combined with `group`.
   */
  target?: string | Mask;
  /**
   * Baselines ranked next to the SVM (default `['confidence', 'random']`): `'confidence'` (the
   * `confidence` column), `'maxSoftmax'` and `'entropy'` (need `probs`), `'random'`.
   */
  baselines?: BaselineMethod[];
  /**
   * The model's class probabilities, one row per table row (for `'maxSoftmax'` and `'entropy'`).
   * Default: those of the input the scores table was made from, when it carries them (see `splitInput`).
   */
  probs?: Matrix;
  /**
   * Further rankings to evaluate next to the SVM, by name (one value per table row, lowest = most
   * suspicious), e.g. `{ domino: minusSliceProbability }`. Their rows appear under that `method`.
   */
  rankings?: Record<string, ArrayLike<number>>;
  /** K values for the `precision@K` columns (default `[10, 50, 100]`). */
  ks?: number[];
  /** Seed of the random baseline's scores (default 0). */
  seed?: number;
}

function column(t: ColumnTable, name: string, why: string): ArrayLike<unknown> {
  if (!t.columnNames().includes(name)) {
    throw new Error(`evaluateRanking: the table has no '${name}' column (needed ${why}); columns: ${t.columnNames().join(', ')}`);
  }
  return t.array(name) as ArrayLike<unknown>;
}

function numbers(values: ArrayLike<unknown>, name: string): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) out[i] = NaN;
    else if (typeof v === 'number') out[i] = v;
    else throw new TypeError(`evaluateRanking: column '${name}' row ${i} is ${String(v)}; expected a number`);
  }
  return out;
}

function bits(values: ArrayLike<unknown>, name: string): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === true || v === 1) out[i] = 1;
    else if (v !== false && v !== 0) throw new TypeError(`evaluateRanking: ${name} row ${i} is ${String(v)}; expected a boolean`);
  }
  return out;
}

/** The per-row target mask: group membership, an explicit mask/column, or errors. */
function targetMask(t: ColumnTable, opts: EvaluateRankingOptions): Uint8Array {
  const n = t.numRows();
  if (opts.group !== undefined && opts.target !== undefined) {
    throw new Error('evaluateRanking: pass either group or target, not both');
  }
  if (opts.group !== undefined) {
    const groups = column(t, 'group', 'to compare rows with the requested group');
    const mask = new Uint8Array(n);
    const g = opts.group;
    for (let i = 0; i < n; i++) {
      if (typeof g === 'function') mask[i] = g(groups[i], i) ? 1 : 0;
      else mask[i] = groups[i] === g ? 1 : 0;
    }
    return mask;
  }
  if (typeof opts.target === 'string') {
    return bits(column(t, opts.target, 'as the target'), `column '${opts.target}'`);
  }
  if (opts.target !== undefined) {
    if (opts.target.length !== n) throw new RangeError(`evaluateRanking: target has ${opts.target.length} entries but the table has ${n} rows`);
    return bits(opts.target as ArrayLike<unknown>, 'target');
  }
  const correctValues = column(t, 'correct', 'for the default target, errors');
  for (let i = 0; i < n; i++) {
    if (correctValues[i] == null) {
      throw new TypeError(`evaluateRanking: column 'correct' row ${i} is ${correctValues[i]} (scores without predictions?); pass group or target to choose another target`);
    }
  }
  const correct = bits(correctValues, "column 'correct'");
  for (let i = 0; i < n; i++) correct[i] ^= 1;
  return correct;
}

function checkKs(ks: number[]): number[] {
  if (!Array.isArray(ks) || ks.length === 0) throw new RangeError('evaluateRanking: ks must be a non-empty array of positive integers');
  for (const k of ks) if (!Number.isInteger(k) || k < 1) throw new RangeError(`evaluateRanking: ks must hold positive integers, got ${k}`);
  return [...new Set(ks)].sort((a, b) => a - b);
}

/**
 * How well each ranking method surfaces a target set, per class: the SVM score (`score` column)
 * against baselines (the model's true-class `confidence`; the label-free maximum softmax probability
 * and prediction entropy, from `probs`; seeded random scores) and any further `rankings` (e.g. a
 * Domino slice's probability, negated). For every method the **lowest** value is the most
 * suspicious, so a good method puts the target first.
 *
 * The target is, per row, membership of a ground-truth group (`group`), an explicit mask or boolean
 * column (`target`), or by default the model's errors (`correct == false`).
 *
 * Output: an Arquero table with one row per class and method, then one `'all'` row per method:
 * `class, className, method, n, nTarget, baseRate, auroc, ap, precision@K (one column per K),
 * flagPrecision, flagRecall`.
 * - `n` counts the rows the method scored (rows whose score is `NaN`, e.g. a class the SVM skipped,
 *   are excluded per method), `nTarget` the targets among them, `baseRate = nTarget / n` (what
 *   `ap` and `precision@K` of a random ranking are near).
 * - `auroc`, `ap`, `precision@K` follow `src/metrics` (K is clipped to `n`; undefined values are NaN).
 * - `flagPrecision` / `flagRecall` (SVM only; `null` for baselines): the rows with `score < 0`
 *   (the SVM's "predicted failure" side) against the target.
 * - The `'all'` rows (`class` null) are the **unweighted mean over classes** of each metric
 *   (classes where it is NaN are left out of the mean); `n` and `nTarget` are totals.
 *
 * Required columns: `label`, `score`; `correct` for the default target; `confidence` for that
 * baseline; `group` with the `group` option; `className` is used when present.
 *
 * @example
 * ```ts
 * const scores = dirs.scores(testInput);             // Arquero table, one row per sample
 * fd.evaluateRanking(scores);                          // detecting errors, per class
 * fd.evaluateRanking(scores, { group: 'disagrees', ks: [10, 50], seed: 1 });
 * // label-free baselines read the class probabilities of the scored input (an input made from a
 * // predict() table or predictArrays() output carries them), or pass { probs }; your own rankings go by name
 * const domino = new Float64Array(scores.numRows());   // e.g. minus each image's Domino slice probability
 * fd.evaluateRanking(scores, { group: 'disagrees', baselines: ['maxSoftmax', 'entropy'], rankings: { domino } });
 * ```
 */
export function evaluateRanking(scores: ColumnTable, opts: EvaluateRankingOptions = {}): ColumnTable {
  if (scores == null || typeof (scores as ColumnTable).numRows !== 'function') {
    throw new TypeError('evaluateRanking: scores must be an Arquero table (e.g. from FailureDirections.scores)');
  }
  const baselines = opts.baselines ?? ['confidence', 'random'];
  for (const b of baselines) {
    if (!BASELINE_METHODS.includes(b)) throw new RangeError(`evaluateRanking: unknown baseline '${String(b)}' (use ${BASELINE_METHODS.map((m) => `'${m}'`).join(', ')})`);
  }
  const extra = opts.rankings ?? {};
  for (const name of Object.keys(extra)) {
    if (name === 'svm' || (BASELINE_METHODS as readonly string[]).includes(name)) throw new RangeError(`evaluateRanking: rankings.${name} would shadow a built-in method; name it differently`);
  }
  const methods: string[] = ['svm', ...new Set(baselines), ...Object.keys(extra)];
  const ks = checkKs(opts.ks ?? [10, 50, 100]);
  const seed = opts.seed ?? 0;
  const n = scores.numRows();

  const labels = numbers(column(scores, 'label', 'to split rows by class'), 'label');
  const classNames = scores.columnNames().includes('className') ? (scores.array('className') as ArrayLike<unknown>) : null;
  const mask = targetMask(scores, opts);
  const methodScores = new Map<string, Float64Array>();
  methodScores.set('svm', numbers(column(scores, 'score', 'for the SVM ranking'), 'score'));
  for (const b of baselines) {
    if (b === 'confidence') methodScores.set(b, numbers(column(scores, 'confidence', "for the 'confidence' baseline"), 'confidence'));
    else if (b === 'random') methodScores.set(b, baselineScores('random', { n, seed })); // one draw per row in table order
    else {
      const probs = opts.probs ?? linkedProbs(scores);
      if (!probs) throw new TypeError(`evaluateRanking: baseline '${b}' needs probs (the model's class probabilities, one row per table row): pass { probs } (fd.predictArrays(model, split).probs), or score an input made from a predict() table or predictArrays() output, which carries them`);
      if (probs.rows !== n) throw new RangeError(`evaluateRanking: probs has ${probs.rows} rows but the table has ${n}`);
      methodScores.set(b, baselineScores(b, { probs }));
    }
  }
  for (const [name, values] of Object.entries(extra)) {
    if (values == null || values.length !== n) throw new RangeError(`evaluateRanking: rankings.${name} has ${values?.length} values but the table has ${n} rows`);
    methodScores.set(name, numbers(values as ArrayLike<unknown>, `rankings.${name}`));
  }

  const rowsOf = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    if (!Number.isInteger(c)) throw new TypeError(`evaluateRanking: column 'label' row ${i} is ${c}; expected an integer class id`);
    let list = rowsOf.get(c);
    if (!list) rowsOf.set(c, (list = []));
    list.push(i);
  }
  const classes = [...rowsOf.keys()].sort((a, b) => a - b);

  const pk = ks.map((k) => `precision@${k}`);
  const metricNames = ['baseRate', 'auroc', 'ap', ...pk, 'flagPrecision', 'flagRecall'];
  const cols: Record<string, unknown[]> = { class: [], className: [], method: [], n: [], nTarget: [] };
  for (const m of metricNames) cols[m] = [];
  const perMethod = new Map<string, Array<Record<string, number | null>>>();

  for (const c of classes) {
    const rows = rowsOf.get(c)!;
    const name = classNames ? String(classNames[rows[0]]) : String(c);
    const y = new Uint8Array(rows.length);
    for (let j = 0; j < rows.length; j++) y[j] = mask[rows[j]];
    for (const method of methods) {
      const all = methodScores.get(method)!;
      const s = new Float64Array(rows.length);
      for (let j = 0; j < rows.length; j++) s[j] = all[rows[j]];
      let kept = 0;
      let nTarget = 0;
      for (let j = 0; j < s.length; j++) if (!Number.isNaN(s[j])) { kept++; nTarget += y[j]; }
      const rec: Record<string, number | null> = {
        n: kept,
        nTarget,
        baseRate: kept === 0 ? NaN : nTarget / kept,
        auroc: auroc(s, y),
        ap: averagePrecision(s, y),
      };
      ks.forEach((k, i) => (rec[pk[i]] = precisionAtKScore(s, y, k)));
      if (method === 'svm') {
        const flagged = new Uint8Array(s.length);
        const yKept = new Uint8Array(s.length);
        let m = 0;
        for (let j = 0; j < s.length; j++) {
          if (Number.isNaN(s[j])) continue;
          flagged[m] = s[j] < 0 ? 1 : 0;
          yKept[m++] = y[j];
        }
        const f = flagPrecisionRecall(flagged.subarray(0, m), yKept.subarray(0, m));
        rec.flagPrecision = f.precision;
        rec.flagRecall = f.recall;
      } else {
        rec.flagPrecision = null;
        rec.flagRecall = null;
      }
      cols.class.push(c);
      cols.className.push(name);
      cols.method.push(method);
      cols.n.push(rec.n);
      cols.nTarget.push(rec.nTarget);
      for (const mName of metricNames) cols[mName].push(rec[mName]);
      let list = perMethod.get(method);
      if (!list) perMethod.set(method, (list = []));
      list.push(rec);
    }
  }

  for (const method of methods) {
    const recs = perMethod.get(method) ?? [];
    cols.class.push(null);
    cols.className.push('all');
    cols.method.push(method);
    cols.n.push(recs.reduce((a, r) => a + (r.n as number), 0));
    cols.nTarget.push(recs.reduce((a, r) => a + (r.nTarget as number), 0));
    for (const mName of metricNames) {
      if (method !== 'svm' && (mName === 'flagPrecision' || mName === 'flagRecall')) {
        cols[mName].push(null);
        continue;
      }
      let sum = 0;
      let count = 0;
      for (const r of recs) {
        const v = r[mName];
        if (typeof v === 'number' && !Number.isNaN(v)) { sum += v; count++; }
      }
      cols[mName].push(count === 0 ? NaN : sum / count);
    }
  }
  return aq.table(cols, ['class', 'className', 'method', 'n', 'nTarget', ...metricNames]);
}

/** The class probabilities of the input a scores table (or a view of one) was made from, in the table's row order. */
function linkedProbs(scores: ColumnTable): Matrix | undefined {
  const src = scoresSource(scores as ScoresTable);
  if (!src?.input.probs) return undefined;
  return takeRows(src.input.probs, src.rows);
}
