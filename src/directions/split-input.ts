/**
 * The one input shape of the estimators: a split's embeddings lined up with its labels, ids, groups,
 * class vocabulary and the model's predictions. `splitInput` builds it from what users have — an
 * `ImageDataset` plus its embeddings and `predict()` output, or a predictions table read from a CSV
 * plus an embedding matrix — and checks that everything is row-aligned and speaks one vocabulary.
 */
import type { ImageDataset } from '../data/image-dataset';
import { attachedClassNames } from '../data/table-vocabulary';
import type { Matrix } from '../util/matrix';

/**
 * One split, ready for {@link FailureDirections.fit} / {@link FailureDirections.scores}: row `i` of
 * every field describes the same image.
 */
export interface SplitInput {
  /** Embeddings, n x d (row i = image i of the split). */
  latents: Matrix;
  /** True class id per row, an index into `classNames`. */
  labels: Int32Array;
  /** The class vocabulary: index = class id. */
  classNames: string[];
  /** A stable id per row (file path, corpus index, ...). */
  ids: Array<string | number>;
  /** The split's name (`'val'`, `'test'`, ...), copied into tables. */
  split: string;
  /** Predicted class id per row (what `fit` needs; absent for an unlabelled pool without a model). */
  preds?: Int32Array;
  /** The model's probability of the true class per row (NaN where unknown). */
  confidences?: Float64Array;
  /** The model's class probabilities, n x classes, when known (for label-free baselines). */
  probs?: Matrix;
  /** Ground-truth subgroup per row, when known (benchmarks): becomes a `group` column. */
  groups?: Array<string | number | null>;
}

/** {@link SplitInput} with the model's predictions, as `fit` needs. */
export interface SplitInputWithPredictions extends SplitInput {
  preds: Int32Array;
  confidences: Float64Array;
}

/**
 * The part of an Arquero table read here: a `predict()` / `readPredictionsCsv()` table has `id`,
 * `label`, `className`, `pred`, `predName`, `confidence` and optionally `split` and `group`.
 */
export interface PredictionsTableLike {
  numRows(): number;
  columnNames(): string[];
  array(name: string): ArrayLike<unknown>;
  column(name: string): unknown;
}

/** Typed-array predictions, e.g. from `predictArrays`: predicted class, and optionally confidence and probabilities. */
export interface PredictionArraysLike {
  pred: ArrayLike<number>;
  confidence?: ArrayLike<number>;
  probs?: Matrix;
}

/** Model outputs on a split: a `predict()` table, `predictArrays()` output or `{ pred, confidence? }`. */
export type PredictionsLike = PredictionsTableLike | PredictionArraysLike;

/** Options of the table form of {@link splitInput}. */
export interface SplitInputOptions {
  /** Take only the rows whose `split` column equals this (e.g. `'val'`); default all rows. */
  split?: string;
  /** The class vocabulary, when the table does not carry it (tables from this package do). */
  classNames?: string[];
}

/**
 * Lines up one split for the estimators, in either of two forms:
 *
 * - `splitInput(split, latents, predictions?)`: an `ImageDataset`, its embeddings (one row per image,
 *   in split order) and the model's predictions on it (`predict()` table or `predictArrays()`
 *   output). Labels, ids, groups, the split name and the class vocabulary come from the dataset.
 * - `splitInput(predictionsTable, latents, { split })`: predictions computed elsewhere (a table from
 *   `readPredictionsCsv`) and an embedding matrix (e.g. `loadNpy('val.npy')`), row i of the
 *   matrix = the i-th row of that split in the file.
 *
 * Checks: the latents have one row per image; a predictions table with an `id` column lists the
 * split's ids in the same order; every class id is inside the vocabulary; where the table names its
 * classes (`className`, `predName`), the names agree with the vocabulary. Errors name the split, the
 * row and both sides of a mismatch.
 *
 * @example
 * ```ts
 * const valInput = fd.splitInput(val, await fd.embed(encoder, val), await fd.predict(model, val));
 * const dirs = new fd.FailureDirections({ seed: 0 }).setPreprocess(await fd.embed(encoder, train)).fit(valInput);
 * ```
 */
export function splitInput(split: ImageDataset, latents: Matrix, predictions: PredictionsLike): SplitInputWithPredictions;
export function splitInput(split: ImageDataset, latents: Matrix, predictions?: PredictionsLike): SplitInput;
export function splitInput(predictions: PredictionsTableLike, latents: Matrix, options?: SplitInputOptions): SplitInputWithPredictions;
export function splitInput(
  first: ImageDataset | PredictionsTableLike,
  latents: Matrix,
  third?: PredictionsLike | SplitInputOptions,
): SplitInput | SplitInputWithPredictions {
  if (first != null && isTable(first)) return fromTable(first, latents, (third ?? {}) as SplitInputOptions);
  return fromDataset(first as ImageDataset, latents, third as PredictionsLike | undefined);
}

const caller = 'splitInput';

function fromDataset(split: ImageDataset, latents: Matrix, predictions?: PredictionsLike): SplitInput | SplitInputWithPredictions {
  if (split == null || typeof split !== 'object' || split.labels == null) throw new TypeError(`${caller}: expected an ImageDataset or a predictions table as the first argument, got ${split}`);
  const name = split.name ?? 'split';
  const n = split.labels.length;
  checkLatents(latents, n, name);
  if (split.ids.length !== n) throw new RangeError(`${caller}: split '${name}' has ${n} labels but ${split.ids.length} ids`);
  const classNames = [...split.classNames].map(String);
  const labels = Int32Array.from(split.labels);
  checkIds(labels, classNames, name, 'label');
  const base: SplitInput = {
    latents,
    labels,
    classNames,
    ids: Array.from(split.ids),
    split: name,
    ...(split.groups ? { groups: Array.from(split.groups) } : {}),
  };
  if (predictions == null) return base;

  if (isTable(predictions)) {
    const cols = predictions.columnNames();
    if (predictions.numRows() !== n) throw new RangeError(`${caller}: split '${name}' has ${n} images but the predictions table has ${predictions.numRows()} rows`);
    if (!cols.includes('pred')) throw new Error(`${caller}: the predictions table for split '${name}' has no 'pred' column (columns: ${cols.join(', ')})`);
    if (cols.includes('id')) {
      const ids = predictions.array('id');
      for (let i = 0; i < n; i++) {
        if (String(ids[i]) !== String(split.ids[i])) {
          throw new Error(`${caller}: row ${i} of the predictions table has id ${JSON.stringify(ids[i])} but split '${name}' has ${JSON.stringify(split.ids[i])} there (predictions must be in split order)`);
        }
      }
    }
    const tableNames = attachedClassNames(predictions);
    if (tableNames && !sameNames(tableNames, classNames)) {
      throw new Error(`${caller}: the predictions table's classes (${describe(tableNames)}) differ from split '${name}''s classes (${describe(classNames)})`);
    }
    const preds = classIds(predictions.array('pred'), n, name, 'predicted class');
    checkIds(preds, classNames, name, 'predicted class');
    if (cols.includes('predName')) checkNames(predictions.array('predName'), preds, classNames, name, 'predName');
    if (cols.includes('label')) {
      const lab = predictions.array('label');
      for (let i = 0; i < n; i++) {
        if (lab[i] !== labels[i]) throw new Error(`${caller}: row ${i} of the predictions table has label ${JSON.stringify(lab[i])} but split '${name}' has ${labels[i]} ('${classNames[labels[i]]}') there`);
      }
    }
    const confidences = confidenceColumn(cols.includes('confidence') ? predictions.array('confidence') : undefined, n, name);
    return { ...base, preds, confidences };
  }
  if (predictions.pred == null) throw new TypeError(`${caller}: predictions for split '${name}' must be a predict() table or predictArrays() output, got {${Object.keys(predictions).join(', ')}}`);
  if (predictions.pred.length !== n) throw new RangeError(`${caller}: split '${name}' has ${n} images but the predictions have ${predictions.pred.length} entries`);
  if (predictions.confidence && predictions.confidence.length !== n) throw new RangeError(`${caller}: split '${name}' has ${n} images but the confidences have ${predictions.confidence.length} entries`);
  const preds = classIds(predictions.pred, n, name, 'predicted class');
  checkIds(preds, classNames, name, 'predicted class');
  const out: SplitInputWithPredictions = { ...base, preds, confidences: confidenceColumn(predictions.confidence, n, name) };
  if (predictions.probs) {
    if (predictions.probs.rows !== n) throw new RangeError(`${caller}: split '${name}' has ${n} images but the probabilities have ${predictions.probs.rows} rows`);
    if (predictions.probs.cols !== classNames.length) throw new RangeError(`${caller}: the probabilities of split '${name}' have ${predictions.probs.cols} columns but the split has ${classNames.length} classes`);
    out.probs = predictions.probs;
  }
  return out;
}

function fromTable(table: PredictionsTableLike, latents: Matrix, opts: SplitInputOptions): SplitInputWithPredictions {
  const cols = table.columnNames();
  for (const need of ['id', 'label', 'pred']) {
    if (!cols.includes(need)) throw new Error(`${caller}: the predictions table has no '${need}' column (columns: ${cols.join(', ')})`);
  }
  const attached = attachedClassNames(table);
  if (opts.classNames && attached && !sameNames(opts.classNames.map(String), attached)) {
    throw new Error(`${caller}: classNames (${describe(opts.classNames)}) differ from the predictions table's classes (${describe(attached)})`);
  }
  let rows: number[] | null = null;
  let name = opts.split ?? '';
  if (opts.split !== undefined) {
    if (!cols.includes('split')) throw new Error(`${caller}: the predictions table has no 'split' column, so split '${opts.split}' cannot be selected`);
    const s = table.array('split');
    rows = [];
    for (let i = 0; i < s.length; i++) if (s[i] === opts.split) rows.push(i);
    if (rows.length === 0) {
      const found = [...new Set(Array.from(s, String))];
      throw new Error(`${caller}: the predictions table has no rows of split '${opts.split}' (splits: ${found.join(', ')})`);
    }
  } else if (cols.includes('split')) {
    const found = [...new Set(Array.from(table.array('split'), String))];
    if (found.length > 1) throw new Error(`${caller}: the predictions table holds several splits (${found.join(', ')}); pass { split: '<name>' } to pick one`);
    name = found[0] ?? '';
  }
  const pick = <T>(a: ArrayLike<T>): T[] => (rows ? rows.map((i) => a[i]) : Array.from(a));
  const n = rows ? rows.length : table.numRows();
  const where = name || 'predictions';
  checkLatents(latents, n, where);
  const labelsRaw = pick(table.array('label'));
  const predsRaw = pick(table.array('pred'));
  const classNames = opts.classNames?.map(String) ?? attached ?? vocabularyFromRows(table, rows, where);
  const labels = classIds(labelsRaw, n, where, 'label');
  const preds = classIds(predsRaw, n, where, 'predicted class');
  checkIds(labels, classNames, where, 'label');
  checkIds(preds, classNames, where, 'predicted class');
  if (cols.includes('className')) checkNames(pick(table.array('className')), labels, classNames, where, 'className');
  if (cols.includes('predName')) checkNames(pick(table.array('predName')), preds, classNames, where, 'predName');
  const ids = pick(table.array('id')) as Array<string | number>;
  const seen = new Map<string, number>();
  ids.forEach((id, i) => {
    const prev = seen.get(String(id));
    if (prev !== undefined) throw new Error(`${caller}: id ${JSON.stringify(id)} appears twice in split '${where}' (rows ${prev} and ${i})`);
    seen.set(String(id), i);
  });
  const out: SplitInputWithPredictions = {
    latents,
    labels,
    classNames,
    ids,
    split: name,
    preds,
    confidences: confidenceColumn(cols.includes('confidence') ? pick(table.array('confidence')) : undefined, n, where),
  };
  if (cols.includes('group')) out.groups = pick(table.array('group')) as Array<string | number | null>;
  return out;
}

/** Class names from a table's (label, className) and (pred, predName) pairs; every id up to the largest must be named. */
function vocabularyFromRows(table: PredictionsTableLike, rows: number[] | null, where: string): string[] {
  const cols = table.columnNames();
  const named = new Map<number, string>();
  const add = (idCol: string, nameCol: string) => {
    if (!cols.includes(nameCol)) return;
    const ids = table.array(idCol);
    const names = table.array(nameCol);
    for (const i of rows ?? Array.from({ length: ids.length }, (_, k) => k)) {
      const id = ids[i] as number;
      const nm = String(names[i]);
      const prev = named.get(id);
      if (prev !== undefined && prev !== nm) throw new Error(`${caller}: class id ${id} is called both '${prev}' and '${nm}' in split '${where}'`);
      named.set(id, nm);
    }
  };
  add('label', 'className');
  add('pred', 'predName');
  if (named.size === 0) throw new Error(`${caller}: the predictions table carries no class names (no className / predName columns); pass { classNames }`);
  const max = Math.max(...named.keys());
  const out: string[] = [];
  for (let c = 0; c <= max; c++) {
    const nm = named.get(c);
    if (nm === undefined) throw new Error(`${caller}: class id ${c} never appears in split '${where}', so its name is unknown; pass { classNames }`);
    out.push(nm);
  }
  return out;
}

function checkLatents(latents: Matrix, n: number, where: string): void {
  if (latents == null || typeof latents.rows !== 'number' || !(latents.data instanceof Float32Array)) {
    throw new TypeError(`${caller}: expected the latents of split '${where}' (a Matrix {data, rows, cols}) as the second argument, got ${latents}`);
  }
  if (latents.rows !== n) throw new RangeError(`${caller}: split '${where}' has ${n} images but the latents have ${latents.rows} rows (embed this split, in split order)`);
}

function classIds(a: ArrayLike<unknown>, n: number, where: string, what: string): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new RangeError(`${caller}: ${what} at row ${i} of split '${where}' is ${JSON.stringify(v)}, not a class id`);
    out[i] = v;
  }
  return out;
}

function checkIds(ids: Int32Array, classNames: string[], where: string, what: string): void {
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] >= classNames.length) {
      throw new RangeError(`${caller}: ${what} ${ids[i]} at row ${i} of split '${where}' is outside its vocabulary (${describe(classNames)})`);
    }
  }
}

function checkNames(names: ArrayLike<unknown>, ids: Int32Array, classNames: string[], where: string, column: string): void {
  for (let i = 0; i < ids.length; i++) {
    if (names[i] != null && String(names[i]) !== classNames[ids[i]]) {
      throw new Error(`${caller}: row ${i} of split '${where}' has ${column} '${String(names[i])}' for class id ${ids[i]}, but the vocabulary calls class ${ids[i]} '${classNames[ids[i]]}'`);
    }
  }
}

function confidenceColumn(a: ArrayLike<unknown> | undefined, n: number, where: string): Float64Array {
  const out = new Float64Array(n).fill(NaN);
  if (!a) return out;
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number') throw new TypeError(`${caller}: confidence at row ${i} of split '${where}' is ${JSON.stringify(v)}, not a number`);
    out[i] = v;
  }
  return out;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A vocabulary for an error message: its size and first names. */
export function describe(names: readonly string[]): string {
  const shown = names.slice(0, 6).map((s) => `'${s}'`).join(', ');
  return `${names.length} classes: ${shown}${names.length > 6 ? ', ...' : ''}`;
}

function isTable(x: unknown): x is PredictionsTableLike {
  return !!x && typeof (x as PredictionsTableLike).numRows === 'function' && typeof (x as PredictionsTableLike).array === 'function';
}
