/**
 * Reading a model's predictions computed elsewhere (e.g. in Python next to CLIP features saved as
 * `.npy`) from a CSV file, row-aligned per split with the embedding files.
 */
import * as fs from 'node:fs';
import * as aq from 'arquero';
import { parseCsv } from './csv';
import { attachClassNames } from './table-vocabulary';

/** Options of {@link readPredictionsCsv}. */
export interface ReadPredictionsOptions {
  /**
   * Class names in label order. `label` / `pred` values may then be these names or integer ids into
   * this list. Default: integer ids when every label and prediction is an integer (names `'0'`,
   * `'1'`, ... up to the largest), else the distinct names of both columns, sorted.
   */
  classNames?: string[];
}

const KNOWN = ['id', 'label', 'pred', 'confidence', 'split', 'group'] as const;

/**
 * Reads a predictions CSV with a header row and columns `id`, `label`, `pred` plus optional
 * `confidence` (the model's probability of the true class), `split` and `group` (any order,
 * case-insensitive; other columns are ignored). `label` and `pred` are class names or integer
 * class ids. Returns the same table as `predict()` — `id, split, label, className, pred, predName,
 * correct, confidence[, group]` — in file order (a file without a `split` column gets split `''`),
 * carrying its class vocabulary, so `splitInput(preds, loadNpy('val.npy'), { split: 'val' })` lines up
 * the i-th `val` row with row i of the embedding file. Errors name the file and line: a missing
 * column, an empty id, label or prediction, an unknown class, a confidence that is not a number in
 * [0, 1], or an id repeated within a split.
 *
 * @example
 * ```ts
 * // predictions.csv:  id,split,label,pred,confidence
 * //                   img/001.png,val,cat,dog,0.12
 * const preds = fd.readPredictionsCsv('predictions.csv');
 * const valInput = fd.splitInput(preds, fd.loadNpy('val.npy'), { split: 'val' });
 * ```
 */
export function readPredictionsCsv(file: string, opts: ReadPredictionsOptions = {}): aq.ColumnTable {
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
    splitOf[i] = col.split !== undefined ? cell(r, 'split', true) : '';
    if (groups) groups[i] = cell(r, 'group', false);
  }

  const firstLine = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = `${splitOf[i]}\u0000${ids[i]}`;
    const prev = firstLine.get(key);
    if (prev !== undefined) throw new Error(`${file}: line ${lines[i]}: id '${ids[i]}' already appears on line ${lines[prev]}${col.split === undefined ? '' : ` in split '${splitOf[i]}'`}`);
    firstLine.set(key, i);
  }
  const columns: Record<string, ArrayLike<unknown>> = {
    id: ids,
    split: splitOf,
    label: labels,
    className: Array.from(labels, (c) => classNames[c]),
    pred: preds,
    predName: Array.from(preds, (c) => classNames[c]),
    correct: Array.from(labels, (c, i) => c === preds[i]),
    confidence: confidences,
  };
  if (groups) columns.group = groups;
  return attachClassNames(aq.table(columns as Record<string, unknown[]>), classNames);
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
