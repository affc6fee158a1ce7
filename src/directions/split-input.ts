/**
 * The one input shape of the estimators: a split's embeddings lined up with its labels, ids, groups,
 * class vocabulary and the model's predictions. `splitInput` builds it from what users have — an
 * `ImageDataset` plus its embeddings and `predict()` output, or a predictions table read from a CSV
 * plus an embedding matrix — and checks that everything is row-aligned and speaks one vocabulary.
 */
import type { ImageDataset } from '../data/image-dataset';
import { canonicalLabel, classIndex, describeClasses, sameVocabulary, vocabularyMap } from '../data/class-vocabulary';
import { attachedClassNames } from '../data/table-vocabulary';
import { predictionProbs } from '../model/predict';
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
  /**
   * The model's class probabilities, n x classes, when known (for the label-free baselines): from
   * `predictArrays()` output, or a `predict()` table as returned (a derived or re-read table has none).
   */
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
 * Class vocabularies are compared by name, with the package's one label rule (`canonicalLabel`:
 * `'5'`, `'05'` and `'5.0'` are one class). A predictions table whose vocabulary differs from the
 * split's (e.g. read from a CSV that lacks a class, or listing the classes in another order) has its
 * ids translated by name; a class it uses that the split's vocabulary lacks is an error naming the
 * row, the class and both vocabularies. Invalid vocabularies (a name twice) are refused.
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
  classIndex(classNames, `${caller}: split '${name}''s classNames`);
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
    predictions = rowsOfSplit(predictions, name);
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
    const toSplit = tableNames ? translation(tableNames, classNames) : null;
    const tableSide = tableNames ? `the predictions table's classes (${describe(tableNames)})` : '';
    const preds = classIds(predictions.array('pred'), n, name, 'predicted class');
    if (toSplit) translate(preds, toSplit, tableNames!, classNames, name, 'predicted class', tableSide);
    checkIds(preds, classNames, name, 'predicted class');
    if (cols.includes('predName')) checkNames(predictions.array('predName'), preds, classNames, name, 'predName');
    if (cols.includes('label')) {
      const lab = classIds(predictions.array('label'), n, name, 'label');
      if (toSplit) translate(lab, toSplit, tableNames!, classNames, name, 'label', tableSide);
      for (let i = 0; i < n; i++) {
        if (lab[i] !== labels[i]) {
          throw new Error(`${caller}: row ${i} of the predictions table has label ${lab[i]} ('${classNames[lab[i]] ?? '?'}') but split '${name}' has ${labels[i]} ('${classNames[labels[i]]}') there`);
        }
      }
    }
    const confidences = confidenceColumn(cols.includes('confidence') ? predictions.array('confidence') : undefined, n, name);
    // A predict() table carries its class probabilities (for the label-free baselines).
    const probs = predictionProbs(predictions);
    return { ...base, preds, confidences, ...(probs && probs.rows === n && probs.cols === classNames.length ? { probs } : {}) };
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
  const given = opts.classNames?.map(String);
  if (given) classIndex(given, `${caller}: classNames`);
  let rows: number[] | null = null;
  let name = opts.split ?? '';
  if (opts.split !== undefined) {
    if (!cols.includes('split')) throw new Error(`${caller}: the predictions table names no splits (it has no 'split' column), so split '${opts.split}' cannot be selected: add a split column, or pass one table per split (e.g. analyze({ predictions: { val: valTable, test: testTable } }))`);
    const s = table.array('split');
    rows = [];
    for (let i = 0; i < s.length; i++) if (s[i] === opts.split) rows.push(i);
    if (rows.length === 0) {
      const found = [...new Set(Array.from(s, (v) => (v == null ? '' : String(v))))];
      if (found.length === 1 && found[0] === '') {
        throw new Error(`${caller}: the predictions table names no splits (its file has no 'split' column), so split '${opts.split}' cannot be selected: add a split column, or pass one table per split (e.g. analyze({ predictions: { val: valTable, test: testTable } }))`);
      }
      throw new Error(`${caller}: the predictions table has no rows of split '${opts.split}' (splits: ${found.map((v) => `'${v}'`).join(', ')})`);
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
  const classNames = given ?? attached ?? vocabularyFromRows(table, rows, where);
  const labels = classIds(labelsRaw, n, where, 'label');
  const preds = classIds(predsRaw, n, where, 'predicted class');
  if (given && attached) {
    // The table's ids index its own vocabulary: translate them by name into the given one.
    const map = translation(attached, given);
    if (map) {
      const side = `the predictions table's classes (${describe(attached)})`;
      translate(labels, map, attached, given, where, 'label', side);
      translate(preds, map, attached, given, where, 'predicted class', side);
    }
  }
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
      if (prev !== undefined && canonicalLabel(prev) !== canonicalLabel(nm)) throw new Error(`${caller}: class id ${id} is called both '${prev}' and '${nm}' in split '${where}'`);
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
  const keys = classNames.map(canonicalLabel);
  for (let i = 0; i < ids.length; i++) {
    if (names[i] != null && canonicalLabel(String(names[i])) !== keys[ids[i]]) {
      throw new Error(`${caller}: row ${i} of split '${where}' has ${column} '${String(names[i])}' for class id ${ids[i]}, but the vocabulary calls class ${ids[i]} '${classNames[ids[i]]}'`);
    }
  }
}

/** Ids of `from`'s classes in `to` (by canonical name), or null when the vocabularies are the same. */
function translation(from: readonly string[], to: readonly string[]): Int32Array | null {
  classIndex(from, `${caller}: the predictions table's classes`);
  classIndex(to, `${caller}: the split's classes`);
  return sameVocabulary(from, to) ? null : vocabularyMap(from, to);
}

/** Rewrites ids of vocabulary `from` into ids of `to` in place; a class `to` lacks is an error naming both sides. */
function translate(ids: Int32Array, map: Int32Array, from: readonly string[], to: readonly string[], where: string, what: string, fromSide: string): void {
  for (let i = 0; i < ids.length; i++) {
    const c = ids[i];
    if (c >= from.length) throw new RangeError(`${caller}: ${what} ${c} at row ${i} of split '${where}' is outside ${fromSide}`);
    if (map[c] < 0) {
      throw new Error(`${caller}: ${what} '${from[c]}' (class ${c} of ${fromSide}) at row ${i} is not a class of split '${where}' (${describe(to)})`);
    }
    ids[i] = map[c];
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

/** A vocabulary for an error message: its size and first names. */
export function describe(names: readonly string[]): string {
  return describeClasses(names);
}

/**
 * A predictions table holding several splits (a CSV with a `split` column) narrowed to split `name`'s
 * rows, as a view of the same table (so it keeps its class vocabulary); other tables unchanged.
 */
function rowsOfSplit(table: PredictionsTableLike, name: string): PredictionsTableLike {
  if (!table.columnNames().includes('split')) return table;
  const s = table.array('split');
  const found = new Set(Array.from(s, (v) => (v == null ? '' : String(v))));
  if (found.size <= 1 || !found.has(name)) return table;
  const t = table as unknown as { params(p: object): { filter(f: unknown): PredictionsTableLike } };
  return t.params({ fdSplit: name }).filter((d: { split: string }, $: { fdSplit: string }) => d.split === $.fdSplit);
}

function isTable(x: unknown): x is PredictionsTableLike {
  return !!x && typeof (x as PredictionsTableLike).numRows === 'function' && typeof (x as PredictionsTableLike).array === 'function';
}
