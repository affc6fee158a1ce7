/**
 * Reading a model's predictions computed elsewhere (e.g. in Python next to CLIP features saved as
 * `.npy`) from a CSV file, row-aligned per split with the embedding files. Also reads back every
 * predictions or scores table this package returns, written with Arquero's `toCSV`.
 */
import * as aq from 'arquero';
import { canonicalLabel, classIndex, classVocabulary, encodeLabels, isNumericLabel, LabelsAs } from './class-vocabulary';
import { CsvDelimiter, csvFormat, CsvRow, readCsvFile } from './csv';
import { attachClassNames } from './table-vocabulary';

/** Options of {@link readPredictionsCsv}. */
export interface ReadPredictionsOptions {
  /**
   * Class names in label order. `label` / `pred` values (or `className` / `predName` when the file
   * has them) are matched to these names by canonical form (`5.0` is class `5`); integer ids into
   * this list are accepted too (see `labelsAs`). Default: the vocabulary written in the file (its
   * `label`/`className` pairs, when every id is named), else the distinct labels and predictions in
   * the order of `classVocabulary` (numbers by value, then names).
   */
  classNames?: string[];
  /** Read `label` / `pred` as class names or as integer ids into `classNames` (default: decided per column, see `encodeLabels`). */
  labelsAs?: LabelsAs;
  /** The delimiter (default: detected from the header: `,`, `;`, tab or `|`). */
  delimiter?: CsvDelimiter;
}

const KNOWN = ['id', 'label', 'pred', 'confidence', 'split', 'group', 'classname', 'predname'] as const;
type Known = (typeof KNOWN)[number];

/** Cells that mean "no value": empty, and what pandas, R, Arquero and spreadsheets write for missing numbers. */
const MISSING = new Set(['', 'nan', 'na', 'n/a', 'null', 'none', '#n/a']);

/**
 * Reads a predictions CSV with a header row and columns `id`, `label`, `pred` plus optional
 * `confidence` (the model's probability of the true class), `split`, `group`, `className` and
 * `predName` (any order, case-insensitive; other columns are ignored). Returns the same table as
 * `predict()` — `id, split, label, className, pred, predName, correct, confidence[, group]` — in file
 * order (a file without a `split` column gets split `''`), carrying its class vocabulary, so
 * `splitInput(preds, loadNpy('val.npy'), { split: 'val' })` lines up the i-th `val` row with row i of
 * the embedding file.
 *
 * Labels follow the package's one vocabulary rule (`classVocabulary`, `encodeLabels`): the same
 * written label is the same class as in `imageFolder` and `fromManifest` (labels `0, 2, 5` are
 * classes 0, 1, 2 in all three). A file with `className` / `predName` columns (a table of this
 * package written with Arquero's `toCSV`) reads back with its own vocabulary and ids.
 *
 * Formats: UTF-8 (with or without a BOM) or UTF-16 (Excel's "Unicode Text"); `,`, `;`, tab or `|`
 * delimiters, detected from the header; a missing confidence may be empty or `NaN`, `NA`, `null`
 * (as `toCSV`, pandas and R write it); with `;` a decimal comma (`0,25`) is read too.
 *
 * Errors name the file and line (and how it was read when that is not plain UTF-8 with commas): a
 * missing column, an empty id, label or prediction, an unknown class, a confidence that is not a
 * number in [0, 1], an id repeated within a split, a file that is not text (Latin-1, an `.xlsx`).
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
  let csv: ReturnType<typeof readCsvFile>;
  try {
    csv = readCsvFile(file, { expect: ['id', 'label', 'pred'], delimiter: opts.delimiter });
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith('cannot read') ? `readPredictionsCsv: ${msg}` : msg, { cause: e });
  }
  const how = csv.encoding === 'utf-8' && csv.delimiter === ',' ? '' : ` (read as ${csvFormat(csv)})`;
  if (csv.header.length === 0) throw new Error(`${file}: empty file (expected a header row with id,label,pred)`);
  const header = csv.header.map((h) => h.toLowerCase());
  const col: Partial<Record<Known, number>> = {};
  for (const name of KNOWN) {
    const at = header.indexOf(name);
    if (at >= 0) {
      if (header.indexOf(name, at + 1) >= 0) throw new Error(`${file}${how}: line 1: column '${csv.header[at]}' appears twice`);
      col[name] = at;
    }
  }
  for (const name of ['id', 'label', 'pred'] as const) {
    if (col[name] === undefined) {
      throw new Error(`${file}${how}: line 1: no '${name}' column (header: ${csv.header.join(',')}; needs id,label,pred and optionally confidence,split,group)`);
    }
  }
  const body = csv.rows;
  const at = (r: CsvRow) => `${file}${how}: line ${r.line}`;
  const cell = (r: CsvRow, name: Known, required: boolean): string => {
    const i = col[name];
    const v = i === undefined ? '' : (r.fields[i] ?? '').trim();
    if (required && v === '') throw new Error(`${at(r)}: empty '${name}'`);
    return v;
  };
  const n = body.length;
  const rawLabels = body.map((r) => cell(r, 'label', true));
  const rawPreds = body.map((r) => cell(r, 'pred', true));
  const where = (i: number) => at(body[i]);
  const { classNames, labels, preds } =
    col.classname !== undefined
      ? namedClasses(body, rawLabels, rawPreds, (r, name) => cell(r, name, false), col.predname !== undefined, opts, where)
      : (() => {
          const names = opts.classNames ? opts.classNames.map(String) : classVocabulary([...rawLabels, ...rawPreds]);
          if (!opts.classNames) refusePredictionOnlyClasses(rawLabels, rawPreds, where);
          return {
            classNames: names,
            labels: encodeLabels(rawLabels, names, { labelsAs: opts.labelsAs, what: 'label', where }),
            preds: encodeLabels(rawPreds, names, { labelsAs: opts.labelsAs, what: 'prediction', where }),
          };
        })();

  const ids: string[] = new Array(n);
  const confidences = new Float64Array(n).fill(NaN);
  const splitOf: string[] = new Array(n);
  const groups: Array<string | null> | undefined = col.group !== undefined ? new Array(n) : undefined;
  const decimalComma = csv.delimiter === ';';
  for (let i = 0; i < n; i++) {
    const r = body[i];
    ids[i] = cell(r, 'id', true);
    if (col.confidence !== undefined) {
      const c = cell(r, 'confidence', false);
      if (!MISSING.has(c.toLowerCase())) {
        const v = Number(decimalComma && /^[+-]?\d*,\d+$/.test(c) ? c.replace(',', '.') : c);
        if (!Number.isFinite(v) || v < 0 || v > 1) throw new Error(`${at(r)}: confidence '${c}' is not a number in [0, 1]`);
        confidences[i] = v;
      }
    }
    splitOf[i] = col.split !== undefined ? cell(r, 'split', true) : '';
    if (groups) {
      const g = cell(r, 'group', false);
      groups[i] = g === '' ? null : g;
    }
  }

  const firstLine = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = `${splitOf[i]}\u0000${ids[i]}`;
    const prev = firstLine.get(key);
    if (prev !== undefined) throw new Error(`${at(body[i])}: id '${ids[i]}' already appears on line ${body[prev].line}${col.split === undefined ? '' : ` in split '${splitOf[i]}'`}`);
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

/**
 * Classes of a file that names them (`className`, and `predName` when present): a table of this
 * package written with `toCSV`, whose `label` / `pred` columns are ids into its vocabulary. The
 * names decide the class; each id must go with one name and each name with one id. The vocabulary
 * is the written one (id -> name) when every id up to the largest is named, else the names in the
 * order of `classVocabulary`, unless `classNames` are given.
 */
function namedClasses(
  body: CsvRow[],
  rawLabels: string[],
  rawPreds: string[],
  cell: (r: CsvRow, name: Known) => string,
  hasPredName: boolean,
  opts: ReadPredictionsOptions,
  where: (i: number) => string,
): { classNames: string[]; labels: Int32Array; preds: Int32Array } {
  const n = body.length;
  const labelNames = body.map((r, i) => {
    const v = cell(r, 'classname');
    if (v === '') throw new Error(`${where(i)}: empty 'className'`);
    return v;
  });
  const predNames = hasPredName
    ? body.map((r, i) => {
        const v = cell(r, 'predname');
        if (v === '') throw new Error(`${where(i)}: empty 'predName'`);
        return v;
      })
    : undefined;
  // Each written id goes with one name, and each name with one id.
  const nameOfId = new Map<string, { name: string; i: number }>();
  const idOfName = new Map<string, { id: string; i: number }>();
  const pair = (id: string, name: string, i: number, idCol: string, nameCol: string) => {
    const idKey = canonicalLabel(id);
    const nameKey = canonicalLabel(name);
    const a = nameOfId.get(idKey);
    if (a && canonicalLabel(a.name) !== nameKey) throw new Error(`${where(i)}: ${idCol} ${id} is called '${name}' (${nameCol}) here but '${a.name}' on line ${body[a.i].line}`);
    if (!a) nameOfId.set(idKey, { name, i });
    const b = idOfName.get(nameKey);
    if (b && b.id !== idKey) throw new Error(`${where(i)}: class '${name}' has ${idCol} ${id} here but ${b.id} on line ${body[b.i].line}`);
    if (!b) idOfName.set(nameKey, { id: idKey, i });
  };
  for (let i = 0; i < n; i++) {
    pair(rawLabels[i], labelNames[i], i, 'label', 'className');
    if (predNames) pair(rawPreds[i], predNames[i], i, 'pred', 'predName');
  }
  let classNames: string[];
  if (opts.classNames) classNames = opts.classNames.map(String);
  else {
    const written = [...nameOfId.entries()];
    const allIds = written.every(([id]) => /^\d+$/.test(id));
    const max = allIds ? Math.max(-1, ...written.map(([id]) => Number(id))) : -1;
    if (allIds && written.length === max + 1) {
      classNames = new Array(max + 1);
      for (const [id, { name }] of written) classNames[Number(id)] = name;
    } else classNames = classVocabulary([...labelNames, ...(predNames ?? [])]);
    if (predNames) refusePredictionOnlyClasses(labelNames, predNames, where);
  }
  classIndex(classNames);
  const labels = encodeLabels(labelNames, classNames, { labelsAs: 'names', what: 'className', where });
  let preds: Int32Array;
  if (predNames) preds = encodeLabels(predNames, classNames, { labelsAs: 'names', what: 'predName', where });
  else {
    // Predictions as ids or names, mapped through the pairs seen in the label columns when they are ids.
    const byId = new Map([...nameOfId.entries()].map(([id, { name }]) => [id, name]));
    const mapped = rawPreds.map((p) => byId.get(canonicalLabel(p)) ?? p);
    preds = encodeLabels(mapped, classNames, { labelsAs: opts.labelsAs, what: 'prediction', where });
  }
  return { classNames, labels, preds };
}

/**
 * With the classes inferred from the file, a class *name* that only ever appears as a prediction is
 * far more often a typo ("Sandl") than a real class: it would become a class of its own and shift every
 * class id after it. Refused, naming its first line; pass `classNames` to declare such a class.
 */
function refusePredictionOnlyClasses(labels: string[], preds: string[], where: (i: number) => string): void {
  const seen = new Set(labels.map((l) => canonicalLabel(l)));
  for (let i = 0; i < preds.length; i++) {
    const p = canonicalLabel(preds[i]);
    // Integer ids may name classes that no row of this file has (a subset of a bigger model's classes).
    if (seen.has(p) || isNumericLabel(preds[i])) continue;
    const known = [...seen].slice(0, 8).join(', ') + (seen.size > 8 ? ', ...' : '');
    throw new Error(
      `${where(i)}: prediction '${preds[i]}' is not the label of any row (labels: ${known}). A typo? If the model can predict a class that no row has as its label, pass classNames to readPredictionsCsv.`,
    );
  }
}
