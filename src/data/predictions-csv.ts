/**
 * Reading a model's predictions computed elsewhere (e.g. in Python next to CLIP features saved as
 * `.npy`) from a CSV file, row-aligned per split with the embedding files.
 */
import * as fs from 'node:fs';
import { parseCsv } from './csv';

/** Options of {@link readPredictionsCsv}. */
export interface ReadPredictionsOptions {
  /**
   * Class names in label order. `label` / `pred` values may then be these names or integer ids into
   * this list. Default: integer ids when every label and prediction is an integer (names `'0'`,
   * `'1'`, ... up to the largest), else the distinct names of both columns, sorted.
   */
  classNames?: string[];
}

/** One split's rows of a predictions file, in file order, named as `FailureDirections.scores` takes them. */
export interface PredictionsSplit {
  /** The split name (from the `split` column, or `'all'`). */
  split: string;
  ids: string[];
  /** True class id per row. */
  labels: Int32Array;
  /** Predicted class id per row. */
  preds: Int32Array;
  /** Model confidence in the true class per row (NaN where the file has no `confidence` value). */
  confidences: Float64Array;
  /** Ground-truth group per row, when the file has a `group` column. */
  groups?: string[];
  /** 1-based line of each row in the file, for error messages. */
  lines: Int32Array;
}

/** What {@link readPredictionsCsv} returns. */
export interface PredictionsFile {
  file: string;
  classNames: string[];
  /** Every row, in file order. */
  all: PredictionsSplit;
  /** Rows grouped by the `split` column, each in file order (only `all` when there is no such column). */
  splits: Record<string, PredictionsSplit>;
}

const KNOWN = ['id', 'label', 'pred', 'confidence', 'split', 'group'] as const;

/**
 * Reads a predictions CSV with a header row and columns `id`, `label`, `pred` plus optional
 * `confidence` (the model's probability of the true class), `split` and `group` (any order,
 * case-insensitive; other columns are ignored). `label` and `pred` are class names or integer
 * class ids. Rows of each split keep their file order, so they line up with that split's embedding
 * file (row i of `val.npy` <-> the i-th `val` row). Errors name the file and line: a missing
 * column, an empty id, label or prediction, an unknown class, a confidence that is not a number in
 * [0, 1], or an id repeated within a split.
 *
 * @example
 * ```ts
 * // predictions.csv:  id,split,label,pred,confidence
 * //                   img/001.png,val,cat,dog,0.12
 * const p = fd.readPredictionsCsv('predictions.csv');
 * const dirs = new fd.FailureDirections().setPreprocess(fd.loadNpy('train.npy'));
 * dirs.fit(fd.loadNpy('val.npy'), p.splits.val.labels, p.splits.val.preds, { classNames: p.classNames });
 * const scores = dirs.scores({ latents: fd.loadNpy('test.npy'), ...p.splits.test });
 * ```
 */
export function readPredictionsCsv(file: string, opts: ReadPredictionsOptions = {}): PredictionsFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`readPredictionsCsv: cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const rows = parseCsv(text, file);
  if (rows.length === 0) throw new Error(`${file}: empty file (expected a header row with id,label,pred)`);
  const header = rows[0].fields.map((h) => h.trim().toLowerCase());
  const col: Partial<Record<(typeof KNOWN)[number], number>> = {};
  for (const name of KNOWN) {
    const at = header.indexOf(name);
    if (at >= 0) {
      if (header.indexOf(name, at + 1) >= 0) throw new Error(`${file}: line 1: column '${name}' appears twice`);
      col[name] = at;
    }
  }
  for (const name of ['id', 'label', 'pred'] as const) {
    if (col[name] === undefined) throw new Error(`${file}: line 1: no '${name}' column (header: ${rows[0].fields.join(',')}; needs id,label,pred and optionally confidence,split,group)`);
  }
  const body = rows.slice(1);
  const cell = (r: { line: number; fields: string[] }, name: (typeof KNOWN)[number], required: boolean): string => {
    const v = (r.fields[col[name]!] ?? '').trim();
    if (required && v === '') throw new Error(`${file}: line ${r.line}: empty '${name}'`);
    return v;
  };
  const rawLabels = body.map((r) => cell(r, 'label', true));
  const rawPreds = body.map((r) => cell(r, 'pred', true));
  const classNames = opts.classNames ? opts.classNames.map(String) : inferClassNames(rawLabels, rawPreds);
  const index = new Map(classNames.map((n, i) => [n, i]));
  const toClass = (v: string, r: { line: number }, what: string): number => {
    const byName = index.get(v);
    if (byName !== undefined) return byName;
    if (/^\d+$/.test(v) && Number(v) < classNames.length) return Number(v);
    throw new Error(`${file}: line ${r.line}: ${what} '${v}' is not a known class (classes: ${classNames.join(', ')})`);
  };

  const n = body.length;
  const ids: string[] = new Array(n);
  const labels = new Int32Array(n);
  const preds = new Int32Array(n);
  const confidences = new Float64Array(n).fill(NaN);
  const splitOf: string[] = new Array(n);
  const groups: string[] | undefined = col.group !== undefined ? new Array(n) : undefined;
  const lines = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = body[i];
    lines[i] = r.line;
    ids[i] = cell(r, 'id', true);
    labels[i] = toClass(rawLabels[i], r, 'label');
    preds[i] = toClass(rawPreds[i], r, 'prediction');
    if (col.confidence !== undefined) {
      const c = cell(r, 'confidence', false);
      if (c !== '') {
        const v = Number(c);
        if (!Number.isFinite(v) || v < 0 || v > 1) throw new Error(`${file}: line ${r.line}: confidence '${c}' is not a number in [0, 1]`);
        confidences[i] = v;
      }
    }
    splitOf[i] = col.split !== undefined ? cell(r, 'split', true) : 'all';
    if (groups) groups[i] = cell(r, 'group', false);
  }

  const take = (name: string, rowsOf: number[], checkIds: boolean): PredictionsSplit => {
    if (checkIds) {
      const seen = new Map<string, number>();
      for (const i of rowsOf) {
        const prev = seen.get(ids[i]);
        if (prev !== undefined) throw new Error(`${file}: line ${lines[i]}: id '${ids[i]}' already appears on line ${lines[prev]}${col.split === undefined ? '' : ` in split '${name}'`}`);
        seen.set(ids[i], i);
      }
    }
    const s: PredictionsSplit = {
      split: name,
      ids: rowsOf.map((i) => ids[i]),
      labels: Int32Array.from(rowsOf, (i) => labels[i]),
      preds: Int32Array.from(rowsOf, (i) => preds[i]),
      confidences: Float64Array.from(rowsOf, (i) => confidences[i]),
      lines: Int32Array.from(rowsOf, (i) => lines[i]),
    };
    if (groups) s.groups = rowsOf.map((i) => groups[i]);
    return s;
  };
  const order = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    let list = order.get(splitOf[i]);
    if (!list) order.set(splitOf[i], (list = []));
    list.push(i);
  }
  const splits: Record<string, PredictionsSplit> = {};
  for (const [name, list] of order) splits[name] = take(name, list, true);
  // With a split column an id may appear once per split; `all` keeps every row in file order.
  const all = col.split === undefined && splits.all ? splits.all : take('all', Array.from({ length: n }, (_, i) => i), false);
  return { file, classNames, all, splits };
}

/** Integer ids when every value is an integer, else the sorted distinct names. */
function inferClassNames(labels: string[], preds: string[]): string[] {
  const values = [...labels, ...preds];
  if (values.length && values.every((v) => /^\d+$/.test(v))) {
    const max = values.reduce((m, v) => Math.max(m, Number(v)), 0);
    return Array.from({ length: max + 1 }, (_, i) => String(i));
  }
  return [...new Set(values)].sort();
}
